// The repository-wide jobs (prune, check), the drill job, and what every job shares.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "engine/checker/checker.h"
#include "core/interrupt.h"
#include "engine/pruner/pruner.h"
#include "engine/repository/maintenance.h"
#include "continuity/runner/drill_job.h"
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

// "; N file(s) in use were overwritten ..." for a summary line; "" for none.
std::string OverwrittenNote(uint64_t overwritten) {
  if (overwritten == 0) return "";
  return fmt::format(
      "; {} file(s) in use were overwritten after they were written, by an attack or a faulty "
      "tool: run 'stormproof check --read-data' and see 'repair --as-of' "
      "(docs/object-storage.md)",
      overwritten);
}

}  // namespace

ActionResult PruneJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  auto entry = context.repositories.Get(action.repository, Credentials::kMaintenance);
  if (!entry) return FailRun(context, entry.error(), std::move(result));
  MutexLock writer((*entry)->write);
  if (Status kept = CheckRetention(context, action.repository, *(*entry)->repo); !kept) {
    return FailRun(context, kept.error(), std::move(result));
  }
  auto maintenance = repository::Maintenance::Begin(*(*entry)->repo, context.options.lock_wait,
                                                    LockWaitNotice(context));
  if (!maintenance) return FailRun(context, maintenance.error(), std::move(result));
  auto stats = pruner::Prune(**maintenance, pruner::PruneOptions{}, {});
  if (!stats) return FailRun(context, stats.error(), std::move(result));
  result.run.finished_ns = context.clock.now_ns();
  result.run.bytes = static_cast<uint64_t>(std::max<int64_t>(stats->bytes_freed(), 0));
  result.run.details =
      nlohmann::json{
          {"packs_deleted", stats->packs_unused + stats->packs_repacked + stats->packs_orphaned},
          {"packs_written", stats->packs_written},
          {"bytes_deleted", stats->bytes_deleted},
          {"bytes_written", stats->bytes_written},
          {"retention_extended", stats->retention_extended},
          {"hidden_retained_files", stats->hidden_retained_files},
          {"overwritten_files", stats->overwritten_files}}
          .dump();
  result.summary = fmt::format("freed {}", HumanBytes(result.run.bytes));
  result.summary += OverwrittenNote(stats->overwritten_files);
  return result;
}

ActionResult RetentionUpkeepJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  auto entry = context.repositories.Get(action.repository, Credentials::kMaintenance);
  if (!entry) return FailRun(context, entry.error(), std::move(result));
  MutexLock writer((*entry)->write);
  repository::Repository& repo = *(*entry)->repo;
  if (Status kept = CheckRetention(context, action.repository, repo); !kept) {
    return FailRun(context, kept.error(), std::move(result));
  }
  auto lock = SharedLock(context, repo);  // ExtendRetention only lengthens: a shared lock will do
  if (!lock) return FailRun(context, lock.error(), std::move(result));
  backend::Backend::RetentionUpkeep upkeep;
  if (Status kept = repo.ExtendRetention(&upkeep); !kept) {
    return FailRun(context, kept.error(), std::move(result));
  }
  result.run.finished_ns = context.clock.now_ns();
  result.run.details = nlohmann::json{{"retention_only", true},
                                      {"retention_checked", upkeep.checked},
                                      {"retention_extended", upkeep.extended},
                                      {"overwritten_files", upkeep.overwritten}}
                           .dump();
  result.summary = fmt::format("retention kept: {} files checked, {} extended; nothing removed",
                               upkeep.checked, upkeep.extended);
  result.summary += OverwrittenNote(upkeep.overwritten);
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
