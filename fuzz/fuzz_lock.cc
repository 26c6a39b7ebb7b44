// Lock files: DecodeLock on arbitrary bytes (the decrypt-failure path) and on the fuzz input
// sealed as a lock with the test key (the JSON decoder behind it). Lock files come from any
// process that can write to the repository, so they are hostile input.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "engine/repository/lock.h"
#include "engine/repository/sealed_file.h"

using namespace stormproof;
using namespace stormproof::repository;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::Key kMaster = fuzz::TestKey();
  fuzz::Input input = fuzz::SplitInput(data, size);
  Bytes file = input.mode == fuzz::Mode::kSealed ? Bytes(input.body.begin(), input.body.end())
                                                 : SealFile(kMaster, input.body, kLockKind);
  auto lock = DecodeLock(kMaster, file);
  if (!lock) return 0;
  // What AcquireRepositoryLock does with a lock it read: judged both as another machine's lock
  // and, when it claims this machine, by whether its process runs.
  static const LockEnvironment kEnv = [] {
    LockEnvironment env;
    env.self = LockInfo("fuzz-host", "fuzz", 1, false, 0);
    env.self.pid_namespace = "pid:[1]";
    env.self.boot_id = "boot";
    env.wall_ns = [] { return int64_t{0}; };
    env.elapsed_ns = [] { return int64_t{0}; };
    env.running = [](const LockInfo& held) { return held.pid % 2 == 0; };
    return env;
  }();
  (void)IsStale(*lock, 0, kEnv);
  (void)IsStale(*lock, INT64_MAX, kEnv);
  (void)SameMachine(*lock, kEnv.self);
  (void)EncodeLock(kMaster, *lock);
  return 0;
}
