// Exponential back-off with full jitter, and which answers are transient.
#include "engine/s3/internal/retry.h"

#include <algorithm>

namespace stormproof::s3::internal {

std::chrono::milliseconds BackoffCeiling(const RetryPolicy& policy, int attempt) {
  int64_t ceiling = std::max<int64_t>(0, policy.first_delay.count());
  int64_t cap = std::max<int64_t>(0, policy.max_delay.count());
  for (int i = 1; i < attempt && ceiling < cap; ++i) ceiling *= 2;
  return std::chrono::milliseconds(std::min(ceiling, cap));
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt, uint64_t random) {
  auto ceiling = static_cast<uint64_t>(BackoffCeiling(policy, attempt).count());
  return std::chrono::milliseconds(static_cast<int64_t>(random % (ceiling + 1)));
}

bool IsRetryableAnswer(long status, std::string_view code) {
  switch (status) {
    case 400:
      // RequestTimeout, S3: "your socket connection was not read from". BadDigest: the body
      // arrived altered (its MD5 is not the signed Content-MD5); the client's bytes are intact,
      // so sending them again can succeed.
      return code == "RequestTimeout" || code == "BadDigest";
    case 403:
    case 404:
    case 409:
    case 412:
      return false;
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return code == "InternalError" || code == "SlowDown";
  }
}

}  // namespace stormproof::s3::internal
