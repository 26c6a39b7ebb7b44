// Base64: round trips, the standard padded alphabet, and the non-canonical texts it refuses.
#include "engine/crypto/base64.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/matchers.h"

namespace stormproof::crypto {
namespace {

TEST(Base64Test, RoundTripsAnyBytes) {
  const std::string samples[] = {"", "f", "fo", "foo", "foob", std::string("\0\xff\x10", 3)};
  for (const std::string& s : samples) {
    auto decoded = Base64Decode(Base64Encode(AsBytes(s)));
    ASSERT_THAT(decoded, IsOk()) << s;
    EXPECT_EQ(AsText(*decoded), s);
  }
}

TEST(Base64Test, StandardAlphabetWithPadding) {
  EXPECT_EQ(Base64Encode(AsBytes("foo")), "Zm9v");
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(AsBytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(AsBytes(std::string("\xfb\xff", 2))), "+/8=");  // not the URL alphabet
}

TEST(Base64Test, RefusesWhatIsNotCanonicalPaddedBase64) {
  for (const char* bad : {"Zm9", "Zm9v!", "Zm8", "-_8=", "Zm9v Zm9v"}) {
    auto decoded = Base64Decode(bad);
    ASSERT_FALSE(decoded.has_value()) << bad;
    EXPECT_EQ(decoded.error().message(), "invalid base64");
  }
}

}  // namespace
}  // namespace stormproof::crypto
