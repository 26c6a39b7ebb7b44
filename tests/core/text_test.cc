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

TEST(TextTest, Utf8PrefixNeverEndsInsideASequence) {
  EXPECT_EQ(Utf8Prefix("short", 10), "short");
  EXPECT_EQ(Utf8Prefix("abcdef", 3), "abc");
  EXPECT_EQ(Utf8Prefix("caf\xC3\xA9!", 4), "caf");  // 'é' would be cut in two: backs off
  EXPECT_EQ(Utf8Prefix("caf\xC3\xA9!", 5), "caf\xC3\xA9");
  EXPECT_EQ(Utf8Prefix("\xE2\x82\xAC", 2), "");
}

TEST(TextTest, PercentOfNeverRoundsABreachAway) {
  EXPECT_EQ(PercentOf(1.7, 2.0), 85);
  EXPECT_EQ(PercentOf(99.6, 100), 99);    // within the target, but not all of it
  EXPECT_EQ(PercentOf(100.4, 100), 101);  // over the target: a breach shows as one
  EXPECT_EQ(PercentOf(100, 100), 100);
}

TEST(TextTest, SuggestsCloseWordsOnly) {
  EXPECT_EQ(ClosestMatch("ownr", {"owner", "tier", "client"}), "owner");
  EXPECT_EQ(ClosestMatch("tier", {"depends_on", "vendors"}), "");
  EXPECT_EQ(ClosestMatch("xyz", {"owner", "tier"}), "");
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(TextTest, EscapeNameShowsEveryNonPrintableByteUnambiguously) {
  EXPECT_EQ(EscapeName("plain/name.txt"), "plain/name.txt");
  EXPECT_EQ(EscapeName("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");  // UTF-8 kept
  EXPECT_EQ(EscapeName("\x1b[31mred\nline\t"), "\\x1b[31mred\\x0aline\\x09");
  EXPECT_EQ(EscapeName(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeName("del\x7F"), "del\\x7f");
  EXPECT_EQ(EscapeName("c1\xC2\x9B"), "c1\\xc2\\x9b");  // U+009B, CSI
  EXPECT_EQ(EscapeName("bad\xFF\xC3"), "bad\\xff\\xc3");
  EXPECT_EQ(EscapeName("back\\slash"), "back\\\\slash");
  EXPECT_NE(EscapeName("\\x1b"), EscapeName("\x1b")) << "the escaped form is unambiguous";
}

TEST(TextTest, EscapeControlsKeepsBackslashesAndIsIdempotent) {
  EXPECT_EQ(EscapeControls("snapshot 1234abcd: /a\\b: data blob is missing"),
            "snapshot 1234abcd: /a\\b: data blob is missing");
  EXPECT_EQ(EscapeControls("x\x1b]0;title\x07\ny"), "x\\x1b]0;title\\x07\\x0ay");
  std::string once = EscapeControls("\x1b[2J\xC2\x9B\xFF caf\xC3\xA9");
  EXPECT_EQ(EscapeControls(once), once);
  EXPECT_EQ(EscapeControls(EscapeName("\x1b\\")), EscapeName("\x1b\\"));
}

TEST(TrimTest, RemovesWhiteSpaceAtBothEndsOnly) {
  EXPECT_EQ(Trim("  a b\t\r\n"), "a b");
  EXPECT_EQ(Trim(" \t "), "");
  EXPECT_EQ(Trim("x"), "x");
}

TEST(AsciiLowerTest, LowersAsciiLettersOnly) {
  EXPECT_EQ(AsciiLower("X-Amz-Date: ÄB"), "x-amz-date: Äb");
}

}  // namespace
}  // namespace stormproof
