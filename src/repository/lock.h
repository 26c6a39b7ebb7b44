// Repository locks (locks/<random name>): who holds the repository and how.
//
// A lock file is a sealed ("stormproof lock") JSON {hostname, username, pid, exclusive, time}.
// Shared locks coexist; an exclusive lock excludes every other lock. A lock is stale, and is
// removed by the next AcquireLock, when its process is gone (same host, kill(pid, 0) fails with
// ESRCH) or it has not been refreshed for kStaleAfter. A held lock is refreshed (rewritten
// under a new name with the current time, then the old file removed) every refresh interval.
#ifndef STORMPROOF_REPOSITORY_LOCK_H_
#define STORMPROOF_REPOSITORY_LOCK_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "backend/backend.h"
#include "core/bytes.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "repository/repository.h"

namespace stormproof::repository {

constexpr std::chrono::minutes kStaleAfter{30};
constexpr std::chrono::minutes kLockRefreshInterval{5};

struct LockInfo {
  std::string hostname, username;
  int64_t pid = 0;
  bool exclusive = false;
  int64_t time_ns = 0;  // when written (refreshed)
};

// The lock this process would write now.
LockInfo CurrentProcessLock(Repository::LockKind kind);
Bytes EncodeLock(const crypto::Key& master, const LockInfo& info);
// Errors: kFailedCheck when the file cannot be decrypted or is malformed.
Result<LockInfo> DecodeLock(const crypto::Key& master, ByteView file);
bool IsStale(const LockInfo& lock, int64_t now_ns, const std::string& this_host);

// Removes stale locks, writes ours, and checks for conflicting live locks (see above).
// Errors: kLocked "repository is locked by <host> pid <pid> (exclusive, since <time>)"
// (our lock file is removed again), kIo when the lock cannot be written.
// REQUIRES: `backend` outlives the returned Lock.
Result<std::unique_ptr<Lock>> AcquireRepositoryLock(
    backend::Backend& backend, const crypto::Key& master, Repository::LockKind kind,
    std::chrono::milliseconds refresh_interval = kLockRefreshInterval);

}  // namespace stormproof::repository

#endif  // STORMPROOF_REPOSITORY_LOCK_H_
