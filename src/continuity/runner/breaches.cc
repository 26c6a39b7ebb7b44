// Breaches (run.h): the objectives not met after a run.
#include <fmt/format.h>

#include <set>

#include "continuity/runner/locations.h"
#include "continuity/runner/run.h"
#include "core/time.h"

namespace stormproof::runner {
namespace {

std::string Subject(const Action& action) {
  switch (action.kind) {
    case ActionKind::kBackup:
      return "backup of " + action.system + " to " + action.repository;
    case ActionKind::kForget:
      return "forget of " + action.system + " in " + action.repository;
    case ActionKind::kDrill:
      return "drill of " + action.system;
    case ActionKind::kCopy:
      return "copy of " + action.system + " from " + action.source + " to " + action.repository;
    case ActionKind::kImmutability:
      return "immutability proof of " + action.repository;
    case ActionKind::kPrune:
    case ActionKind::kCheck:
      break;
  }
  return std::string(ActionKindName(action.kind)) + " of " + action.repository;
}

// The newest snapshot of `system` in the repositories run can read, or nullopt; sets
// *readable when there is at least one such repository.
std::optional<int64_t> Newest(const plan::Plan& plan, const plan::System& system,
                              const Facts& facts, bool* readable) {
  *readable = false;
  std::optional<int64_t> newest;
  auto known = facts.newest_snapshot_ns.find(system.id);
  for (const plan::Ref& ref : system.backup.repositories) {
    const plan::RepositorySpec* repository = plan.FindRepository(ref.id);
    if (repository == nullptr) continue;
    if (RepositorySupportOf(*repository).use == RepositoryUse::kUnsupported) continue;
    *readable = true;
    if (known == facts.newest_snapshot_ns.end()) continue;
    auto it = known->second.find(ref.id);
    if (it != known->second.end()) newest = std::max(newest.value_or(it->second), it->second);
  }
  return newest;
}

std::optional<std::string> RpoBreach(const plan::Plan& plan, int64_t now_ns,
                                     const plan::System& system, const Facts& facts) {
  std::optional<Duration> rpo = plan::ObjectivesOf(plan, system).rpo;
  bool readable = false;
  std::optional<int64_t> newest = Newest(plan, system, facts, &readable);
  if (!rpo) return std::nullopt;
  if (!readable) {
    if (system.backup.repositories.empty()) return std::nullopt;  // not backed up by the plan
    return "system " + system.id + ": no restore point in a repository this build can read " +
           "(only local paths and s3: object storage are; not tape, sftp:, b2: ...); RPO " +
           rpo->ToString();
  }
  if (!newest) return "system " + system.id + ": no snapshot; RPO " + rpo->ToString();
  if (now_ns - *newest <= rpo->seconds() * kNsPerSecond) return std::nullopt;
  return "system " + system.id + ": newest snapshot " + ShortDurationNs(now_ns - *newest) +
         " old; RPO " + rpo->ToString();
}

// A system whose newest drill failed or could not run, and that this run did not drill again:
// a breach until a drill passes (as `status` judges it).
std::string DrillBreach(const plan::Plan& plan, int64_t now_ns, const plan::System& system,
                        const FailedDrill& failed) {
  std::string line = fmt::format("system {}: last drill {} {} ago{}", system.id,
                                 catalog::OutcomeName(failed.outcome),
                                 ShortDurationNs(now_ns - failed.started_ns),
                                 failed.repository.empty() ? "" : " from " + failed.repository);
  if (!failed.reason.empty()) line += ": " + failed.reason;
  line += "; a breach until a drill passes";
  const plan::Tier* tier = plan::ObjectivesOf(plan, system).tier;
  if (tier == nullptr || !tier->drill_every) return line + " (run does not drill this tier)";
  Duration retry = tier->drill_retry.value_or(plan::kDefaultDrillRetry);
  int64_t due = failed.started_ns + retry.seconds() * kNsPerSecond;
  return line +
         (due > now_ns ? " (retried in " + ShortDurationNs(due - now_ns) + ")" : " (retry due)");
}

}  // namespace

std::vector<std::string> Breaches(const plan::Plan& plan, int64_t now_ns, const Facts& before,
                                  const Selection& selection,
                                  const std::vector<ActionResult>& results) {
  std::vector<std::string> out;
  Facts after = before;
  std::set<std::string> drilled;  // systems this run drilled: their drill result is the judge
  for (const ActionResult& result : results) {
    const catalog::Run& run = result.run;
    if (result.action.kind == ActionKind::kDrill) drilled.insert(result.action.system);
    if (!result.alarm.empty()) out.push_back(Subject(result.action) + ": " + result.alarm);
    if (run.outcome == catalog::Outcome::kFailed || run.outcome == catalog::Outcome::kError) {
      out.push_back(fmt::format("{} {}: {}", Subject(result.action),
                                catalog::OutcomeName(run.outcome), run.error));
    } else if (result.action.kind == ActionKind::kBackup && run.snapshot_time_ns != 0) {
      int64_t& newest = after.newest_snapshot_ns[run.system][run.repository];
      newest = std::max(newest, run.snapshot_time_ns);
    }
  }
  for (const auto& [repository, problem] : before.maintenance_unusable) out.push_back(problem);
  for (const plan::System& system : plan.systems) {
    if (!Selected(plan, selection, system)) continue;
    if (auto breach = RpoBreach(plan, now_ns, system, after)) out.push_back(*breach);
    auto failed = before.failed_drill.find(system.id);
    if (failed != before.failed_drill.end() && drilled.count(system.id) == 0) {
      out.push_back(DrillBreach(plan, now_ns, system, failed->second));
    }
  }
  return out;
}

}  // namespace stormproof::runner
