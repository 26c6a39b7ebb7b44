// Time: the one vocabulary every stormproof library uses for instants, clocks, timestamps and
// durations as people read them (abseil's absl/time in spirit, on plain integers).
//
// An instant is an int64_t count of nanoseconds since 1970-01-01T00:00:00 UTC ("ns"), which
// covers 1677..2262. Calendar questions (which day, start and end of a day) are answered in UTC.
//
// One rule for timestamps people read: "2026-03-01 10:00:00 UTC" (FormatUtc), in UTC with the
// zone spelled out, whatever the machine's TZ. JSON and files use RFC 3339 in UTC
// (FormatRfc3339, FormatRfc3339Nanos). One rule for shortened durations: the two largest units,
// rounded down, without spaces (ShortDuration: "3d4h", "9h12m", "35m", "40s").
//
// A Clock is what a command reads "now" from: the system clock, or frozen at the end of an
// `--as-of` day. Pure functions and plain values; everything here is thread-safe.
#ifndef STORMPROOF_CORE_TIME_H_
#define STORMPROOF_CORE_TIME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/date.h"
#include "core/duration.h"
#include "core/result.h"

namespace stormproof {

inline constexpr int64_t kNsPerMillisecond = 1'000'000;
inline constexpr int64_t kNsPerSecond = 1'000'000'000;
inline constexpr int64_t kSecondsPerMinute = 60;
inline constexpr int64_t kSecondsPerHour = 60 * kSecondsPerMinute;
inline constexpr int64_t kSecondsPerDay = 24 * kSecondsPerHour;
inline constexpr int64_t kNsPerMinute = kSecondsPerMinute * kNsPerSecond;
inline constexpr int64_t kNsPerHour = kSecondsPerHour * kNsPerSecond;
inline constexpr int64_t kNsPerDay = kSecondsPerDay * kNsPerSecond;

// Whole seconds since the epoch at or before `ns` (floored, so 1969 instants round down too).
constexpr int64_t FloorSeconds(int64_t ns) {
  return ns / kNsPerSecond - (ns % kNsPerSecond < 0 ? 1 : 0);
}

// The span between two instants as a Duration in whole seconds (truncated), never negative:
// an `until_ns` before `since_ns` (a clock stepped back) gives zero.
Duration ElapsedSince(int64_t since_ns, int64_t until_ns);

// The UTC date an instant falls on.
Date UtcDateOf(int64_t ns);
// The first and the last nanosecond of a UTC day.
int64_t StartOfDayNs(Date date);
int64_t EndOfDayNs(Date date);

// The system's wall clock now, in ns since the epoch. Not affected by --as-of: for what really
// happens now (a lock's or a snapshot's time stamp). Commands that judge ages use a Clock.
int64_t SystemNowNs();

// What a command treats as "now": the system clock, or a fixed instant. `--as-of DATE` fixes it
// at the end of that day (23:59:59.999999999 UTC), so that the whole day counts. A plain value;
// thread-safe.
class Clock {
 public:
  // Reads the system clock at every NowNs().
  static Clock System() { return Clock(std::nullopt); }
  // Always returns `ns`.
  static Clock FixedAt(int64_t ns) { return Clock(ns); }
  // Fixed at EndOfDayNs(date): the clock `--as-of DATE` stands for.
  static Clock AsOf(Date date) { return Clock(EndOfDayNs(date)); }
  // The last day AsOf can stand at: the end of any later day overflows int64 nanoseconds.
  static constexpr Date kLastAsOfDay = Date::FromDaysSinceEpoch(106'750);  // 2262-04-10
  // The clock for an `--as-of` value: AsOf(the date) for "YYYY-MM-DD", System() for "".
  // Errors: kInvalidArgument for a malformed date or one after kLastAsOfDay (the caller adds
  // "--as-of" as context).
  static Result<Clock> FromAsOf(std::string_view as_of);

  int64_t NowNs() const { return fixed_ns_ ? *fixed_ns_ : SystemNowNs(); }
  // The UTC date of NowNs().
  Date Today() const { return UtcDateOf(NowNs()); }
  // True for a fixed clock (--as-of or a test), false for the system clock.
  bool fixed() const { return fixed_ns_.has_value(); }

 private:
  explicit Clock(std::optional<int64_t> fixed_ns) : fixed_ns_(fixed_ns) {}
  std::optional<int64_t> fixed_ns_;
};

// "2026-03-01 10:00:00 UTC": the form of every instant printed for people (tables, messages,
// reports). Seconds are floored.
std::string FormatUtc(int64_t ns);
// "20260301T100000Z": the compact ISO 8601 form for file names.
std::string FormatUtcCompact(int64_t ns);
// "2026-03-01T10:00:00Z": RFC 3339 to the second, for JSON fields that state a moment.
std::string FormatRfc3339(int64_t ns);
// "2026-03-01T10:00:00.123456789Z": RFC 3339 with all nine fractional digits (so the strings
// sort as the instants do), for snapshot times in JSON and the repository's files.
std::string FormatRfc3339Nanos(int64_t ns);
// Parses "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" (FormatRfc3339 and FormatRfc3339Nanos output).
// Errors: kFailedCheck "invalid time '...'" or "time out of range '...'" (outside 1677..2262).
Result<int64_t> ParseRfc3339(std::string_view text);

// A duration shortened for people to its two largest units, rounded down, without spaces:
// "3d4h", "1d2h", "9h12m", "35m", "7m30s", "40s"; a zero second unit is left out ("2d", not
// "2d0h"); zero and negative durations read "0s".
std::string ShortDuration(Duration duration);
// ShortDuration of the span `ns` (nanoseconds, truncated to whole seconds).
std::string ShortDurationNs(int64_t ns);

}  // namespace stormproof

#endif  // STORMPROOF_CORE_TIME_H_
