// Calendar dates (UTC, proleptic Gregorian) for evidence ages, reviews and verifications.
//
// A Date is a plain value: days since 1970-01-01. Thread-compatible.
#ifndef STORMPROOF_CORE_DATE_H_
#define STORMPROOF_CORE_DATE_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/duration.h"
#include "core/result.h"

namespace stormproof {

class Date {
 public:
  constexpr Date() = default;
  static Date FromCivil(int year, int month, int day);
  static constexpr Date FromDaysSinceEpoch(int64_t days) { return Date(days); }
  // Today's date in UTC from the system clock. Commands take today from their Clock instead
  // (core/time.h), which honours --as-of.
  static Date Today();
  // Parses "YYYY-MM-DD" and rejects impossible dates such as 2026-02-30.
  static Result<Date> Parse(std::string_view text);

  int64_t days_since_epoch() const { return days_; }
  int year() const;
  int month() const;
  int day() const;
  std::string ToString() const;  // "YYYY-MM-DD"
  // "YYYYMMDD", the iCalendar DATE form.
  std::string ToBasicString() const;

  Date AddDays(int64_t n) const { return Date(days_ + n); }
  // Adds one cadence step; month steps clamp to the month's last day (Jan 31 + 1mo = Feb 28).
  Date Add(const Cadence& cadence) const;
  int64_t DaysUntil(Date later) const { return later.days_ - days_; }

  constexpr auto operator<=>(const Date&) const = default;

 private:
  constexpr explicit Date(int64_t days) : days_(days) {}
  int64_t days_ = 0;
};

}  // namespace stormproof

#endif  // STORMPROOF_CORE_DATE_H_
