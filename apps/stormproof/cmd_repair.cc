// stormproof repair index | snapshots: rebuild what a damaged repository still holds, and name
// what is lost. Both take the exclusive lock (a shared one with --dry-run). `repair --as-of TIME`
// (repair_as_of.h) rolls a repository in a versioned bucket back to an earlier moment.
#include <fmt/format.h>

#include "apps/stormproof/context.h"
#include "apps/stormproof/progress.h"
#include "apps/stormproof/repair_as_of.h"
#include "apps/stormproof/verdict_output.h"
#include "engine/repair/index_repair.h"
#include "engine/repair/snapshot_repair.h"
#include "apps/stormproof/repo_access.h"

namespace stormproof::cli {
namespace {

struct RepairIndexFlags {
  bool dry_run = false;
};

struct RepairSnapshotsFlags {
  bool dry_run = false;
  bool forget = false;
  std::vector<std::string> snapshots;
};

nlohmann::json DamagedJson(const std::vector<repository::DamagedFile>& files) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : files) out.push_back({{"name", f.name}, {"reason", f.reason}});
  return out;
}

nlohmann::json DamagedPacksJson(const std::vector<repair::DamagedPack>& packs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : packs) {
    out.push_back({{"pack", p.pack},
                   {"reason", p.reason},
                   {"blobs_indexed", p.blobs_indexed},
                   {"blobs_kept", p.blobs_kept},
                   {"lost_blobs", p.lost_blobs}});
  }
  return out;
}

void PrintDamagedPack(const repair::DamagedPack& p, bool dry_run) {
  if (p.blobs_indexed == 0) {
    // Also what a second repair says of a pack the first one copied out: check tells the two apart.
    fmt::print(
        "damaged pack {}: {}; no readable index file locates a blob in it, so none is kept\n",
        p.pack, p.reason);
    return;
  }
  fmt::print("damaged pack {}: {}; {} {} of the {} blobs the old index locates in it\n", p.pack,
             p.reason, dry_run ? "would keep" : "kept", p.blobs_kept, p.blobs_indexed);
  for (const auto& line : p.lost_blobs) fmt::print("  lost {}\n", line);
}

void PrintIndexReport(const Context& context, const repair::RepairIndexReport& r, bool dry_run) {
  if (context.json) {
    PrintJson({{"message_type", "summary"},
               {"dry_run", dry_run},
               {"packs", r.packs},
               {"packs_indexed", r.packs_indexed},
               {"packs_written", r.packs_written},
               {"blobs_before", r.blobs_before},
               {"blobs_after", r.blobs_after},
               {"blobs_kept", r.blobs_kept},
               {"index_files_before", r.index_files_before},
               {"index_files_after", r.index_files_after},
               {"damaged_index_files", DamagedJson(r.damaged_index_files)},
               {"damaged_packs", DamagedPacksJson(r.damaged_packs)},
               {"unexpected_files", r.unexpected_files},
               {"bad_copies", r.bad_copies}});
    return;
  }
  for (const auto& f : r.damaged_index_files) {
    fmt::print("damaged index file {}: {}\n", f.name, f.reason);
  }
  for (const auto& p : r.damaged_packs) PrintDamagedPack(p, dry_run);
  for (const auto& name : r.unexpected_files) fmt::print("ignored unexpected file {}\n", name);
  for (const auto& line : r.bad_copies) {
    fmt::print("{} bad copy (another verifies): {}\n", dry_run ? "would drop" : "dropped", line);
  }
  std::string written = r.packs_written == 0 ? ""
                                             : fmt::format(" and {} new pack{}", r.packs_written,
                                                           r.packs_written == 1 ? "" : "s");
  fmt::print("{} {} of {} packs{} ({} blobs; {} before) in {} index files, replacing {}\n",
             dry_run ? "would index" : "indexed", r.packs_indexed, r.packs, written, r.blobs_after,
             r.blobs_before, r.index_files_after, r.index_files_before);
  if (r.blobs_kept > 0) {
    fmt::print(
        "{} {} blobs of damaged packs (verified where the old index locates them{}); prune "
        "removes the damaged packs\n",
        dry_run ? "would keep" : "kept", r.blobs_kept,
        dry_run ? "" : ", copied into new packs unless another pack holds them");
  }
  if (r.lost_data()) {
    fmt::print(
        "data may be lost: run 'stormproof check' to see the affected snapshots and 'stormproof "
        "repair snapshots' to remove the lost files\n");
  }
}

// Repairs the index under the exclusive lock, or plans under a shared one for a dry run.
Result<repair::RepairIndexReport> RepairIndexLocked(const Context& context,
                                                    repository::Repository& repo, bool dry_run,
                                                    const ProgressFn& progress) {
  if (dry_run) {
    STORMPROOF_ASSIGN_OR_RETURN(
        auto lock, LockRepository(context, repo, repository::Repository::LockKind::kShared));
    return repair::PlanRepairIndex(repo, *lock, progress);
  }
  STORMPROOF_ASSIGN_OR_RETURN(auto maintenance, BeginMaintenance(context, repo));
  return repair::RepairIndex(*maintenance, repair::RepairIndexOptions{}, progress);
}

Outcome RunRepairIndex(Context* context, const RepairIndexFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  ProgressReporter progress(*context, "repair index");
  auto report = RepairIndexLocked(*context, *repo, flags.dry_run, progress.Callback());
  progress.Finish();
  if (!report) return ReportEngineError(report.error());
  PrintIndexReport(*context, *report, flags.dry_run);
  return report->lost_data() ? Outcome::Problems() : Outcome::Ok();
}

void PrintSnapshotsReport(const Context& context, const repair::RepairSnapshotsReport& r,
                          const RepairSnapshotsFlags& flags) {
  if (context.json) {
    nlohmann::json repaired = nlohmann::json::array();
    for (const auto& s : r.repaired) {
      repaired.push_back({{"original", s.original},
                          {"repaired", s.repaired},
                          {"original_removed", s.original_removed},
                          {"lost", s.lost},
                          {"marks", MarksJson(s.marks)}});
    }
    PrintJson({{"message_type", "summary"},
               {"dry_run", flags.dry_run},
               {"snapshots", r.snapshots},
               {"unchanged", r.unchanged},
               {"data_blobs_checked", r.data_blobs_checked},
               {"data_blobs_lost", r.data_blobs_lost},
               {"repaired", repaired},
               {"damaged_snapshot_files", DamagedJson(r.damaged_snapshot_files)},
               {"damaged_removed", r.damaged_removed}});
    return;
  }
  for (const auto& s : r.repaired) {
    std::string verb = flags.dry_run ? "would repair" : "repaired";
    fmt::print("snapshot {}: {}, {} entr{} lost{}\n", s.original.substr(0, 8), verb, s.lost.size(),
               s.lost.size() == 1 ? "y" : "ies",
               s.repaired.empty() ? ""
                                  : " -> new snapshot " + s.repaired.substr(0, 8) +
                                        (s.original_removed ? " (original removed)" : ""));
    for (const auto& line : s.lost) fmt::print("  lost {}\n", EscapeControls(line));
    for (const auto& line : MarkLines(s.marks)) fmt::print("  {}\n", line);
  }
  for (const auto& f : r.damaged_snapshot_files) {
    fmt::print("snapshot file {} is damaged: {}{}\n", EscapeName(f.name), EscapeControls(f.reason),
               r.damaged_removed ? " (removed)"
               : flags.dry_run   ? ""
                                 : " (kept; --forget removes it)");
  }
  fmt::print("{} snapshots checked ({} data blobs verified, {} lost): {} unchanged, {} {}\n",
             r.snapshots, r.data_blobs_checked, r.data_blobs_lost, r.unchanged, r.repaired.size(),
             flags.dry_run ? "to repair" : "repaired");
}

// Repairs snapshots under the exclusive lock, or plans under a shared one for a dry run.
Result<repair::RepairSnapshotsReport> RepairSnapshotsLocked(
    const Context& context, repository::Repository& repo,
    const repair::RepairSnapshotsOptions& options, const ProgressFn& progress) {
  if (options.dry_run) {
    STORMPROOF_ASSIGN_OR_RETURN(
        auto lock, LockRepository(context, repo, repository::Repository::LockKind::kShared));
    return repair::PlanRepairSnapshots(repo, *lock, options, progress);
  }
  STORMPROOF_ASSIGN_OR_RETURN(auto maintenance, BeginMaintenance(context, repo));
  return repair::RepairSnapshots(*maintenance, options, progress);
}

Outcome RunRepairSnapshots(Context* context, const RepairSnapshotsFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  repair::RepairSnapshotsOptions options{flags.snapshots, flags.forget, flags.dry_run};
  ProgressReporter progress(*context, "repair snapshots");
  auto report = RepairSnapshotsLocked(*context, *repo, options, progress.Callback());
  progress.Finish();
  if (!report) return ReportEngineError(report.error());
  PrintSnapshotsReport(*context, *report, flags);
  bool left = (flags.dry_run && !report->repaired.empty()) ||
              (!report->damaged_snapshot_files.empty() && !report->damaged_removed);
  return left ? Outcome::Problems() : Outcome::Ok();
}

}  // namespace

void AddRepairCommand(CLI::App* app, Context* context) {
  CLI::App* repair = app->add_subcommand(
      "repair",
      "Rebuild the index from the packs, rewrite snapshots without lost data, or (--as-of) roll a "
      "repository in a versioned bucket back to an earlier moment");
  repair->require_subcommand(0, 1);
  repair->fallthrough();
  auto as_of_flags = std::make_shared<RepairAsOfFlags>();
  std::vector<CLI::Option*> as_of_options = AddRepairAsOfOptions(repair, as_of_flags.get());
  repair->callback([context, repair, as_of_flags] {
    if (!repair->get_subcommands().empty()) return;
    if (as_of_flags->as_of.empty()) {
      PrintError("repair: name what to repair: index, snapshots, or --as-of TIME; run "
                 "'stormproof repair --help' for the usage");
      context->outcome = Outcome::Usage();
      return;
    }
    context->outcome = RunRepairAsOf(context, *as_of_flags);
  });

  auto index_flags = std::make_shared<RepairIndexFlags>();
  CLI::App* index = repair->add_subcommand(
      "index",
      "Rebuild the index from the packs alone: read and verify every pack's header and replace "
      "all index files with new ones listing every readable pack. From a pack whose header "
      "cannot be read, the blobs the old index locates in it are verified and kept (copied into "
      "new packs); those that fail are reported as lost (exit 3). Stops, changing nothing, when "
      "a file cannot be read (I/O error). Takes the exclusive lock.");
  index->add_flag("-n,--dry-run", index_flags->dry_run, "Only print what would be indexed");
  index->callback(
      [context, index_flags] { context->outcome = RunRepairIndex(context, *index_flags); });
  index->fallthrough();
  for (CLI::Option* option : as_of_options) index->excludes(option);

  auto snap_flags = std::make_shared<RepairSnapshotsFlags>();
  CLI::App* snapshots = repair->add_subcommand(
      "snapshots",
      "Rewrite snapshots without the files whose data is missing or fails verification (every "
      "data blob is read and verified); unreadable directories become empty. Writes a new "
      "snapshot marked repaired_from and listing what was lost, held where the original is held "
      "and flagged where it is flagged (see 'stormproof hold'); --forget also removes the "
      "original and every damaged snapshot file. Takes the exclusive lock.");
  snapshots->add_option("snapshot", snap_flags->snapshots,
                        "Snapshot ids or unique prefixes (default: every snapshot)");
  snapshots->add_flag("--forget", snap_flags->forget,
                      "Remove each repaired original and every damaged snapshot file");
  snapshots->add_flag("-n,--dry-run", snap_flags->dry_run, "Only print what would be repaired");
  snapshots->callback(
      [context, snap_flags] { context->outcome = RunRepairSnapshots(context, *snap_flags); });
  snapshots->fallthrough();
  for (CLI::Option* option : as_of_options) snapshots->excludes(option);
}

}  // namespace stormproof::cli
