#include "engine/s3/internal/client.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "tests/matchers.h"

namespace stormproof::s3::internal {
namespace {

TEST(ClientTest, ParsesHttpDates) {
  Result<int64_t> date = ParseHttpDate("Fri, 24 May 2013 00:00:00 GMT");
  ASSERT_THAT(date, IsOk());
  EXPECT_EQ(*date, int64_t{1369353600} * 1'000'000'000);
  EXPECT_THAT(ParseHttpDate(""), ErrorIs(ErrorCode::kParse));
  EXPECT_THAT(ParseHttpDate("2013-05-24T00:00:00Z"), ErrorIs(ErrorCode::kParse));
}

TEST(ClientTest, TellsIpAddressesFromHostNames) {
  EXPECT_TRUE(IsIpAddress("127.0.0.1"));
  EXPECT_TRUE(IsIpAddress("[::1]"));
  EXPECT_TRUE(IsIpAddress("::1"));
  EXPECT_FALSE(IsIpAddress("s3.amazonaws.com"));
  EXPECT_FALSE(IsIpAddress("localhost"));
  EXPECT_FALSE(IsIpAddress("1.2.3"));
}

TEST(ClientTest, DescribesObjectsWithoutCredentials) {
  Options options;
  options.location = *ParseLocation("s3:https://s3.example.com:8443/acme/hosts/fs1");
  options.credentials.access_key_id = "AKIDEXAMPLE";
  options.credentials.secret_access_key = SecretString(std::string("the-secret"));
  Client client(std::move(options));
  EXPECT_EQ(client.Describe("hosts/fs1/config"), "s3:https://s3.example.com:8443/acme/hosts/fs1/config");
  EXPECT_EQ(client.Describe(""), "s3:https://s3.example.com:8443/acme");
}

TEST(ClientTest, ABodyWithAContentMd5IsNotHashedAgainForTheSignature) {
  const std::string text = "pack bytes";
  ByteView body = AsBytes(text);
  EXPECT_EQ(PayloadHash({{"Content-MD5", ContentMd5(body)}}, body), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(PayloadHash({{"content-md5", ContentMd5(body)}, {"If-None-Match", "*"}}, body),
            "UNSIGNED-PAYLOAD");
}

TEST(ClientTest, ABodyWithoutAContentMd5IsSignedByItsSha256) {
  // SHA-256 of "" and of "abc" (FIPS 180-2).
  EXPECT_EQ(PayloadHash({}, {}),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(PayloadHash({{"Content-Type", "application/xml"}}, AsBytes("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Ceph RGW refuses a retain-until date with an offset (400): always UTC with a "Z".
// The retain-until date comes from the server's clock, bounded: within 15 minutes of ours it
// counts (never earlier than ours); beyond, either way, the write is refused in one line (a
// hostile endpoint must not choose decades of compliance retention, nor a date in the past).
TEST(ClientTest, RetainUntilFollowsTheServersClockOnlyWithin15Minutes) {
  const int64_t own = int64_t{1'800'000'000} * kNsPerSecond;
  const int64_t day = kNsPerDay;
  EXPECT_THAT(RetainUntilNs(own + 10 * kNsPerMinute, own, day, "s3:x"),
              IsOkAndHolds(own + 10 * kNsPerMinute + day));
  EXPECT_THAT(RetainUntilNs(own - 10 * kNsPerMinute, own, day, "s3:x"),
              IsOkAndHolds(own + day));  // a server behind us: our clock
  EXPECT_THAT(RetainUntilNs(own, own, day + 1, "s3:x"), IsOkAndHolds(own + day + kNsPerSecond));
  EXPECT_THAT(RetainUntilNs(own + 20 * 365 * day, own, day, "s3:https://h/b"),
              ErrorIs(ErrorCode::kInvalidArgument,
                      ::testing::StartsWith("s3:https://h/b: the server's clock (")));
  EXPECT_THAT(RetainUntilNs(own - 16 * kNsPerMinute, own, day, "s3:x"),
              ErrorIs(ErrorCode::kInvalidArgument,
                      ::testing::HasSubstr("is 16 minutes behind this machine's: no Object Lock "
                                           "date is computed from it (more than 15 minutes "
                                           "off); fix the clock (NTP) of whichever is wrong")));
}

TEST(ClientTest, ObjectLockHeadersNameTheModeAndAUtcDate) {
  Result<int64_t> until = ParseRfc3339("2026-12-14T10:00:00Z");
  ASSERT_THAT(until, IsOk());
  NameValues headers = ObjectLockHeaders({backend::Retention::Mode::kCompliance, *until});
  EXPECT_EQ(headers, (NameValues{{"x-amz-object-lock-mode", "COMPLIANCE"},
                                 {"x-amz-object-lock-retain-until-date", "2026-12-14T10:00:00Z"}}));
  EXPECT_STREQ(S3RetentionMode(backend::Retention::Mode::kGovernance), "GOVERNANCE");
}

}  // namespace
}  // namespace stormproof::s3::internal
