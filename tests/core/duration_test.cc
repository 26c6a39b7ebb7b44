#include "core/duration.h"

#include <gtest/gtest.h>

#include "tests/matchers.h"

namespace stormproof {
namespace {

TEST(DurationTest, ParsesSingleAndCombinedUnits) {
  struct Case {
    const char* text;
    int64_t seconds;
  } cases[] = {{"0s", 0},       {"45s", 45},    {"15m", 900},   {"4h", 14400},
               {"1h30m", 5400}, {"2d", 172800}, {"1w", 604800}, {"1d12h", 129600}};
  for (const Case& c : cases) {
    auto d = Duration::Parse(c.text);
    ASSERT_THAT(d, IsOk()) << c.text;
    EXPECT_EQ(d->seconds(), c.seconds) << c.text;
  }
}

TEST(DurationTest, RejectsMalformedText) {
  for (const char* bad :
       {"", "h", "4", "4x", "-4h", "4.5h", "4 h", "99999999999999999999s", "1h30"}) {
    auto d = Duration::Parse(bad);
    EXPECT_FALSE(d.has_value()) << bad;
    if (!d) {
      EXPECT_THAT(d.error().message(), HasSubstr("invalid duration"));
    }
  }
}

// Found by the UBSan build (scripts/test-sanitized): a long digit string overflowed int64 before
// the limit check, which only rejected it by luck of the wrapped value.
TEST(DurationTest, RejectsNumbersPastTheLimitWithoutOverflow) {
  for (const char* bad : {"99999999999999999999s", "9223372036854775807s", "2305843009213693952s",
                          "99999999999999999999999999999999w"}) {
    auto parsed = Duration::Parse(bad);
    EXPECT_FALSE(parsed.has_value()) << bad << " parsed as " << parsed->seconds() << "s";
  }
  EXPECT_THAT(Duration::Parse("2305843009213693951s"), IsOk());  // INT64_MAX / 4
}

TEST(DurationTest, PrintsShortestExactForm) {
  EXPECT_EQ(Duration::Minutes(90).ToString(), "1h30m");
  EXPECT_EQ(Duration::Days(9).ToString(), "1w2d");
  EXPECT_EQ(Duration().ToString(), "0s");
  EXPECT_EQ(Duration::Seconds(61).ToString(), "1m1s");
}

TEST(CadenceTest, ParsesWordsAndCounts) {
  EXPECT_EQ(*Cadence::Parse("quarterly"), Cadence(3, Cadence::Unit::kMonth));
  EXPECT_EQ(*Cadence::Parse("90d"), Cadence(90, Cadence::Unit::kDay));
  EXPECT_EQ(*Cadence::Parse("2w"), Cadence(2, Cadence::Unit::kWeek));
  EXPECT_EQ(*Cadence::Parse("1y"), Cadence(1, Cadence::Unit::kYear));
  EXPECT_EQ(Cadence::Parse("quarterly")->ToString(), "3mo");
}

TEST(CadenceTest, RejectsZeroAndUnknownUnits) {
  for (const char* bad : {"0d", "3m", "fortnightly", "", "d"}) {
    EXPECT_FALSE(Cadence::Parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace stormproof
