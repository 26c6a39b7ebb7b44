#include "engine/restorer/internal/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <vector>

#include "core/interrupt.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace stormproof::restorer {

namespace {

// The number of workers still running; the calling thread waits for it to reach zero.
class RunningWorkers {
 public:
  explicit RunningWorkers(size_t count) : running_(count) {}

  // A worker has finished.
  void Done() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (--running_ == 0) all_done_.notify_one();
  }

  // Waits until every worker has finished or `wait` has passed; true when all have finished.
  bool AllDoneWithin(std::chrono::milliseconds wait) EXCLUDES(mu_) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    MutexLock lock(mu_);
    while (running_ != 0) {
      if (all_done_.wait_until(mu_, deadline) == std::cv_status::timeout) return running_ == 0;
    }
    return true;
  }

 private:
  Mutex mu_;
  std::condition_variable_any all_done_;  // waits on mu_
  size_t running_ GUARDED_BY(mu_);
};

}  // namespace

void RunParallel(size_t count, unsigned threads, const std::function<void(size_t)>& work,
                 const std::function<void()>& tick) {
  if (count == 0) return;
  std::atomic<size_t> next{0};
  const size_t worker_count = std::min<size_t>(std::max(1u, threads), count);
  RunningWorkers running(worker_count);
  std::vector<std::thread> workers;
  for (size_t t = worker_count; t > 0; --t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < count && !Interrupted(); i = next++) work(i);
      running.Done();
    });
  }
  while (!running.AllDoneWithin(std::chrono::milliseconds(100))) tick();
  for (std::thread& w : workers) w.join();
}

unsigned WorkerCount(unsigned requested) {
  constexpr unsigned kMaxWorkers = 64;
  if (requested == 0) requested = std::thread::hardware_concurrency();
  return std::clamp(requested, 1u, kMaxWorkers);
}

}  // namespace stormproof::restorer
