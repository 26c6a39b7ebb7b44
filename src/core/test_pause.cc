// Linked only into test binaries (see test_pause.h).
#include "core/test_pause.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/file_io.h"
#include "core/interrupt.h"

namespace stormproof::internal {
namespace {

constexpr auto kLongestPause = std::chrono::seconds(60);

struct PauseSpec {
  std::string name;  // "" = no pause
  long arrival = 1;
  std::string file;
};

PauseSpec ReadSpec() {
  PauseSpec spec;
  const char* pause = std::getenv("STORMPROOF_TEST_PAUSE");
  const char* file = std::getenv("STORMPROOF_TEST_PAUSE_FILE");
  if (pause == nullptr || file == nullptr) return spec;
  spec.name = pause;
  spec.file = file;
  if (size_t at = spec.name.rfind('@'); at != std::string::npos) {
    spec.arrival = std::max(1L, std::atol(spec.name.c_str() + at + 1));
    spec.name.resize(at);
  }
  return spec;
}

[[maybe_unused]] const bool kInstalled = (SetPauseHook(PauseForTesting), true);

}  // namespace

void PauseForTesting(std::string_view name) {
  static const PauseSpec spec = ReadSpec();
  static std::atomic<long> arrivals{0};
  if (spec.name.empty() || name != spec.name || ++arrivals != spec.arrival) return;
  (void)WriteFileAtomically(spec.file, std::to_string(::getpid()) + "\n");
  const auto give_up = std::chrono::steady_clock::now() + kLongestPause;
  // Resumed by an interruption, by the test removing the pause file, or after kLongestPause.
  while (!Interrupted() && ::access(spec.file.c_str(), F_OK) == 0 &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace stormproof::internal
