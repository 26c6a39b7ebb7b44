// When and how long to wait before retrying an S3 request: exponential back-off with full
// jitter (a random delay between 0 and first_delay * 2^(attempt-1), capped at max_delay), for
// the answers a retry can cure. Pure functions; thread-safe.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_RETRY_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_RETRY_H_

#include <chrono>
#include <cstdint>
#include <string_view>

#include "engine/s3/s3.h"

namespace stormproof::s3::internal {

// The longest wait after failed attempt number `attempt` (1 = the first attempt failed).
std::chrono::milliseconds BackoffCeiling(const RetryPolicy& policy, int attempt);
// The wait after failed attempt `attempt`: `random` (any 64-bit value, uniformly drawn) scaled
// into [0, BackoffCeiling(policy, attempt)].
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt, uint64_t random);

// Whether an HTTP answer (status, S3 error code) is worth retrying: 500, 502, 503 (SlowDown),
// 504, 429, the codes S3 documents as transient (InternalError, SlowDown, RequestTimeout)
// whatever their status, and 400 BadDigest (a body altered on the way). Never another 400, 403,
// 404, 409, 412.
bool IsRetryableAnswer(long status, std::string_view code);

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_RETRY_H_
