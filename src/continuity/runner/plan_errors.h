// What the plan's errors stop in `stormproof run`. One typo must not stop every client's
// backups: an error stops only the work it makes unsafe, everything else runs, and every error
// is a breach on every run until it is fixed (docs/cli.md, "run", "When the plan has errors").
//
// Where an error is written decides what it stops (positions traced by plan/written_items.h):
//   - the root file cannot be read (missing, YAML syntax, not a plan), or the error is in what
//     the whole run relies on — the root file's own sections (msp, review, policy, run) or its
//     top level (an unknown key, a list that is not a list): everything;
//   - a repository: every backup, forget, check, prune and drill of that repository, and every
//     copy from or into it (everything when the repository's id cannot be told);
//   - an included file's top level (an unknown key such as `sytems:`): every system that file
//     defines, the systems of every client it defines, and the repositories it defines;
//   - an included file that cannot be read, or an include that names no file: nothing more —
//     what it would define is simply not in the plan, and whatever refers to it has an error of
//     its own;
//   - a tier: the systems of that tier; only their drills when the error is in the tier's
//     drill_every or drill_retry;
//   - a system: that system's backups, forgets and drill; only its drill when the error is in
//     its `restore:` section or is a missing checklist or verify command;
//   - a client, person, role, vendor, site or training record: nothing — `run` does not use
//     them; the error is still a breach.
// Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_RUNNER_PLAN_ERRORS_H_
#define STORMPROOF_CONTINUITY_RUNNER_PLAN_ERRORS_H_

#include <map>
#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "continuity/drill/drill.h"
#include "continuity/plan/loader.h"
#include "continuity/runner/decide.h"
#include "continuity/runner/run.h"

namespace stormproof::runner {

struct PlanErrors {
  // Nothing may run (see above).
  bool stops_everything = false;
  // One line per error as `plan check` prints it, then what it stops: "plan.yaml:7:5: error:
  // person 'ann': unknown key 'deptuy' (did you mean 'deputy'?); stops nothing".
  std::vector<std::string> lines;
  // system id -> the first error that stops all its work (backups, forgets and drill).
  std::map<std::string, std::string> stopped;
  // system id -> the first error that stops its drill (the system is not in `stopped`).
  std::map<std::string, std::string> drill_stopped;
  // repository id -> the first error that stops every action on that repository.
  std::map<std::string, std::string> repository_stopped;

  bool empty() const { return lines.empty(); }
};

// Judges every error of `loaded`, a plan loaded and validated (plan::Validate appended its
// findings to loaded.diagnostics). Warnings are not judged.
PlanErrors JudgePlanErrors(const plan::LoadResult& loaded);

// Moves the actions `errors` stop out of decisions->actions and returns them, in decision
// order: a stopped system's backups, forgets and drill, and every action on a stopped
// repository (a check or prune included).
std::vector<Action> Withhold(const PlanErrors& errors, Decisions* decisions);

// The error a withheld action reports: "plan error: <the first error that stops it>".
std::string WithheldBecause(const PlanErrors& errors, const Action& action);

// Records each withheld backup and copy in the catalog as a run of its kind with outcome kError
// and WithheldBecause() as its error, so the catalog (and everything read from it) shows that the
// backup or copy was due and why it did not run. Forgets and drills that did not run are not
// recorded: they stay due and run as soon as the plan is fixed. Returns the recording errors, one
// line each.
std::vector<std::string> RecordWithheld(const plan::Plan& plan, const PlanErrors& errors,
                                        const std::vector<Action>& withheld,
                                        catalog::Catalog& catalog, int64_t now_ns);

}  // namespace stormproof::runner

#endif  // STORMPROOF_CONTINUITY_RUNNER_PLAN_ERRORS_H_
