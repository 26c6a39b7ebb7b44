// Plain-text forms of the plan commands' output for a terminal (`plan audit`, `plan order`).
// Columns are aligned for a fixed-width font; no colour codes, so the text is safe to pipe.
//
// Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_PLAN_OUTPUT_TEXT_OUTPUT_H_
#define STORMPROOF_CONTINUITY_REPORT_PLAN_OUTPUT_TEXT_OUTPUT_H_

#include <map>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/analysis/restore_order.h"
#include "continuity/plan/plan.h"

namespace stormproof::report {

// Findings grouped by severity, each with its recommendation, affected systems and position,
// then a one-line count per severity.
std::string RenderAuditText(const plan::Plan& plan, const std::vector<analysis::Finding>& findings);

// System id -> what to restore it from (readiness::RestoreFromText), for `plan order
// --clean-points`; a system without an entry (or with "") gets no line.
using RestoreFrom = std::map<std::string, std::string>;

// The restore list: one block per system with owner and deputy contacts and its checklist, and
// with `restore_from` (may be null) a "restore from:" line per system it names.
std::string RenderOrderText(const plan::Plan& plan, const std::vector<analysis::RestoreStep>& steps,
                            const RestoreFrom* restore_from = nullptr);

// "T+1h30m" for a projected time from the incident's start.
std::string FromIncident(const Duration& d);

// "Jane Doe (+44 20 7946 0001, jane@acme.example)": name and the first two contact methods.
std::string PersonWithContacts(const plan::Person& person);

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_PLAN_OUTPUT_TEXT_OUTPUT_H_
