#include "core/text.h"

#include <gtest/gtest.h>

namespace stormproof {
namespace {

TEST(TextTest, FindsFirstInvalidUtf8Byte) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("caf\xC3\xA9 \xE2\x82\xAC"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xFF"), 2u);
  EXPECT_EQ(FindInvalidUtf8("ab\xC3"), 2u);         // truncated sequence
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);       // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);  // surrogate
}

TEST(TextTest, SuggestsCloseWordsOnly) {
  EXPECT_EQ(ClosestMatch("ownr", {"owner", "tier", "client"}), "owner");
  EXPECT_EQ(ClosestMatch("tier", {"depends_on", "vendors"}), "");
  EXPECT_EQ(ClosestMatch("xyz", {"owner", "tier"}), "");
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace stormproof
