#include "engine/s3/internal/client.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace stormproof::s3::internal
