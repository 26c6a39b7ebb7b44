#include "core/refresh_thread.h"

#include <algorithm>
#include <utility>

namespace stormproof {

RefreshThread::RefreshThread(std::chrono::milliseconds interval, std::chrono::milliseconds retry,
                             std::function<bool()> refresh)
    : interval_(interval),
      retry_(retry),
      refresh_(std::move(refresh)),
      thread_([this] { Loop(); }) {}

bool RefreshThread::Stop() {
  {
    MutexLock lock(mu_);
    if (stop_) return false;
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  return true;
}

void RefreshThread::Loop() {
  bool succeeded = true;
  for (;;) {
    {
      MutexLock lock(mu_);
      if (WaitForStop(succeeded ? interval_ : std::min(retry_, interval_))) return;
    }
    succeeded = refresh_();
  }
}

bool RefreshThread::WaitForStop(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!stop_) {
    if (wake_.wait_until(mu_, deadline) == std::cv_status::timeout) return stop_;
  }
  return true;
}

}  // namespace stormproof
