#include "core/time.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <iterator>

namespace stormproof {
namespace {

// An instant split into its UTC date and time of day.
struct Civil {
  Date date;
  int hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;  // 0..999'999'999
};

Civil ToCivil(int64_t ns) {
  int64_t seconds = FloorSeconds(ns);
  int64_t days = seconds / kSecondsPerDay;
  int64_t rest = seconds % kSecondsPerDay;
  if (rest < 0) {
    rest += kSecondsPerDay;
    --days;
  }
  return {Date::FromDaysSinceEpoch(days), static_cast<int>(rest / kSecondsPerHour),
          static_cast<int>(rest / kSecondsPerMinute % 60), static_cast<int>(rest % 60),
          (ns % kNsPerSecond + kNsPerSecond) % kNsPerSecond};  // seconds * 1e9 overflows in 1677
}

// "HH:MM:SS" joined to the date by `separator`.
std::string DateAndTime(const Civil& c, char separator) {
  char text[16];
  std::snprintf(text, sizeof text, "%c%02d:%02d:%02d", separator, c.hour, c.minute, c.second);
  return c.date.ToString() + text;
}

// Reads exactly `digits` decimal digits from `text` at `*pos`.
bool ReadDigits(std::string_view text, size_t* pos, int digits, int* out) {
  if (*pos + digits > text.size()) return false;
  int value = 0;
  for (int i = 0; i < digits; ++i) {
    char c = text[*pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  *pos += digits;
  *out = value;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// Reads ".d{1,9}" when present; the value in nanoseconds.
bool ReadFraction(std::string_view text, size_t* pos, int64_t* ns) {
  *ns = 0;
  if (*pos >= text.size() || text[*pos] != '.') return true;
  ++*pos;
  int digits = 0;
  while (*pos < text.size() && std::isdigit(static_cast<unsigned char>(text[*pos]))) {
    if (++digits > 9) return false;
    *ns = *ns * 10 + (text[(*pos)++] - '0');
  }
  for (int i = digits; i < 9; ++i) *ns *= 10;
  return digits > 0;
}

struct ParsedFields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
};

// The fields of "YYYY-MM-DDTHH:MM:SS[.f]Z", each within its range (second 60 allowed, as a
// leap second); nullopt for anything else.
std::optional<ParsedFields> ReadFields(std::string_view text) {
  ParsedFields f;
  size_t pos = 0;
  bool ok = ReadDigits(text, &pos, 4, &f.year) && Expect(text, &pos, '-') &&
            ReadDigits(text, &pos, 2, &f.month) && Expect(text, &pos, '-') &&
            ReadDigits(text, &pos, 2, &f.day) && Expect(text, &pos, 'T') &&
            ReadDigits(text, &pos, 2, &f.hour) && Expect(text, &pos, ':') &&
            ReadDigits(text, &pos, 2, &f.minute) && Expect(text, &pos, ':') &&
            ReadDigits(text, &pos, 2, &f.second) && ReadFraction(text, &pos, &f.nanos) &&
            Expect(text, &pos, 'Z') && pos == text.size();
  if (!ok || f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || f.hour > 23 ||
      f.minute > 59 || f.second > 60) {
    return std::nullopt;
  }
  return f;
}

}  // namespace

Duration ElapsedSince(int64_t since_ns, int64_t until_ns) {
  if (until_ns <= since_ns) return Duration::Seconds(0);
  return Duration::Seconds((until_ns - since_ns) / kNsPerSecond);
}

Date UtcDateOf(int64_t ns) { return ToCivil(ns).date; }

int64_t StartOfDayNs(Date date) { return date.days_since_epoch() * kNsPerDay; }

int64_t EndOfDayNs(Date date) { return StartOfDayNs(date.AddDays(1)) - 1; }

int64_t SystemNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Clock> Clock::FromAsOf(std::string_view as_of) {
  if (as_of.empty()) return System();
  STORMPROOF_ASSIGN_OR_RETURN(Date date, Date::Parse(as_of));
  // The end of a later day is past the largest int64 nanosecond count (2262-04-11T23:47:16Z).
  if (date > kLastAsOfDay) {
    return Error::InvalidArgument("'" + std::string(as_of) + "' is after " +
                                  kLastAsOfDay.ToString() + ", the last day a clock can stand at");
  }
  return AsOf(date);
}

std::string FormatUtc(int64_t ns) { return DateAndTime(ToCivil(ns), ' ') + " UTC"; }

std::string FormatUtcCompact(int64_t ns) {
  Civil c = ToCivil(ns);
  char text[16];
  std::snprintf(text, sizeof text, "T%02d%02d%02dZ", c.hour, c.minute, c.second);
  return c.date.ToBasicString() + text;
}

std::string FormatRfc3339(int64_t ns) { return DateAndTime(ToCivil(ns), 'T') + "Z"; }

std::string FormatRfc3339Nanos(int64_t ns) {
  Civil c = ToCivil(ns);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%09lldZ", static_cast<long long>(c.nanos));
  return DateAndTime(c, 'T') + fraction;
}

Result<int64_t> ParseRfc3339(std::string_view text) {
  std::optional<ParsedFields> f = ReadFields(text);
  if (!f) return Error::FailedCheck("invalid time '" + std::string(text) + "'");
  // Day 31 of a 30-day month rolls into the next month, as timegm() does.
  int64_t days = Date::FromCivil(f->year, f->month, 1).days_since_epoch() + f->day - 1;
  int64_t seconds =
      days * kSecondsPerDay + f->hour * kSecondsPerHour + f->minute * kSecondsPerMinute + f->second;
  int64_t ns = f->nanos;
  if (seconds < 0 && ns > 0) {  // so that the earliest representable time does not overflow
    ++seconds;
    ns -= kNsPerSecond;
  }
  // Nanoseconds since the epoch fit an int64 only from 1677 to 2262; a forged file may say 9999.
  int64_t unix_ns = 0;
  if (__builtin_mul_overflow(seconds, kNsPerSecond, &unix_ns) ||
      __builtin_add_overflow(unix_ns, ns, &unix_ns)) {
    return Error::FailedCheck("time out of range '" + std::string(text) + "'");
  }
  return unix_ns;
}

std::string ShortDuration(Duration duration) {
  static constexpr struct {
    int64_t seconds;
    const char* unit;
  } kUnits[] = {{kSecondsPerDay, "d"}, {kSecondsPerHour, "h"}, {kSecondsPerMinute, "m"}, {1, "s"}};
  int64_t left = duration.seconds() < 0 ? 0 : duration.seconds();
  for (size_t u = 0; u < std::size(kUnits); ++u) {
    if (left < kUnits[u].seconds) continue;
    std::string text = std::to_string(left / kUnits[u].seconds) + kUnits[u].unit;
    if (u + 1 < std::size(kUnits)) {
      int64_t rest = left % kUnits[u].seconds / kUnits[u + 1].seconds;
      if (rest > 0) text += std::to_string(rest) + kUnits[u + 1].unit;
    }
    return text;
  }
  return "0s";
}

std::string ShortDurationNs(int64_t ns) {
  return ShortDuration(Duration::Seconds(ns < 0 ? 0 : ns / kNsPerSecond));
}

}  // namespace stormproof
