// repository::Maintenance: the one holder of the right to remove data and rewrite the index.
//
// Prune and repair change what a repository holds: they delete packs, replace index files and
// remove snapshots. Nothing else may do that while they run, so a Maintenance exists only while
// it holds the repository's exclusive lock: the only way to get one is Begin(), which takes the
// lock, and destroying it gives the lock back. Code that receives a Maintenance& therefore needs
// no "REQUIRES: exclusive lock" comment; the type says it. Every removal and rewrite goes through
// it; the raw backend is reachable only read-only (Repository::backend() is a const Backend&).
//
// The lock protocol of docs/repository-format.md ("Locks") is kept here: RewriteIndex and
// RemovePack verify the lock (Lock::Verify) before each change and stop with kLocked once it is
// lost, so a holder whose lock another process judged stale changes nothing more.
//
// Thread-compatible: one thread at a time, like the operation it serves (the Repository beneath
// it stays thread-safe).
#ifndef STORMPROOF_ENGINE_REPOSITORY_MAINTENANCE_H_
#define STORMPROOF_ENGINE_REPOSITORY_MAINTENANCE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/result.h"
#include "engine/backend/backend.h"
#include "engine/repository/index_files.h"
#include "engine/repository/repository.h"

namespace stormproof::repository {

class Maintenance {
 public:
  // Takes the exclusive lock on `repo` (Repository::AcquireLock: stale locks removed, waiting up
  // to `wait` for conflicting ones, calling `on_wait` once) and returns the Maintenance holding
  // it, once it knows the credentials may delete (Repository::CheckMayDelete). Errors: kLocked
  // naming the holder; kPermissionDenied for credentials that may not delete (nothing changed);
  // the backend's errors. REQUIRES: `repo` outlives the result.
  static Result<std::unique_ptr<Maintenance>> Begin(
      Repository& repo, std::chrono::milliseconds wait = std::chrono::milliseconds(0),
      const Repository::LockWaitFn& on_wait = {});

  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;
  ~Maintenance();  // gives the lock back

  // The repository, read-only (check what is there before changing it).
  const Repository& repository() const { return repo_; }
  // The writer path (SaveBlob, Flush, SaveSnapshot) for what maintenance adds, e.g. the trees
  // and snapshots `repair snapshots` writes.
  Repository& writer() { return repo_; }
  // The exclusive lock held.
  const Lock& lock() const { return *lock_; }
  // Ok while the lock is held (Lock::Verify): call before a change others must not miss.
  Status VerifyLock();

  // Copies `blobs` (each loaded from where the index says and verified, id re-hashed) into new
  // packs that no index file names yet, using every core, and returns those packs' listings.
  // Until RewriteIndex names them they are unreferenced: a crash leaves only data that the next
  // prune removes. `progress` is called with the plaintext bytes copied so far (kBytes, no
  // total; any thread, serialised). Errors name the blob that could not be copied.
  Result<std::vector<IndexedPack>> CopyBlobsToNewPacks(std::span<const BlobRef> blobs,
                                                       const ProgressFn& progress);
  // Replaces the index: verifies the lock, saves index files listing exactly `packs` (verifying
  // the lock before and after each), then removes the index files named in `replaced`, then
  // makes `packs` the in-memory index. A crash in between leaves old and new files whose union
  // still names every pack, so the repository stays consistent. Errors: kLocked when the lock
  // was lost (files written under it that name missing packs are trimmed); the backend's.
  Status RewriteIndex(std::span<const IndexedPack> packs, std::span<const std::string> replaced);
  // Verifies the lock, then deletes pack `pack`. REQUIRES: no index file names it any more.
  Status RemovePack(const Id& pack);
  // Removes snapshot `id` (its data stays until prune).
  Status RemoveSnapshot(const Id& id);
  // Removes the snapshot file `name` that could not be read (Repository::LoadSnapshots lists
  // such files as DamagedFile).
  Status RemoveSnapshotFile(const std::string& name);
  // Removes the temporary files interrupted writes of packs, index files and snapshots left
  // behind, once older than `min_age` (Backend::RemoveStaleTemporaries); adds to `removed`.
  Status RemoveStaleTemporaries(std::chrono::seconds min_age,
                                backend::Backend::TemporaryFiles* removed);
  // Removes the lock files released by emptying them (lock.h: credentials that could not
  // delete left them); returns how many.
  Result<uint64_t> RemoveReleasedLocks();
  // Object Lock upkeep (docs/repository-format.md, "Object Lock"); nothing to do on storage
  // without retention. Verifies the lock, then makes every file a kept snapshot may need (the
  // config, keys, snapshots, index files and packs there now) retained at least the
  // repository's retention days from now (Backend::ExtendRetention); adds to `stats`.
  Status ExtendRetention(backend::Backend::RetentionUpkeep* stats);
  // Verifies the lock, then deletes for good the file versions that removals hid once their
  // retention has ended (Backend::PurgeExpiredVersions); counts those still retained.
  Status PurgeExpiredVersions(backend::Backend::HiddenVersions* stats);

 private:
  Maintenance(Repository& repo, std::unique_ptr<Lock> lock);

  Repository& repo_;
  std::unique_ptr<Lock> lock_;  // exclusive, held for this object's whole life
};

// `error` (maintenance refused or failed after the retention upkeep ran: Repository::
// KeepRetention before any lock, or Maintenance::ExtendRetention under it) with what that upkeep
// did, so that a refused prune is never taken for a lapsed retention: "<error>; the retention
// upkeep ran first: E of C file(s) extended" ("would be extended" for a dry run's count,
// kept.dry_run), then how many the record of earlier upkeep showed retained and how many files
// were overwritten, where there are any. `error` as it is when the upkeep found nothing to read.
Error WithRetentionKept(const Error& error, const backend::Backend::RetentionUpkeep& kept);

// What KeepRetentionThenMaintain needs besides the repository.
struct RetentionFirst {
  // The retention the caller knows the repository was created with (the plan's object_lock,
  // prune --object-lock-days), for Repository::KeepRetention; none by default.
  std::optional<backend::Retention> trusted = std::nullopt;
  // Whether maintenance may go on after the upkeep (run: the config matches the plan's
  // object_lock); nothing more is asked when empty (the default).
  std::function<Status(const Repository&)> may_maintain = {};
  // How long Maintenance::Begin waits for a conflicting lock (none by default), and whom it
  // tells once.
  std::chrono::milliseconds wait = std::chrono::milliseconds(0);
  Repository::LockWaitFn on_wait = {};
};

// Work done under the exclusive lock after the upkeep `kept` (pruner::Prune with
// PruneOptions::retention_kept); its errors say themselves that the upkeep ran.
using MaintenanceWork =
    std::function<Status(Maintenance& maintenance, const backend::Backend::RetentionUpkeep& kept)>;

// The Object Lock upkeep first, then maintenance: what prune and run's retention-only upkeep
// share. Keeps the retention of what `repo` holds (Repository::KeepRetention with
// first.trusted), before any lock and whatever follows; then refuses a repository Open made
// read-only and what first.may_maintain refuses; then, only when `work` is given, takes the
// exclusive lock (Maintenance::Begin) and runs `work` (without `work`: the upkeep alone, which
// needs no lock, so a lock someone holds cannot stop it). Returns what the upkeep did. Errors:
// KeepRetention's as they are; the refusals and Begin's with what the upkeep did
// (WithRetentionKept); `work`'s as it returns them.
Result<backend::Backend::RetentionUpkeep> KeepRetentionThenMaintain(Repository& repo,
                                                                    const RetentionFirst& first,
                                                                    const MaintenanceWork& work);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_MAINTENANCE_H_
