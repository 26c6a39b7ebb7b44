// RunParallel: a fixed set of worker threads draining an index range, while the calling thread
// reports progress. Thread-safe as far as `work` is.
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_PARALLEL_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_PARALLEL_H_

#include <cstddef>
#include <functional>

namespace stormproof::restorer {

// Runs work(i) for every i in [0, count), in increasing order of start, on `threads` worker
// threads (at least one), and returns when all are done. Meanwhile the calling thread calls
// tick() about every 100 ms. `work` must not throw. Once the process is interrupted
// (core/interrupt.h) no further work(i) starts: the calls under way finish, the rest are left.
void RunParallel(size_t count, unsigned threads, const std::function<void(size_t)>& work,
                 const std::function<void()>& tick);

// options.threads, with 0 meaning the number of cores.
unsigned WorkerCount(unsigned requested);

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_PARALLEL_H_
