#include <gtest/gtest.h>

#include <string>

#include "engine/s3/s3.h"
#include "tests/matchers.h"

namespace stormproof::s3 {
namespace {

TEST(LocationTest, ParsesHostPortBucketAndPrefix) {
  Result<Location> location = ParseLocation("s3:https://s3.eu-west-1.amazonaws.com/acme/hosts/fs1");
  ASSERT_THAT(location, IsOk());
  EXPECT_EQ(location->scheme, "https");
  EXPECT_EQ(location->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(location->port, 0);
  EXPECT_EQ(location->bucket, "acme");
  EXPECT_EQ(location->prefix, "hosts/fs1");

  Result<Location> local = ParseLocation("s3:http://127.0.0.1:7480/sp-test");
  ASSERT_THAT(local, IsOk());
  EXPECT_EQ(local->scheme, "http");
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, 7480);
  EXPECT_EQ(local->bucket, "sp-test");
  EXPECT_EQ(local->prefix, "");
}

TEST(LocationTest, ToStringGivesBackWhatTheUserWrote) {
  for (const char* text : {"s3:https://s3.amazonaws.com/acme-offsite",
                           "s3:http://127.0.0.1:7480/bucket/a/b", "s3:https://[::1]:9000/abc"}) {
    Result<Location> location = ParseLocation(text);
    ASSERT_THAT(location, IsOk()) << text;
    EXPECT_EQ(location->ToString(), text);
  }
}

TEST(LocationTest, DropsEmptySegmentsAndTrailingSlashes) {
  Result<Location> location = ParseLocation("s3:https://host/bucket//a///b/");
  ASSERT_THAT(location, IsOk());
  EXPECT_EQ(location->prefix, "a/b");
  EXPECT_EQ(location->ToString(), "s3:https://host/bucket/a/b");
}

TEST(LocationTest, RecognisesTheSchemeWhetherValidOrNot) {
  EXPECT_TRUE(IsS3Location("s3:https://host/bucket"));
  EXPECT_TRUE(IsS3Location("s3:nonsense"));
  EXPECT_FALSE(IsS3Location("/srv/backup"));
  EXPECT_FALSE(IsS3Location("s3"));
  EXPECT_FALSE(IsS3Location("rest:http://host/"));
}

TEST(LocationTest, RejectsWhatS3RejectsWithOneClearLine) {
  struct Case {
    const char* text;
    const char* problem;
  };
  const Case cases[] = {
      {"s3:ftp://host/bucket", "expected s3:https://host/bucket"},
      {"s3:host/bucket", "expected s3:https://host/bucket"},
      {"s3:https:///bucket", "no host"},
      {"s3:https://host", "no bucket"},
      {"s3:https://host/", "no bucket"},
      {"s3:https://host:0/bucket", "invalid port"},
      {"s3:https://host:70000/bucket", "invalid port"},
      {"s3:https://host:8x/bucket", "invalid port"},
      {"s3:https://host:/bucket", "empty port"},
      {"s3:https://host/ab", "3 to 63 characters"},
      {"s3:https://host/Acme", "lower-case letters"},
      {"s3:https://host/acme_backups", "lower-case letters"},
      {"s3:https://host/-acme", "begin and end"},
      {"s3:https://host/acme.", "begin and end"},
      {"s3:https://host/ac..me", "'..'"},
      {"s3:https://host/192.168.1.1", "IP address"},
      {"s3:https://host/bucket/../x", "'.' or '..'"},
      {"s3:https://host/bucket?x=1", "query"},
  };
  for (const Case& c : cases) {
    Result<Location> location = ParseLocation(c.text);
    ASSERT_FALSE(location.has_value()) << c.text;
    EXPECT_THAT(location, ErrorIs(ErrorCode::kInvalidArgument));
    EXPECT_THAT(location.error().message(), HasSubstr(c.problem)) << c.text;
    EXPECT_THAT(location.error().message(), HasSubstr(c.text));
    EXPECT_EQ(location.error().message().find('\n'), std::string::npos);
  }
  std::string longest = "s3:https://host/";
  longest.append(63, 'a');
  EXPECT_THAT(ParseLocation(longest), IsOk());
  longest.push_back('a');
  EXPECT_THAT(ParseLocation(longest), ErrorIs(ErrorCode::kInvalidArgument));
}

TEST(LocationTest, NeverEchoesCredentialsWrittenIntoTheLocation) {
  Result<Location> location = ParseLocation("s3:https://AKIDX:verysecret@host/bucket");
  ASSERT_FALSE(location.has_value());
  EXPECT_THAT(location, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(location.error().message(), Not(HasSubstr("verysecret")));
  EXPECT_THAT(location.error().message(), HasSubstr("AWS_ACCESS_KEY_ID"));
}

}  // namespace
}  // namespace stormproof::s3
