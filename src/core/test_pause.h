// Test builds only: makes PausePointForTesting (core/interrupt.h) honour STORMPROOF_TEST_PAUSE
// and STORMPROOF_TEST_PAUSE_FILE. Linked as an object library (stormproof::core_test_pause) into
// every test binary and the copy of the CLI the end-to-end tests run; `stormproof` itself never
// links it, so no environment can make a release binary wait.
#ifndef STORMPROOF_CORE_TEST_PAUSE_H_
#define STORMPROOF_CORE_TEST_PAUSE_H_

#include <string_view>

namespace stormproof::internal {

// The hook test_pause.cc installs at start-up. Thread-safe: arrivals are counted atomically.
void PauseForTesting(std::string_view name);

}  // namespace stormproof::internal

#endif  // STORMPROOF_CORE_TEST_PAUSE_H_
