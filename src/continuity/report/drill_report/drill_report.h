// The report written after every restore drill: what was drilled and from which restore point,
// targets vs achieved RTO and RPO, the timed steps, what was restored and how fast, the verdict
// and why, what worked and what failed, checklist coverage when someone was absent,
// recommendations computed from the numbers, and the comparison with the previous drill of the
// same system. Three forms with the same content: Markdown, one self-contained printable HTML
// file, and JSON with a stable schema ("stormproof.drill-report/1", docs/drill-report.md).
//
// The renderers are pure functions of their input (thread-safe); every piece of plan or drill
// text is escaped for the markup it goes into. WriteDrillReports() writes the three files.
#ifndef STORMPROOF_CONTINUITY_REPORT_DRILL_REPORT_DRILL_REPORT_H_
#define STORMPROOF_CONTINUITY_REPORT_DRILL_REPORT_DRILL_REPORT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "core/result.h"
#include "continuity/plan/plan.h"
#include "continuity/readiness/readiness.h"

namespace stormproof::report {

inline constexpr const char* kDrillReportSchema = "stormproof.drill-report/1";

struct DrillReportInput {
  const plan::Plan& plan;
  catalog::DrillRecord drill;  // the drill to report (run.system names a plan system)
  // The previous drill of the same system, for the comparison; nullopt when this is the first.
  std::optional<catalog::DrillRecord> previous;
  // The system's recent backup runs (any order), for the data-growth estimate; runs of other
  // kinds, failed runs and runs without bytes are ignored.
  std::vector<catalog::Run> recent_backups;
  // The system's RTO projection as `status` computes it with this drill recorded: its hands-on
  // time (when this drill did not time the checklist) and its wait for the systems it depends
  // on feed the capacity advice. nullopt: the plan's restore.estimate, and no known wait for a
  // system with dependencies.
  std::optional<readiness::RtoProjection> projection = {};
};

// GitHub-flavoured Markdown.
std::string DrillReportMarkdown(const DrillReportInput& input);

// One self-contained HTML file: inline CSS, no scripts, a Content-Security-Policy that blocks
// every external resource, print styles.
std::string DrillReportHtml(const DrillReportInput& input);

// The report as JSON, schema kDrillReportSchema (every field in docs/drill-report.md).
nlohmann::json DrillReportJson(const DrillReportInput& input);

// Writes <dir>/<system>/<start UTC YYYYmmddTHHMMSSZ>-drill-<run id>.{md,html,json}, each file
// crash-safely (temporary file, fsync, rename), creating the directories as needed; sets
// *json_path (may be null) to the JSON file's path. A system id that is not a safe file name
// (empty, ".", "..", or containing '/' or a NUL) is refused with kInvalidArgument.
// Errors: kIo when a directory or file cannot be written (files already written stay).
Status WriteDrillReports(const DrillReportInput& input, const std::string& dir,
                         std::string* json_path);

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_DRILL_REPORT_DRILL_REPORT_H_
