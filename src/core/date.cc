#include "core/date.h"

#include <chrono>
#include <cstdio>

#include "core/time.h"

namespace stormproof {
namespace {

namespace chr = std::chrono;

chr::year_month_day YearMonthDayOf(int64_t days) {
  return chr::year_month_day(chr::sys_days(chr::days(days)));
}

}  // namespace

Date Date::FromCivil(int year, int month, int day) {
  chr::year_month_day ymd{chr::year(year), chr::month(static_cast<unsigned>(month)),
                          chr::day(static_cast<unsigned>(day))};
  return Date(chr::sys_days(ymd).time_since_epoch().count());
}

Date Date::Today() { return UtcDateOf(SystemNowNs()); }

Result<Date> Date::Parse(std::string_view text) {
  auto bad = [&] {
    return Error::InvalidArgument("invalid date '" + std::string(text) +
                                  "' (expected YYYY-MM-DD, e.g. 2026-09-30)");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (size_t k = starts[i]; k < starts[i] + lengths[i]; ++k) {
      if (text[k] < '0' || text[k] > '9') return bad();
      parts[i] = parts[i] * 10 + (text[k] - '0');
    }
  }
  chr::year_month_day ymd{chr::year(parts[0]), chr::month(static_cast<unsigned>(parts[1])),
                          chr::day(static_cast<unsigned>(parts[2]))};
  if (!ymd.ok() || parts[0] < 1900) return bad();
  return Date(chr::sys_days(ymd).time_since_epoch().count());
}

int Date::year() const { return static_cast<int>(YearMonthDayOf(days_).year()); }
int Date::month() const {
  return static_cast<int>(static_cast<unsigned>(YearMonthDayOf(days_).month()));
}
int Date::day() const {
  return static_cast<int>(static_cast<unsigned>(YearMonthDayOf(days_).day()));
}

std::string Date::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year(), month(), day());
  return buf;
}

std::string Date::ToBasicString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", year(), month(), day());
  return buf;
}

Date Date::Add(const Cadence& cadence) const {
  switch (cadence.unit()) {
    case Cadence::Unit::kDay:
      return AddDays(cadence.count());
    case Cadence::Unit::kWeek:
      return AddDays(7LL * cadence.count());
    case Cadence::Unit::kMonth:
    case Cadence::Unit::kYear: {
      int months = cadence.unit() == Cadence::Unit::kYear ? 12 * cadence.count() : cadence.count();
      chr::year_month_day ymd = YearMonthDayOf(days_);
      auto target_month = chr::year_month(ymd.year(), ymd.month()) + chr::months(months);
      chr::year_month_day_last month_end{target_month.year() / target_month.month() / chr::last};
      chr::day d = ymd.day() > month_end.day() ? month_end.day() : ymd.day();
      chr::year_month_day out{target_month.year(), target_month.month(), d};
      return Date(chr::sys_days(out).time_since_epoch().count());
    }
  }
  return *this;
}

}  // namespace stormproof
