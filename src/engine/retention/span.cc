// Span: the --keep-within length, parsed and applied on the UTC calendar.
#include <cctype>

#include "core/date.h"
#include "engine/retention/internal/calendar.h"
#include "engine/retention/retention.h"

namespace stormproof::retention {
namespace {

constexpr int kMaxTerm = 100'000;  // far beyond any retention period, small enough not to overflow

Error BadSpan(std::string_view text, const std::string& why) {
  return Error::InvalidArgument("--keep-within '" + std::string(text) + "': " + why +
                                " (expected e.g. 30d, 2w, 6mo, 1y6mo, 36h)");
}

// Adds `number` of `unit` to `span`; false for an unknown unit.
bool AddTerm(std::string_view unit, int number, Span* span) {
  if (unit == "y") {
    span->years += number;
  } else if (unit == "mo") {
    span->months += number;
  } else if (unit == "w") {
    span->days += 7 * number;
  } else if (unit == "d") {
    span->days += number;
  } else if (unit == "h") {
    span->hours += number;
  } else {
    return false;
  }
  return true;
}

}  // namespace

Result<Span> Span::Parse(std::string_view text) {
  if (text.empty()) return BadSpan(text, "empty");
  Span span;
  size_t i = 0;
  while (i < text.size()) {
    int64_t number = 0;
    size_t digits_start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      number = number * 10 + (text[i++] - '0');
      if (number > kMaxTerm) return BadSpan(text, "number too large");
    }
    if (i == digits_start) return BadSpan(text, "expected a number");
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit == "m") return BadSpan(text, "'m' is ambiguous: write 'mo' for months");
    if (unit.empty()) return BadSpan(text, "missing unit");
    if (!AddTerm(unit, static_cast<int>(number), &span)) {
      return BadSpan(text, "unknown unit '" + std::string(unit) + "'");
    }
  }
  if (span.years > kMaxTerm || span.months > kMaxTerm || span.days > 7 * kMaxTerm ||
      span.hours > kMaxTerm) {
    return BadSpan(text, "too long");
  }
  return span;
}

std::string Span::ToString() const {
  if (Zero()) return "0d";
  std::string out;
  if (years) out += std::to_string(years) + "y";
  if (months) out += std::to_string(months) + "mo";
  if (days) out += std::to_string(days) + "d";
  if (hours) out += std::to_string(hours) + "h";
  return out;
}

int64_t Span::SubtractFrom(int64_t time_ns) const {
  int64_t day = DayNumber(time_ns);
  int64_t time_of_day = time_ns - day * kNsPerDay;
  Date date = Date::FromDaysSinceEpoch(day);
  // Months counted from year 0; normalise like Go's time.Date does.
  int64_t month_index = int64_t{date.year()} * 12 + (date.month() - 1) - years * 12 - months;
  int64_t year = month_index >= 0 ? month_index / 12 : (month_index - 11) / 12;
  int month = static_cast<int>(month_index - year * 12) + 1;
  int64_t first = Date::FromCivil(static_cast<int>(year), month, 1).days_since_epoch();
  int64_t new_day = first + (date.day() - 1) - days;
  return new_day * kNsPerDay + time_of_day - hours * kNsPerHour;
}

}  // namespace stormproof::retention
