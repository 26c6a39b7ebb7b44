// Repository::Impl: the state behind a Repository (the master key, the key it was opened with,
// the blob store). Internal to the repository library. Thread-safe.
#ifndef STORMPROOF_ENGINE_REPOSITORY_INTERNAL_REPOSITORY_IMPL_H_
#define STORMPROOF_ENGINE_REPOSITORY_INTERNAL_REPOSITORY_IMPL_H_

#include <memory>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "engine/backend/backend.h"
#include "engine/repository/internal/blob_store.h"
#include "engine/repository/lock.h"
#include "engine/repository/repository.h"
#include "engine/repository/sealed_file.h"

namespace stormproof::repository {

// Locks this Repository holds now: every lock it hands out registers here until destroyed,
// so that writes can verify them all.
class HeldLocks {
 public:
  void Add(Lock* lock) EXCLUDES(mu_) {
    MutexLock guard(mu_);
    locks_.push_back(lock);
  }
  void Remove(Lock* lock) EXCLUDES(mu_) {
    MutexLock guard(mu_);
    std::erase(locks_, lock);
  }
  // Verifies each held lock; the first error.
  Status Verify() const EXCLUDES(mu_) {
    MutexLock guard(mu_);
    for (Lock* lock : locks_) STORMPROOF_TRY(lock->Verify());
    return Ok();
  }

 private:
  mutable Mutex mu_;
  std::vector<Lock*> locks_ GUARDED_BY(mu_);
};

class Repository::Impl {
 public:
  Impl(backend::Backend& backend, const MasterKey& master_key, std::string opened_key)
      : master(master_key),
        blobs(backend, master_key, GuardedOptions()),
        key_name_(std::move(opened_key)) {}

  // Index files are written only while every held lock verifies.
  BlobStore::Options GuardedOptions() {
    BlobStore::Options options;
    options.verify_lock = [this] { return held_locks.Verify(); };
    return options;
  }

  std::string key_name() const EXCLUDES(key_mu_) {
    MutexLock lock(key_mu_);
    return key_name_;
  }
  void set_key_name(std::string name) EXCLUDES(key_mu_) {
    MutexLock lock(key_mu_);
    key_name_ = std::move(name);
  }

  const MasterKey master;
  BlobStore blobs;

  HeldLocks held_locks;
  LockEnvironment lock_env = RealLockEnvironment();  // set before any lock is taken

 private:
  mutable Mutex key_mu_;
  std::string key_name_ GUARDED_BY(key_mu_);  // the key file this Repository was opened with
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INTERNAL_REPOSITORY_IMPL_H_
