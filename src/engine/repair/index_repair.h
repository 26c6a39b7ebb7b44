// repair: rebuilding what a damaged repository still holds (`stormproof repair ...`).
//
// RepairIndex rebuilds the index from the packs: every pack on the backend whose header opens
// and verifies is listed with the blobs its header lists, in new index files which then replace
// ALL existing index files (damaged or not).
//
// A pack whose header cannot be read or verified (damaged: a flipped byte in its trailer is
// enough) still holds blobs that may be intact. The old index files that can still be read say
// where they are: each blob they locate in such a pack is read there and verified (decrypted,
// decoded, re-hashed against its id); the blobs that verify are copied into new packs, which the
// new index lists, and those that do not are reported, by id, as lost (`check` then names the
// snapshots and files that used them; `repair snapshots` removes those files). A blob that a
// pack with a readable header also holds is kept without a copy. The damaged pack is left in
// place, named by no index: `prune` removes it. When no readable index file locates anything in
// it (every index file lost), its blobs are lost: packs are not scanned for blobs.
//
// A blob that several readable packs list (two backups stored it at once, or a damaged or forged
// copy) is read and verified in each: copies that fail are left out of the new index when another
// copy verifies, and a pack left with none of its blobs is named by no index (prune removes it).
//
// Damage is told from failing storage: a file that cannot be read (kIo from the backend, or a
// file gone since it was listed) stops the repair with that error before anything is changed,
// because what cannot be read now may read later; only what is read and fails a check counts
// as damage.
//
// Crash safety: new packs, then new index files are saved before any old index file is removed
// (Maintenance::CopyBlobsToNewPacks, Maintenance::RewriteIndex), so a crash leaves the old index
// files, plus new files whose union with them names every readable pack, plus at worst new packs
// no index names (prune removes them). Runs under the exclusive lock its repository::Maintenance
// holds; a dry run (PlanRepairIndex) needs only a shared lock.
// Thread-compatible.
#ifndef STORMPROOF_ENGINE_REPAIR_INDEX_REPAIR_H_
#define STORMPROOF_ENGINE_REPAIR_INDEX_REPAIR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/result.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/repository.h"

namespace stormproof::repair {

struct RepairIndexOptions {
  // Read every pack header and verify the blobs of damaged packs, and report; change nothing.
  bool dry_run = false;
};

// A pack whose header cannot be read or verified, and what became of the blobs the old index
// located in it.
struct DamagedPack {
  std::string pack;    // 64 hex digits
  std::string reason;  // why its header cannot be read
  // Blobs the readable old index files locate in this pack, and how many of them the new index
  // keeps (verified and copied into a new pack, or also held by a pack whose header verified).
  uint64_t blobs_indexed = 0, blobs_kept = 0;
  std::vector<std::string> lost_blobs;  // one line per blob not kept: which blob and why

  // Whether data may be lost with it: a blob failed to verify, or nothing is known of its blobs.
  bool lost_data() const { return blobs_indexed == 0 || blobs_kept < blobs_indexed; }
};

struct RepairIndexReport {
  uint64_t packs = 0;          // packs on the backend
  // Packs whose header verified, less those holding only bad copies: the new index lists them.
  uint64_t packs_indexed = 0;
  uint64_t packs_written = 0;  // new packs holding blobs kept from damaged packs (none: dry run)
  uint64_t blobs_before = 0;   // blobs the readable index files listed before
  uint64_t blobs_after = 0;    // blobs the new index lists
  uint64_t blobs_kept = 0;     // of those, kept from damaged packs (sum of their blobs_kept)
  // A dry run's count: the packs it would write are estimated from their bytes.
  uint64_t index_files_before = 0, index_files_after = 0;
  std::vector<repository::DamagedFile> damaged_index_files;  // replaced
  std::vector<DamagedPack> damaged_packs;                    // by pack id
  std::vector<std::string> unexpected_files;  // names under data/ that are not pack ids
  // Copies of a blob that several pack headers list which failed to verify while another copy
  // verified, left out of the new index: one line each, naming the blob, its pack and why.
  std::vector<std::string> bad_copies;

  bool lost_data() const;  // some damaged pack's lost_data()
};

// Progress (calling thread): the packs whose header has been read so far, of the files under
// data/ (kPacks).
//
// Errors: kLocked when the lock was lost before the index was rewritten; kIo (or the backend's
// other errors) when a pack or index file cannot be read, before anything is changed (the
// message says so); the backend's errors saving or removing files, which leave the repository
// consistent.
Result<RepairIndexReport> RepairIndex(repository::Maintenance& maintenance,
                                      const RepairIndexOptions& options,
                                      const ProgressFn& progress);
// What RepairIndex would do, changing nothing (repair index --dry-run). `lock` is the lock the
// caller holds on `repo` (a shared one is enough). Errors: as RepairIndex's before any change.
Result<RepairIndexReport> PlanRepairIndex(const repository::Repository& repo,
                                          const repository::Lock& lock,
                                          const ProgressFn& progress);

}  // namespace stormproof::repair

#endif  // STORMPROOF_ENGINE_REPAIR_INDEX_REPAIR_H_
