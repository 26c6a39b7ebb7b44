#include "engine/repository/encoding.h"

#include <gtest/gtest.h>

#include "engine/crypto/crypto.h"

namespace stormproof::repository {
namespace {

TEST(EncodingTest, TimesRoundTripWithNanoseconds) {
  const int64_t times[] = {0, 1, 999'999'999, 1'764'165'845'123'456'789, -1, -1'500'000'000};
  for (int64_t t : times) {
    SCOPED_TRACE(t);
    auto parsed = ParseTime(FormatTime(t));
    ASSERT_TRUE(parsed.has_value()) << FormatTime(t);
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(FormatTime(1'764'165'845'000'000'007), "2025-11-26T14:04:05.000000007Z");
  EXPECT_EQ(FormatTime(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(EncodingTest, ParseTimeAcceptsShortFractionsAndRejectsGarbage) {
  EXPECT_EQ(*ParseTime("1970-01-01T00:00:01Z"), 1'000'000'000);
  EXPECT_EQ(*ParseTime("1970-01-01T00:00:00.5Z"), 500'000'000);
  const char* bad[] = {"",
                       "1970-01-01",
                       "1970-01-01T00:00:00",
                       "1970-13-01T00:00:00Z",
                       "1970-01-01T00:00:00.Z",
                       "1970-01-01T00:00:00.1234567890Z",
                       "1970-01-01T00:00:00Zjunk",
                       "1970-01-01 00:00:00Z"};
  for (const char* text : bad) EXPECT_FALSE(ParseTime(text).has_value()) << text;
}

// Found by fuzz/fuzz_snapshot (and the lock, config and key file targets): a year outside
// 1677..2262 overflowed the int64 nanosecond count (undefined behaviour) instead of failing.
TEST(EncodingTest, ParseTimeRejectsTimesOutsideTheNanosecondRange) {
  const char* out_of_range[] = {"3202-11-14T22:13:20.000000000Z", "1013-11-30T02:18:31.769430111Z",
                                "9999-12-31T23:59:60.999999999Z", "0000-01-01T00:00:00Z",
                                "2262-04-11T23:47:16.854775808Z", "1677-09-21T00:12:43.145224191Z"};
  for (const char* text : out_of_range) {
    auto parsed = ParseTime(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_NE(parsed.error().message().find("out of range"), std::string::npos) << text;
  }
  EXPECT_EQ(*ParseTime("2262-04-11T23:47:16.854775807Z"), INT64_MAX);
  EXPECT_EQ(*ParseTime("1677-09-21T00:12:43.145224192Z"), INT64_MIN);
}

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

TEST(EncodingTest, Base64) {
  const std::string samples[] = {"", "f", "fo", "foo", "foob", std::string("\0\xff\x10", 3)};
  for (const std::string& s : samples) {
    auto decoded = Base64Decode(Base64Encode(AsBytes(s)));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(AsText(*decoded), s);
  }
  EXPECT_EQ(Base64Encode(AsBytes("foo")), "Zm9v");
  EXPECT_FALSE(Base64Decode("Zm9").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
}

TEST(EncodingTest, ByteStringsSurviveJson) {
  const std::string samples[] = {"plain", "ünïcödé", std::string("\xff\xfe", 2),
                                 std::string("a\0b", 3)};
  for (const std::string& s : samples) {
    nlohmann::json j = ByteStringToJson(s);
    auto text = j.dump();  // throws on invalid UTF-8: must not
    auto back = ByteStringFromJson(nlohmann::json::parse(text));
    ASSERT_TRUE(back.has_value());
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
  EXPECT_TRUE(crypto::Id::FromHex(a).has_value());
}

}  // namespace
}  // namespace stormproof::repository
