// The roll-back's lock file (internal/as_of_lock.h): written, refreshed like a repository lock
// (engine/repository/lock.h, "Hold"), released.
#include "engine/s3/internal/as_of_lock.h"

#include <time.h>

#include <chrono>
#include <optional>
#include <random>
#include <utility>

#include "core/bytes.h"
#include "core/mutex.h"
#include "core/refresh_thread.h"
#include "core/time.h"

namespace stormproof::s3::internal {
namespace {

// repository::kLockLostAfter: a holder whose last good refresh is this old gives its lock up
// (others judge a lock stale at 30 minutes by the server's clock).
constexpr int64_t kLostAfterNs = 20 * kNsPerMinute;
// repository::kLockRetryInterval: after a failed refresh the next try comes this soon.
constexpr std::chrono::seconds kRetryInterval{30};

int64_t BootTimeNs() {
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  return int64_t{now.tv_sec} * kNsPerSecond + now.tv_nsec;
}

std::string NewLockName() {
  std::random_device random;
  std::string name = "locks/";
  for (int i = 0; i < 64; ++i) name += "0123456789abcdef"[random() % 16];
  return name;
}

// A held roll-back lock and the thread that refreshes it. Thread-safe.
class HeldRollBackLock final : public RollBackLock {
 public:
  // `written_at`: timing.elapsed_ns() just before the file `name` was first written.
  HeldRollBackLock(Client& client, std::string root, std::string name, std::string text,
                   RollBackLockTiming timing, int64_t written_at)
      : client_(client),
        root_(std::move(root)),
        text_(std::move(text)),
        timing_(std::move(timing)),
        name_(std::move(name)),
        last_ok_(written_at),
        refresher_(timing_.refresh_interval, kRetryInterval, [this] { return RefreshIfHeld(); }) {}

  ~HeldRollBackLock() override { (void)Release(); }

  Status Held() override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (!lost_ && AgeNs() > kLostAfterNs) lost_ = NotRefreshedFor();
    if (!lost_) return Ok();
    return Error::Locked(client_.location().ToString() + ": the roll-back's lock " + name_ +
                         " was lost (" + *lost_ + ")");
  }

  std::string name() const override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return name_;
  }

  Status Release() override EXCLUDES(mu_) {
    if (!refresher_.Stop()) return Ok();  // released before
    MutexLock lock(mu_);
    return client_.DeleteObject(root_ + name_);
  }

 private:
  // Time since the last good refresh began, by the holder's clock.
  int64_t AgeNs() const REQUIRES(mu_) { return timing_.elapsed_ns() - last_ok_; }

  std::string NotRefreshedFor() const REQUIRES(mu_) {
    return "it was not refreshed for " + std::to_string(AgeNs() / kNsPerMinute) + " minutes";
  }

  // refresher_'s call: refreshes while the lock is held; false after a failed refresh.
  bool RefreshIfHeld() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (!lost_) Refresh();
    return !failed_;
  }

  // Writes the lock anew under a new name, then removes the old file; never revives a lock
  // that may have been judged stale: too long unrefreshed, its file gone or emptied (another
  // process removed it as stale), or the new file too much younger than the old by the
  // server's clock (this process was paused between). REQUIRES: !lost_.
  void Refresh() REQUIRES(mu_) {
    const int64_t start = timing_.elapsed_ns();
    if (AgeNs() > kLostAfterNs) {
      lost_ = NotRefreshedFor();
      return;
    }
    const std::string fresh = NewLockName();
    failed_ = !client_.PutObject(root_ + fresh, AsBytes(text_), Overwrite::kAllowed);
    if (failed_) return;
    Result<ObjectInfo> old_file = client_.HeadObject(root_ + name_);
    Result<ObjectInfo> new_file = client_.HeadObject(root_ + fresh);
    if (old_file && new_file && old_file->size > 0 &&
        new_file->modified_ns - old_file->modified_ns <= kLostAfterNs) {
      (void)client_.DeleteObject(root_ + name_);
      name_ = fresh;
      last_ok_ = start;
      return;
    }
    (void)client_.DeleteObject(root_ + fresh);
    const bool gone = !old_file && old_file.error().code() == ErrorCode::kNotFound;
    if (gone || (old_file && old_file->size == 0)) {
      lost_ = "another process removed it as stale";
    } else if (old_file && new_file) {
      lost_ = "it could not be refreshed in time";
    } else {
      failed_ = true;  // cannot tell: try again soon
    }
  }

  Client& client_;
  const std::string root_;
  const std::string text_;
  const RollBackLockTiming timing_;
  mutable Mutex mu_;
  std::string name_ GUARDED_BY(mu_);
  int64_t last_ok_ GUARDED_BY(mu_);      // timing_.elapsed_ns() when the last good write began
  bool failed_ GUARDED_BY(mu_) = false;  // the last refresh failed
  std::optional<std::string> lost_ GUARDED_BY(mu_);  // why the lock is lost for good
  RefreshThread refresher_;  // last: starts after everything above is initialised
};

}  // namespace

Result<std::unique_ptr<RollBackLock>> WriteRollBackLock(Client& client, const std::string& root,
                                                        RollBackLockTiming timing) {
  if (!timing.elapsed_ns) timing.elapsed_ns = BootTimeNs;
  const int64_t written_at = timing.elapsed_ns();
  const std::string name = NewLockName();
  const std::string text = "stormproof repair --as-of: rolling back since " +
                           FormatRfc3339(client.ServerNowNs()) + "\n";
  STORMPROOF_TRY(client.PutObject(root + name, AsBytes(text), Overwrite::kAllowed));
  return std::unique_ptr<RollBackLock>(std::make_unique<HeldRollBackLock>(
      client, root, name, text, std::move(timing), written_at));
}

}  // namespace stormproof::s3::internal
