#include "repository/lock.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "repository/encoding.h"
#include "repository/sealed_file.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using nlohmann::json;

struct NamedLock {
  std::string name;
  LockInfo info;
};

// Holds a lock file and refreshes it from a background thread. Thread-safe.
class RepositoryLock : public Lock {
 public:
  RepositoryLock(backend::Backend& backend, const crypto::Key& master, LockInfo info,
                 std::string name, std::chrono::milliseconds interval)
      : backend_(backend),
        master_(master),
        info_(std::move(info)),
        name_(std::move(name)),
        interval_(interval),
        thread_([this] { RefreshLoop(); }) {}

  ~RepositoryLock() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
    (void)backend_.Remove({FileType::kLock, name_});
  }

 private:
  void RefreshLoop() {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) Refresh();
  }

  // Writes the lock anew with the current time, then removes the old file. On failure the old
  // file stays (and turns stale after kStaleAfter). REQUIRES: mu_ held.
  void Refresh() {
    info_.time_ns = NowNs();
    std::string name = RandomFileName();
    if (!backend_.Save({FileType::kLock, name}, EncodeLock(master_, info_))) return;
    (void)backend_.Remove({FileType::kLock, name_});
    name_ = std::move(name);
  }

  backend::Backend& backend_;
  const crypto::Key master_;
  std::mutex mu_;
  std::condition_variable wake_;
  LockInfo info_;      // guarded by mu_
  std::string name_;   // guarded by mu_
  bool stop_ = false;  // guarded by mu_
  const std::chrono::milliseconds interval_;
  std::thread thread_;  // last: starts after everything above is initialised
};

// Every readable lock file. Files that vanish or cannot be decrypted are skipped.
Result<std::vector<NamedLock>> ReadLocks(backend::Backend& backend, const crypto::Key& master) {
  std::vector<std::string> names;
  STORMPROOF_TRY(backend.List(FileType::kLock,
                              [&](const std::string& name, uint64_t) { names.push_back(name); }));
  std::vector<NamedLock> locks;
  for (const std::string& name : names) {
    auto file = backend.Load({FileType::kLock, name});
    if (!file) continue;
    auto info = DecodeLock(master, *file);
    if (info) locks.push_back({name, std::move(info).value()});
  }
  return locks;
}

std::string Describe(const LockInfo& lock) {
  std::string since = FormatTime(lock.time_ns).substr(0, 19);
  since[10] = ' ';
  return "repository is locked by " + lock.hostname + " pid " + std::to_string(lock.pid) + " (" +
         (lock.exclusive ? "exclusive" : "shared") + ", since " + since + " UTC)";
}

Status RemoveStaleLocks(backend::Backend& backend, const crypto::Key& master) {
  STORMPROOF_ASSIGN_OR_RETURN(auto locks, ReadLocks(backend, master));
  std::string host = HostName();
  for (const NamedLock& lock : locks) {
    if (IsStale(lock.info, NowNs(), host)) {
      STORMPROOF_TRY(backend.Remove({FileType::kLock, lock.name}));
    }
  }
  return Ok();
}

// The first live lock other than `ours` that conflicts with it, if any.
Result<std::optional<LockInfo>> FindConflict(backend::Backend& backend, const crypto::Key& master,
                                             const NamedLock& ours) {
  STORMPROOF_ASSIGN_OR_RETURN(auto locks, ReadLocks(backend, master));
  std::string host = HostName();
  for (const NamedLock& lock : locks) {
    if (lock.name == ours.name || IsStale(lock.info, NowNs(), host)) continue;
    if (lock.info.exclusive || ours.info.exclusive) return std::optional(lock.info);
  }
  return std::optional<LockInfo>();
}

}  // namespace

LockInfo CurrentProcessLock(Repository::LockKind kind) {
  return LockInfo{HostName(), UserName(), static_cast<int64_t>(getpid()),
                  kind == Repository::LockKind::kExclusive, NowNs()};
}

Bytes EncodeLock(const crypto::Key& master, const LockInfo& info) {
  json doc = {{"hostname", ByteStringToJson(info.hostname)},
              {"username", ByteStringToJson(info.username)},
              {"pid", info.pid},
              {"exclusive", info.exclusive},
              {"time", FormatTime(info.time_ns)}};
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
    STORMPROOF_ASSIGN_OR_RETURN(info.time_ns, ParseTime(doc.at("time").get<std::string>()));
    return info;
  } catch (const json::exception& e) {
    return Error::FailedCheck(std::string("malformed lock: ") + e.what());
  }
}

bool IsStale(const LockInfo& lock, int64_t now_ns, const std::string& this_host) {
  if (now_ns - lock.time_ns > std::chrono::nanoseconds(kStaleAfter).count()) return true;
  if (lock.hostname != this_host || lock.pid <= 0) return false;
  return ::kill(static_cast<pid_t>(lock.pid), 0) != 0 && errno == ESRCH;
}

Result<std::unique_ptr<Lock>> AcquireRepositoryLock(backend::Backend& backend,
                                                    const crypto::Key& master,
                                                    Repository::LockKind kind,
                                                    std::chrono::milliseconds refresh_interval) {
  STORMPROOF_TRY(RemoveStaleLocks(backend, master));
  NamedLock ours{RandomFileName(), CurrentProcessLock(kind)};
  STORMPROOF_TRY(backend.Save({FileType::kLock, ours.name}, EncodeLock(master, ours.info)));
  auto conflict = FindConflict(backend, master, ours);
  if (!conflict || conflict->has_value()) {
    (void)backend.Remove({FileType::kLock, ours.name});
    if (!conflict) return conflict.error();
    return Error::Locked(Describe(**conflict));
  }
  return std::unique_ptr<Lock>(
      new RepositoryLock(backend, master, std::move(ours.info), ours.name, refresh_interval));
}

}  // namespace stormproof::repository
