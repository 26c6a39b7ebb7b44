// Running the decided actions (decide.h): each system's work — its backups, each followed by its
// forget, then its copies (engine/copier; the source is only read, both repositories under a
// shared lock), each followed by its forget, then its drill — with at most run.concurrency
// systems at once; then each repository's
// prune and check. Every action is recorded in the catalog as a catalog::Run, whatever its
// outcome. A failure of one system's work never stops the others.
//
// Interrupted (core/interrupt.h), no further action starts (those left stay due); the actions
// under way stop at their next safe point and are recorded with outcome kError and an error
// that starts "interrupted by SIGTERM" (or SIGINT), followed by what was left.
//
// Forget and prune open a repository with its maintenance_credentials_file when the plan gives
// one (backup hosts may hold credentials that cannot delete).
//
// Within this process one repository is written by one job at a time (a backup, copy or forget);
// other processes are kept apart by the repositories' own locks, waited for up to
// ExecuteOptions::lock_wait. Drills run beside backups (they read only).
#ifndef STORMPROOF_CONTINUITY_RUNNER_RUN_H_
#define STORMPROOF_CONTINUITY_RUNNER_RUN_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "continuity/access/access.h"
#include "continuity/catalog/catalog.h"
#include "continuity/drill/drill.h"
#include "continuity/plan/plan.h"
#include "continuity/runner/decide.h"

namespace stormproof::runner {

enum class MissingRepository { kFail, kCreate };

struct ExecuteOptions {
  access::AccessOptions access;  // passwords and the --root every plan path is mapped under
  // kCreate (--init): a stormproof repository whose directory is absent or empty is created with
  // its password; kFail (default): such a backup fails with a hint.
  MissingRepository missing = MissingRepository::kFail;
  std::chrono::milliseconds lock_wait{0};  // wait for other processes' locks; default none
  std::function<void(const std::string& message)> on_lock_wait;  // told once per wait
  // The host running (`run --host`): recorded in the snapshots ("" = this host) and in every
  // catalog run (catalog::Run::host; "" = none).
  std::string hostname;
};

struct ActionResult {
  Action action;
  catalog::Run run;          // as recorded; run.id == 0 when recording failed
  std::string summary;       // one line for people: "12 files, 3.4 MiB, snapshot 1a2b3c4d"
  std::string report_path;   // drill: its JSON report; "" otherwise
  std::string record_error;  // the catalog could not record the run; "" when it did
  // A backup whose snapshot was judged suspicious or infected (ransomware): "snapshot 1a2b3c4d
  // infected (score 97): <reasons>", also the run's error (its outcome a warning); "" otherwise.
  std::string alarm;
};

// Called once per finished action, one call at a time (never concurrently).
using ResultFn = std::function<void(const ActionResult&)>;

// Runs `decisions.actions`. Conditional actions that turn out unnecessary or pointless (a
// forget after a failed backup or copy, a drill of a system whose backup failed in this run, a
// prune when no forget removed anything) are left out of the results, and so stay due.
// Returns every action's result in completion order.
std::vector<ActionResult> Execute(const plan::Plan& plan, const Decisions& decisions,
                                  catalog::Catalog& catalog, const ExecuteOptions& options,
                                  const drill::Clock& clock, const ResultFn& on_result);

// The objectives breached after a run, one line each, for the selected systems:
// - a backup, forget, prune, check or drill in `results` that failed or could not run;
// - a backup in `results` whose snapshot was judged suspicious or infected (its alarm);
// - a system whose newest snapshot across the repositories run can read (before the run, from
//   `before`, or made by this run) is older than its RPO, or that has none;
// - a system whose newest drill (before.failed_drill) failed or could not run and that this
//   run did not drill again: a failed drill is a breach until a drill passes, as in `status`;
// - a maintenance_credentials_file present on this machine that cannot be used
//   (before.maintenance_unusable), whatever the selection.
// Warnings (a backup that skipped unreadable files, a drill passed with warnings) are not breaches.
std::vector<std::string> Breaches(const plan::Plan& plan, int64_t now_ns, const Facts& before,
                                  const Selection& selection,
                                  const std::vector<ActionResult>& results);

}  // namespace stormproof::runner

#endif  // STORMPROOF_CONTINUITY_RUNNER_RUN_H_
