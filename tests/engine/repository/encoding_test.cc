#include "engine/repository/encoding.h"

#include <gtest/gtest.h>

#include "engine/crypto/crypto.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

// Times in the repository's files (RFC 3339 with nanoseconds) are tested in
// tests/core/time_test.cc.

TEST(EncodingTest, IntegerFromJsonRefusesFloatsAndOutOfRangeValues) {
  using nlohmann::json;
  EXPECT_EQ(*IntegerFromJson<uint32_t>(json(4294967295u), "n"), 4294967295u);
  EXPECT_EQ(*IntegerFromJson<int64_t>(json(-5), "n"), -5);
  EXPECT_EQ(*IntegerFromJson<uint64_t>(json(UINT64_MAX), "n"), UINT64_MAX);
  const json bad[] = {json(4294967296u), json(-1), json(1.0), json(2.2e90), json("7"), json()};
  for (const json& value : bad) {
    auto parsed = IntegerFromJson<uint32_t>(value, "size");
    ASSERT_FALSE(parsed.has_value()) << value.dump();
    EXPECT_EQ(parsed.error().message(), "size is not an integer in range");
  }
  EXPECT_FALSE(IntegerFromJson<int64_t>(json(UINT64_MAX), "n").has_value());
}

// Base64 is tested in tests/engine/crypto/base64_test.cc.

TEST(EncodingTest, ByteStringsSurviveJson) {
  const std::string samples[] = {"plain", "ünïcödé", std::string("\xff\xfe", 2),
                                 std::string("a\0b", 3)};
  for (const std::string& s : samples) {
    nlohmann::json j = ByteStringToJson(s);
    auto text = j.dump();  // throws on invalid UTF-8: must not
    auto back = ByteStringFromJson(nlohmann::json::parse(text));
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(*back, s);
  }
  EXPECT_TRUE(ByteStringToJson(std::string("\xff", 1)).is_object());
  EXPECT_FALSE(ByteStringFromJson(nlohmann::json(42)).has_value());
}

TEST(EncodingTest, LittleEndian) {
  Bytes out;
  PutU32(0x01020304, &out);
  EXPECT_EQ(out, (Bytes{4, 3, 2, 1}));
  EXPECT_EQ(GetU32(out.data()), 0x01020304u);
}

TEST(EncodingTest, RandomFileNamesAreHexAndDistinct) {
  std::string a = RandomFileName(), b = RandomFileName();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_THAT(crypto::Id::FromHex(a), IsOk());
}

}  // namespace
}  // namespace stormproof::repository
