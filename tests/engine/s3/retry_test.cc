#include "engine/s3/internal/retry.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace stormproof::s3::internal {
namespace {

using std::chrono::milliseconds;

TEST(RetryTest, CeilingDoublesFromTheFirstDelayUpToTheMaximum) {
  RetryPolicy policy;
  policy.first_delay = milliseconds(200);
  policy.max_delay = milliseconds(1000);
  EXPECT_EQ(BackoffCeiling(policy, 1), milliseconds(200));
  EXPECT_EQ(BackoffCeiling(policy, 2), milliseconds(400));
  EXPECT_EQ(BackoffCeiling(policy, 3), milliseconds(800));
  EXPECT_EQ(BackoffCeiling(policy, 4), milliseconds(1000));
  EXPECT_EQ(BackoffCeiling(policy, 60), milliseconds(1000));  // no overflow
}

TEST(RetryTest, FullJitterSpansZeroToTheCeiling) {
  RetryPolicy policy;
  policy.first_delay = milliseconds(100);
  policy.max_delay = milliseconds(10'000);
  EXPECT_EQ(BackoffDelay(policy, 3, 0), milliseconds(0));
  EXPECT_EQ(BackoffDelay(policy, 3, 400), milliseconds(400));
  EXPECT_EQ(BackoffDelay(policy, 3, 401), milliseconds(0));
  for (uint64_t random : {uint64_t{1}, uint64_t{12345}, UINT64_MAX}) {
    EXPECT_LE(BackoffDelay(policy, 3, random), milliseconds(400));
    EXPECT_GE(BackoffDelay(policy, 3, random), milliseconds(0));
  }
}

TEST(RetryTest, RetriesOnlyWhatARetryCanCure) {
  for (long status : {429L, 500L, 502L, 503L, 504L}) {
    EXPECT_TRUE(IsRetryableAnswer(status, "")) << status;
  }
  EXPECT_TRUE(IsRetryableAnswer(503, "SlowDown"));
  EXPECT_TRUE(IsRetryableAnswer(400, "RequestTimeout"));
  EXPECT_TRUE(IsRetryableAnswer(400, "BadDigest"));  // altered on the way: send it again
  EXPECT_FALSE(IsRetryableAnswer(400, "InvalidDigest"));  // a malformed Content-MD5: our bug
  for (long status : {400L, 403L, 404L, 409L, 412L, 416L}) {
    EXPECT_FALSE(IsRetryableAnswer(status, "")) << status;
  }
  EXPECT_FALSE(IsRetryableAnswer(403, "RequestTimeTooSkewed"));
  EXPECT_FALSE(IsRetryableAnswer(403, "InvalidAccessKeyId"));
  EXPECT_FALSE(IsRetryableAnswer(404, "NoSuchKey"));
}

}  // namespace
}  // namespace stormproof::s3::internal
