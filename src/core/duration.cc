#include "core/duration.h"

#include <array>
#include <limits>
#include <utility>

namespace stormproof {
namespace {

constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 4;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a non-negative decimal at text[*pos]; false on no digits or overflow past `limit`.
bool ReadNumber(std::string_view text, size_t* pos, int64_t limit, int64_t* out) {
  size_t start = *pos;
  int64_t n = 0;
  while (*pos < text.size() && IsDigit(text[*pos])) {
    int digit = text[*pos] - '0';
    if (n > (limit - digit) / 10) return false;  // n * 10 + digit > limit, without overflowing
    n = n * 10 + digit;
    ++*pos;
  }
  *out = n;
  return *pos > start;
}

int64_t UnitSeconds(char unit) {
  switch (unit) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3600;
    case 'd':
      return 86400;
    case 'w':
      return 7 * 86400;
    default:
      return 0;
  }
}

Error BadDuration(std::string_view text, std::string_view why) {
  return Error::InvalidArgument("invalid duration '" + std::string(text) +
                                "': " + std::string(why) + " (expected e.g. 15m, 4h, 1h30m, 2d)");
}

}  // namespace

Result<Duration> Duration::Parse(std::string_view text) {
  if (text.empty()) return BadDuration(text, "empty");
  size_t pos = 0;
  int64_t total = 0;
  while (pos < text.size()) {
    int64_t n = 0;
    if (!ReadNumber(text, &pos, kMaxSeconds, &n)) {
      return BadDuration(
          text, pos < text.size() && IsDigit(text[pos]) ? "too large" : "a number must come first");
    }
    if (pos >= text.size()) return BadDuration(text, "missing unit after the number");
    int64_t unit = UnitSeconds(text[pos]);
    if (unit == 0) return BadDuration(text, std::string("unknown unit '") + text[pos] + "'");
    ++pos;
    if (n > (kMaxSeconds - total) / unit) return BadDuration(text, "too large");
    total += n * unit;
  }
  return Duration(total);
}

std::string Duration::ToString() const {
  if (seconds_ == 0) return "0s";
  static constexpr std::array<std::pair<int64_t, char>, 5> kUnits = {
      {{7 * 86400, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}};
  std::string out = seconds_ < 0 ? "-" : "";
  int64_t rest = seconds_ < 0 ? -seconds_ : seconds_;
  for (auto [size, unit] : kUnits) {
    if (rest >= size) {
      out += std::to_string(rest / size) + unit;
      rest %= size;
    }
  }
  return out;
}

Result<Cadence> Cadence::Parse(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, Cadence>, 7> kWords = {{
      {"daily", Cadence(1, Unit::kDay)},
      {"weekly", Cadence(1, Unit::kWeek)},
      {"monthly", Cadence(1, Unit::kMonth)},
      {"quarterly", Cadence(3, Unit::kMonth)},
      {"yearly", Cadence(1, Unit::kYear)},
      {"annually", Cadence(1, Unit::kYear)},
      {"biannually", Cadence(6, Unit::kMonth)},
  }};
  for (const auto& [word, cadence] : kWords) {
    if (text == word) return cadence;
  }
  auto bad = [&](std::string_view why) {
    return Error::InvalidArgument("invalid cadence '" + std::string(text) +
                                  "': " + std::string(why) +
                                  " (expected e.g. 90d, 2w, 3mo, 1y, monthly, quarterly)");
  };
  size_t pos = 0;
  int64_t n = 0;
  if (!ReadNumber(text, &pos, 100000, &n)) return bad("a number must come first");
  if (n < 1) return bad("must be at least 1");
  std::string_view unit = text.substr(pos);
  int count = static_cast<int>(n);
  if (unit == "d") return Cadence(count, Unit::kDay);
  if (unit == "w") return Cadence(count, Unit::kWeek);
  if (unit == "mo") return Cadence(count, Unit::kMonth);
  if (unit == "y") return Cadence(count, Unit::kYear);
  if (unit.empty()) return bad("missing unit");
  return bad("unknown unit '" + std::string(unit) + "'");
}

double Cadence::ApproxDays() const {
  switch (unit_) {
    case Unit::kDay:
      return count_;
    case Unit::kWeek:
      return 7.0 * count_;
    case Unit::kMonth:
      return 30.44 * count_;
    case Unit::kYear:
      return 365.25 * count_;
  }
  return count_;
}

std::string Cadence::ToString() const {
  const char* suffix = "d";
  if (unit_ == Unit::kWeek) suffix = "w";
  if (unit_ == Unit::kMonth) suffix = "mo";
  if (unit_ == Unit::kYear) suffix = "y";
  return std::to_string(count_) + suffix;
}

}  // namespace stormproof
