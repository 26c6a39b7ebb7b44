#include "engine/retention/internal/calendar.h"

#include "core/date.h"

namespace stormproof::retention {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

}  // namespace

int64_t DayNumber(int64_t time_ns) { return FloorDiv(time_ns, kNsPerDay); }

IsoWeek IsoWeekOfDay(int64_t day_number) {
  int64_t weekday = FloorMod(day_number + 3, 7);  // Monday 0 .. Sunday 6 (1970-01-01: Thu)
  int64_t thursday = day_number - weekday + 3;    // the ISO year is the year of this Thursday
  Date date = Date::FromDaysSinceEpoch(thursday);
  int64_t january_first = Date::FromCivil(date.year(), 1, 1).days_since_epoch();
  return {date.year(), static_cast<int>((thursday - january_first) / 7 + 1)};
}

int64_t BucketOf(Bucket bucket, int64_t time_ns) {
  int64_t day = DayNumber(time_ns);
  Date date = Date::FromDaysSinceEpoch(day);
  switch (bucket) {
    case Bucket::kHour:
      return FloorDiv(time_ns, kNsPerHour);
    case Bucket::kDay:
      return day;
    case Bucket::kWeek: {
      IsoWeek week = IsoWeekOfDay(day);
      return int64_t{week.year} * 100 + week.week;
    }
    case Bucket::kMonth:
      return int64_t{date.year()} * 12 + date.month();
    case Bucket::kYear:
      return date.year();
  }
  return 0;
}

}  // namespace stormproof::retention
