// Histories for the quarterly report's charts: RPO age over time (a sawtooth, from the same
// evidence as status) and achieved RTO per drill (judged as status judges it).
#include <algorithm>

#include "continuity/readiness/internal/assess.h"
#include "core/time.h"

namespace stormproof::readiness {
namespace {

Result<const plan::System*> FindSystem(const plan::Plan& plan, const std::string& id) {
  const plan::System* system = plan.FindSystem(id);
  if (system == nullptr) return Error::NotFound("unknown system '" + id + "'");
  return system;
}

// A restore point becoming known: when its snapshot became restorable (the backup, or the
// drill that proved it, finished), and the snapshot's time.
struct Completion {
  int64_t at_ns;
  int64_t point_ns;
  bool by_drill;
};

int64_t FinishOf(const catalog::Run& run) { return std::max(run.finished_ns, run.started_ns); }

// What was known just before the period, as status sees it at that moment: the newest backup
// finished by then, or a newer snapshot proved by one of the last `drill_history` drills finished
// by then. The lookbacks are where to start looking for runs that finished within the period
// (a run started before the period may finish in it).
struct KnownBefore {
  std::optional<int64_t> point_ns;
  int64_t backup_lookback_ns = INT64_MIN;
  int64_t drill_lookback_ns = INT64_MIN;
};

Result<KnownBefore> PointBefore(const catalog::Catalog& catalog, const std::string& system,
                                int drill_history, int64_t since_ns) {
  const int64_t moment = since_ns - 1;
  KnownBefore known;
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> backup,
                              internal::LastGoodBackup(catalog, system, moment));
  if (backup) {
    known.point_ns = internal::PointOf(*backup);
    known.backup_lookback_ns = std::min(since_ns, backup->started_ns);
  }
  size_t limit = static_cast<size_t>(drill_history > 0 ? drill_history : 1);
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::DrillRecord> drills,
                              internal::RecentDrills(catalog, system, limit, moment));
  if (!drills.empty()) known.drill_lookback_ns = std::min(since_ns, drills.front().run.started_ns);
  for (const catalog::DrillRecord& d : drills) {
    if (!catalog::DidItsJob(d.run.outcome) || d.run.snapshot_time_ns == 0) continue;
    known.point_ns =
        std::max(known.point_ns.value_or(d.run.snapshot_time_ns), d.run.snapshot_time_ns);
  }
  return known;
}

// Backups that did their job, and passing drills with a snapshot time, finished in
// [since_ns, until_ns], in the order they finished.
Result<std::vector<Completion>> CompletionsIn(const catalog::Catalog& catalog,
                                              const std::string& system, const KnownBefore& known,
                                              int64_t since_ns, int64_t until_ns) {
  catalog::RunQuery query;
  query.system = system;
  query.until_ns = until_ns;
  query.outcomes = {catalog::Outcome::kOk, catalog::Outcome::kWarning};
  std::vector<Completion> completions;
  for (catalog::RunKind kind : {catalog::RunKind::kBackup, catalog::RunKind::kDrill}) {
    const bool drill = kind == catalog::RunKind::kDrill;
    query.kind = kind;
    query.since_ns = drill ? known.drill_lookback_ns : known.backup_lookback_ns;
    STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::Run> runs, catalog.Runs(query));
    for (const catalog::Run& run : runs) {
      if (drill && run.snapshot_time_ns == 0) continue;
      int64_t at = FinishOf(run);
      if (at < since_ns || at > until_ns) continue;
      completions.push_back({at, drill ? run.snapshot_time_ns : internal::PointOf(run), drill});
    }
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
    if (point_ns_) out_->measured_since_ns = at_ns;
    Emit(at_ns);
  }
  // Moves to `at_ns`, where a snapshot taken at `point_ns` becomes restorable. A point no newer
  // than the one known changes nothing.
  void Complete(const Completion& c) {
    if (point_ns_ && c.point_ns <= *point_ns_) return;
    Advance(c.at_ns);
    Emit(c.at_ns);
    point_ns_ = c.point_ns;
    if (!out_->measured_since_ns) out_->measured_since_ns = c.at_ns;
    Emit(c.at_ns);
    ++(c.by_drill ? out_->drill_proofs : out_->backups);
  }
  void Finish(int64_t until_ns) {
    Advance(until_ns);
    Emit(until_ns);
    if (!target_) {
      out_->share_within = 1.0;
      return;
    }
    if (!out_->measured_since_ns) return;  // never a restore point: 0
    double span = static_cast<double>(until_ns - *out_->measured_since_ns);
    out_->share_within = span <= 0 ? 1.0 : std::min(1.0, within_ns_ / span);
  }

 private:
  std::optional<Duration> AgeAt(int64_t at_ns) const {
    if (!point_ns_) return std::nullopt;
    return ElapsedSince(*point_ns_, at_ns);
  }
  void Emit(int64_t at_ns) { out_->points.push_back({at_ns, AgeAt(at_ns)}); }
  // Accounts the time from the previous moment to `at_ns`, during which the age grows linearly.
  void Advance(int64_t at_ns) {
    if (target_ && point_ns_) {
      double limit = static_cast<double>(*point_ns_) + target_->seconds() * double{kNsPerSecond};
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

std::optional<int64_t> JudgedRtoSeconds(const catalog::Drill& drill,
                                        std::optional<Duration> plan_rto) {
  if (drill.target_rto_s) return drill.target_rto_s;
  if (plan_rto) return plan_rto->seconds();
  return std::nullopt;
}

Result<RpoHistory> ComputeRpoHistory(const plan::Plan& plan, const catalog::Catalog& catalog,
                                     const std::string& system_id, int64_t since_ns,
                                     int64_t until_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(const plan::System* system, FindSystem(plan, system_id));
  RpoHistory history;
  history.target = plan::ObjectivesOf(plan, *system).rpo;
  STORMPROOF_ASSIGN_OR_RETURN(KnownBefore known,
                              PointBefore(catalog, system_id, plan.run.drill_history, since_ns));
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Completion> completions,
                              CompletionsIn(catalog, system_id, known, since_ns, until_ns));
  Sawtooth sawtooth(history.target, known.point_ns, &history);
  sawtooth.Start(since_ns);
  for (const Completion& c : completions) sawtooth.Complete(c);
  sawtooth.Finish(until_ns);
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
    if (std::optional<int64_t> target_s = JudgedRtoSeconds(drill, plan_rto)) {
      point.target_rto = Duration::Seconds(*target_s);
    }
    point.within_target =
        point.achieved_rto && (!point.target_rto || *point.achieved_rto <= *point.target_rto);
  }
  return points;
}

}  // namespace stormproof::readiness
