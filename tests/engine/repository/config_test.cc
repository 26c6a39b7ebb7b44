#include "engine/repository/config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
      {config(R"("version":3,"id":")" + id + R"(","created":"2025-01-01T00:00:00Z","secret":"")"),
       ErrorCode::kFailedCheck,
       "repository format version 3 is newer than this stormproof understands (2)"},
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

// Object Lock: the retention is in the public part (read before the password), written as
// version 2, and covered by the mac.
TEST(ConfigTest, ObjectLockRoundTripsAsVersionTwo) {
  crypto::Key master = crypto::RandomKey();
  Config config = NewConfig(backend::Retention{backend::Retention::Mode::kCompliance, 30});
  Bytes encoded = EncodeConfig(config, master);
  EXPECT_THAT(AsText(encoded), HasSubstr(R"("object_lock": {
    "days": 30,
    "mode": "compliance"
  })"));
  EXPECT_THAT(AsText(encoded), HasSubstr(R"("version": 2)"));
  auto parsed = ParseConfig(encoded);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->config.version, 2);
  ASSERT_TRUE(parsed->config.object_lock.has_value());
  EXPECT_EQ(parsed->config.object_lock->mode, backend::Retention::Mode::kCompliance);
  EXPECT_EQ(parsed->config.object_lock->days, 30);
  EXPECT_THAT(VerifyConfig(encoded, master), IsOk());
  EXPECT_THAT(VerifyConfigMac(*parsed, master), IsOk());
}

TEST(ConfigTest, APlainRepositoryStaysVersionOne) {
  crypto::Key master = crypto::RandomKey();
  Bytes encoded = EncodeConfig(NewConfig(), master);
  EXPECT_THAT(AsText(encoded), HasSubstr(R"("version": 1)"));
  EXPECT_THAT(AsText(encoded), Not(HasSubstr("object_lock")));
  auto parsed = ParseConfig(encoded);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_FALSE(parsed->config.object_lock.has_value());
  EXPECT_THAT(VerifyConfigMac(*parsed, master), IsOk());
}

// Whoever can write the bucket but lacks the master key must not be able to shorten or strip
// the retention every writer obeys.
TEST(ConfigTest, TheMacCoversTheRetention) {
  crypto::Key master = crypto::RandomKey();
  const backend::Retention thirty_days{backend::Retention::Mode::kGovernance, 30};
  Bytes encoded = EncodeConfig(NewConfig(thirty_days), master);
  std::string text(AsText(encoded));
  struct Case {
    const char* name;
    std::string from, to;
  } cases[] = {
      {"fewer days", R"("days": 30)", R"("days": 1)"},
      {"weaker mode", R"("mode": "governance")", R"("mode": "compliance")"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string altered = text;
    altered.replace(altered.find(c.from), c.from.size(), c.to);
    auto parsed = ParseConfig(AsBytes(altered));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_THAT(VerifyConfigMac(*parsed, master),
                ErrorIs(ErrorCode::kCorrupt, HasSubstr("config mac does not match")));
    EXPECT_THAT(VerifyConfig(AsBytes(altered), master), ErrorIs(ErrorCode::kCorrupt));
  }
  // Stripped: version 1 without object_lock, the mac left as it was.
  auto doc = nlohmann::json::parse(text);
  doc.erase("object_lock");
  doc["version"] = 1;
  auto stripped = ParseConfig(AsBytes(doc.dump(2) + "\n"));
  ASSERT_THAT(stripped, IsOk());
  EXPECT_THAT(VerifyConfigMac(*stripped, master), ErrorIs(ErrorCode::kCorrupt));
}

TEST(ConfigTest, ObjectLockFieldIsChecked) {
  std::string id(64, 'a');
  auto config = [&](const std::string& version, const std::string& lock) {
    return R"({"format":"stormproof-repository","version":)" + version + R"(,"id":")" + id +
           R"(","created":"2025-01-01T00:00:00Z","secret":"","object_lock":)" + lock + "}";
  };
  struct Case {
    std::string text;
    const char* message;
  } cases[] = {
      {config("1", R"({"mode":"governance","days":1})"),
       "object_lock in a version 1 config (it needs version 2)"},
      {config("2", R"({"mode":"legal-hold","days":1})"),
       "object_lock.mode is not governance or compliance"},
      {config("2", R"({"mode":"Governance","days":1})"),
       "object_lock.mode is not governance or compliance"},
      {config("2", R"({"mode":"governance","days":0})"), "object_lock.days must be 1 to 36500"},
      {config("2", R"({"mode":"governance","days":36501})"),
       "object_lock.days must be 1 to 36500"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto parsed = ParseConfig(AsBytes(c.text));
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code(), ErrorCode::kFailedCheck);
    EXPECT_EQ(parsed.error().message(), c.message);
  }
  std::string missing = R"({"format":"stormproof-repository","version":2,"id":")" + id +
                        R"(","created":"2025-01-01T00:00:00Z","secret":""})";
  EXPECT_THAT(ParseConfig(AsBytes(missing)), ErrorIs(ErrorCode::kFailedCheck));
}

}  // namespace
}  // namespace stormproof::repository
