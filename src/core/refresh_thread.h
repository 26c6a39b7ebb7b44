// RefreshThread: a background thread that calls one function at a fixed interval, sooner after a
// call that failed, until it is stopped: what keeps a held lock file fresh (a repository's lock,
// engine/repository/lock.cc; the roll-back's, engine/s3/as_of_lock.cc).
//
// Thread-safe: Stop may be called from any thread (the function itself runs only on the
// background thread, never two calls at once).
#ifndef STORMPROOF_CORE_REFRESH_THREAD_H_
#define STORMPROOF_CORE_REFRESH_THREAD_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <thread>

#include "core/mutex.h"

namespace stormproof {

class RefreshThread {
 public:
  // Starts the thread at once. It calls `refresh` when `interval` has passed since the start or
  // since the last call returned; after a call that returned false (failed: try again soon), when
  // min(`retry`, `interval`) has. REQUIRES: whatever `refresh` uses is initialised before and
  // outlives the thread (a member declared after it; or Stop first).
  RefreshThread(std::chrono::milliseconds interval, std::chrono::milliseconds retry,
                std::function<bool()> refresh);
  ~RefreshThread() { Stop(); }
  RefreshThread(const RefreshThread&) = delete;
  RefreshThread& operator=(const RefreshThread&) = delete;

  // Ends the calls and joins the thread (a call under way finishes first). Returns false, at
  // once, when Stop was called before.
  bool Stop() EXCLUDES(mu_);

 private:
  void Loop() EXCLUDES(mu_);
  // Waits (mu_ released meanwhile) until stop_ is set or `wait` has passed; returns stop_.
  bool WaitForStop(std::chrono::milliseconds wait) REQUIRES(mu_);

  const std::chrono::milliseconds interval_, retry_;
  const std::function<bool()> refresh_;
  Mutex mu_;
  std::condition_variable_any wake_;  // waits on mu_
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts after everything above is initialised
};

}  // namespace stormproof

#endif  // STORMPROOF_CORE_REFRESH_THREAD_H_
