// The quarterly readiness report (`stormproof report`): for one client, the MSP's own systems,
// or everything, over a period (default 90 days) — each system's objectives and readiness now
// (the clean RPO included), ransomware detection (what was flagged, the holds, the newest clean
// restore point), RPO compliance over the period (a chart of the restore point's age against the RPO), the
// drills run and their results (a chart of achieved RTO per drill against the RTO), the plan
// audit's open findings, and the age of each security control's evidence.
//
// One self-contained HTML file: inline CSS, charts as inline SVG, no scripts and no external
// resources (a Content-Security-Policy forbids them), print styles with a page break before
// each client's section. Every piece of plan or catalog text is HTML-escaped.
//
// Reads the catalog (queries bounded by the period); thread-safe when the Catalog is.
#ifndef STORMPROOF_CONTINUITY_REPORT_READINESS_REPORT_READINESS_REPORT_H_
#define STORMPROOF_CONTINUITY_REPORT_READINESS_REPORT_READINESS_REPORT_H_

#include <optional>
#include <string>

#include "continuity/catalog/catalog.h"
#include "core/date.h"
#include "core/duration.h"
#include "core/result.h"
#include "continuity/plan/plan.h"

namespace stormproof::report {

struct ReadinessReportOptions {
  // nullopt: every client, then the MSP's own systems. A client id: that client. The MSP's own
  // id (plan msp.id) or "": the MSP's own systems.
  std::optional<std::string> client;
  int64_t now_ns = 0;                    // the end of the period; runs after it are ignored
  Date today;                            // the audit's date and evidence ages
  Duration period = Duration::Days(90);  // the period ends at now_ns
};

// Renders the report. `catalog` may be null (no catalog yet): every piece of evidence is then
// "none recorded". Errors: kNotFound for an unknown client; kInvalidArgument for a period that
// is not positive; catalog read errors with context.
Result<std::string> ReadinessReportHtml(const plan::Plan& plan, const catalog::Catalog* catalog,
                                        const ReadinessReportOptions& options);

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_READINESS_REPORT_READINESS_REPORT_H_
