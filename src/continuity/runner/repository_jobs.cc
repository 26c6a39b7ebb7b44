// The repository-wide jobs (prune, check), the drill job, and what every job shares.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/checker/checker.h"
#include "core/interrupt.h"
#include "core/text.h"
#include "engine/pruner/pruner.h"
#include "engine/repository/maintenance.h"
#include "continuity/runner/drill_job.h"
#include "continuity/runner/immutability.h"
#include "continuity/runner/internal/jobs.h"

namespace stormproof::runner::internal {
repository::Repository::LockWaitFn LockWaitNotice(const JobContext& context) {
  return [notify = context.options.on_lock_wait](const Error& conflict) {
    if (notify) notify(conflict.message());
  };
}

Result<std::unique_ptr<repository::Lock>> SharedLock(const JobContext& context,
                                                     repository::Repository& repo) {
  return repo.AcquireLock(repository::Repository::LockKind::kShared, context.options.lock_wait,
                          LockWaitNotice(context));
}

ActionResult Start(const JobContext& context, const Action& action) {
  ActionResult result;
  result.action = action;
  catalog::Run& run = result.run;
  run.kind = action.kind;
  run.system = action.system;
  run.repository = action.repository;
  if (const plan::System* system = context.plan.FindSystem(action.system)) {
    if (system->client) run.client = system->client->id;
  }
  run.started_ns = run.finished_ns = context.clock.now_ns();
  run.host = context.options.hostname;
  run.record_id = catalog::NewRecordId();
  return result;
}

ActionResult FailRun(const JobContext& context, const Error& error, ActionResult result) {
  result.run.finished_ns = context.clock.now_ns();
  result.run.outcome = catalog::Outcome::kError;
  result.run.error = error.message();
  return result;
}

namespace {

// Whether the Object Lock upkeep found what only someone else's writes explain (S3: from the
// version listing; Backend::RetentionUpkeep): files hidden by delete markers this machine has
// no record of placing, files in use overwritten after they were written, and stored versions
// without any retention. All kept retained (the attacker's unretained versions aside).
bool ShowsAttackSigns(const backend::Backend::RetentionUpkeep& signs) {
  return signs.hidden_by_others + signs.overwritten + signs.unretained > 0;
}

// The one line a run whose upkeep found `signs` fails with: the counts, what they mean and what
// to do (docs/object-storage.md, "After an attack: step by step"). REQUIRES: ShowsAttackSigns.
std::string AttackSignsLine(const backend::Backend::RetentionUpkeep& signs) {
  std::vector<std::string> found;
  if (signs.hidden_by_others > 0) {
    found.push_back(fmt::format("{} file(s) hidden by someone else (delete markers this machine "
                                "has no record of stormproof placing)",
                                signs.hidden_by_others));
  }
  if (signs.overwritten > 0) {
    found.push_back(fmt::format("{} file(s) in use overwritten after they were written",
                                signs.overwritten));
  }
  if (signs.unretained > 0) {
    found.push_back(fmt::format("{} stored version(s) without retention{}", signs.unretained,
                                signs.first_unretained.empty()
                                    ? ""
                                    : " (first: " + signs.first_unretained + ")"));
  }
  // After a lost cache folder, or on a new maintenance machine, the hidden ones are ours.
  const char* adopt = signs.hidden_by_others == 0
                          ? ""
                          : "; hidden files known to be forget's or prune's own removals (a "
                            "lost cache folder, a new maintenance machine) can be adopted by "
                            "'stormproof prune' (docs/cli.md, prune)";
  return fmt::format(
      "signs of an attack, or of another tool or machine writing to the repository: {}; what "
      "stormproof wrote stays retained; a person must look: run 'stormproof check --read-data' "
      "and, if it was an attack, 'stormproof repair --as-of' (docs/object-storage.md, \"After an "
      "attack: step by step\"){}",
      Join(found, ", "), adopt);
}

// Makes `result` a failed run (a breach: run exits 3) when `upkeep` shows signs of an attack;
// else leaves it.
void FailOnAttackSigns(const backend::Backend::RetentionUpkeep& upkeep, ActionResult* result) {
  if (!ShowsAttackSigns(upkeep)) return;
  result->run.outcome = catalog::Outcome::kFailed;
  result->run.error = AttackSignsLine(upkeep);
}

// What the Object Lock upkeep did, in the details of run's prune and retention-only upkeep
// (the keys `prune --json` uses for the same figures).
nlohmann::json UpkeepDetails(const backend::Backend::RetentionUpkeep& upkeep) {
  return {{"retention_checked", upkeep.checked},
          {"retention_extended", upkeep.extended},
          {"retention_known", upkeep.retained_as_recorded},
          {"retention_record_note", upkeep.record_note},
          {"hidden_by_others", upkeep.hidden_by_others},
          {"hidden_by_repair", upkeep.hidden_by_repair},
          {"overwritten_files", upkeep.overwritten},
          {"unretained_versions", upkeep.unretained},
          // Left by a roll-back: a note, no sign of attack.
          {"unretained_restored", upkeep.unretained_restored}};
}

// repository::KeepRetentionThenMaintain on action.repository, opened with the maintenance
// credentials, holding its `write` mutex throughout: the upkeep runs first, before any lock and
// whatever the config says, with at least the plan's object_lock days (so a config rewritten
// with fewer never shortens them); then a config that does not match the plan's object_lock
// (CheckRetention) or one Open made read-only refuses, saying the upkeep ran; then `work`, if
// given, runs under the exclusive lock, waiting as the run does for locks.
Result<backend::Backend::RetentionUpkeep> KeepRetentionThenMaintain(
    const JobContext& context, const Action& action, const repository::MaintenanceWork& work) {
  STORMPROOF_ASSIGN_OR_RETURN(
      OpenRepositories::Entry * entry,
      context.repositories.Get(action.repository, Credentials::kMaintenance));
  MutexLock writer(entry->write);
  const plan::RepositorySpec* spec = context.plan.FindRepository(action.repository);
  repository::RetentionFirst first;
  first.trusted = spec ? PlanRetention(*spec) : std::nullopt;
  first.may_maintain = [&](const repository::Repository& repo) {
    return CheckRetention(context, action.repository, repo);
  };
  first.wait = context.options.lock_wait;
  first.on_wait = LockWaitNotice(context);
  return repository::KeepRetentionThenMaintain(*entry->repo, first, work);
}

}  // namespace

ActionResult PruneJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  pruner::PruneStats stats;
  auto kept = KeepRetentionThenMaintain(
      context, action,
      [&stats](repository::Maintenance& maintenance,
               const backend::Backend::RetentionUpkeep& kept) -> Status {
        pruner::PruneOptions options;
        options.retention_kept = kept;
        STORMPROOF_ASSIGN_OR_RETURN(stats, pruner::Prune(maintenance, options, {}));
        return Ok();
      });
  if (!kept) return FailRun(context, kept.error(), std::move(result));
  // Files the upkeep found hidden by someone else refuse the prune (pruner.h): those a finished
  // prune reports are the ones its purge found.
  kept->hidden_by_others = stats.foreign_delete_markers;
  result.run.finished_ns = context.clock.now_ns();
  result.run.bytes = static_cast<uint64_t>(std::max<int64_t>(stats.bytes_freed(), 0));
  nlohmann::json details = UpkeepDetails(*kept);
  details.update(nlohmann::json{
      {"packs_deleted", stats.packs_unused + stats.packs_repacked + stats.packs_orphaned},
      {"packs_written", stats.packs_written},
      {"bytes_deleted", stats.bytes_deleted},
      {"bytes_written", stats.bytes_written},
      {"hidden_retained_files", stats.hidden_retained_files}});
  result.run.details = details.dump();
  result.summary = fmt::format("freed {}", HumanBytes(result.run.bytes));
  FailOnAttackSigns(*kept, &result);
  return result;
}

ActionResult RetentionUpkeepJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  // No work, so no lock: the upkeep only lengthens retentions, and a lock someone holds must not
  // stop it.
  auto upkeep = KeepRetentionThenMaintain(context, action, {});
  if (!upkeep) return FailRun(context, upkeep.error(), std::move(result));
  result.run.finished_ns = context.clock.now_ns();
  nlohmann::json details = UpkeepDetails(*upkeep);
  details["retention_only"] = true;
  result.run.details = details.dump();
  result.summary = fmt::format("retention kept: {} files checked, {} extended; nothing removed",
                               upkeep->checked, upkeep->extended);
  if (!upkeep->record_note.empty()) result.summary += "; " + upkeep->record_note;
  FailOnAttackSigns(*upkeep, &result);
  return result;
}

ActionResult CheckJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  auto entry = context.repositories.Get(action.repository);
  if (!entry) return FailRun(context, entry.error(), std::move(result));
  repository::Repository& repo = *(*entry)->repo;
  // Shared: other processes' backups may run meanwhile, prune may not.
  auto lock = SharedLock(context, repo);
  if (!lock) return FailRun(context, lock.error(), std::move(result));
  checker::CheckOptions options{context.plan.run.check_read_percent / 100.0};
  checker::CheckReport report = checker::Check(repo, options, {});
  catalog::Run& run = result.run;
  run.finished_ns = context.clock.now_ns();
  run.bytes = report.bytes_read;
  run.details = nlohmann::json{{"snapshots", report.snapshots},
                               {"packs", report.packs},
                               {"errors", report.errors.size()},
                               {"damaged_packs", report.damaged_packs.size()},
                               {"snapshots_affected", report.affected.size()},
                               {"read_data_percent", context.plan.run.check_read_percent}}
                    .dump();
  result.summary = fmt::format("{} snapshots, {} packs, read {}", report.snapshots, report.packs,
                               HumanBytes(report.bytes_read));
  if (report.interrupted && report.errors.empty()) {
    run.outcome = catalog::Outcome::kError;  // not a verdict on the repository
    run.error = fmt::format("{}; the check is incomplete ({} error(s) found before it stopped)",
                            InterruptionMessage(), report.errors.size());
  } else if (report.interrupted) {  // stopped, but the damage it found is a verdict
    run.outcome = catalog::Outcome::kFailed;
    run.error = fmt::format("{} error(s) found before it was {}; first: {}", report.errors.size(),
                            InterruptionMessage(), report.errors.front());
  } else if (!report.ok()) {
    run.outcome = catalog::Outcome::kFailed;
    run.error = fmt::format("{} error(s), {} snapshot(s) affected; first: {}", report.errors.size(),
                            report.affected.size(), report.errors.front());
  }
  return result;
}

namespace {

// What a failed drill found about the system's other copies (run.details "other_copies").
std::vector<std::string> OtherCopyLines(const catalog::Run& run) {
  nlohmann::json details = nlohmann::json::parse(run.details, nullptr, false);
  std::vector<std::string> lines;
  if (!details.is_object() || !details["other_copies"].is_array()) return lines;
  for (const auto& line : details["other_copies"]) {
    if (line.is_string()) lines.push_back(line.get<std::string>());
  }
  return lines;
}

}  // namespace

ActionResult DrillJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  const plan::System* system = context.plan.FindSystem(action.system);
  drill::DrillOptions options;
  options.repository = action.repository;  // the copy Decide chose ("" = as RunRecordedDrill)
  options.host = context.options.hostname;
  auto drilled = RunRecordedDrill(context.plan, *system, context.options.access, options,
                                  context.catalog, context.clock, {});
  if (!drilled) {
    result = FailRun(context, drilled.error(), std::move(result));
    result.record_error = "drill not recorded";  // RunRecordedDrill failed before or at AddDrill
    return result;
  }
  result.run = drilled->record.run;
  result.report_path = drilled->report_path;
  const catalog::Drill& drill = drilled->record.drill;
  std::string rto = drill.achieved_rto_ms
                        ? fmt::format("RTO {:.1f} s", *drill.achieved_rto_ms / 1000.0)
                        : "RTO not achieved";
  std::string copy = result.run.repository.empty() ? "" : " from " + result.run.repository;
  result.summary = fmt::format("{} via {}{}, {} files, {}", rto, drill.adapter, copy,
                               result.run.files, HumanBytes(result.run.bytes));
  for (const std::string& line : OtherCopyLines(result.run)) result.summary += "; " + line;
  if (!drilled->report_error.empty()) {
    result.summary += "; report not written: " + drilled->report_error;
  } else if (!result.report_path.empty()) {
    result.summary += "; report " + result.report_path;
  }
  if (!drill.reasons.empty() && result.run.outcome != catalog::Outcome::kOk) {
    result.run.error = result.run.error.empty() ? drill.reasons.front() : result.run.error;
  }
  return result;
}

}  // namespace stormproof::runner::internal
