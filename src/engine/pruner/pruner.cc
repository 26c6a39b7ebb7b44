#include "engine/pruner/pruner.h"

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/interrupt.h"
#include "engine/pruner/internal/prune_plan.h"
#include "engine/pruner/internal/used_blobs.h"
#include "engine/repository/index_files.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/pack.h"

namespace stormproof::pruner {
namespace {

using repository::IndexedPack;
using repository::Maintenance;
using repository::Repository;

constexpr char kNothingChanged[] = " (prune changed nothing)";

// The error an interrupted prune returns: "interrupted by SIGTERM; <what was left>".
Error Interruption(const std::string& left) {
  return Error::Interrupted(InterruptionMessage() + "; " + left);
}

Result<std::map<repository::Id, uint64_t>> PacksOnBackend(const Repository& repo) {
  std::map<repository::Id, uint64_t> packs;
  std::string bad;
  STORMPROOF_TRY(
      repo.backend().List(backend::FileType::kPack, [&](const std::string& name, uint64_t size) {
        auto id = repository::Id::FromHex(name);
        if (id) {
          packs.emplace(*id, size);
        } else if (bad.empty()) {
          bad = name;
        }
      }));
  if (!bad.empty()) {
    return Error::FailedCheck("unexpected file data/" + bad + " in " + repo.backend().Location() +
                              kNothingChanged);
  }
  return packs;
}

// Refuses to go on when the repository is damaged in a way that makes "unused" uncertain.
Status CheckPlanSafe(const PrunePlan& plan) {
  if (!plan.missing_packs.empty()) {
    size_t more = plan.missing_packs.size() - 1;
    return Error::FailedCheck("pack " + plan.missing_packs.front().Hex() +
                              (more > 0 ? " (and " + std::to_string(more) + " more)" : "") +
                              " is named by the index but missing; run 'stormproof check'" +
                              kNothingChanged);
  }
  if (!plan.missing_blobs.empty()) {
    const repository::BlobRef& b = plan.missing_blobs.front();
    return Error::FailedCheck(std::string(b.type == repository::BlobType::kTree ? "tree" : "data") +
                              " blob " + b.id.Hex() +
                              " is used by a snapshot but no index names it; run 'stormproof "
                              "check'" +
                              kNothingChanged);
  }
  return Ok();
}

uint64_t PackSize(const IndexedPack& pack) {
  uint64_t end = 0;
  for (const repository::PackEntry& e : pack.blobs)
    end = std::max<uint64_t>(end, e.offset + e.length);
  return end + repository::PackTrailerSize(pack.blobs.size());
}

// Leaves out of `packs` those no index names that are younger than `grace_period` by the
// storage's clock (`storage_now`: when our lock was written); returns how many.
Result<uint64_t> SetAsideRecentPacks(const Repository& repo,
                                     const std::vector<IndexedPack>& indexed,
                                     int64_t storage_now, std::chrono::nanoseconds grace_period,
                                     std::map<repository::Id, uint64_t>* packs) {
  std::map<repository::Id, uint64_t> unindexed = *packs;
  for (const IndexedPack& pack : indexed) unindexed.erase(pack.pack);
  const int64_t grace = grace_period.count();
  uint64_t recent = 0;
  if (grace <= 0) return recent;
  for (const auto& [id, size] : unindexed) {
    auto modified = repo.backend().ModifiedNs({backend::FileType::kPack, id.Hex()});
    if (!modified && modified.error().code() == ErrorCode::kNotFound) continue;
    if (!modified) return modified.error().WithContext(std::string("pack ") + id.Hex());
    if (storage_now - *modified < grace) {
      packs->erase(id);
      ++recent;
    }
  }
  return recent;
}

// Carries out `plan`: new packs, then the new index, then deletions (see pruner.h), each step
// only while our lock verifies (Maintenance::RewriteIndex and RemovePack verify it first).
Status Execute(Maintenance& maintenance, const std::vector<std::string>& index_files,
               PrunePlan& plan, const ProgressFn& progress) {
  const Repository& repo = maintenance.repository();
  PruneStats& s = plan.stats;
  uint64_t total = 0;
  for (const repository::BlobRef& b : plan.repack) {
    auto at = repo.FindBlob(b.type, b.id);
    if (at) total += at->raw_length;
  }
  ProgressFn on_copied;
  if (progress) {
    on_copied = [&](const ProgressEvent& copied) {
      uint64_t bytes = copied.Get(ProgressUnit::kBytes)->done;
      progress(ProgressEvent{.phase = "repacking"}.Count(ProgressUnit::kBytes, bytes, total));
    };
  }
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<IndexedPack> written,
                              maintenance.CopyBlobsToNewPacks(plan.repack, on_copied));
  for (IndexedPack& pack : written) {
    ++s.packs_written;
    s.bytes_written += PackSize(pack);
    plan.keep.push_back(std::move(pack));
  }
  // Every step below is a safe point: a crash there leaves a consistent repository (pruner.h).
  if (Interrupted()) {
    return Interruption(written.empty() ? "prune changed nothing"
                                        : std::to_string(written.size()) +
                                              " new pack(s) of copied data are not indexed: "
                                              "prune removes them once they are " +
                                              std::to_string(kUnindexedPackGrace.count()) +
                                              " minutes old");
  }
  if (plan.index_changes) {
    STORMPROOF_TRY(maintenance.RewriteIndex(plan.keep, index_files));
    s.index_files_after =
        (plan.keep.size() + repository::kPacksPerIndex - 1) / repository::kPacksPerIndex;
  }
  for (size_t i = 0; i < plan.remove.size(); ++i) {
    if (Interrupted()) {
      return Interruption(std::to_string(plan.remove.size() - i) +
                          " pack(s) no index names are left for the next prune to delete");
    }
    STORMPROOF_TRY(maintenance.RemovePack(plan.remove[i]));
    if (progress) {
      progress(ProgressEvent{.phase = "deleting packs"}.Count(ProgressUnit::kPacks, i + 1,
                                                               plan.remove.size()));
    }
    PausePointForTesting("prune: pack deleted");
  }
  return Ok();
}

// Temporary files of interrupted writes (a crash between creating and renaming), once nothing
// else can be writing them: under the exclusive lock, and older than kStaleTemporaryAge in case
// a writer ignores locks. Also the released (empty) lock files of upload-only backup hosts.
Status RemoveTemporaries(Maintenance& maintenance, PruneStats* stats) {
  backend::Backend::TemporaryFiles removed;
  STORMPROOF_TRY(maintenance.RemoveStaleTemporaries(kStaleTemporaryAge, &removed));
  // Lock files released by emptying them (credentials that could not delete): no lock to anyone.
  STORMPROOF_TRY(maintenance.RemoveReleasedLocks());
  stats->temporary_files_removed = removed.files;
  stats->temporary_bytes_removed = removed.bytes;
  return Ok();
}

// Object Lock upkeep, first (pruner.h): the files there stay retained long enough, whatever the
// survey finds after. The figures go into `stats`.
// With `dry_run`, only counts what would be extended (prune --dry-run).
Status ExtendRetention(const Repository& repo, Maintenance* maintenance, bool dry_run,
                       PruneStats* stats) {
  backend::Backend::RetentionUpkeep upkeep;
  Status extended = dry_run || maintenance == nullptr ? repo.CountRetentionDue(&upkeep)
                                                      : maintenance->ExtendRetention(&upkeep);
  stats->retention_checked = upkeep.checked;
  stats->retention_extended = upkeep.extended;
  stats->retention_known = upkeep.retained_as_recorded;
  stats->retention_record_note = upkeep.record_note;
  stats->overwritten_files = upkeep.overwritten;
  stats->foreign_delete_markers = upkeep.hidden_by_others;
  stats->unretained_versions = upkeep.unretained;
  stats->first_unretained = upkeep.first_unretained;
  if (extended && upkeep.hidden_by_others > 0) {
    // A hidden snapshot or index file would make what it needs look unused: nothing is removed
    // until someone looks.
    return Error::FailedCheck(
        std::to_string(upkeep.hidden_by_others) +
        " file(s) were hidden by someone else (delete markers placed with other credentials than "
        "prune's): an attack or another tool — see 'repair --as-of' (docs/object-storage.md); "
        "their versions stay retained" + std::string(kNothingChanged));
  }
  return extended;
}

// `error` (prune refused or failed after the retention upkeep ran) with what the upkeep did
// (`dry_run`: would do).
Error WithUpkeep(const Error& error, const PruneStats& upkeep, bool dry_run = false) {
  if (upkeep.retention_checked == 0 && upkeep.overwritten_files == 0) return error;
  std::string done = "; the retention upkeep ran first: " +
                     std::to_string(upkeep.retention_extended) + " of " +
                     std::to_string(upkeep.retention_checked) + " file(s) " +
                     (dry_run ? "would be extended" : "extended");
  if (upkeep.overwritten_files > 0) {
    done += ", " + std::to_string(upkeep.overwritten_files) +
            " file(s) were overwritten after they were written (an attack or a faulty tool: run "
            "'stormproof check --read-data' and see 'repair --as-of')";
  }
  return Error(error.code(), error.message() + done);
}

// Object Lock upkeep, last: hidden versions whose retention ended go.
Status PurgeHidden(Maintenance& maintenance, PruneStats* stats) {
  backend::Backend::HiddenVersions hidden;
  STORMPROOF_TRY(maintenance.PurgeExpiredVersions(&hidden));
  stats->hidden_purged_files = hidden.purged_files;
  stats->hidden_purged_bytes = hidden.purged_bytes;
  stats->hidden_retained_files = hidden.retained_files;
  stats->hidden_retained_bytes = hidden.retained_bytes;
  stats->hidden_earliest_release_ns = hidden.earliest_release_ns;
  stats->foreign_delete_markers = hidden.foreign_markers;
  return Ok();
}

// What prune found and decided: the index as read, and the plan.
struct Survey {
  repository::IndexListing listing;
  PrunePlan plan;
};

// Reads the index, the snapshots' trees and the packs, and plans; changes nothing.
// `storage_now`: when our lock was written, by the storage's clock. REQUIRES: a lock on `repo`
// is held (our caller's witness).
Result<Survey> SurveyRepository(const Repository& repo, int64_t storage_now,
                                const PruneOptions& options, const ProgressFn& progress) {
  // Read every index file again (backups since `repo` was opened added some): the listing and
  // the in-memory index the trees are loaded through come from the same reads.
  auto listing = repo.ListIndex();
  // Damaged index or snapshot files hide what is in use or where it lives: refuse.
  std::vector<repository::DamagedFile> damaged = repo.DamagedIndexFiles();
  if (!damaged.empty()) {
    return Error::FailedCheck("index " + damaged.front().name + " is damaged (" +
                              damaged.front().reason + "); run 'stormproof repair index'" +
                              kNothingChanged);
  }
  if (!listing)
    return listing.error().WithContext(std::string("reading the index") + kNothingChanged);
  auto snapshots = repo.LoadSnapshots(&damaged);
  if (!snapshots)
    return snapshots.error().WithContext(std::string("listing snapshots") + kNothingChanged);
  if (!damaged.empty()) {
    return Error::FailedCheck("snapshot " + damaged.front().name + " is damaged (" +
                              damaged.front().reason +
                              "); run 'stormproof repair snapshots --forget'" + kNothingChanged);
  }
  auto used = FindUsedBlobs(repo, *snapshots, progress);
  if (!used && used.error().code() == ErrorCode::kInterrupted) {
    return Interruption("prune changed nothing");
  }
  if (!used)
    return used.error().WithContext(std::string("finding the data in use") + kNothingChanged);
  STORMPROOF_ASSIGN_OR_RETURN(auto packs, PacksOnBackend(repo));
  STORMPROOF_ASSIGN_OR_RETURN(uint64_t recent,
                              SetAsideRecentPacks(repo, listing->packs, storage_now,
                                                  options.unindexed_grace, &packs));
  PrunePlan plan = MakePlan(listing->packs, packs, listing->files.size(), *used, options);
  plan.stats.snapshots = snapshots->size();
  plan.stats.packs_recent = recent;
  STORMPROOF_TRY(CheckPlanSafe(plan));
  return Survey{std::move(listing).value(), std::move(plan)};
}

// Copies the upkeep's figures into `stats`.
void AddUpkeep(const PruneStats& upkeep, PruneStats* stats) {
  stats->foreign_delete_markers = upkeep.foreign_delete_markers;
  stats->retention_checked = upkeep.retention_checked;
  stats->retention_extended = upkeep.retention_extended;
  stats->retention_known = upkeep.retention_known;
  stats->retention_record_note = upkeep.retention_record_note;
  stats->overwritten_files = upkeep.overwritten_files;
  stats->unretained_versions = upkeep.unretained_versions;
  stats->first_unretained = upkeep.first_unretained;
}

}  // namespace

Result<PruneStats> PlanPrune(const Repository& repo, const repository::Lock& lock,
                             const PruneOptions& options, const ProgressFn& progress) {
  PruneStats upkeep;  // what the upkeep would extend
  Status counted = ExtendRetention(repo, nullptr, /*dry_run=*/true, &upkeep);
  if (!counted) return WithUpkeep(counted.error(), upkeep, true);
  Result<Survey> survey = SurveyRepository(repo, lock.storage_time_ns(), options, progress);
  if (!survey) return WithUpkeep(survey.error(), upkeep, true);
  AddUpkeep(upkeep, &survey->plan.stats);
  return survey->plan.stats;
}

Result<PruneStats> Prune(Maintenance& maintenance, const PruneOptions& options,
                         const ProgressFn& progress) {
  // The retention of what is there is kept up first and whatever follows: a damaged repository
  // (a refused survey) is exactly the one whose backups must not lose their lock.
  PruneStats upkeep;
  Status extended =
      ExtendRetention(maintenance.repository(), &maintenance, options.dry_run, &upkeep);
  if (!extended) return WithUpkeep(extended.error(), upkeep, options.dry_run);
  Result<Survey> surveyed = SurveyRepository(
      maintenance.repository(), maintenance.lock().storage_time_ns(), options, progress);
  if (!surveyed) return WithUpkeep(surveyed.error(), upkeep, options.dry_run);
  PrunePlan& plan = surveyed->plan;
  AddUpkeep(upkeep, &plan.stats);
  if (options.dry_run) return plan.stats;
  if (Interrupted()) return Interruption("prune changed nothing");
  Status executed = Execute(maintenance, surveyed->listing.files, plan, progress);
  if (!executed) return WithUpkeep(executed.error(), upkeep);
  if (!Interrupted()) STORMPROOF_TRY(RemoveTemporaries(maintenance, &plan.stats));
  if (!Interrupted()) STORMPROOF_TRY(PurgeHidden(maintenance, &plan.stats));
  return plan.stats;
}

}  // namespace stormproof::pruner
