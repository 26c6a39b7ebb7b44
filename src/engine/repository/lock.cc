#include "engine/repository/lock.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "core/refresh_thread.h"
#include "core/text.h"
#include "core/time.h"
#include "engine/repository/encoding.h"
#include "engine/repository/sealed_file.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using nlohmann::json;

constexpr int kReadAttempts = 20;                // listings tried while lock files vanish under us
constexpr uint64_t kMaxLockFileSize = 64 << 10;  // a real one is a few hundred bytes

// How old a file stamped `modified` is at `now` (both by the storage's clock). A time in the
// future (a storage clock stepped back, a copy that kept times, a hostile file) counts as its
// distance, so such a lock expires rather than blocking forever. Never overflows.
int64_t AgeNs(int64_t now, int64_t modified) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t age = 0;
  if (__builtin_sub_overflow(now, modified, &age)) return kMax;
  if (age >= 0) return age;
  return age == std::numeric_limits<int64_t>::min() ? kMax : -age;
}

// A lock file as read: its decoded content (none when it cannot be decrypted or parsed) and its
// age by the storage clock.
struct ReadLock {
  std::string name;
  std::optional<LockInfo> info;
  int64_t age_ns = 0;
};

int64_t ClockNs(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

std::string FirstLineOfFile(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Field 22 of /proc/PID/stat (after the parenthesised command name, which may hold spaces).
uint64_t StartTicks(int64_t pid) {
  std::string stat = FirstLineOfFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

std::string PidNamespace() {
  char target[64] = {};
  ssize_t n = ::readlink("/proc/self/ns/pid", target, sizeof(target) - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

bool ProcessRunning(const LockInfo& lock) {
  if (lock.pid <= 0) return true;  // cannot tell: never judge it gone
  if (::kill(static_cast<pid_t>(lock.pid), 0) != 0 && errno == ESRCH) return false;
  if (lock.start_ticks == 0) return true;
  uint64_t now = StartTicks(lock.pid);
  return now == 0 || now == lock.start_ticks;  // another start time: the pid was reused
}

std::string Describe(const ReadLock& lock) {
  if (!lock.info) {
    return "repository is locked by an unreadable lock file locks/" + lock.name +
           " (it is removed once 30 minutes old)";
  }
  const LockInfo& info = *lock.info;
  return "repository is locked by " + EscapeName(info.hostname) + " pid " +
         std::to_string(info.pid) + " (" + (info.exclusive ? "exclusive" : "shared") + ", since " +
         FormatUtc(info.time_ns) + ")";
}

// Holds a lock file and refreshes it from a background thread (see lock.h). Thread-safe.
class RepositoryLock : public Lock {
 public:
  // `written_at`: env.elapsed_ns() just before the lock file was first written.
  // `storage_time_ns`: our file's time by the storage's clock, when it was read (see
  // storage_time_ns()).
  RepositoryLock(backend::Backend& backend, const crypto::Key& master, LockInfo info,
                 std::string name, std::optional<int64_t> storage_time_ns, int64_t written_at,
                 LockEnvironment env)
      : backend_(backend),
        master_(master),
        env_(std::move(env)),
        remover_(env_.remover),
        storage_time_ns_(storage_time_ns),
        info_(std::move(info)),
        name_(std::move(name)),
        last_ok_(written_at),
        refresher_(env_.refresh_interval, kLockRetryInterval, [this] { return RefreshIfHeld(); }) {}

  ~RepositoryLock() override EXCLUDES(mu_) {
    refresher_.Stop();
    MutexLock lock(mu_);
    (void)remover_->Remove(backend_, name_);
  }

  Status Verify() override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (!lost_ && Age() > env_.refresh_interval) Refresh();
    if (!lost_) {
      Status held = CheckStillHeld();
      if (!held) return held.error().WithContext("verifying our lock");
    }
    if (!lost_) return Ok();
    return Error::Locked("the lock on " + backend_.Location() + " was lost (" + *lost_ +
                         "); stopping before anything else is written");
  }

  // Read at acquisition when other locks were listed or the lock is exclusive; otherwise on
  // the first call, from our current file (written at or after acquisition); the holder's wall
  // clock if that file cannot be read.
  int64_t storage_time_ns() const override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (!storage_time_ns_) {
      auto modified = backend_.ModifiedNs({FileType::kLock, name_});
      storage_time_ns_ = modified ? *modified : env_.wall_ns();
    }
    return *storage_time_ns_;
  }

 private:
  // Time since the last successful refresh began, by the holder's clock.
  std::chrono::milliseconds Age() const REQUIRES(mu_) {
    return std::chrono::milliseconds((env_.elapsed_ns() - last_ok_) / kNsPerMillisecond);
  }

  // Marks the lock lost when it was not refreshed in time or its file is gone or empty (released
  // by another process); the backend's error when the file cannot be looked at.
  // REQUIRES: !lost_.
  Status CheckStillHeld() REQUIRES(mu_) {
    if (Age() > kLockLostAfter) {
      lost_ = "it was not refreshed for " + std::to_string(Age().count() / 60000) + " minutes";
      return Ok();
    }
    auto there = backend_.Size({FileType::kLock, name_});
    if (there && *there > 0) return Ok();
    if (!there && there.error().code() != ErrorCode::kNotFound) return there.error();
    lost_ = "another process removed it as stale";
    return Ok();
  }

  // refresher_'s call: refreshes while the lock is held; false after a failed refresh.
  bool RefreshIfHeld() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (!lost_) Refresh();
    return !failed_;
  }

  // Writes the lock anew, then removes the old file; never revives a lock that may have been
  // judged stale (too long unrefreshed, or its file gone or emptied). REQUIRES: !lost_.
  void Refresh() REQUIRES(mu_) {
    const int64_t start = env_.elapsed_ns();
    Status held = CheckStillHeld();
    if (lost_) return;
    if (!held) {
      failed_ = true;
      return;
    }
    info_.time_ns = env_.wall_ns();
    std::string name = RandomFileName();
    failed_ = !backend_.Save({FileType::kLock, name}, EncodeLock(master_, info_));
    if (failed_) return;
    // Paused between the check above and the save (a VM's clock may not count a pause): if
    // the old file is gone or the new one is too much younger by the storage's clock, others
    // may have judged the lock stale meanwhile. Give it up rather than revive it.
    // Emptying the old file (another process releasing it as stale without the right to delete)
    // makes its time new: its size, read after its time, tells (a time read before the
    // emptying is the old one, and judged as before).
    auto old_time = backend_.ModifiedNs({FileType::kLock, name_});
    auto new_time = backend_.ModifiedNs({FileType::kLock, name});
    auto old_size = old_time ? backend_.Size({FileType::kLock, name_}) : Result<uint64_t>(0);
    if (!old_time || !new_time || !old_size || *old_size == 0 ||
        AgeNs(*new_time, *old_time) > std::chrono::nanoseconds(kLockLostAfter).count()) {
      (void)remover_->Remove(backend_, name);
      if (!old_time && old_time.error().code() != ErrorCode::kNotFound) {
        failed_ = true;  // cannot tell: try again soon
        return;
      }
      if (!old_size && old_size.error().code() != ErrorCode::kNotFound) {
        failed_ = true;
        return;
      }
      lost_ = old_size && *old_size == 0 ? "another process removed it as stale"
                                         : "it could not be refreshed in time";
      return;
    }
    (void)remover_->Remove(backend_, name_);
    name_ = std::move(name);
    last_ok_ = start;
  }

  backend::Backend& backend_;
  const crypto::Key master_;
  const LockEnvironment env_;
  const std::shared_ptr<LockRemover> remover_;  // env_'s
  mutable Mutex mu_;
  mutable std::optional<int64_t> storage_time_ns_ GUARDED_BY(mu_);
  LockInfo info_ GUARDED_BY(mu_);
  std::string name_ GUARDED_BY(mu_);
  int64_t last_ok_ GUARDED_BY(mu_);      // env_.elapsed_ns() when the last good write began
  bool failed_ GUARDED_BY(mu_) = false;  // the last refresh failed
  std::optional<std::string> lost_ GUARDED_BY(mu_);  // why the lock is lost for good
  RefreshThread refresher_;  // last: starts after everything above is initialised
};

// The storage's clock now: the time of our own lock file `ours`, read once (a HEAD on object
// storage) and only when another lock must be judged by its age.
class StorageNow {
 public:
  StorageNow(const backend::Backend& backend, std::string ours)
      : backend_(backend), ours_(std::move(ours)) {}
  Result<int64_t> Get() {
    if (!now_) {
      auto modified = backend_.ModifiedNs({FileType::kLock, ours_});
      if (!modified) return modified.error().WithContext("reading our lock");
      now_ = *modified;
    }
    return *now_;
  }
  std::optional<int64_t> known() const { return now_; }

 private:
  const backend::Backend& backend_;
  const std::string ours_;
  std::optional<int64_t> now_;
};

// One listing's lock files other than `ours`, or nullopt when one vanished meanwhile. Reads the
// storage's clock (`storage_now`) only when the listing holds another lock.
Result<std::optional<std::vector<ReadLock>>> TryReadLocks(backend::Backend& backend,
                                                          const crypto::Key& master,
                                                          const std::string& ours,
                                                          StorageNow& storage_now) {
  // An empty file is a released lock (lock.h): not a lock, and not read.
  std::vector<std::string> names;
  STORMPROOF_TRY(backend.List(FileType::kLock, [&](const std::string& name, uint64_t size) {
    if (size > 0) names.push_back(name);
  }));
  // The protocol rests on a listing showing every lock written before it (docs/
  // repository-format.md): ours was, so a listing without it is storage that breaks that promise
  // (or another process removed ours as stale meanwhile). Either way this lock holds nothing.
  if (std::find(names.begin(), names.end(), ours) == names.end()) {
    return Error::Locked(backend.Location() + ": the listing of locks/ does not show the lock " +
                         ours + " this process just wrote; the storage does not list what was "
                         "written before (not read-after-write consistent), or the lock was "
                         "removed; try again, and if it persists use storage that does");
  }
  std::vector<ReadLock> locks;
  if (std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n != ours; })) {
    STORMPROOF_TRY(storage_now.Get());
  }
  const auto vanished = std::optional<std::vector<ReadLock>>();
  for (const std::string& name : names) {
    if (name == ours) continue;
    const backend::Handle handle{FileType::kLock, name};
    auto modified = backend.ModifiedNs(handle);
    if (!modified && modified.error().code() == ErrorCode::kNotFound) return vanished;
    if (!modified) return modified.error().WithContext("reading lock " + name);
    ReadLock lock{name, std::nullopt, AgeNs(*storage_now.known(), *modified)};
    // A file too large to be a lock, or one that cannot be read, may still be a holder's:
    // unreadable, judged by its age.
    // Emptied since the listing: released, as good as gone.
    auto size = backend.Size(handle);
    if (!size && size.error().code() == ErrorCode::kNotFound) return vanished;
    if (size && *size == 0) return vanished;
    const bool readable = size && *size <= kMaxLockFileSize;
    auto file = readable ? backend.Load(handle) : Result<Bytes>(Bytes());
    if (!file && file.error().code() == ErrorCode::kNotFound) return vanished;
    if (readable && file && file->empty()) return vanished;
    if (file && !file->empty()) {
      if (auto info = DecodeLock(master, *file)) lock.info = *info;
    }
    locks.push_back(std::move(lock));
  }
  return std::optional(std::move(locks));
}

// Every lock file but `ours`, from a listing in which no file vanished while being read.
Result<std::vector<ReadLock>> ReadLocks(backend::Backend& backend, const crypto::Key& master,
                                        const std::string& ours, StorageNow& storage_now) {
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    STORMPROOF_ASSIGN_OR_RETURN(auto locks, TryReadLocks(backend, master, ours, storage_now));
    if (locks) return std::move(*locks);
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * (attempt + 1)));
  }
  return Error::Locked("the lock files of " + backend.Location() +
                       " kept changing while being read; try again");
}

bool Stale(const ReadLock& lock, const LockEnvironment& env) {
  if (lock.info) return IsStale(*lock.info, lock.age_ns, env);
  return lock.age_ns > std::chrono::nanoseconds(kStaleAfter).count();
}

// Removes the stale locks among `locks`; returns the first live one that conflicts with ours.
Result<std::optional<ReadLock>> RemoveStaleFindConflict(backend::Backend& backend,
                                                        const std::vector<ReadLock>& locks,
                                                        bool exclusive,
                                                        const LockEnvironment& env) {
  std::optional<ReadLock> conflict;
  for (const ReadLock& lock : locks) {
    if (Stale(lock, env)) {
      STORMPROOF_TRY(env.remover->Remove(backend, lock.name));
      continue;
    }
    bool conflicts = !lock.info || lock.info->exclusive || exclusive;
    if (conflicts && !conflict) conflict = lock;
  }
  return conflict;
}

}  // namespace

LockEnvironment RealLockEnvironment() {
  LockEnvironment env;
  env.self = CurrentProcessLock(Repository::LockKind::kShared);
  env.wall_ns = SystemNowNs;
  env.elapsed_ns = [] { return ClockNs(CLOCK_BOOTTIME); };
  env.running = ProcessRunning;
  env.remover = std::make_shared<LockRemover>();
  return env;
}

LockInfo CurrentProcessLock(Repository::LockKind kind) {
  static const std::string boot_id = FirstLineOfFile("/proc/sys/kernel/random/boot_id");
  static const std::string pid_namespace = PidNamespace();
  LockInfo info{HostName(), UserName(), static_cast<int64_t>(getpid()),
                kind == Repository::LockKind::kExclusive, SystemNowNs()};
  info.pid_namespace = pid_namespace;
  info.boot_id = boot_id;
  info.start_ticks = StartTicks(info.pid);
  return info;
}

Bytes EncodeLock(const crypto::Key& master, const LockInfo& info) {
  json doc = {{"hostname", ByteStringToJson(info.hostname)},
              {"username", ByteStringToJson(info.username)},
              {"pid", info.pid},
              {"pid_namespace", info.pid_namespace},
              {"boot_id", info.boot_id},
              {"start_ticks", info.start_ticks},
              {"exclusive", info.exclusive},
              {"time", FormatRfc3339Nanos(info.time_ns)}};
  std::string text = doc.dump();
  return SealFile(master, AsBytes(text), kLockKind);
}

Result<LockInfo> DecodeLock(const crypto::Key& master, ByteView file) {
  STORMPROOF_ASSIGN_OR_RETURN(Bytes plain, OpenSealedFile(master, file, kLockKind));
  json doc = json::parse(AsText(plain), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Error::FailedCheck("lock is not JSON");
  try {
    LockInfo info;
    STORMPROOF_ASSIGN_OR_RETURN(info.hostname, ByteStringFromJson(doc.at("hostname")));
    STORMPROOF_ASSIGN_OR_RETURN(info.username, ByteStringFromJson(doc.at("username")));
    STORMPROOF_ASSIGN_OR_RETURN(info.pid, IntegerFromJson<int64_t>(doc.at("pid"), "pid"));
    info.exclusive = doc.at("exclusive").get<bool>();
    STORMPROOF_ASSIGN_OR_RETURN(info.time_ns, ParseRfc3339(doc.at("time").get<std::string>()));
    // Absent in locks written before version 0.5: their holders are then judged by age alone.
    info.pid_namespace = doc.value("pid_namespace", std::string());
    info.boot_id = doc.value("boot_id", std::string());
    if (doc.contains("start_ticks")) {
      STORMPROOF_ASSIGN_OR_RETURN(info.start_ticks,
                                  IntegerFromJson<uint64_t>(doc["start_ticks"], "start_ticks"));
    }
    return info;
  } catch (const json::exception& e) {
    return Error::FailedCheck(std::string("malformed lock: ") + e.what());
  }
}

std::chrono::milliseconds LockRetryPause(int attempt, uint64_t random) {
  constexpr int64_t kFirst = 100, kMost = 5000;
  int64_t ceiling = kFirst;
  for (int i = 1; i < attempt && ceiling < kMost; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, kMost);
  const int64_t half = ceiling / 2;
  return std::chrono::milliseconds(half + static_cast<int64_t>(random % (half + 1)));
}

bool SameMachine(const LockInfo& lock, const LockInfo& self) {
  return !self.boot_id.empty() && !self.pid_namespace.empty() && lock.hostname == self.hostname &&
         lock.boot_id == self.boot_id && lock.pid_namespace == self.pid_namespace;
}

bool IsStale(const LockInfo& lock, int64_t age_ns, const LockEnvironment& env) {
  if (SameMachine(lock, env.self)) return !env.running(lock);
  return age_ns > std::chrono::nanoseconds(kStaleAfter).count();
}

Result<std::unique_ptr<Lock>> AcquireRepositoryLock(backend::Backend& backend,
                                                    const crypto::Key& master,
                                                    Repository::LockKind kind,
                                                    const LockEnvironment& given_env) {
  LockEnvironment env = given_env;
  if (!env.remover) env.remover = std::make_shared<LockRemover>();
  LockInfo info = env.self;
  info.exclusive = kind == Repository::LockKind::kExclusive;
  info.time_ns = env.wall_ns();
  const std::string name = RandomFileName();
  const int64_t written_at = env.elapsed_ns();
  STORMPROOF_TRY(backend.Save({FileType::kLock, name}, EncodeLock(master, info)));
  auto give_up = [&](const Error& error) -> Result<std::unique_ptr<Lock>> {
    (void)env.remover->Remove(backend, name);
    return error;
  };
  // Our file's time by the storage's clock: read when another lock is listed (to judge its age)
  // and for an exclusive lock (prune sets recent packs aside by it); a shared lock alone in the
  // listing needs no request for it.
  StorageNow storage_now(backend, name);
  if (info.exclusive) {
    if (auto now = storage_now.Get(); !now) return give_up(now.error());
  }
  auto locks = ReadLocks(backend, master, name, storage_now);
  if (!locks) return give_up(locks.error());
  auto conflict = RemoveStaleFindConflict(backend, *locks, info.exclusive, env);
  if (!conflict) return give_up(conflict.error().WithContext("removing a stale lock"));
  if (*conflict) return give_up(Error::Locked(Describe(**conflict)));
  return std::unique_ptr<Lock>(new RepositoryLock(backend, master, std::move(info), name,
                                                  storage_now.known(), written_at, env));
}

Status LockRemover::Delete(backend::Backend& backend, const std::string& name) {
  Status deleted = backend.Remove({FileType::kLock, name});
  if (!deleted && deleted.error().code() == ErrorCode::kPermissionDenied) {
    refusal_ = DeletesRefused(backend.Location(), "locks/" + name);
  }
  return deleted;
}

Status LockRemover::Remove(backend::Backend& backend, const std::string& name) {
  MutexLock lock(mu_);
  if (!refusal_) {
    Status deleted = Delete(backend, name);
    if (deleted || !refusal_) return deleted;
  }
  return backend.Save({FileType::kLock, name}, ByteView());
}

Status LockRemover::CheckMayDelete(backend::Backend& backend) {
  MutexLock lock(mu_);
  if (!refusal_) {
    const std::string probe = RandomFileName();
    STORMPROOF_TRY(backend.Save({FileType::kLock, probe}, ByteView()));
    Status deleted = Delete(backend, probe);
    if (deleted || !refusal_) return deleted;
  }
  return *refusal_;
}

Error DeletesRefused(const std::string& location, const std::string& refused) {
  return Error::PermissionDenied(
      location + ": these credentials may not delete objects (s3:DeleteObject refused for " +
      refused +
      "): forget, prune and repair need the maintenance credentials (the plan's "
      "maintenance_credentials_file, or AWS_PROFILE or AWS_ACCESS_KEY_ID of the maintenance key)");
}

Result<uint64_t> RemoveReleasedLocks(backend::Backend& backend) {
  std::vector<std::string> released;
  STORMPROOF_TRY(backend.List(FileType::kLock, [&](const std::string& name, uint64_t size) {
    if (size == 0) released.push_back(name);
  }));
  for (const std::string& name : released) {
    STORMPROOF_TRY(backend.Remove({FileType::kLock, name}));
  }
  return released.size();
}

Result<std::unique_ptr<Lock>> AcquireRepositoryLock(backend::Backend& backend,
                                                    const crypto::Key& master,
                                                    Repository::LockKind kind,
                                                    std::chrono::milliseconds refresh_interval) {
  LockEnvironment env = RealLockEnvironment();
  env.refresh_interval = refresh_interval;
  return AcquireRepositoryLock(backend, master, kind, env);
}

}  // namespace stormproof::repository
