#include "engine/repository/config.h"

#include <gtest/gtest.h>

#include "engine/repository/encoding.h"
#include "engine/repository/sealed_file.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

TEST(ConfigTest, RoundTripKeepsTheSecretSecret) {
  crypto::Key master = crypto::RandomKey();
  Config config = NewConfig();
  config.chunker.seed = 0x0123456789abcdefull;
  Bytes encoded = EncodeConfig(config, master);
  EXPECT_THAT(AsText(encoded), Not(HasSubstr("0123456789abcdef")));
  auto parsed = ParseConfig(encoded);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->config.id, config.id);
  EXPECT_EQ(parsed->config.created_ns, config.created_ns);
  auto params = OpenConfigSecret(master, parsed->secret);
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->seed, config.chunker.seed);
  EXPECT_EQ(params->min_size, config.chunker.min_size);
  EXPECT_EQ(params->max_size, config.chunker.max_size);
  auto wrong = OpenConfigSecret(crypto::RandomKey(), parsed->secret);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_THAT(wrong, ErrorIs(ErrorCode::kCorrupt));  // its authentication fails
}

// Found by fuzz/fuzz_config: the config is read before any password, so anyone who can write
// to the repository controls it; a creation date before 1677 overflowed the nanosecond time.
TEST(ConfigTest, ParseRejectsACreationDateOutsideTheNanosecondRange) {
  std::string_view config = R"({
  "created": "1013-11-30T02:18:31.769430111Z",
  "format": "stormproof-repository",
  "id": "b093e3c28d7ce5caf2082c9bdf65cafa8e623c225fb4a39f62106a074e7cabf7",
  "secret": "BcoyWRCr22TJ1hYHVWRM6mO9PueF8viNQIa6cE4kQ8RpHDG8uaiTTOQxPzd9+Ppr2lTXDY1cM3dXtBAmt/2cA/ObjyI+cu+cA8OH",
  "version": 1
}
)";
  auto parsed = ParseConfig(AsBytes(config));
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(parsed, ErrorIs(ErrorCode::kFailedCheck));
}

// Found by fuzz/fuzz_config: chunk sizes were read with a float-to-uint32 conversion (undefined
// behaviour for 6553e6) or truncated (2^32 + 1 became 1) instead of being refused.
TEST(ConfigTest, SecretRejectsChunkSizesThatAreNotUint32) {
  crypto::Key master = crypto::RandomKey();
  for (std::string min : {"6553e6", "4294967297", "65536.5", "-1"}) {
    std::string secret = R"({"chunker":{"avg":262144,"max":1048576,"min":)" + min +
                         R"(,"seed":"55b0c56a699f173a"},"compression":"zstd"})";
    auto params = OpenConfigSecret(master, SealFile(master, AsBytes(secret), kConfigKind));
    ASSERT_FALSE(params.has_value()) << min;
    EXPECT_THAT(params, ErrorIs(ErrorCode::kFailedCheck)) << min;
  }
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
       ErrorCode::kFailedCheck,
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
