// Linked only into test binaries (the stormproof::s3_test_hooks object library: the test copy of
// the CLI): installs the S3 options hook (internal/options_hook.h), which honours
//   STORMPROOF_TEST_S3_CLOCK_SKEW=SECONDS     sign requests with the system clock plus SECONDS
//                                             (negative: behind), to provoke RequestTimeTooSkewed;
//   STORMPROOF_TEST_S3_RETRY_SECONDS=N        no retry starts after N seconds in all
//                                             (RetryPolicy::max_total, default 120);
//   STORMPROOF_TEST_S3_RETRY_ATTEMPTS=N       at most N attempts per request (default 8).
// Unset or empty variables leave the defaults. `stormproof` never links it.
#include <chrono>
#include <cstdlib>

#include "core/time.h"
#include "engine/s3/internal/options_hook.h"

namespace stormproof::s3 {
namespace {

// The variable's value, or nullptr when it is unset or empty.
const char* Setting(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

void ApplyTestSettings(Options& options) {
  if (const char* skew = Setting("STORMPROOF_TEST_S3_CLOCK_SKEW")) {
    const int64_t skew_ns = std::atoll(skew) * int64_t{1'000'000'000};
    options.clock = [skew_ns] { return SystemNowNs() + skew_ns; };
  }
  if (const char* seconds = Setting("STORMPROOF_TEST_S3_RETRY_SECONDS")) {
    options.retry.max_total = std::chrono::seconds(std::atoll(seconds));
  }
  if (const char* attempts = Setting("STORMPROOF_TEST_S3_RETRY_ATTEMPTS")) {
    options.retry.max_attempts = std::atoi(attempts);
  }
}

[[maybe_unused]] const bool kInstalled = (internal::SetOptionsHook(ApplyTestSettings), true);

}  // namespace
}  // namespace stormproof::s3
