// One restore drill as `stormproof run` and `stormproof drill` both do it: make the adapter, run
// the drill, record it in the catalog, write its reports (Markdown, HTML, JSON) and record the
// report's path.
#ifndef STORMPROOF_CONTINUITY_RUNNER_DRILL_JOB_H_
#define STORMPROOF_CONTINUITY_RUNNER_DRILL_JOB_H_

#include <map>
#include <string>

#include "continuity/access/access.h"
#include "continuity/catalog/catalog.h"
#include "core/result.h"
#include "continuity/drill/drill.h"
#include "continuity/plan/plan.h"

namespace stormproof::runner {

struct RecordedDrill {
  catalog::DrillRecord record;  // as recorded: record.run.id is the catalog's run id
  std::string report_path;      // the JSON report; "" when it could not be written
  std::string report_error;     // why the reports could not be written; "" when they were
  std::string kept_path;        // the restored copy when options.keep
};

// Drills `system` and records the drill. Which copy: options.repository when given (it must be
// one of the system's copies, drill::FindCopy — a backup repository or a copy_from copy of one:
// else kInvalidArgument naming it, nothing recorded),
// else the system's restore command when it has one (the command adapter), else the copy
// drilled longest ago or never (drill::NextCopyToDrill over the catalog's drills); the run
// records the repository drilled in run.repository ("" for the command adapter).
// When the drilled copy could not give the data back (it could not be reached, listed,
// restored or its data did not match), the system's other copies are checked
// (drill::OtherCopies): one reason per copy, also under "other_copies" in run.details.
// A drill that cannot start (no adapter: no restore command and no readable repository; no
// restore point) is recorded too, with outcome kError and the reason, and returned as a value,
// as is a failed drill. Reports go under
// plan.run.reports (report::WriteDrillReports); a report that cannot be written does not fail
// the call (see report_error). Errors: the catalog cannot record the drill, or RunDrill's own
// errors (an unusable scratch directory). Thread-safe when each call has its own system.
Result<RecordedDrill> RunRecordedDrill(const plan::Plan& plan, const plan::System& system,
                                       const access::AccessOptions& access,
                                       const drill::DrillOptions& options,
                                       catalog::Catalog& catalog, const drill::Clock& clock,
                                       const ProgressFn& progress);

// Repository id -> start of the newest drill of `system` from it (any outcome), for each of
// its copies (plan::SystemRepositories), for drill::NextCopyToDrill. Errors: the catalog cannot
// be read.
Result<std::map<std::string, int64_t>> LastDrillPerCopy(const plan::Plan& plan,
                                                        const catalog::Catalog& catalog,
                                                        const plan::System& system);

}  // namespace stormproof::runner

#endif  // STORMPROOF_CONTINUITY_RUNNER_DRILL_JOB_H_
