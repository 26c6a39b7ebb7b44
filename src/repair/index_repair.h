// repair: rebuilding what a damaged repository still holds (`stormproof repair ...`).
//
// RepairIndex rebuilds the index from the packs alone: every pack on the backend whose header
// opens and verifies is listed in new index files, which then replace ALL existing index files
// (damaged or not). A pack whose header cannot be read is reported as lost, by id: its blobs are
// then in no index, and `check` names the snapshots and files that used them (`repair
// snapshots` removes those files). The pack itself is left in place.
//
// Crash safety: new index files are saved before any old one is removed (Repository::
// RewriteIndex), so a crash leaves old and new files whose union names every readable pack.
// Takes the exclusive lock (a shared one for a dry run). Thread-compatible.
#ifndef STORMPROOF_REPAIR_INDEX_REPAIR_H_
#define STORMPROOF_REPAIR_INDEX_REPAIR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "repository/repository.h"

namespace stormproof::repair {

struct RepairIndexOptions {
  bool dry_run = false;  // read every pack header and report; change nothing
  // How long to wait for other processes' locks to go (see Repository::AcquireLock).
  std::chrono::milliseconds lock_wait{0};
  repository::Repository::LockWaitFn on_lock_wait = {};  // none: waits silently
};

struct LostPack {
  std::string pack;    // 64 hex digits
  std::string reason;  // why its header cannot be read
};

struct RepairIndexReport {
  uint64_t packs = 0;          // packs on the backend
  uint64_t packs_indexed = 0;  // packs whose header verified: the new index lists them
  uint64_t blobs_before = 0;   // blobs the readable index files listed before
  uint64_t blobs_after = 0;    // blobs the new index lists
  uint64_t index_files_before = 0, index_files_after = 0;
  std::vector<repository::DamagedFile> damaged_index_files;  // replaced
  std::vector<LostPack> lost_packs;
  std::vector<std::string> unexpected_files;  // names under data/ that are not pack ids
};

// Called with the packs whose header has been read so far.
using RepairIndexProgressFn = std::function<void(uint64_t done, uint64_t total)>;

// Errors: kLocked when another process holds a lock (after waiting options.lock_wait); the
// backend's errors (listing, saving or removing files). A failure leaves the repository consistent.
Result<RepairIndexReport> RepairIndex(repository::Repository& repo,
                                      const RepairIndexOptions& options,
                                      const RepairIndexProgressFn& progress);

}  // namespace stormproof::repair

#endif  // STORMPROOF_REPAIR_INDEX_REPAIR_H_
