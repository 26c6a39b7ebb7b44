// stormproof repair --as-of TIME (repair_as_of.h): plan from the bucket's versions, refuse while
// a lock looks live, roll back (server-side copies and delete markers), then open the restored
// repository and check it.
#include "apps/stormproof/repair_as_of.h"

#include <fmt/format.h>

#include <map>
#include <regex>

#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "core/time.h"
#include "engine/checker/checker.h"
#include "engine/repository/config.h"
#include "engine/s3/as_of.h"
#include "engine/storage/storage.h"

namespace stormproof::cli {
namespace {

using s3::RollBackChange;
using s3::RollBackPlan;
using Action = s3::RollBackStep::Action;

// What the roll-back found and did, for the output.
struct RollBackRun {
  RollBackPlan plan;
  s3::RollBackOutcome outcome;
  std::optional<backend::Retention> retention;
  checker::CheckReport check;
  std::map<std::string, repository::Snapshot> newest_by_host;
  bool checked = false;
  bool zone_given = false;  // --as-of named Z, UTC or an offset (else it was read as UTC)
};

// "rolling back to 2026-12-06 14:00:00 UTC ...": first, so that a TIME read in the wrong zone is
// seen before anything changes.
void PrintMoment(const RollBackRun& run, const std::string& given, bool dry_run) {
  fmt::print("{} to {} (--as-of '{}'{})\n", dry_run ? "would roll back" : "rolling back",
             FormatUtc(run.plan.as_of_ns), EscapeName(given),
             run.zone_given ? "" : ", no offset given: read as UTC");
}

// True when `text` (a TIME ParseRollBackTime accepts) names its zone: Z, UTC or an offset.
bool NamesZone(const std::string& text) {
  static const std::regex kZone(R"((Z| ?UTC|[+-]\d{2}:\d{2})$)");
  return std::regex_search(text, kZone);
}

// The S3 options of --repo with the credentials commands use (the environment, AWS_PROFILE).
Result<s3::Options> S3OptionsOf(const Context& context) {
  STORMPROOF_ASSIGN_OR_RETURN(storage::Location location, storage::ParseLocation(context.repo));
  if (location.kind != storage::LocationKind::kS3) {
    return Error::InvalidArgument(
        "repair --as-of: " + context.repo +
        " is a local directory: only object storage that keeps object versions (S3 versioning, "
        "Object Lock) has earlier states to roll back to");
  }
  return storage::S3OptionsFor(location.s3, StorageOptionsOf(context));
}

// The retention the repository's config recorded at the moment (its copies keep it).
Result<std::optional<backend::Retention>> RetentionThen(const s3::RollBack& rollback,
                                                        const RollBackPlan& plan) {
  STORMPROOF_ASSIGN_OR_RETURN(Bytes bytes, rollback.ReadVersion("config", plan.config_version));
  Result<repository::ConfigFile> config = repository::ParseConfig(bytes);
  if (!config) {
    return config.error().WithContext(plan.location + "/config (version " + plan.config_version +
                                      ", current at the moment)");
  }
  return config->config.object_lock;
}

std::string NowWas(const RollBackChange& change) {
  if (change.current.delete_marker) return "deleted " + FormatUtc(change.current.modified_ns);
  if (change.name.rfind("locks/", 0) == 0) {
    return "a live lock, written " + FormatUtc(change.current.modified_ns);
  }
  if (change.step.action == Action::kHide) {
    return "written " + FormatUtc(change.current.modified_ns) + ", after the moment";
  }
  return "overwritten " + FormatUtc(change.current.modified_ns);
}

bool IsPack(const RollBackChange& change) { return change.name.rfind("data/", 0) == 0; }

void PrintChanges(const RollBackPlan& plan, bool dry_run) {
  int packs_restored = 0, packs_hidden = 0, snapshots_hidden = 0;
  for (const RollBackChange& change : plan.changes) {
    bool restore = change.step.action == Action::kRestore;
    if (IsPack(change)) {
      ++(restore ? packs_restored : packs_hidden);
      continue;
    }
    if (!restore && change.name.rfind("snapshots/", 0) == 0) ++snapshots_hidden;
    std::string verb =
        restore ? (dry_run ? "would restore" : "restored") : (dry_run ? "would hide" : "hid");
    std::string then =
        restore ? "the version of " + FormatUtc(change.step.version_modified_ns) + "; " : "";
    fmt::print("{} {} ({}was {})\n", verb, EscapeName(change.name), then, NowWas(change));
  }
  if (packs_restored + packs_hidden > 0) {
    fmt::print("{} {} pack{} to the version of the moment, {} {} written after it\n",
               dry_run ? "would restore" : "restored", packs_restored,
               packs_restored == 1 ? "" : "s", dry_run ? "would hide" : "hid", packs_hidden);
  }
  if (snapshots_hidden > 0) {
    fmt::print(
        "note: {} snapshot file{} written after {} {} hidden, also any good ones: their versions "
        "stay in the bucket, and a roll-back to a later moment brings them back\n",
        snapshots_hidden, snapshots_hidden == 1 ? "" : "s", FormatUtc(plan.as_of_ns),
        dry_run ? "would be" : (snapshots_hidden == 1 ? "is" : "are"));
  }
}

void PrintText(const RollBackRun& run, bool dry_run) {
  const RollBackPlan& plan = run.plan;
  fmt::print("{} {} to {} ({} files, {} versions listed)\n",
             dry_run ? "would roll back" : "rolled back", plan.location, FormatUtc(plan.as_of_ns),
             plan.files, plan.versions_listed);
  PrintChanges(plan, dry_run);
  fmt::print("{} {} file{}, {} {}, {} unchanged\n", dry_run ? "would restore" : "restored",
             plan.restores(), plan.restores() == 1 ? "" : "s", dry_run ? "would hide" : "hid",
             plan.hides(), plan.unchanged);
  if (!dry_run && run.retention) {
    fmt::print("restored files are retained at least {} days ({} mode), as the config asks\n",
               run.retention->days, backend::RetentionModeWord(run.retention->mode));
  }
  if (run.outcome.copied_through_here > 0) {
    fmt::print("the server refused {} copies: they were downloaded and uploaded again\n",
               run.outcome.copied_through_here);
  }
  if (plan.foreign > 0) {
    fmt::print("left alone: {} object{} whose names stormproof never writes (first: {})\n",
               plan.foreign, plan.foreign == 1 ? "" : "s", EscapeName(plan.first_foreign));
  }
  for (const s3::FailedChange& failed : run.outcome.failed) {
    fmt::print("FAILED: {}: {}\n", EscapeName(failed.name), failed.error);
  }
  if (!run.checked) return;
  for (const auto& [host, snapshot] : run.newest_by_host) {
    fmt::print("newest snapshot of {}: {} from {}\n", EscapeName(host), snapshot.id.ShortHex(),
               FormatUtc(snapshot.time_ns));
  }
  for (const std::string& error : run.check.errors) fmt::print("error: {}\n", error);
  fmt::print("check: {}\n", run.check.ok() ? "no errors were found"
                                           : fmt::format("{} errors", run.check.errors.size()));
}

nlohmann::json ChangeJson(const RollBackChange& change) {
  nlohmann::json out = {{"name", change.name},
                        {"action", s3::RollBackActionWord(change.step.action)},
                        {"current_deleted", change.current.delete_marker},
                        {"current_time", FormatRfc3339(change.current.modified_ns)}};
  if (change.step.action == Action::kRestore) {
    out["version_id"] = change.step.version_id;
    out["version_time"] = FormatRfc3339(change.step.version_modified_ns);
  }
  return out;
}

void PrintJsonSummary(const RollBackRun& run, bool dry_run) {
  const RollBackPlan& plan = run.plan;
  nlohmann::json changes = nlohmann::json::array();
  for (const RollBackChange& change : plan.changes) changes.push_back(ChangeJson(change));
  nlohmann::json out = {
      {"message_type", "summary"},   {"dry_run", dry_run},
      {"location", plan.location},   {"as_of", FormatRfc3339(plan.as_of_ns)},
      {"files", plan.files},         {"versions_listed", plan.versions_listed},
      {"unchanged", plan.unchanged}, {"restored", plan.restores()},
      {"hidden", plan.hides()},      {"copied_through_here", run.outcome.copied_through_here},
      {"changes", changes}};
  out["as_of_utc"] = FormatUtc(plan.as_of_ns);
  out["as_of_zone_given"] = run.zone_given;
  out["foreign"] = plan.foreign;
  nlohmann::json failed = nlohmann::json::array();
  for (const s3::FailedChange& change : run.outcome.failed) {
    failed.push_back({{"name", change.name}, {"error", change.error}});
  }
  out["failed"] = failed;
  if (run.checked) {
    nlohmann::json newest = nlohmann::json::array();
    for (const auto& [host, snapshot] : run.newest_by_host) {
      newest.push_back(
          {{"host", host}, {"id", snapshot.id.Hex()}, {"time", FormatRfc3339(snapshot.time_ns)}});
    }
    out["newest_snapshots"] = newest;
    out["check"] = {{"ok", run.check.ok()}, {"errors", run.check.errors}};
  }
  PrintJson(out);
}

// One line on stderr for the changes the server refused (each is named in the output).
void PrintRollBackFailures(const RollBackRun& run) {
  if (run.outcome.failed.empty()) return;
  const s3::FailedChange& first = run.outcome.failed.front();
  PrintError(fmt::format(
      "{}: {} of {} changes failed (first: {}: {}); the others were made: running it again "
      "retries them",
      run.plan.location, run.outcome.failed.size(), run.plan.changes.size(),
      EscapeName(first.name), first.error));
}

// Refuses (kLocked) while a lock file looks live: a backup or prune still running would write
// into the state being rolled back (or an attacker's lock: --force).
Status RefuseLiveLocks(const RollBackPlan& plan) {
  if (plan.live_locks.empty()) return Ok();
  const s3::LiveLock& lock = plan.live_locks.front();
  return Error::Locked(fmt::format(
      "{}: {} lock file{} written less than 30 minutes ago ({}, {}): stop every backup and "
      "maintenance job first (or, when the locks are the attacker's, run again with --force)",
      plan.location, plan.live_locks.size(), plan.live_locks.size() == 1 ? "" : "s",
      EscapeName(lock.name), FormatUtc(lock.modified_ns)));
}

// --force: the live lock files are hidden too (delete markers; locks carry no retention, their
// versions stay): an attacker's unreadable lock would stop the check and every later command.
void HideLiveLocks(RollBackPlan* plan) {
  for (const s3::LiveLock& lock : plan->live_locks) {
    s3::StoredVersion current{"", false, lock.modified_ns, 0};
    plan->changes.push_back({lock.name, s3::RollBackStep{Action::kHide}, current});
  }
}

// Opens the rolled-back repository (read from the bucket, never the local cache) and checks it
// under a shared lock. Errors: those of opening (printed; *failed set) and locking.
bool VerifyRolledBack(const Context& context, RollBackRun* run, Outcome* failed) {
  Context fresh = context;
  fresh.fresh_cache = true;
  auto repo = OpenRepositoryOrReport(fresh, failed);
  if (!repo) return false;
  auto lock = LockRepository(fresh, *repo, repository::Repository::LockKind::kShared);
  if (!lock) {
    *failed = ReportEngineError(lock.error());
    return false;
  }
  ProgressReporter progress(fresh, "check");
  run->check = checker::Check(*repo, {0}, progress.Callback());
  progress.Finish();
  auto snapshots = LoadSnapshotsOrWarn(*repo);
  if (snapshots) {
    for (repository::Snapshot& snapshot : *snapshots) {
      run->newest_by_host[snapshot.hostname] = std::move(snapshot);  // oldest first
    }
  }
  run->checked = true;
  return true;
}

// Rolls back with progress on a terminal, while `lock` holds.
Result<s3::RollBackOutcome> ApplyWithProgress(const Context& context, const s3::RollBack& rollback,
                                              s3::RollBackLock& lock, RollBackRun* run) {
  ProgressReporter progress(context, "repair --as-of");
  ProgressFn report = progress.Callback();
  s3::RollBackProgressFn each;
  if (report) {
    each = [&](const s3::RollBackProgress& p) {
      report(ProgressEvent().Count(ProgressUnit::kFiles, p.done, p.total));
    };
  }
  auto outcome = rollback.Apply(run->plan, run->retention, each, &lock);
  progress.Finish();
  return outcome;
}

// Applies the plan under the roll-back's own lock file (s3::RollBack::HoldLock: the locks are
// listed again right before, so a backup started since the planning is seen, and one starting
// meanwhile waits), refreshed while it applies. The lock is removed before the check, which takes
// a shared lock.
Result<s3::RollBackOutcome> ApplyLocked(const Context& context, const s3::RollBack& rollback,
                                        bool force, RollBackRun* run) {
  std::vector<s3::LiveLock> ignored;
  if (force) ignored = run->plan.live_locks;
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<s3::RollBackLock> lock, rollback.HoldLock(ignored));
  Result<s3::RollBackOutcome> outcome = ApplyWithProgress(context, rollback, *lock, run);
  const std::string name = lock->name();
  Status released = lock->Release();
  if (!released) {
    PrintError("warning: " + released.error().message() + " (the roll-back's lock " + name +
               " stays until 30 minutes old)");
  }
  return outcome;
}

// The roll-back stopped because its lock was lost (another process may have judged it stale and
// started writing): kLocked, one line saying how far it got and what to do. Nothing is checked
// or claimed: the repository is part rolled back.
Error StoppedByLostLock(const RollBackRun& run) {
  const s3::RollBackOutcome& outcome = run.outcome;
  const int made = outcome.restored + outcome.hidden;
  return Error::Locked(fmt::format(
      "{}; stopped: {} of {} changes made, {} not made ({} failed): the repository is only part "
      "rolled back; once no backup or maintenance job runs, run 'stormproof repair --as-of "
      "{}' again, which makes the rest",
      outcome.lock_lost, made, run.plan.changes.size(), outcome.not_made, outcome.failed.size(),
      FormatRfc3339(run.plan.as_of_ns)));
}

}  // namespace

std::vector<CLI::Option*> AddRepairAsOfOptions(CLI::App* repair, RepairAsOfFlags* flags) {
  return {
      repair
          ->add_option("--as-of", flags->as_of,
                       "Roll the repository back to how it was at TIME (UTC unless an offset is "
                       "given: 2026-12-06T14:00:00Z, '2026-12-06 14:00'), from the versions "
                       "its bucket kept; files written after TIME are hidden, never deleted. "
                       "Then opens and checks it")
          ->type_name("TIME"),
      repair->add_flag("-n,--dry-run", flags->dry_run,
                       "With --as-of: only print what would be restored and hidden"),
      repair->add_flag("--force", flags->force,
                       "With --as-of: roll back although a lock file is less than 30 minutes "
                       "old (the attacker's)")};
}

Result<int64_t> ParseRollBackTime(std::string_view text) {
  static const std::regex kTime(
      R"(^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d{1,9})?)?(Z| ?UTC|[+-]\d{2}:\d{2})?$)");
  std::string input(text);
  std::smatch m;
  auto invalid = [&] {
    return Error::InvalidArgument("--as-of: '" + input +
                                  "' is not a time: write 2026-12-06T14:00:00Z, "
                                  "'2026-12-06 14:00' (UTC) or 2026-12-06T15:00:00+01:00");
  };
  if (!std::regex_match(input, m, kTime)) return invalid();
  std::string seconds = m[3].matched ? m[3].str() : ":00";
  Result<int64_t> utc = ParseRfc3339(m[1].str() + "T" + m[2].str() + seconds + "Z");
  if (!utc) return invalid();
  std::string zone = m[5].str();
  if (zone.empty() || zone == "Z" || zone.find("UTC") != std::string::npos) return *utc;
  int64_t offset =
      (std::stoi(zone.substr(1, 2)) * 60 + std::stoi(zone.substr(4, 2))) * kNsPerMinute;
  if (offset >= 24 * 60 * kNsPerMinute) return invalid();
  return zone[0] == '+' ? *utc - offset : *utc + offset;
}

Outcome RunRepairAsOf(Context* context, const RepairAsOfFlags& flags) {
  Result<int64_t> as_of = ParseRollBackTime(flags.as_of);
  if (!as_of) return ReportEngineError(as_of.error());
  Result<s3::Options> options = S3OptionsOf(*context);
  if (!options) return ReportEngineError(options.error());
  s3::RollBack rollback(std::move(*options));
  RollBackRun run;
  Result<RollBackPlan> plan = rollback.Plan(*as_of);
  if (!plan) return ReportEngineError(plan.error());
  run.plan = std::move(*plan);
  if (run.plan.config_version.empty()) {
    return ReportEngineError(
        Error::NotFound(run.plan.location + ": no repository at " + FormatUtc(*as_of) +
                        " (no config then): choose a later --as-of"),
        ErrorSubject::kRepository);
  }
  if (Status live = RefuseLiveLocks(run.plan); !live && !flags.force) {
    if (!flags.dry_run) return ReportEngineError(live.error());
    PrintError("warning: " + live.error().message());
  }
  if (flags.force) HideLiveLocks(&run.plan);
  run.zone_given = NamesZone(flags.as_of);
  if (!context->json) PrintMoment(run, flags.as_of, flags.dry_run);
  if (!flags.dry_run) {
    Result<std::optional<backend::Retention>> retention = RetentionThen(rollback, run.plan);
    if (!retention) return ReportEngineError(retention.error());
    run.retention = *retention;
    Result<s3::RollBackOutcome> outcome = ApplyLocked(*context, rollback, flags.force, &run);
    if (!outcome) return ReportEngineError(outcome.error());
    run.outcome = *outcome;
    if (!run.outcome.lock_lost.empty()) {
      return ReportEngineError(StoppedByLostLock(run));
    }
    Outcome failed;
    if (!VerifyRolledBack(*context, &run, &failed)) {
      PrintRollBackFailures(run);
      PrintError("the roll-back was made, but the repository could not be checked");
      return failed;
    }
  }
  if (context->json) {
    PrintJsonSummary(run, flags.dry_run);
  } else {
    PrintText(run, flags.dry_run);
  }
  if (!run.outcome.failed.empty()) {
    PrintRollBackFailures(run);
    return Outcome::Failed();
  }
  return !run.checked || run.check.ok() ? Outcome::Ok() : Outcome::Problems();
}

}  // namespace stormproof::cli
