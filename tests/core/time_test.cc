#include "core/time.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "tests/matchers.h"

namespace stormproof {
namespace {

// 2026-03-01T10:00:00Z
constexpr int64_t kMarchFirstTenAm = 1'772'359'200 * kNsPerSecond;

TEST(TimeTest, ConstantsAgree) {
  EXPECT_EQ(kNsPerSecond, 1'000'000'000);
  EXPECT_EQ(kNsPerMillisecond * 1000, kNsPerSecond);
  EXPECT_EQ(kNsPerDay, 86'400 * kNsPerSecond);
  EXPECT_EQ(kNsPerHour * 24, kNsPerDay);
  EXPECT_EQ(kNsPerMinute * 60, kNsPerHour);
}

TEST(TimeTest, FloorSecondsRoundsTowardsThePast) {
  EXPECT_EQ(FloorSeconds(0), 0);
  EXPECT_EQ(FloorSeconds(1'999'999'999), 1);
  EXPECT_EQ(FloorSeconds(-1), -1);
  EXPECT_EQ(FloorSeconds(-kNsPerSecond), -1);
  EXPECT_EQ(FloorSeconds(-kNsPerSecond - 1), -2);
}

TEST(TimeTest, DaysAreUtcDays) {
  Date day = Date::FromCivil(2026, 3, 1);
  EXPECT_EQ(UtcDateOf(kMarchFirstTenAm), day);
  EXPECT_EQ(UtcDateOf(StartOfDayNs(day)), day);
  EXPECT_EQ(UtcDateOf(EndOfDayNs(day)), day);
  EXPECT_EQ(UtcDateOf(EndOfDayNs(day) + 1), day.AddDays(1));
  EXPECT_EQ(EndOfDayNs(day) - StartOfDayNs(day), kNsPerDay - 1);
  EXPECT_EQ(UtcDateOf(-1), Date::FromCivil(1969, 12, 31));
}

TEST(TimeTest, ElapsedSinceIsWholeSecondsAndNeverNegative) {
  EXPECT_EQ(ElapsedSince(0, 90 * kNsPerSecond + 999), Duration::Seconds(90));
  EXPECT_EQ(ElapsedSince(5 * kNsPerSecond, 0), Duration::Seconds(0));
}

// One rule for every printed instant: UTC, with the zone spelled out, whatever TZ says.
TEST(TimeTest, FormatUtcIsUtcWithTheZoneWhateverTheLocalZone) {
  const char* old_tz = std::getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "Asia/Kolkata", 1);  // UTC+05:30
  EXPECT_EQ(FormatUtc(kMarchFirstTenAm), "2026-03-01 10:00:00 UTC");
  old_tz ? setenv("TZ", saved.c_str(), 1) : unsetenv("TZ");
  EXPECT_EQ(FormatUtc(kMarchFirstTenAm + 999'999'999), "2026-03-01 10:00:00 UTC");
  EXPECT_EQ(FormatUtc(-1), "1969-12-31 23:59:59 UTC");
}

TEST(TimeTest, MachineFormats) {
  EXPECT_EQ(FormatUtcCompact(kMarchFirstTenAm), "20260301T100000Z");
  EXPECT_EQ(FormatRfc3339(kMarchFirstTenAm + 5), "2026-03-01T10:00:00Z");
  EXPECT_EQ(FormatRfc3339Nanos(1'764'165'845'000'000'007), "2025-11-26T14:04:05.000000007Z");
  EXPECT_EQ(FormatRfc3339Nanos(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(TimeTest, Rfc3339RoundTripsWithNanoseconds) {
  const int64_t times[] = {
      0, 1, 999'999'999, 1'764'165'845'123'456'789, -1, -1'500'000'000, INT64_MAX, INT64_MIN};
  for (int64_t t : times) {
    SCOPED_TRACE(t);
    Result<int64_t> parsed = ParseRfc3339(FormatRfc3339Nanos(t));
    ASSERT_THAT(parsed, IsOk()) << FormatRfc3339Nanos(t) << ": " << parsed.error().message();
    EXPECT_EQ(*parsed, t);
  }
  Result<int64_t> seconds = ParseRfc3339(FormatRfc3339(kMarchFirstTenAm));
  ASSERT_THAT(seconds, IsOk());
  EXPECT_EQ(*seconds, kMarchFirstTenAm);
}

TEST(TimeTest, ParseRfc3339AcceptsShortFractionsAndRejectsGarbage) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:01Z"), 1'000'000'000);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00.5Z"), 500'000'000);
  const char* bad[] = {"",
                       "1970-01-01",
                       "1970-01-01T00:00:00",
                       "1970-13-01T00:00:00Z",
                       "1970-01-01T24:00:00Z",
                       "1970-01-01T00:00:00.Z",
                       "1970-01-01T00:00:00.1234567890Z",
                       "1970-01-01T00:00:00Zjunk",
                       "1970-01-01 00:00:00Z",
                       "1970-01-01 00:00:00 UTC"};
  for (const char* text : bad) {
    Result<int64_t> parsed = ParseRfc3339(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_THAT(parsed, ErrorIs(ErrorCode::kFailedCheck)) << text;
    EXPECT_EQ(parsed.error().message(), "invalid time '" + std::string(text) + "'");
  }
}

// Found by fuzz/fuzz_snapshot (and the lock, config and key file targets): a year outside
// 1677..2262 overflowed the int64 nanosecond count (undefined behaviour) instead of failing.
TEST(TimeTest, ParseRfc3339RejectsTimesOutsideTheNanosecondRange) {
  const char* out_of_range[] = {"3202-11-14T22:13:20.000000000Z", "1013-11-30T02:18:31.769430111Z",
                                "9999-12-31T23:59:60.999999999Z", "0000-01-01T00:00:00Z",
                                "2262-04-11T23:47:16.854775808Z", "1677-09-21T00:12:43.145224191Z"};
  for (const char* text : out_of_range) {
    Result<int64_t> parsed = ParseRfc3339(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().message(), "time out of range '" + std::string(text) + "'");
  }
  EXPECT_EQ(*ParseRfc3339("2262-04-11T23:47:16.854775807Z"), INT64_MAX);
  EXPECT_EQ(*ParseRfc3339("1677-09-21T00:12:43.145224192Z"), INT64_MIN);
}

// Day and second overflow roll over as timegm() rolls them (the repository's files were read
// with timegm() before).
TEST(TimeTest, ParseRfc3339RollsOverLikeTimegm) {
  EXPECT_EQ(*ParseRfc3339("2026-02-31T00:00:00Z"), StartOfDayNs(Date::FromCivil(2026, 3, 3)));
  EXPECT_EQ(*ParseRfc3339("2026-02-28T23:59:60Z"), StartOfDayNs(Date::FromCivil(2026, 3, 1)));
}

// One shortening rule: the two largest units, rounded down; "49h" reads "2d1h".
TEST(TimeTest, ShortDurationKeepsTheTwoLargestUnits) {
  struct Case {
    int64_t seconds;
    const char* text;
  } cases[] = {{0, "0s"},
               {-5, "0s"},
               {40, "40s"},
               {450, "7m30s"},
               {35 * 60 + 59, "35m59s"},
               {3600, "1h"},
               {9 * 3600 + 12 * 60 + 59, "9h12m"},
               {26 * 3600, "1d2h"},
               {49 * 3600 + 59 * 60, "2d1h"},
               {2 * 86400 + 30, "2d"},
               {400 * 86400 + 3600, "400d1h"}};
  for (const Case& c : cases) {
    EXPECT_EQ(ShortDuration(Duration::Seconds(c.seconds)), c.text) << c.seconds;
    EXPECT_EQ(ShortDurationNs(c.seconds * kNsPerSecond + 999'999'999 * (c.seconds >= 0)), c.text)
        << c.seconds;
  }
}

TEST(TimeTest, AFixedClockStaysPut) {
  Clock clock = Clock::FixedAt(kMarchFirstTenAm);
  EXPECT_TRUE(clock.fixed());
  EXPECT_EQ(clock.NowNs(), kMarchFirstTenAm);
  EXPECT_EQ(clock.Today(), Date::FromCivil(2026, 3, 1));
}

// --as-of DATE stands for the last nanosecond of that day, so everything on the day counts.
TEST(TimeTest, AsOfClockStandsAtTheEndOfTheDay) {
  Result<Clock> clock = Clock::FromAsOf("2026-03-01");
  ASSERT_THAT(clock, IsOk());
  EXPECT_TRUE(clock->fixed());
  EXPECT_EQ(FormatRfc3339Nanos(clock->NowNs()), "2026-03-01T23:59:59.999999999Z");
  EXPECT_EQ(clock->Today(), Date::FromCivil(2026, 3, 1));
}

TEST(TimeTest, NoAsOfMeansTheSystemClock) {
  Result<Clock> clock = Clock::FromAsOf("");
  ASSERT_THAT(clock, IsOk());
  EXPECT_FALSE(clock->fixed());
  int64_t before = SystemNowNs();
  int64_t now = clock->NowNs();
  EXPECT_LE(before, now);
  EXPECT_LE(now, SystemNowNs());
}

TEST(TimeTest, AMalformedAsOfIsRefused) {
  Result<Clock> clock = Clock::FromAsOf("2026-02-30");
  ASSERT_FALSE(clock.has_value());
  EXPECT_THAT(clock, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(clock.error().message(), HasSubstr("invalid date '2026-02-30'"))
      << clock.error().message();
}

// Review of issue 13: an --as-of day whose end is outside the int64 nanosecond range (after
// 2262-04-11, before 1677-09-22) must be refused, not wrap: "--as-of 2300-01-01" used to stand
// for a moment in 1715 (signed overflow in StartOfDayNs, undefined behaviour), so `status` judged
// every recorded run as "after now" and `forget` every snapshot as dated in the future.
TEST(TimeTest, AnAsOfOutsideTheRepresentableRangeIsRefused) {
  for (const char* day : {"2300-01-01", "9999-12-31", "1600-01-01"}) {
    Result<Clock> clock = Clock::FromAsOf(day);
    EXPECT_THAT(clock, ErrorIs(ErrorCode::kInvalidArgument))
        << day << " stands for " << (clock ? FormatUtc(clock->NowNs()) : "");
  }
  EXPECT_THAT(Clock::FromAsOf("2262-04-10"), IsOk());
}

}  // namespace
}  // namespace stormproof
