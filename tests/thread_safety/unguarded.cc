// Must NOT compile under -Werror=thread-safety (CMakeLists.txt, "Thread-safety analysis"):
// guarded.cc with the lock left out, so a clang build fails when the analysis is not in effect.
#include "core/mutex.h"

namespace stormproof {

class Counter {
 public:
  void Add() { ++count_; }  // writes count_ without holding mu_

 private:
  Mutex mu_;
  int count_ GUARDED_BY(mu_) = 0;
};

void Use() {
  Counter counter;
  counter.Add();
}

}  // namespace stormproof
