// One restore drill as `stormproof run` and `stormproof drill` both do it: make the adapter, run
// the drill, record it in the catalog, write its reports (Markdown, HTML, JSON) and record the
// report's path.
#ifndef STORMPROOF_SCHEDULE_DRILL_JOB_H_
#define STORMPROOF_SCHEDULE_DRILL_JOB_H_

#include <string>

#include "catalog/catalog.h"
#include "core/result.h"
#include "drill/drill.h"
#include "plan/plan.h"

namespace stormproof::schedule {

struct RecordedDrill {
  catalog::DrillRecord record;  // as recorded: record.run.id is the catalog's run id
  std::string report_path;      // the JSON report; "" when it could not be written
  std::string report_error;     // why the reports could not be written; "" when they were
  std::string kept_path;        // the restored copy when options.keep
};

// Drills `system` and records the drill. A drill that cannot start (no adapter: no restore
// command and no readable repository; no restore point) is recorded too, with outcome kError
// and the reason, and returned as a value, as is a failed drill. Reports go under
// plan.run.reports (report::WriteDrillReports); a report that cannot be written does not fail
// the call (see report_error). Errors: the catalog cannot record the drill, or RunDrill's own
// errors (an unusable scratch directory). Thread-safe when each call has its own system.
Result<RecordedDrill> RunRecordedDrill(const plan::Plan& plan, const plan::System& system,
                                       const drill::AccessOptions& access,
                                       const drill::DrillOptions& options,
                                       catalog::Catalog& catalog, const drill::Clock& clock,
                                       const drill::DrillProgressFn& progress);

}  // namespace stormproof::schedule

#endif  // STORMPROOF_SCHEDULE_DRILL_JOB_H_
