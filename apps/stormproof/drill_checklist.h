// The hands-on checklist walker of `stormproof drill --checklist` (docs/cli.md, drill): the
// technician confirms each checklist step of the system as it is done, and each step is timed.
// Three ways to answer, chosen by how the command is run:
//   --step-done N[=DURATION] / --step-failed N[=NOTE] given: scripted, nothing is asked; steps
//     not named are recorded as not done;
//   standard input a terminal: each step is shown on stderr and the technician presses Enter
//     when done, or types s (skip) or f (failed); a bad answer is asked again;
//   otherwise: one answer line per step read from standard input (drill::ParseChecklistAnswer);
//     a bad line or the end of input records the step as not done.
// While it waits for an answer, SIGINT/SIGTERM (core/interrupt.h) end the wait: the step is
// recorded as not done and the drill stops at its next safe point.
// Not thread-safe: the walker reads standard input.
#ifndef STORMPROOF_APPS_STORMPROOF_DRILL_CHECKLIST_H_
#define STORMPROOF_APPS_STORMPROOF_DRILL_CHECKLIST_H_

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "continuity/drill/drill.h"
#include "continuity/plan/plan.h"

namespace stormproof::cli {

struct ChecklistFlags {
  bool checklist = false;                // --checklist
  std::vector<std::string> step_done;    // --step-done N[=DURATION], repeatable
  std::vector<std::string> step_failed;  // --step-failed N[=NOTE], repeatable
  bool Walk() const { return checklist || !step_done.empty() || !step_failed.empty(); }
};

// The walker for `system`, or null when flags.Walk() is false. `before_question` (may be
// empty) runs before each question on a terminal (to clear a progress line). Errors
// (kInvalidArgument, naming the flag): a malformed --step-done/--step-failed, a step number
// beyond the system's checklist, a step named twice.
Result<drill::ChecklistFn> MakeChecklistWalker(const plan::System& system,
                                               const ChecklistFlags& flags,
                                               std::function<void()> before_question);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_DRILL_CHECKLIST_H_
