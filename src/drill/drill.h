// drill: real restore drills. A drill restores one system's newest restore point (or a chosen
// one) into a scratch directory, checks the restored data against the restore point, runs the
// system's verification command from the plan, removes the scratch copy, and measures each step:
//
//   locate snapshot -> restore -> verify data -> verify application
//
// Achieved RTO = start of the drill ("locate snapshot") to the end of "verify application" (the
// system verified working); achieved RPO = age of the restore point at the start of the drill. Both
// are compared with the system's objectives: pass, pass with warnings (within target but with less
// than `warn_margin` to spare, or something else to look at), or fail.
//
// RunDrill is thread-compatible: concurrent drills must use distinct scratch directories (they
// do by default: each drill makes its own unique directory).
#ifndef STORMPROOF_DRILL_DRILL_H_
#define STORMPROOF_DRILL_DRILL_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "drill/adapter.h"
#include "plan/plan.h"

namespace stormproof::drill {

// Where a drill gets what it cannot find in the plan.
struct AccessOptions {
  std::string password_file;  // for repositories without their own password_file
  std::string password;       // STORMPROOF_PASSWORD, when no file is given anywhere
  // Every absolute path in the plan (backup paths, local repository locations) is taken
  // relative to this directory (a staging copy of the world, or the demo); "" = the real root.
  std::string root;
};

// The password of a plan repository: the first line of its password_file, else of
// access.password_file, else access.password. Errors: kNotFound (unreadable file),
// kInvalidArgument (empty file, or no password anywhere: names the repository).
Result<std::string> RepositoryPassword(const plan::Repository& repository,
                                       const AccessOptions& access);

// Where a plan repository is on this host: its location under access.root. Errors:
// kInvalidArgument "repository X: <location> is not a local path (object storage and tape are
// not supported by this build)" for URLs (scheme:...) and tape repositories.
Result<std::string> RepositoryHostPath(const plan::Repository& repository,
                                       const AccessOptions& access);

// How long one run of restic or borg may take when drilling `system` (docs/cli.md, drill):
// listing restore points kToolListTimeout (10 minutes); restoring one, or listing its files to
// check the restored copy, twice the system's RTO and at least kToolListTimeout (a restore that
// takes longer has failed the drill whatever happens next; kToolRestoreTimeout without an RTO).
struct ToolTimeouts {
  std::chrono::milliseconds list, restore;
};
ToolTimeouts ToolTimeoutsFor(const plan::Plan& plan, const plan::System& system);

// Makes the adapter that drills `system` from `repository` (one of its backup repositories of
// `plan`): stormproof, restic or borg by the repository's kind, with the password from
// RepositoryPassword's sources and ToolTimeoutsFor's timeouts. Errors: those of
// RepositoryHostPath; kInvalidArgument "repository X: no password ..." (restic, borg); those of
// RepositoryPassword (stormproof). Nothing is opened yet: the adapter reaches the repository on
// first use.
Result<std::unique_ptr<Adapter>> MakeRepositoryAdapter(const plan::Plan& plan,
                                                       const plan::Repository& repository,
                                                       const plan::System& system,
                                                       const AccessOptions& access);

// Makes the adapter that drills `system`: the command adapter when the system has a restore
// command, else the first of its backup repositories stormproof can read (stormproof, restic or
// borg kind with a local path; object storage and tape are skipped). Errors: kNotFound "system X
// has no restore command and no repository a drill can read".
// `repository_id` (may be null) receives the plan repository drilled ("" for the command
// adapter).
Result<std::unique_ptr<Adapter>> MakeAdapter(const plan::Plan& plan, const plan::System& system,
                                             const AccessOptions& access,
                                             std::string* repository_id = nullptr);

// Clock seam for tests: nanoseconds since the Unix epoch, and a monotonic stopwatch in ns.
struct Clock {
  std::function<int64_t()> now_ns;        // default: system_clock
  std::function<int64_t()> monotonic_ns;  // default: steady_clock
  static Clock System();
};

struct DrillOptions {
  std::string snapshot;       // restore point id or unique prefix; "" = newest
  std::string scratch;        // parent of the scratch directory; "" = plan run.scratch/$TMPDIR
  bool keep = false;          // leave the restored copy in place (its path is in the result)
  bool surprise = false;      // recorded only: the system was picked by PickSurprise
  std::string absent_person;  // run as if this person were unreachable
  double warn_margin = 0.2;   // pass-with-warnings when achieved > (1 - margin) * target
  std::string repository;     // the plan repository drilled, recorded in the run ("" = none)
};

struct DrillProgress {
  std::string step;  // the current step's name
  uint64_t bytes = 0;
};
using DrillProgressFn = std::function<void(const DrillProgress&)>;

// Runs one drill of `system` with `adapter` and returns what to record (run + drill parts;
// the run's outcome is the verdict). A drill that cannot even start (no restore point) still
// returns a record with outcome kError and the reason; Result errors are for programming
// errors and an unusable scratch directory only. `kept_path` receives the restored copy's
// path when options.keep.
Result<catalog::DrillRecord> RunDrill(const plan::Plan& plan, const plan::System& system,
                                      Adapter& adapter, const DrillOptions& options,
                                      const Clock& clock, const DrillProgressFn& progress,
                                      std::string* kept_path);

// The verdict from achieved vs target numbers and the steps' outcomes (pure; table-tested).
// Fails when any step failed, or achieved RTO/RPO exceed their targets; warns when either is
// above (1 - warn_margin) of its target, when the RPO is unknown, when a step was skipped (no
// verify command), or when uncovered_steps is not empty. Appends one reason per finding.
catalog::Outcome Classify(catalog::Drill* drill, double warn_margin);

// Picks a system for a surprise drill: systems with a restore path (a repository or a restore
// command), weighted by tier criticality (rank 1 weighs most) and by how long since each was
// last drilled relative to its tier's drill frequency (never drilled weighs most).
// `last_drill_ns` maps system id -> time of its newest drill. Errors: kNotFound when no system
// can be drilled.
// `can_drill` (may be empty) narrows the candidates further, e.g. to systems whose backups this
// host can reach.
Result<const plan::System*> PickSurprise(
    const plan::Plan& plan, const std::map<std::string, int64_t>& last_drill_ns, int64_t now_ns,
    std::mt19937_64& random, const std::function<bool(const plan::System&)>& can_drill = nullptr);

// For --absent PERSON: the checklist steps of `system` that no reachable, trained person can do
// (the absent person's deputy counts when trained). One line per uncovered step:
// "step 2 'Restore D:/EXACT ...' needs soe-exact: only raj-patel is trained".
std::vector<std::string> UncoveredSteps(const plan::Plan& plan, const plan::System& system,
                                        const std::string& absent_person);

}  // namespace stormproof::drill

#endif  // STORMPROOF_DRILL_DRILL_H_
