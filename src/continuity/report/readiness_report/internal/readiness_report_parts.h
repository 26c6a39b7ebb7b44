// The sections of the readiness report (readiness_report.cc assembles them): the tables from
// the readiness status and the plan (readiness_report_tables.cc) and the evidence over the
// period with its charts (readiness_report_history.cc). Writers escape every text themselves.
#ifndef STORMPROOF_CONTINUITY_REPORT_READINESS_REPORT_INTERNAL_READINESS_REPORT_PARTS_H_
#define STORMPROOF_CONTINUITY_REPORT_READINESS_REPORT_INTERNAL_READINESS_REPORT_PARTS_H_

#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/catalog/catalog.h"
#include "core/date.h"
#include "core/result.h"
#include "continuity/plan/plan.h"
#include "continuity/readiness/readiness.h"
#include "continuity/report/readiness_report/internal/svg_chart.h"

namespace stormproof::report::readiness_internal {

struct SectionContext {
  const plan::Plan& plan;
  const catalog::Catalog* catalog;  // null: no catalog yet
  svg::TimeRange period;
  Date today;
  const std::vector<analysis::Finding>& findings;  // the whole plan's audit
};

// Targets per system: tier, RTO, RPO, drill frequency.
void WriteObjectives(const SectionContext& context, const readiness::ClientStatus& client,
                     std::string* out);
// Readiness now per system: RPO state and age, projected RTO, last drill, 3-2-1-1-0, score;
// then per backup repository of the group, immutable and zero errors from evidence.
void WriteReadinessNow(const readiness::ClientStatus& client, std::string* out);
// The clean RPO cell of the readiness-now table: "none flagged, age 1h", "breached, age 25h",
// "never judged", "no clean point", "no backup" (readiness_report_ransomware.cc).
std::string CleanRpoCell(const readiness::SystemStatus& s);
// Ransomware detection: per system flagged, the detection, the holds and the newest clean
// restore point with the clean RPO; the systems never judged, named.
void WriteRansomware(const readiness::ClientStatus& client, std::string* out);
// The audit findings as the client reads them (analysis::FindingsForClient: its own systems
// only, an MSP-side weakness as its effect on the client, nothing of another client); for the
// MSP's own group, the findings that name its systems or no client and no system.
void WriteFindings(const SectionContext& context, const readiness::ClientStatus& client,
                   std::string* out);
// The client's (or the MSP's) security controls and the age of their evidence.
void WriteSecurity(const SectionContext& context, const readiness::ClientStatus& client,
                   std::string* out);

// RPO compliance over the period: per system, the share of time within the RPO and the
// sawtooth chart. Errors: catalog read errors.
Status WriteRpoHistory(const SectionContext& context, const readiness::ClientStatus& client,
                       std::string* out);
// The drills of the period (a table, and per drilled system a chart of achieved RTO vs
// target); returns how many drills there were. Errors: catalog read errors.
Result<int> WriteDrills(const SectionContext& context, const readiness::ClientStatus& client,
                        std::string* out);

}  // namespace stormproof::report::readiness_internal

#endif  // STORMPROOF_CONTINUITY_REPORT_READINESS_REPORT_INTERNAL_READINESS_REPORT_PARTS_H_
