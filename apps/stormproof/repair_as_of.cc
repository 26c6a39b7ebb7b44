// stormproof repair --as-of TIME (repair_as_of.h): refuse while a lock looks live, take the
// roll-back's own lock, then plan from the bucket's versions, roll back (server-side copies and
// delete markers), and open the restored repository and check it.
#include "apps/stormproof/repair_as_of.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "core/time.h"
#include "engine/cache/cache.h"
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

// The repository's config at the moment: its retention (the copies keep it) and its id.
Result<repository::Config> ConfigThen(const s3::RollBack& rollback, const RollBackPlan& plan) {
  STORMPROOF_ASSIGN_OR_RETURN(Bytes bytes, rollback.ReadVersion("config", plan.config_version));
  Result<repository::ConfigFile> config = repository::ParseConfig(bytes);
  if (!config) {
    return config.error().WithContext(plan.location + "/config (version " + plan.config_version +
                                      ", current at the moment)");
  }
  return config->config;
}

// Where the hides are recorded as the roll-back's (s3::RollBack::RecordHidingIn): the
// repository's state folder (cache::MarkerRecordFolder), which prune run by this user on this
// machine reads (none with --no-cache or without a home directory).
backend::Backend::RecordPlace RecordPlaceOf(const Context& context, const s3::Location& location,
                                            const repository::Config& config) {
  const std::string root = context.cache_dir.empty() ? cache::DefaultCacheRoot()
                                                     : context.cache_dir;
  if (context.no_cache || root.empty()) return {};
  const std::string folder = cache::MarkerRecordFolder(storage::CacheFolderFor(root, location));
  if (folder.empty()) return {};
  return {folder, config.id.Hex()};
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

// What becomes of the files hidden: kept, retained, never purged by prune; or, when they could
// not be recorded as the roll-back's, that prune will count them as hidden by someone else.
void PrintHidesKept(const RollBackRun& run, bool dry_run) {
  if (dry_run || !run.retention) return;
  if (!run.outcome.record_error.empty()) {
    fmt::print("warning: the delete markers placed were not recorded as this roll-back's ({}): "
               "prune will count the files as hidden by someone else and refuse until you look "
               "(docs/object-storage.md, \"After an attack\")\n",
               run.outcome.record_error);
    return;
  }
  if (run.outcome.hidden_recorded == 0) return;
  fmt::print("hidden files are kept only where this record is: {} (this machine, this user). "
             "prune run there keeps them retained and never deletes them, so a later 'repair "
             "--as-of' can bring them back, until 'stormproof prune --release-repair-hidden'; "
             "prune run elsewhere counts them as hidden by someone else and refuses (copy the "
             "record to the maintenance machine's run user; docs/object-storage.md, \"After an "
             "attack\")\n",
             EscapeName(run.outcome.record_path));
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
  PrintHidesKept(run, dry_run);
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
  out["hidden_recorded"] = run.outcome.hidden_recorded;
  out["record_error"] = run.outcome.record_error;
  out["record_path"] = run.outcome.record_path;
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

// Refuses (kLocked) while a lock file looks live (`live`, at `location`): a backup or prune still
// running would write into the state being rolled back (or an attacker's lock: --force).
Status RefuseLiveLocks(const std::string& location, const std::vector<s3::LiveLock>& live) {
  if (live.empty()) return Ok();
  const s3::LiveLock& lock = live.front();
  return Error::Locked(fmt::format(
      "{}: {} lock file{} written less than 30 minutes ago ({}, {}): stop every backup and "
      "maintenance job first (or, when the locks are the attacker's, run again with --force)",
      location, live.size(), live.size() == 1 ? "" : "s", EscapeName(lock.name),
      FormatUtc(lock.modified_ns)));
}

// The roll-back's own lock file, taken before it plans, so that what it restores and hides is
// decided from a listing made while no backup or maintenance job can start: refuses while
// another lock looks live (RefuseLiveLocks), unless `force` (those are then hidden with the
// rest); s3::RollBack::HoldLock lists the locks again once ours is written.
Result<std::unique_ptr<s3::RollBackLock>> LockBeforePlanning(const s3::RollBack& rollback,
                                                             const std::string& location,
                                                             bool force) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<s3::LiveLock> live, rollback.ListLiveLocks());
  if (!force) STORMPROOF_TRY(RefuseLiveLocks(location, live));
  return rollback.HoldLock(force ? live : std::vector<s3::LiveLock>{});
}

// Leaves the roll-back's own lock (`names`: what it was called while the plan listed) out of
// the plan's live locks: never refused for, never hidden.
void LeaveOutOwnLock(const std::vector<std::string>& names, RollBackPlan* plan) {
  std::erase_if(plan->live_locks, [&](const s3::LiveLock& lock) {
    return std::find(names.begin(), names.end(), lock.name) != names.end();
  });
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

// Applies the plan under the roll-back's own lock file (LockBeforePlanning's, held since before
// the planning, so a backup starting meanwhile waits), refreshed while it applies. The lock is
// removed before the check, which takes a shared lock.
Result<s3::RollBackOutcome> ApplyLocked(const Context& context, const s3::RollBack& rollback,
                                        std::unique_ptr<s3::RollBackLock> lock, RollBackRun* run) {
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
  const s3::Location location = options->location;
  s3::RollBack rollback(std::move(*options));
  RollBackRun run;
  // The lock first, then the plan (a dry run changes nothing and takes none).
  std::unique_ptr<s3::RollBackLock> lock;
  std::vector<std::string> lock_names;
  if (!flags.dry_run) {
    auto held = LockBeforePlanning(rollback, location.ToString(), flags.force);
    if (!held) return ReportEngineError(held.error());
    lock = std::move(held).value();
    lock_names.push_back(lock->name());
  }
  Result<RollBackPlan> plan = rollback.Plan(*as_of);
  if (!plan) return ReportEngineError(plan.error());
  run.plan = std::move(*plan);
  if (lock) lock_names.push_back(lock->name());  // refreshed meanwhile: a new name
  LeaveOutOwnLock(lock_names, &run.plan);
  if (run.plan.config_version.empty()) {
    return ReportEngineError(
        Error::NotFound(run.plan.location + ": no repository at " + FormatUtc(*as_of) +
                        " (no config then): choose a later --as-of"),
        ErrorSubject::kRepository);
  }
  if (Status live = RefuseLiveLocks(run.plan.location, run.plan.live_locks);
      !live && !flags.force) {
    if (!flags.dry_run) return ReportEngineError(live.error());
    PrintError("warning: " + live.error().message());
  }
  if (flags.force) HideLiveLocks(&run.plan);
  run.zone_given = NamesZone(flags.as_of);
  if (!context->json) PrintMoment(run, flags.as_of, flags.dry_run);
  if (!flags.dry_run) {
    Result<repository::Config> config = ConfigThen(rollback, run.plan);
    if (!config) return ReportEngineError(config.error());
    run.retention = config->object_lock;
    rollback.RecordHidingIn(RecordPlaceOf(*context, location, *config));
    Result<s3::RollBackOutcome> outcome = ApplyLocked(*context, rollback, std::move(lock), &run);
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
