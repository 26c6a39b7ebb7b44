// Machine-readable forms of what the plan commands print (`--json`). The field names are a
// contract documented in docs/cli.md; add fields, never rename or remove them.
//
// Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_PLAN_OUTPUT_JSON_OUTPUT_H_
#define STORMPROOF_CONTINUITY_REPORT_PLAN_OUTPUT_JSON_OUTPUT_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/analysis/restore_order.h"
#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"
#include "continuity/readiness/readiness.h"
#include "continuity/report/calendar/calendar.h"

namespace stormproof::report {

// {"file":..,"line":..,"column":..,"severity":"error","rule":..,"message":..}
nlohmann::json DiagnosticToJson(const std::vector<std::string>& files,
                                const plan::Diagnostic& diagnostic);

// {"severity","area","rule","title","detail","recommendation","systems","clients","where"}
nlohmann::json FindingToJson(const plan::Plan& plan, const analysis::Finding& finding);

// {"position","system","name","client","tier","rto","starts","back","within_rto",...,
//  "owner":{person},"deputy":{person},"checklist":[..],"verify":..}
nlohmann::json RestoreStepToJson(const plan::Plan& plan, const analysis::RestoreStep& step);

// A system's newest clean restore point (`status`'s "clean_point", `plan order --clean-points`'s
// "clean_point"): {"state","snapshot_id","restore_point","repository","age_s","target_s",
// "breached","held","reason","flagged":{..}|null,"flagged_count","holds":[..],"backups",
// "judged","marks_failed"}; docs/cli.md, "status".
nlohmann::json CleanPointToJson(const readiness::CleanPointStatus& clean);

// {"uid","summary","description","first","every","owner"}
nlohmann::json CalendarEventToJson(const CalendarEvent& event);

// {"id","name","title","contacts":[{"kind","value"}]}
nlohmann::json PersonToJson(const plan::Person& person);

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_PLAN_OUTPUT_JSON_OUTPUT_H_
