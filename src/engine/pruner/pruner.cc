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
// a writer ignores locks.
Status RemoveTemporaries(Maintenance& maintenance, PruneStats* stats) {
  backend::Backend::TemporaryFiles removed;
  STORMPROOF_TRY(maintenance.RemoveStaleTemporaries(kStaleTemporaryAge, &removed));
  stats->temporary_files_removed = removed.files;
  stats->temporary_bytes_removed = removed.bytes;
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

}  // namespace

Result<PruneStats> PlanPrune(const Repository& repo, const repository::Lock& lock,
                             const PruneOptions& options, const ProgressFn& progress) {
  STORMPROOF_ASSIGN_OR_RETURN(Survey survey,
                              SurveyRepository(repo, lock.storage_time_ns(), options, progress));
  return survey.plan.stats;
}

Result<PruneStats> Prune(Maintenance& maintenance, const PruneOptions& options,
                         const ProgressFn& progress) {
  STORMPROOF_ASSIGN_OR_RETURN(Survey survey,
                              SurveyRepository(maintenance.repository(),
                                               maintenance.lock().storage_time_ns(), options,
                                               progress));
  PrunePlan& plan = survey.plan;
  if (options.dry_run) return plan.stats;
  if (Interrupted()) return Interruption("prune changed nothing");
  STORMPROOF_TRY(Execute(maintenance, survey.listing.files, plan, progress));
  if (!Interrupted()) STORMPROOF_TRY(RemoveTemporaries(maintenance, &plan.stats));
  return plan.stats;
}

}  // namespace stormproof::pruner
