#include "engine/restorer/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/interrupt.h"

namespace stormproof::restorer {

void RunParallel(size_t count, unsigned threads, const std::function<void(size_t)>& work,
                 const std::function<void()>& tick) {
  if (count == 0) return;
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable all_done;
  size_t running = std::min<size_t>(std::max(1u, threads), count);
  std::vector<std::thread> workers;
  for (size_t t = running; t > 0; --t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < count && !Interrupted(); i = next++) work(i);
      std::lock_guard lock(mu);
      if (--running == 0) all_done.notify_one();
    });
  }
  {
    std::unique_lock lock(mu);
    while (!all_done.wait_for(lock, std::chrono::milliseconds(100), [&] { return running == 0; })) {
      lock.unlock();
      tick();
      lock.lock();
    }
  }
  for (std::thread& w : workers) w.join();
}

unsigned WorkerCount(unsigned requested) {
  constexpr unsigned kMaxWorkers = 64;
  if (requested == 0) requested = std::thread::hardware_concurrency();
  return std::clamp(requested, 1u, kMaxWorkers);
}

}  // namespace stormproof::restorer
