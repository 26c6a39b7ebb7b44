// The plan's recurring duties as an iCalendar (RFC 5545) feed (`stormproof calendar`):
// the plan review, contact verification for each person, drills for each tier, and
// security-evidence refreshes, each a recurring all-day event with a stable UID so that
// re-importing updates rather than duplicates. Built with libical.
//
// Pure function of its inputs; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_CALENDAR_CALENDAR_H_
#define STORMPROOF_CONTINUITY_REPORT_CALENDAR_CALENDAR_H_

#include <string>
#include <vector>

#include "core/date.h"
#include "core/duration.h"
#include "core/result.h"
#include "continuity/plan/plan.h"

namespace stormproof::report {

struct CalendarEvent {
  std::string uid;          // stable across runs: "<kind>-<id>@<msp id>.stormproof"
  std::string summary;      // "Quarterly plan review", "Drill: tier-1 (Critical)"
  std::string description;  // what to do, who, which systems
  Date first;               // first due date (next due, or today when overdue)
  Cadence every;            // recurrence
  std::string owner;        // person id responsible ("" when none)
  std::string owner_email;  // for ORGANIZER/ATTENDEE when known
};

struct CalendarOptions {
  Date today = Date::Today();
};

// The duties, in a stable order (review, then drills by tier rank, then contacts, then evidence).
std::vector<CalendarEvent> PlanDuties(const plan::Plan& plan, const CalendarOptions& options);

// The VCALENDAR text (CRLF line endings, folded lines) for the duties.
Result<std::string> RenderCalendar(const plan::Plan& plan,
                                   const std::vector<CalendarEvent>& events);

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_CALENDAR_CALENDAR_H_
