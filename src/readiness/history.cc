// Histories for the quarterly report's charts: RPO age over time (a sawtooth) and achieved RTO
// per drill.
#include <algorithm>

#include "readiness/assess.h"

namespace stormproof::readiness {
namespace {

using internal::kNsPerSecond;

Result<const plan::System*> FindSystem(const plan::Plan& plan, const std::string& id) {
  const plan::System* system = plan.FindSystem(id);
  if (system == nullptr) return Error::NotFound("unknown system '" + id + "'");
  return system;
}

// A completed backup: when its snapshot became restorable, and the snapshot's time.
struct Completion {
  int64_t at_ns;
  int64_t point_ns;
};

Result<std::vector<Completion>> CompletionsIn(const catalog::Catalog& catalog,
                                              const std::string& system, int64_t since_ns,
                                              int64_t until_ns) {
  catalog::RunQuery query;
  query.kind = catalog::RunKind::kBackup;
  query.system = system;
  query.since_ns = since_ns;
  query.until_ns = until_ns;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::Run> runs, catalog.Runs(query));
  std::vector<Completion> completions;
  for (const catalog::Run& run : runs) {
    if (!catalog::DidItsJob(run.outcome)) continue;
    int64_t at = std::max(run.finished_ns, run.started_ns);
    if (at <= until_ns) completions.push_back({at, internal::PointOf(run)});
  }
  std::sort(completions.begin(), completions.end(),
            [](const Completion& a, const Completion& b) { return a.at_ns < b.at_ns; });
  return completions;
}

// Builds the sawtooth and the time within the target, one segment at a time.
class Sawtooth {
 public:
  Sawtooth(std::optional<Duration> target, std::optional<int64_t> point_ns, RpoHistory* out)
      : target_(target), point_ns_(point_ns), out_(out) {}

  void Start(int64_t at_ns) {
    at_ns_ = at_ns;
    Emit(at_ns);
  }
  // Moves to `at_ns`, where a snapshot taken at `point_ns` becomes restorable.
  void Complete(int64_t at_ns, int64_t point_ns) {
    if (point_ns_ && point_ns <= *point_ns_) return;
    Advance(at_ns);
    Emit(at_ns);
    point_ns_ = point_ns;
    Emit(at_ns);
    ++out_->backups;
  }
  void Finish(int64_t until_ns, int64_t since_ns) {
    Advance(until_ns);
    Emit(until_ns);
    double span = static_cast<double>(until_ns - since_ns);
    out_->share_within = !target_ ? 1.0 : span <= 0 ? 0.0 : within_ns_ / span;
  }

 private:
  std::optional<Duration> AgeAt(int64_t at_ns) const {
    if (!point_ns_) return std::nullopt;
    return Duration::Seconds(std::max<int64_t>(0, (at_ns - *point_ns_) / kNsPerSecond));
  }
  void Emit(int64_t at_ns) { out_->points.push_back({at_ns, AgeAt(at_ns)}); }
  // Accounts the time from the previous moment to `at_ns`, during which the age grows linearly.
  void Advance(int64_t at_ns) {
    if (target_ && point_ns_) {
      double limit = static_cast<double>(*point_ns_) + target_->seconds() * 1e9;
      double within_until = std::min(static_cast<double>(at_ns), limit);
      within_ns_ += std::max(0.0, within_until - static_cast<double>(at_ns_));
    }
    at_ns_ = at_ns;
  }

  std::optional<Duration> target_;
  std::optional<int64_t> point_ns_;
  RpoHistory* out_;
  int64_t at_ns_ = 0;
  double within_ns_ = 0;
};

}  // namespace

Result<RpoHistory> ComputeRpoHistory(const plan::Plan& plan, const catalog::Catalog& catalog,
                                     const std::string& system_id, int64_t since_ns,
                                     int64_t until_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(const plan::System* system, FindSystem(plan, system_id));
  RpoHistory history;
  history.target = plan::ObjectivesOf(plan, *system).rpo;
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> before,
                              internal::LastGoodBackup(catalog, system_id, since_ns - 1));
  std::optional<int64_t> point;
  if (before) point = internal::PointOf(*before);
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Completion> completions,
                              CompletionsIn(catalog, system_id, since_ns, until_ns));
  Sawtooth sawtooth(history.target, point, &history);
  sawtooth.Start(since_ns);
  for (const Completion& c : completions) sawtooth.Complete(c.at_ns, c.point_ns);
  sawtooth.Finish(until_ns, since_ns);
  return history;
}

Result<std::vector<DrillPoint>> ComputeDrillHistory(const plan::Plan& plan,
                                                    const catalog::Catalog& catalog,
                                                    const std::string& system_id, int64_t since_ns,
                                                    int64_t until_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(const plan::System* system, FindSystem(plan, system_id));
  std::optional<Duration> plan_rto = plan::ObjectivesOf(plan, *system).rto;
  catalog::RunQuery query;
  query.system = system_id;
  query.since_ns = since_ns;
  query.until_ns = until_ns;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::DrillRecord> drills, catalog.Drills(query));
  std::vector<DrillPoint> points;
  for (auto it = drills.rbegin(); it != drills.rend(); ++it) {
    DrillPoint& point = points.emplace_back();
    point.run_id = it->run.id;
    point.started_ns = it->run.started_ns;
    point.outcome = it->run.outcome;
    const catalog::Drill& drill = it->drill;
    if (drill.achieved_rto_ms) point.achieved_rto = Duration::Seconds(*drill.achieved_rto_s());
    if (drill.achieved_rpo_s) point.achieved_rpo = Duration::Seconds(*drill.achieved_rpo_s);
    point.target_rto =
        drill.target_rto_s ? std::optional(Duration::Seconds(*drill.target_rto_s)) : plan_rto;
    point.within_target =
        point.achieved_rto && (!point.target_rto || *point.achieved_rto <= *point.target_rto);
  }
  return points;
}

}  // namespace stormproof::readiness
