#include "apps/stormproof/prune_output.h"

#include <fmt/format.h>

#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "core/text.h"
#include "core/time.h"

namespace stormproof::cli {
namespace {

nlohmann::json StatsJson(const pruner::PruneStats& s, bool dry_run) {
  return {{"dry_run", dry_run},
          {"snapshots", s.snapshots},
          {"blobs_used", s.blobs_used},
          {"packs", s.packs},
          {"packs_kept", s.packs_kept},
          {"packs_unused", s.packs_unused},
          {"packs_repacked", s.packs_repacked},
          {"packs_orphaned", s.packs_orphaned},
          {"packs_recent", s.packs_recent},
          {"packs_written", s.packs_written},
          {"blobs_removed", s.blobs_removed},
          {"blobs_repacked", s.blobs_repacked},
          {"bytes_before", s.bytes_before},
          {"bytes_deleted", s.bytes_deleted},
          {"bytes_written", s.bytes_written},
          {"bytes_freed", s.bytes_freed()},
          {"bytes_unused_kept", s.bytes_unused_kept},
          {"index_files_before", s.index_files_before},
          {"index_files_after", s.index_files_after},
          {"temporary_files_removed", s.temporary_files_removed},
          {"temporary_bytes_removed", s.temporary_bytes_removed},
          {"retention_checked", s.retention_checked},
          {"retention_extended", s.retention_extended},
          {"overwritten_files", s.overwritten_files},
          {"foreign_delete_markers", s.foreign_delete_markers},
          {"unretained_versions", s.unretained_versions},
          {"unretained_restored", s.unretained_restored},
          {"hidden_purged_files", s.hidden_purged_files},
          {"hidden_purged_bytes", s.hidden_purged_bytes},
          {"hidden_retained_files", s.hidden_retained_files},
          {"hidden_retained_bytes", s.hidden_retained_bytes},
          {"hidden_earliest_release",
           s.hidden_earliest_release_ns > 0 ? nlohmann::json(FormatRfc3339(
                                                  s.hidden_earliest_release_ns))
                                            : nlohmann::json(nullptr)}};
}

// What the Object Lock upkeep did (pruner.h); nothing on storage without retention.
void PrintRetention(const pruner::PruneStats& s) {
  PrintRetentionUpkeep(s.retention_checked, s.retention_extended, s.retention_known,
                       s.retention_record_note, /*dry_run=*/false);
  if (s.unretained_restored > 0) {
    fmt::print("object lock: {} version(s) left by 'repair --as-of' have no retention (the "
               "attacker's, kept beside the restored content as evidence): not a new attack; "
               "never given one\n",
               s.unretained_restored);
  }
  if (s.hidden_purged_files > 0) {
    fmt::print("object lock: deleted {} hidden file version(s) ({}) whose retention ended\n",
               s.hidden_purged_files, HumanBytes(s.hidden_purged_bytes));
  }
  if (s.hidden_retained_files > 0) {
    fmt::print("object lock: {} file(s) ({}) hidden by forget/prune stay until their retention "
               "ends; the earliest can go on {}\n",
               s.hidden_retained_files, HumanBytes(s.hidden_retained_bytes),
               FormatUtc(s.hidden_earliest_release_ns));
  }
}

}  // namespace

std::string OverwrittenWarning(uint64_t files) {
  return fmt::format(
      "warning: {} file(s) in use were overwritten after they were written, by an attack or a "
      "faulty tool (stormproof never overwrites a file): run 'stormproof check --read-data' and see 'repair "
      "--as-of' (docs/object-storage.md); every stored version of them stays retained",
      files);
}

std::string UnretainedWarning(uint64_t versions, const std::string& first) {
  return fmt::format(
      "warning: {} stored version(s) of files in use have no retention at all, the first {}: "
      "stormproof writes every file with one, so someone else stored them (an attack or another "
      "tool); they were not given the repository's retention (see 'check --immutability')",
      versions, first);
}

void PrintRetentionUpkeep(uint64_t checked, uint64_t extended, uint64_t known,
                          const std::string& record_note, bool dry_run) {
  if (checked == 0 && known == 0) return;
  fmt::print("object lock: retention of {} file(s) in use read, {} {}extended{}\n", checked,
             extended, dry_run ? "would be " : "",
             known > 0 ? fmt::format("; {} known retained from the record of earlier upkeep",
                                     known)
                       : "");
  if (!record_note.empty()) fmt::print("object lock: {}\n", EscapeControls(record_note));
}

namespace {

std::string SignedBytes(int64_t bytes) {
  return bytes < 0 ? "-" + HumanBytes(static_cast<uint64_t>(-bytes))
                   : HumanBytes(static_cast<uint64_t>(bytes));
}

void PrintStats(const pruner::PruneStats& s, bool dry_run) {
  const char* verb = dry_run ? "would " : "";
  fmt::print("{} snapshot(s) use {} blob(s) in {} pack(s) ({})\n", s.snapshots, s.blobs_used,
             s.packs, HumanBytes(s.bytes_before));
  fmt::print("packs: {} kept, {}delete {} unused, {}repack {}, {}delete {} not in the index\n",
             s.packs_kept, verb, s.packs_unused, verb, s.packs_repacked, verb, s.packs_orphaned);
  if (s.packs_recent > 0) {
    fmt::print("kept {} pack(s) not in the index: written in the last {} minutes, a backup may "
               "still be indexing them\n",
               s.packs_recent, pruner::kUnindexedPackGrace.count());
  }
  if (s.blobs_confirmed > 0) {
    fmt::print("verified the kept copy of {} blob(s) stored twice before {} the other copy\n",
               s.blobs_confirmed, dry_run ? "planning to delete" : "deleting");
  }
  if (s.blobs_repacked > 0 || s.packs_written > 0) {
    fmt::print("repacked {} blob(s) into {} new pack(s) ({})\n", s.blobs_repacked, s.packs_written,
               HumanBytes(s.bytes_written));
  }
  fmt::print("index: {} file(s) {} {}\n", s.index_files_before, dry_run ? "would become" : "now",
             s.index_files_after);
  if (dry_run) {
    fmt::print("would free about {} (repacking writes some back); {} unused stays in kept packs\n",
               HumanBytes(s.bytes_deleted), HumanBytes(s.bytes_unused_kept));
    PrintRetentionUpkeep(s.retention_checked, s.retention_extended, s.retention_known,
                         s.retention_record_note, /*dry_run=*/true);
    fmt::print("dry run: nothing was changed\n");
  } else {
    fmt::print("freed {}; {} unused stays in kept packs (below the repack threshold)\n",
               SignedBytes(s.bytes_freed()), HumanBytes(s.bytes_unused_kept));
    if (s.temporary_files_removed > 0) {
      fmt::print("removed {} temporary file(s) ({}) left by interrupted writes\n",
                 s.temporary_files_removed, HumanBytes(s.temporary_bytes_removed));
    }
    PrintRetention(s);
  }
}

// Prunes under the exclusive lock, or plans under a shared one for a dry run.
Result<pruner::PruneStats> PruneLocked(const Context& context, repository::Repository& repo,
                                       const pruner::PruneOptions& options,
                                       const ProgressFn& progress) {
  if (options.dry_run) {
    STORMPROOF_ASSIGN_OR_RETURN(
        auto lock, LockRepository(context, repo, repository::Repository::LockKind::kShared));
    return pruner::PlanPrune(repo, *lock, options, progress);
  }
  // After the caller's retention upkeep (options.retention_kept), a refusal says it ran.
  const backend::Backend::RetentionUpkeep kept = options.retention_kept.value_or(
      backend::Backend::RetentionUpkeep{});
  if (const std::optional<Error>& why = repo.read_only_reason()) {
    return repository::WithRetentionKept(*why, kept);
  }
  auto maintenance = BeginMaintenance(context, repo);
  if (!maintenance) return repository::WithRetentionKept(maintenance.error(), kept);
  return pruner::Prune(**maintenance, options, progress);
}

}  // namespace

Reported<nlohmann::json> PruneAndReport(const Context& context, repository::Repository& repo,
                                        pruner::PruneOptions options) {
  ProgressReporter progress(context, "prune");
  auto stats = PruneLocked(context, repo, options, progress.Callback());
  progress.Finish();
  if (!stats) return ReportEngineError(stats.error());
  // Loud in every output mode: on stderr, also beside --json.
  if (stats->overwritten_files > 0) PrintError(OverwrittenWarning(stats->overwritten_files));
  if (stats->unretained_versions > 0) {
    PrintError(UnretainedWarning(stats->unretained_versions, stats->first_unretained));
  }
  if (stats->foreign_delete_markers > 0) {
    PrintError(fmt::format(
        "warning: {} file(s) were hidden by someone else (a delete marker this machine has no "
        "record of stormproof placing): an attack, another tool or machine, or a lost record — "
        "see 'repair --as-of' "
        "(docs/object-storage.md); their versions stay retained and are never purged",
        stats->foreign_delete_markers));
  }
  if (stats->copies_unverified > 0) {
    PrintError(EscapeControls(fmt::format(
        "warning: {} copy(ies) of data in use are not where the index says, the first: {}; a "
        "damaged or planted index or pack (a backup host holds the password): prune {} the "
        "copies that verify and {} these from the index; run 'stormproof check --read-data'",
        stats->copies_unverified, stats->first_unverified, options.dry_run ? "would keep" : "kept",
        options.dry_run ? "would drop" : "dropped")));
  }
  if (stats->packs_missing > 0) {
    PrintError(fmt::format(
        "warning: the index names {} pack(s) that are not in storage, the first {}; a planted "
        "index or a lost pack; each blob in use they name has another copy, which prune read "
        "and verified, so prune {} their {} entry(ies) from the index; run 'stormproof check'",
        stats->packs_missing, stats->first_missing_pack,
        options.dry_run ? "would drop" : "dropped", stats->entries_for_missing_packs));
  }
  if (!context.json) PrintStats(*stats, options.dry_run);
  nlohmann::json json = StatsJson(*stats, options.dry_run);
  // Only when a blob in use was stored twice (pruner.h): the usual summary stays as it was.
  if (stats->blobs_confirmed > 0) json["blobs_confirmed"] = stats->blobs_confirmed;
  if (stats->copies_unverified > 0) {
    json["copies_unverified"] = stats->copies_unverified;
    json["first_unverified"] = stats->first_unverified;
  }
  if (stats->packs_missing > 0) {
    json["packs_missing"] = stats->packs_missing;
    json["entries_for_missing_packs"] = stats->entries_for_missing_packs;
    json["first_missing_pack"] = stats->first_missing_pack;
  }
  return json;
}

}  // namespace stormproof::cli
