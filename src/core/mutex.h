// core::Mutex and core::MutexLock: std::mutex and std::lock_guard annotated for Clang's
// thread-safety analysis (core/thread_annotations.h), which libstdc++'s own types are not. Use
// them wherever members are GUARDED_BY a mutex, so the compiler checks every access.
//
// Mutex is a capability; MutexLock holds one for its scope. A condition variable waits on a
// Mutex through std::condition_variable_any (Mutex is BasicLockable); a function that waits
// REQUIRES the Mutex. Both are thread-safe (that is their purpose); neither is copyable.
#ifndef STORMPROOF_CORE_MUTEX_H_
#define STORMPROOF_CORE_MUTEX_H_

#include <mutex>

#include "core/thread_annotations.h"

namespace stormproof {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// Holds `mu` from construction to the end of the scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace stormproof

#endif  // STORMPROOF_CORE_MUTEX_H_
