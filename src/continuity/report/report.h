// report: what stormproof writes for people and machines — the offline runbook (runbook.h),
// the iCalendar feed of duties (calendar.h) and the JSON forms of command output
// (json_output.h). Renderers take analysed plan data and return text; they never touch files.
// All functions are pure (thread-safe).
#ifndef STORMPROOF_CONTINUITY_REPORT_REPORT_H_
#define STORMPROOF_CONTINUITY_REPORT_REPORT_H_

#include "continuity/report/calendar.h"
#include "continuity/report/json_output.h"
#include "continuity/report/runbook.h"

#endif  // STORMPROOF_CONTINUITY_REPORT_REPORT_H_
