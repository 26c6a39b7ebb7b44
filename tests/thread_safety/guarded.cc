// Compiled at configure time by clang builds (CMakeLists.txt, "Thread-safety analysis"): the
// lock discipline of core/mutex.h kept, so this must compile under -Werror=thread-safety.
// unguarded.cc is the same with one lock left out, which must not.
#include "core/mutex.h"

namespace stormproof {

class Counter {
 public:
  void Add() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++count_;
  }

 private:
  Mutex mu_;
  int count_ GUARDED_BY(mu_) = 0;
};

void Use() {
  Counter counter;
  counter.Add();
}

}  // namespace stormproof
