// UTC calendar buckets for retention policies: which hour, day, ISO week, month and year a
// snapshot time falls in. Internal to retention/. Pure functions; thread-safe.
#ifndef STORMPROOF_ENGINE_RETENTION_INTERNAL_CALENDAR_H_
#define STORMPROOF_ENGINE_RETENTION_INTERNAL_CALENDAR_H_

#include <cstdint>

#include "core/time.h"

namespace stormproof::retention {

// Days since 1970-01-01 (UTC) of the instant `time_ns`, rounding towards the past.
int64_t DayNumber(int64_t time_ns);

struct IsoWeek {
  int year = 0;  // the ISO week-numbering year (may differ from the calendar year)
  int week = 0;  // 1..53
};
// ISO 8601: weeks start on Monday; week 1 is the week holding the year's first Thursday.
IsoWeek IsoWeekOfDay(int64_t day_number);

enum class Bucket { kHour, kDay, kWeek, kMonth, kYear };

// A number that is equal for two instants exactly when they share the bucket.
int64_t BucketOf(Bucket bucket, int64_t time_ns);

}  // namespace stormproof::retention

#endif  // STORMPROOF_ENGINE_RETENTION_INTERNAL_CALENDAR_H_
