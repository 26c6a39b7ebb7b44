// stormproof prune: delete the data no snapshot references (after forget), repack mostly-empty
// packs, and consolidate the index. Takes the exclusive lock: it refuses while a backup runs.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apps/stormproof/context.h"
#include "core/interrupt.h"
#include "core/duration.h"
#include "core/text.h"
#include "core/time.h"
#include "engine/repository/maintenance.h"
#include "apps/stormproof/prune_output.h"
#include "apps/stormproof/repo_access.h"

namespace stormproof::cli {
namespace {

struct PruneFlags {
  double repack_threshold = 50;  // percent
  bool dry_run = false;
  std::string unindexed_grace;  // a duration; "" = the default
  int object_lock_days = 0;     // the retention the upkeep keeps at least; 0 = the config's
  std::string adopt_hidden_before;          // --adopt-hidden-before TIME; "" = no adoption
  std::vector<std::string> adopt_hidden_files;  // --adopt-hidden-file NAME (repeatable)
  bool adopt_hidden_force = false;              // --adopt-hidden-force: named files whenever hidden
  bool release_repair_hidden = false;  // --release-repair-hidden
};

// The files --adopt-hidden-before adopts (or not) or --release-repair-hidden releases (`done`:
// "adopted"; with --dry-run `would`: "would adopt"; `as_what` ends the first line), one line
// each; with --json one message line {"message_type": <done, spaces as _>, "dry_run", "files":
// [{"name", "hidden"}]}.
void PrintHiddenFiles(const Context& context, const char* done, const char* would,
                      const char* as_what,
                      const std::vector<backend::Backend::RetentionUpkeep::HiddenFile>& files,
                      bool dry_run) {
  if (context.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& file : files) {
      list.push_back({{"name", file.name}, {"hidden", FormatRfc3339(file.hidden_ns)}});
    }
    std::string type = done;
    std::replace(type.begin(), type.end(), ' ', '_');  // "not adopted" -> "not_adopted"
    PrintJson({{"message_type", type}, {"dry_run", dry_run}, {"files", list}});
    return;
  }
  fmt::print("{} {} hidden file(s) {}\n", dry_run ? would : done, files.size(), as_what);
  for (const auto& file : files) {
    fmt::print("  {} (hidden {})\n", EscapeName(file.name), FormatUtc(file.hidden_ns));
  }
}

// Whether --adopt-hidden-before / --adopt-hidden-file may adopt a file hidden by a delete marker
// this machine has no record of: one the operator named (hidden before the cutoff, when one is
// given, unless --adopt-hidden-force), or a pack hidden before the cutoff that the current index
// does not name. Never a snapshot, index file, key or the config unnamed: a hidden index file
// would make the packs it names look unused. `before_ns`: the cutoff, if given. (The backend
// also refuses every marker newer than its record's begun time, unless forced.)
std::function<bool(const std::string&, int64_t)> MayAdopt(const repository::Repository& repo,
                                                          const PruneFlags& flags,
                                                          int64_t before_ns) {
  auto indexed = std::make_shared<std::set<std::string>>();
  repo.ForEachIndexedLocation([&](const crypto::Id&, const repository::BlobLocation& location) {
    indexed->insert(location.pack.Hex());
  });
  std::set<std::string> named(flags.adopt_hidden_files.begin(), flags.adopt_hidden_files.end());
  // Set once an unnamed snapshot, index file, key or config is refused: no pack is adopted after
  // it (the upkeep looks at packs after them), even one hidden since the first look.
  auto refused_other = std::make_shared<bool>(false);
  const bool any_time = flags.adopt_hidden_force || flags.adopt_hidden_before.empty();
  return [indexed, named, before_ns, any_time, refused_other](const std::string& name,
                                                              int64_t hidden_ns) {
    if (named.contains(name)) return any_time || hidden_ns < before_ns;
    if (!name.starts_with("data/")) {
      *refused_other = true;
      return false;
    }
    const size_t slash = name.rfind('/');
    return !*refused_other && hidden_ns < before_ns && !indexed->contains(name.substr(slash + 1));
  };
}

// --adopt-hidden-before's TIME (`before_ns`) is refused when later than the begin of this
// machine's record of stormproof's delete markers (`record_begun_ns`; 0: no record, nothing to
// bound): every marker stormproof placed since is in that record. Errors: kInvalidArgument
// naming both times.
Status RefuseCutoffAfterRecord(int64_t before_ns, int64_t record_begun_ns) {
  if (record_begun_ns == 0 || before_ns <= record_begun_ns) return Ok();
  const std::string begun = FormatRfc3339(record_begun_ns);
  const std::string why =
      ", when this machine's record of stormproof's delete markers was begun: every marker "
      "stormproof placed since is in it, so a later one not in it is someone else's; nothing "
      "adopted: choose a TIME before any attack and at most ";
  return Error::InvalidArgument("--adopt-hidden-before " + FormatRfc3339(before_ns) +
                                ": later than " + begun + why + begun +
                                " (docs/object-storage.md, \"Whose delete markers\")");
}

// The files named with --adopt-hidden-file that were not adopted (in `kept`): hidden after the
// cutoff or after this machine's record was begun (`record_begun_ns`). Errors: kFailedCheck
// naming them and both times.
Status RefuseNamedTooLate(const PruneFlags& flags, int64_t record_begun_ns,
                          const std::vector<backend::Backend::RetentionUpkeep::HiddenFile>& kept) {
  const std::set<std::string> named(flags.adopt_hidden_files.begin(),
                                    flags.adopt_hidden_files.end());
  std::string names;
  size_t count = 0;
  for (const auto& file : kept) {
    if (!named.contains(file.name)) continue;
    names += (count++ == 0 ? "" : ", ") + EscapeName(file.name) + " (hidden " +
             FormatUtc(file.hidden_ns) + ")";
  }
  if (count == 0) return Ok();
  std::string bound = "this machine's record of stormproof's delete markers was begun (" +
                      FormatUtc(record_begun_ns) + ")";
  if (!flags.adopt_hidden_before.empty()) bound = "--adopt-hidden-before's TIME or after " + bound;
  const std::string what_to_do =
      "; nothing adopted: a marker placed since the record was begun and not in it is "
      "stormproof's only when a removal was interrupted between its DELETE and the record's save "
      "(a crash, a full disk); look at each ('repair --as-of' may bring it back), then add "
      "--adopt-hidden-force only for files you know stormproof removed";
  return Error::FailedCheck(std::to_string(count) +
                            " file(s) named with --adopt-hidden-file were hidden after " + bound +
                            ": " + names + what_to_do);
}

// The hidden files not adopted that are not packs: adopting packs is refused while one is left
// (a hidden index file would make what it names look unused). Errors: kFailedCheck naming them.
Status RefuseUnnamedHidden(
    const std::vector<backend::Backend::RetentionUpkeep::HiddenFile>& kept) {
  std::string names;
  size_t count = 0;
  for (const auto& file : kept) {
    if (file.name.starts_with("data/")) continue;
    names += (count++ == 0 ? "" : ", ") + EscapeName(file.name) + " (hidden " +
             FormatUtc(file.hidden_ns) + ")";
  }
  if (count == 0) return Ok();
  return Error::FailedCheck(
      std::to_string(count) + " hidden snapshot, index, key or config file(s) this machine has no "
      "record of stormproof hiding: " + names + "; nothing adopted: look at each ('repair "
      "--as-of' may bring it back), then name the ones stormproof removed with "
      "--adopt-hidden-file NAME");
}

// --adopt-hidden-before/--adopt-hidden-file and --release-repair-hidden (docs/object-storage.md,
// "Object Lock"): under the exclusive lock, records as stormproof's own removals the hidden
// files MayAdopt accepts (after a lost record, on a new maintenance machine), or those `repair
// --as-of` hid, naming each and each not adopted; with --dry-run only names them.
Outcome RecordHiddenAsRemoved(const Context& context, repository::Repository& repo,
                              const PruneFlags& flags) {
  const bool adopt = !flags.adopt_hidden_before.empty() || !flags.adopt_hidden_files.empty();
  int64_t before_ns = 0;
  if (!flags.adopt_hidden_before.empty()) {
    auto before = ParseRfc3339(flags.adopt_hidden_before);
    if (!before) return ReportEngineError(before.error().WithContext("--adopt-hidden-before"));
    before_ns = *before;
  }
  auto maintenance = BeginMaintenance(context, repo);
  if (!maintenance) return ReportEngineError(maintenance.error());
  backend::Backend::RetentionUpkeep asked;  // what is asked of both passes below
  asked.adopt_hidden = adopt;
  if (adopt) asked.may_adopt = MayAdopt((*maintenance)->repository(), flags, before_ns);
  asked.adopt_after_record_begun = flags.adopt_hidden_force;
  asked.release_repair_hidden = flags.release_repair_hidden;
  backend::Backend::RetentionUpkeep upkeep = asked;
  upkeep.dry_run = true;  // first only what would be: nothing is adopted while one is refused
  Status looked = (*maintenance)->ExtendRetention(&upkeep);
  if (!looked) return ReportEngineError(looked.error());
  for (Status refused : {RefuseCutoffAfterRecord(before_ns, upkeep.record_begun_ns),
                         RefuseNamedTooLate(flags, upkeep.record_begun_ns, upkeep.not_adopted),
                         RefuseUnnamedHidden(upkeep.not_adopted)}) {
    if (!refused) return ReportEngineError(refused.error());
  }
  if (!flags.dry_run) {
    upkeep = asked;
    Status recorded = (*maintenance)->ExtendRetention(&upkeep);
    if (!recorded) return ReportEngineError(recorded.error());
  }
  constexpr char kRemovals[] =
      "as stormproof's own removals (deleted for good once their retention ends)";
  if (adopt) {
    PrintHiddenFiles(context, "adopted", "would adopt", kRemovals, upkeep.adopted, flags.dry_run);
    if (!upkeep.not_adopted.empty()) {
      PrintHiddenFiles(context, "not adopted", "would not adopt",
                       "(kept retained: hidden after --adopt-hidden-before or named by the "
                       "current index)",
                       upkeep.not_adopted, flags.dry_run);
    }
  }
  if (flags.release_repair_hidden) {
    PrintHiddenFiles(context, "released", "would release", kRemovals, upkeep.released,
                     flags.dry_run);
  }
  return Outcome::Ok();
}

// Prune's Object Lock upkeep, before it locks (Repository::KeepRetention): the config's days
// when its mac verifies and it was not rewritten since init, at least --object-lock-days;
// whatever prune does next.
Result<backend::Backend::RetentionUpkeep> KeepRetentionFirst(repository::Repository& repo,
                                                             int object_lock_days) {
  std::optional<backend::Retention> trusted;
  if (object_lock_days > 0) {
    trusted = backend::Retention{backend::Retention::Mode::kGovernance, object_lock_days};
  }
  backend::Backend::RetentionUpkeep kept;
  STORMPROOF_TRY(repo.KeepRetention(trusted, &kept));
  return kept;
}

Outcome RunPrune(Context* context, const PruneFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  CatchInterruptions();  // SIGINT/SIGTERM: prune stops at its next crash-safe step, exit 130/143
  pruner::PruneOptions options;
  options.repack_threshold = flags.repack_threshold / 100.0;
  options.dry_run = flags.dry_run;
  if (!flags.unindexed_grace.empty()) {
    auto grace = Duration::Parse(flags.unindexed_grace);
    if (!grace) return ReportEngineError(grace.error().WithContext("--unindexed-grace"));
    options.unindexed_grace = std::chrono::seconds(grace->seconds());
  }
  if (!flags.adopt_hidden_before.empty() || !flags.adopt_hidden_files.empty() ||
      flags.release_repair_hidden) {
    Outcome recorded = RecordHiddenAsRemoved(*context, *repo, flags);
    // A dry run stops here: its plan would still count them as before.
    if (!recorded.ok() || flags.dry_run) return recorded;
  }
  if (!options.dry_run) {
    auto kept = KeepRetentionFirst(*repo, flags.object_lock_days);
    if (!kept) return ReportEngineError(kept.error());
    options.retention_kept = *kept;
  }
  auto report = PruneAndReport(*context, *repo, options);
  if (!report) return report.outcome();
  if (context->json) {
    (*report)["message_type"] = "summary";
    PrintJson(*report);
  }
  return Outcome::Ok();
}

}  // namespace

void AddPruneCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<PruneFlags>();
  CLI::App* cmd = app->add_subcommand(
      "prune",
      "Free the space of data no snapshot references (run after forget): delete packs with no "
      "data in use, repack packs whose unused share reaches --repack-threshold, delete packs "
      "left by interrupted backups, and consolidate the index. Crash-safe at every step. Takes "
      "the repository's exclusive lock, so it refuses while a backup, restore or check runs; "
      "it refuses, changing nothing, when the repository is damaged (run check).");
  cmd->add_option("--repack-threshold", flags->repack_threshold,
                  "Repack a pack when at least this percentage of it is unused (default 50; 0 "
                  "repacks every pack with unused data, 100 never repacks)")
      ->type_name("PCT")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("-n,--dry-run", flags->dry_run, "Only print what would be freed");
  cmd->add_option("--adopt-hidden-before", flags->adopt_hidden_before,
                  "Object Lock: first record as stormproof's own removals the packs hidden before "
                  "TIME (RFC 3339, the storage's clock) by delete markers this machine has no "
                  "record of (a lost state folder, a new maintenance machine), except those the "
                  "current index names, printing each adopted and each not; prune then deletes "
                  "them once their retention ends. Choose TIME before any attack: a file an "
                  "attacker hid is lost once adopted. A TIME later than when this machine's record "
                  "of delete markers was begun is refused (stormproof's later markers are in it). "
                  "Refused while a snapshot, index file, key or the config is hidden so and not "
                  "named with --adopt-hidden-file. With --dry-run: only print them")
      ->type_name("TIME")
      // A malformed TIME is a usage error (exit 2) before anything is opened.
      ->check(CLI::Validator(
          [](const std::string& text) {
            auto time = ParseRfc3339(text);
            return time ? std::string() : time.error().message();
          },
          "TIME"));
  CLI::Option* named =
      cmd->add_option(
             "--adopt-hidden-file", flags->adopt_hidden_files,
             "Object Lock: adopt this hidden file too (its name in the repository, as "
             "printed: \"snapshots/<id>\"); repeatable. Refused, adopting nothing, when it "
             "was hidden after --adopt-hidden-before's TIME or after this machine's record "
             "of delete markers was begun, unless --adopt-hidden-force")
          ->type_name("NAME");
  cmd->add_flag("--adopt-hidden-force", flags->adopt_hidden_force,
                "Object Lock: adopt the files named with --adopt-hidden-file however recently "
                "they were hidden. Dangerous: a marker placed after this machine's record was "
                "begun and not in it is stormproof's only when a removal was interrupted "
                "between its DELETE and the record's save (a crash, a full disk); otherwise it "
                "is someone else's (an attacker's), and the file it hides is deleted for good "
                "once adopted and its retention ends. Look at each first ('repair --as-of')")
      ->needs(named);
  cmd->add_flag("--release-repair-hidden", flags->release_repair_hidden,
                "Object Lock: first record the files 'repair --as-of' hid (kept retained and "
                "never deleted until then) as stormproof's own removals, printing each; prune "
                "then deletes them once their retention ends, and no later roll-back can bring "
                "them back. With --dry-run: only print them");
  cmd->add_option("--unindexed-grace", flags->unindexed_grace,
                  "Delete packs that no index names only once this old by the storage's clock "
                  "(default 40m: a backup writes its packs before the index naming them). 0s "
                  "deletes them at once; use it only when nothing else writes to the repository, "
                  "e.g. to free the space a failed backup took on a full disk")
      ->type_name("DURATION");
  cmd->add_option("--object-lock-days", flags->object_lock_days,
                  "Object Lock: keep the retention of what is there at least this many days "
                  "(the repository's, as given to init), whatever its config says. Prune keeps "
                  "retention first, before it locks; a config whose mac does not match, or one "
                  "the bucket shows rewritten since init, is not trusted for the days, so such a "
                  "repository's retention is kept only with this")
      ->type_name("DAYS")
      ->check(CLI::Range(1, 36500));
  cmd->callback([context, flags] { context->outcome = RunPrune(context, *flags); });
}

}  // namespace stormproof::cli
