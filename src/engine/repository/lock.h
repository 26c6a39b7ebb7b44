// Repository locks (locks/<random name>): who holds the repository and how.
//
// A lock file is a sealed ("stormproof lock") JSON {hostname, username, pid, pid_namespace,
// boot_id, start_ticks, exclusive, time}. Shared locks coexist; an exclusive lock excludes every
// other lock. The protocol (docs/repository-format.md, "Locks"):
//  - Acquire: write our lock file, then list and read every other lock file (a file that
//    vanishes while being read means "look again", never "no lock"), remove the stale ones, and
//    give up (removing ours) on any other conflicting or unreadable one. A stale lock is only
//    ever ignored once removed. Our file's time by the storage's clock is read only when another
//    lock is listed (to judge its age) or the lock is exclusive: a shared lock alone costs one
//    write and one listing.
//  - Stale: a lock of this machine (same host name, boot and PID namespace) is stale exactly when
//    its process no longer runs (or its pid now belongs to a younger process); age never matters
//    for it. Any other lock is stale when its file is older than kStaleAfter by the storage's
//    clock (Backend::ModifiedNs of it against that of the lock we just wrote): writers' clocks
//    are never compared, so a host whose clock is off keeps its lock.
//  - Hold: the holder rewrites its lock every refresh interval, but only while its file is still
//    there and its last successful refresh is younger than kLockLostAfter; otherwise the lock
//    is lost for good (another process may have judged it stale) and Verify() fails, so the
//    holder stops before writing an index or a snapshot.
//  - Release: a lock file is removed by deleting it or, with credentials that may write but not
//    delete (docs/object-storage.md, "Upload-only credentials"), by overwriting it with an empty
//    file (LockRemover). An empty lock file is a released one: every reader takes it for no file
//    at all, from the listing's sizes, without reading it; an empty file where our own lock
//    was means our lock is lost. Prune (with credentials that may delete) deletes them.
#ifndef STORMPROOF_ENGINE_REPOSITORY_LOCK_H_
#define STORMPROOF_ENGINE_REPOSITORY_LOCK_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "engine/backend/backend.h"
#include "core/bytes.h"
#include "core/mutex.h"
#include "core/result.h"
#include "engine/crypto/crypto.h"
#include "engine/repository/repository.h"

namespace stormproof::repository {

constexpr std::chrono::minutes kStaleAfter{30};
constexpr std::chrono::minutes kLockRefreshInterval{5};
// A holder whose last successful refresh is this old gives its lock up: others judge it stale
// only at kStaleAfter, so the margin absorbs a slow write and a storage clock running fast.
constexpr std::chrono::minutes kLockLostAfter{20};
// After a failed refresh the holder tries again this soon.
constexpr std::chrono::seconds kLockRetryInterval{30};

struct LockInfo {
  LockInfo() = default;
  LockInfo(std::string host, std::string user, int64_t process, bool is_exclusive, int64_t time)
      : hostname(std::move(host)),
        username(std::move(user)),
        pid(process),
        exclusive(is_exclusive),
        time_ns(time) {}

  std::string hostname, username;
  int64_t pid = 0;
  bool exclusive = false;
  int64_t time_ns = 0;        // the writer's clock when written: shown to people, never compared
  std::string pid_namespace;  // e.g. "pid:[4026531836]"; "" when unknown (then age decides)
  std::string boot_id;        // /proc/sys/kernel/random/boot_id; "" when unknown
  uint64_t start_ticks = 0;   // the process's start after boot (clock ticks); 0 when unknown
};

// How this process removes lock files from one storage: it deletes them until a delete is
// refused (kPermissionDenied: credentials that may write and read but not delete), and from then
// on overwrites them with an empty file, which every reader takes for no lock (see above). It
// remembers the refusal, so a process makes at most one refused delete per storage (restic
// retries such a delete for minutes and leaves its lock behind). Thread-safe.
class LockRemover {
 public:
  // Removes lock file `name` as above. Errors: the backend's (of the empty overwrite once
  // deletes are refused).
  Status Remove(backend::Backend& backend, const std::string& name) EXCLUDES(mu_);
  // Whether these credentials may delete: Ok after deleting a probe file, an empty lock file
  // written under locks/ for the purpose (a released lock to every reader, so a refused delete
  // leaves nothing that matters behind); no request once a refusal is known. Errors:
  // kPermissionDenied DeletesRefused(...) when deletes are refused; the backend's otherwise.
  Status CheckMayDelete(backend::Backend& backend) EXCLUDES(mu_);

 private:
  // Deletes `name`; on a refusal, remembers it and returns it.
  Status Delete(backend::Backend& backend, const std::string& name) REQUIRES(mu_);

  Mutex mu_;  // held across the deletes until one is refused: at most one refused delete
  std::optional<Error> refusal_ GUARDED_BY(mu_);
};

// The one line (kPermissionDenied) for credentials that may not delete at `location`, whose
// delete of `refused` (e.g. "locks/NAME") was refused: what is missing and which credentials
// forget, prune and repair need.
Error DeletesRefused(const std::string& location, const std::string& refused);

// How locks meet the world. The defaults (RealLockEnvironment) are this process, this machine's
// process table and CLOCK_BOOTTIME; tests and simulations replace them to play other hosts,
// suspended processes and skewed clocks.
struct LockEnvironment {
  LockInfo self;                                 // who writes our locks (exclusive, time unset)
  std::function<int64_t()> wall_ns;              // for LockInfo::time_ns
  std::function<int64_t()> elapsed_ns;           // the holder's clock; counts suspensions
  std::function<bool(const LockInfo&)> running;  // a lock of this machine: is its process alive?
  std::chrono::milliseconds refresh_interval = kLockRefreshInterval;
  // How long a writer whose lock was lost waits for a fresh one to judge what it just saved
  // (Repository::SaveSnapshot, kSameContentSameFile): a prune holding the repository meanwhile
  // ends first, so its removals are seen; past it, the saved file's wholeness is "unknown".
  std::chrono::milliseconds fresh_lock_wait = std::chrono::seconds(60);
  // Shared by every copy of the environment (a Repository's locks): null = one per lock taken.
  std::shared_ptr<LockRemover> remover = {};
};
LockEnvironment RealLockEnvironment();

// The lock this process would write now.
LockInfo CurrentProcessLock(Repository::LockKind kind);
Bytes EncodeLock(const crypto::Key& master, const LockInfo& info);
// Errors: kCorrupt when the file cannot be decrypted, kFailedCheck when it is malformed.
Result<LockInfo> DecodeLock(const crypto::Key& master, ByteView file);
// Whether `lock` (its file `age_ns` old by the storage clock) is stale for a process that
// would write `self` (see above).
bool IsStale(const LockInfo& lock, int64_t age_ns, const LockEnvironment& env);
// Whether `lock` was written by a process of the same machine and PID namespace as `self`.
bool SameMachine(const LockInfo& lock, const LockInfo& self);

// How long a process waiting for a lock (Repository::AcquireLock) sleeps after its failed
// attempt number `attempt` (1 = the first): a ceiling doubling from 100 ms up to 5 s, and a time
// between half and all of it chosen by `random` (any uniformly drawn value). Without the jitter,
// processes that started waiting together (a backup and a forget --prune launched at the same
// instant) retry at the same instants, see each other's lock every time and give up together.
std::chrono::milliseconds LockRetryPause(int attempt, uint64_t random);

// Removes every released (empty) lock file (see above) and returns how many. Only for
// credentials that may delete (prune, under the exclusive lock); an empty file is no lock to
// anyone, so removing one never changes who holds the repository.
Result<uint64_t> RemoveReleasedLocks(backend::Backend& backend);

// Writes our lock, removes stale locks and checks for conflicting live ones (see above).
// Errors: kLocked "repository is locked by <host> pid <pid> (exclusive, since <time>)" (our lock
// file is removed again), kIo when a lock cannot be written, read or removed.
// REQUIRES: `backend` outlives the returned Lock.
Result<std::unique_ptr<Lock>> AcquireRepositoryLock(backend::Backend& backend,
                                                    const crypto::Key& master,
                                                    Repository::LockKind kind,
                                                    const LockEnvironment& env);
Result<std::unique_ptr<Lock>> AcquireRepositoryLock(
    backend::Backend& backend, const crypto::Key& master, Repository::LockKind kind,
    std::chrono::milliseconds refresh_interval = kLockRefreshInterval);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_LOCK_H_
