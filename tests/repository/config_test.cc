#include "repository/config.h"

#include <gtest/gtest.h>

#include "repository/encoding.h"

namespace stormproof::repository {
namespace {

TEST(ConfigTest, RoundTripKeepsTheSecretSecret) {
  crypto::Key master = crypto::RandomKey();
  Config config = NewConfig();
  config.chunker.seed = 0x0123456789abcdefull;
  Bytes encoded = EncodeConfig(config, master);
  EXPECT_EQ(AsText(encoded).find("0123456789abcdef"), std::string_view::npos);
  auto parsed = ParseConfig(encoded);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(parsed->config.id, config.id);
  EXPECT_EQ(parsed->config.created_ns, config.created_ns);
  auto params = OpenConfigSecret(master, parsed->secret);
  ASSERT_TRUE(params.has_value()) << params.error().message();
  EXPECT_EQ(params->seed, config.chunker.seed);
  EXPECT_EQ(params->min_size, config.chunker.min_size);
  EXPECT_EQ(params->max_size, config.chunker.max_size);
  auto wrong = OpenConfigSecret(crypto::RandomKey(), parsed->secret);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kFailedCheck);
}

TEST(ConfigTest, ParseChecksFormatAndVersion) {
  std::string id(64, 'a');
  auto config = [&](const std::string& fields) {
    return R"({"format":"stormproof-repository",)" + fields + "}";
  };
  struct Case {
    std::string text;
    ErrorCode code;
    const char* message;
  } cases[] = {
      {config(R"("version":2,"id":")" + id + R"(","created":"2025-01-01T00:00:00Z","secret":"")"),
       ErrorCode::kInvalidArgument,
       "repository format version 2 is newer than this stormproof understands (1)"},
      {config(R"("version":0)"), ErrorCode::kFailedCheck, "invalid format version"},
      {R"({"format":"borg","version":1})", ErrorCode::kFailedCheck,
       "not a stormproof repository config"},
      {"[1,2]", ErrorCode::kFailedCheck, "not a stormproof repository config"},
      {"", ErrorCode::kFailedCheck, "config is not valid JSON"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto parsed = ParseConfig(AsBytes(c.text));
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code(), c.code);
    EXPECT_EQ(parsed.error().message(), c.message);
  }
}

}  // namespace
}  // namespace stormproof::repository
