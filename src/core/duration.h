// Durations and cadences as people write them in a continuity plan.
//
// A Duration is an exact span ("15m", "4h", "1h30m", "2d", "1w") used for RTO, RPO, MTPD and
// update intervals. A Cadence is a calendar recurrence ("90d", "2w", "3mo", "quarterly",
// "yearly") used for reviews, drills and contact verification; months and years follow the
// calendar, not a fixed number of seconds. Both are plain values and thread-compatible.
#ifndef STORMPROOF_CORE_DURATION_H_
#define STORMPROOF_CORE_DURATION_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stormproof {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Seconds(int64_t s) { return Duration(s); }
  static constexpr Duration Minutes(int64_t m) { return Duration(m * 60); }
  static constexpr Duration Hours(int64_t h) { return Duration(h * 3600); }
  static constexpr Duration Days(int64_t d) { return Duration(d * 86400); }

  // Parses one or more <number><unit> terms, unit one of s, m, h, d, w ("1h30m", "15m", "2d").
  // Rejects empty text, negative or fractional numbers, unknown units and overflow.
  static Result<Duration> Parse(std::string_view text);

  constexpr int64_t seconds() const { return seconds_; }
  double hours() const { return static_cast<double>(seconds_) / 3600.0; }

  // The shortest exact form: "0s", "45s", "15m", "1h30m", "2d", "1w2d".
  std::string ToString() const;

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(seconds_ + o.seconds_); }
  constexpr Duration operator-(Duration o) const { return Duration(seconds_ - o.seconds_); }

 private:
  constexpr explicit Duration(int64_t s) : seconds_(s) {}
  int64_t seconds_ = 0;
};

class Cadence {
 public:
  enum class Unit { kDay, kWeek, kMonth, kYear };

  constexpr Cadence() = default;
  constexpr Cadence(int count, Unit unit) : count_(count), unit_(unit) {}

  // Parses "<n>d", "<n>w", "<n>mo", "<n>y" or one of daily, weekly, monthly, quarterly,
  // yearly, annually. n must be at least 1.
  static Result<Cadence> Parse(std::string_view text);

  int count() const { return count_; }
  Unit unit() const { return unit_; }
  // Approximate length in days (months as 30.44 days), for comparisons and sorting only.
  double ApproxDays() const;
  // "90d", "2w", "3mo" ("quarterly" is normalised to "3mo"), "1y".
  std::string ToString() const;

  constexpr bool operator==(const Cadence&) const = default;

 private:
  int count_ = 1;
  Unit unit_ = Unit::kDay;
};

}  // namespace stormproof

#endif  // STORMPROOF_CORE_DURATION_H_
