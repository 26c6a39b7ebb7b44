#include "core/date.h"

#include <gtest/gtest.h>

#include "tests/matchers.h"

namespace stormproof {
namespace {

TEST(DateTest, ParsesAndPrintsIsoDates) {
  auto d = Date::Parse("2026-02-28");
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->ToString(), "2026-02-28");
  EXPECT_EQ(d->ToBasicString(), "20260228");
  EXPECT_EQ(d->AddDays(1).ToString(), "2026-03-01");
}

TEST(DateTest, RejectsImpossibleDates) {
  for (const char* bad : {"2026-02-30", "2026-13-01", "26-01-01", "2026/01/01", "", "2026-1-1"}) {
    EXPECT_FALSE(Date::Parse(bad).has_value()) << bad;
  }
}

TEST(DateTest, AddsCalendarMonthsClampingToMonthEnd) {
  Date jan31 = *Date::Parse("2026-01-31");
  EXPECT_EQ(jan31.Add(Cadence(1, Cadence::Unit::kMonth)).ToString(), "2026-02-28");
  EXPECT_EQ(jan31.Add(Cadence(3, Cadence::Unit::kMonth)).ToString(), "2026-04-30");
  EXPECT_EQ(jan31.Add(Cadence(1, Cadence::Unit::kYear)).ToString(), "2027-01-31");
  EXPECT_EQ(jan31.Add(Cadence(2, Cadence::Unit::kWeek)).ToString(), "2026-02-14");
  EXPECT_EQ(Date::Parse("2026-11-30")->Add(Cadence(3, Cadence::Unit::kMonth)).ToString(),
            "2027-02-28");
}

TEST(DateTest, CountsDaysBetweenDates) {
  EXPECT_EQ(Date::Parse("2026-01-01")->DaysUntil(*Date::Parse("2027-01-01")), 365);
}

}  // namespace
}  // namespace stormproof
