// drill: real restore drills. A drill restores one system's newest restore point (or a chosen
// one) into a scratch directory, checks the restored data against the restore point, runs the
// system's verification command from the plan, removes the scratch copy, and measures each step:
//
//   locate snapshot -> restore -> verify data -> [checklist 1..N] -> verify application
//
// With a checklist walker (DrillOptions::checklist, `drill --checklist`) the technician works
// through the system's hands-on checklist between the data check and the application check, and
// each checklist step is timed as a drill step named "checklist N: <step text>".
//
// Achieved RTO = start of the drill ("locate snapshot") to the end of "verify application" (the
// system verified working): data restore + hands-on work + verification; achieved RPO = age of
// the restore point at the start of the drill. Both
// are compared with the system's objectives: pass, pass with warnings (within target but with less
// than `warn_margin` to spare, or something else to look at), or fail.
//
// RunDrill is thread-compatible: concurrent drills must use distinct scratch directories (they
// do by default: each drill makes its own unique directory).
#ifndef STORMPROOF_CONTINUITY_DRILL_DRILL_H_
#define STORMPROOF_CONTINUITY_DRILL_DRILL_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "continuity/access/access.h"
#include "continuity/catalog/catalog.h"
#include "core/progress.h"
#include "core/result.h"
#include "continuity/plan/plan.h"

namespace stormproof::drill {

// The passwords a drill of `system` may come across: access.password and each of its copies'
// (plan::SystemRepositories; access::RepositoryPassword's sources; an unreadable one is
// skipped).
std::vector<std::string> SecretsOf(const plan::Plan& plan, const plan::System& system,
                                   const access::AccessOptions& access);
// `text` with each secret of at least 4 characters replaced by "[redacted]".
std::string Redact(const std::vector<std::string>& secrets, std::string text);

// True when a drill can read `repository` with this build: a local path or s3: object storage,
// not another scheme (sftp:, b2:, ...) or tape (access::RepositoryLocation succeeds).
bool DrillCanRead(const plan::RepositorySpec& repository);

// A system's copies are the repositories that hold its backups: those it backs up into and
// the copies of those (copy_from), in plan::SystemRepositories' order (a copy after its source).
// A copy repository is drilled, listed and restored like any other, with its own
// credentials_file and password (access::MakeRepositoryAdapter): what a technician would use
// after losing the site that holds the source.

// The copy of `system` named `id`, or null when `id` is not one of its copies.
const plan::RepositorySpec* FindCopy(const plan::Plan& plan, const plan::System& system,
                                     const std::string& id);

// The system's copies for a message: "nas, b2 (a copy of nas)"; "" when it has none.
std::string CopiesText(const plan::Plan& plan, const plan::System& system);

// The copy of `system` a drill restores from when nobody chose one: among its copies a drill
// can read (DrillCanRead), in plan::SystemRepositories' order, the first never drilled, else
// the one whose newest drill (any outcome) is oldest. `last_drill_ns` maps repository id ->
// start of its newest drill of this system. Null when the system has no such copy.
const plan::RepositorySpec* NextCopyToDrill(const plan::Plan& plan, const plan::System& system,
                                            const std::map<std::string, int64_t>& last_drill_ns);

// When the copy `drilled` of `system` could not give its data back: whether the system's other
// copies (copy repositories included) would have saved the day. Each other copy is checked
// cheaply — its restore points of the system are listed (which reads its index and snapshots),
// none is restored — and judged by the age of its newest restore point at `now_ns` against the
// system's RPO. One line per other copy, e.g.
//   "copy offsite has a restore point 3h old (listed, not restored): it would have saved the day"
// then, when none would have, "no other copy holds a restore point: nothing would have saved
// the day" (or "system X has no other copy: ..."). `drilled` "" = every repository is "other"
// (the command adapter was drilled).
std::vector<std::string> OtherCopies(const plan::Plan& plan, const plan::System& system,
                                     const std::string& drilled,
                                     const access::AccessOptions& access, int64_t now_ns);

// Clock seam for tests: nanoseconds since the Unix epoch, and a monotonic stopwatch in ns.
struct Clock {
  std::function<int64_t()> now_ns;        // default: system_clock
  std::function<int64_t()> monotonic_ns;  // default: steady_clock
  static Clock System();
};

// The longest time a hands-on step may be stated to take.
inline constexpr Duration kMaxStepTime = Duration::Days(366);

// What the technician answered for one hands-on checklist step.
enum class HandsOn { kDone, kSkipped, kFailed };
struct ChecklistAnswer {
  HandsOn result = HandsOn::kDone;
  // How long the step took, when stated (`--step-done N=DURATION`, 1s to kMaxStepTime); else
  // the time from the question to the answer is recorded.
  std::optional<int64_t> duration_ms;
  std::string note;  // optional words from the technician
  // False when nobody timed the step: a script's answer without a stated duration (a flag, or
  // a line on a standard input that is not a terminal) arrives at once, so its wait measures
  // nothing. Such a step is recorded done but not timed (catalog::kNotTimedNote), and the
  // projection keeps the plan's estimate instead of a hands-on time of ~0 s.
  bool timed = true;
};
// Asks the technician about checklist step `number` (1-based) of `count`, and blocks until they
// answer. Called once per step, in order.
using ChecklistFn = std::function<ChecklistAnswer(size_t number, size_t count,
                                                  const plan::ChecklistStep& step)>;

// The drill step that records hands-on checklist step `number` (1-based): "checklist 2: Restore
// D:/EXACT ..." — exactly "checklist ", the number and a colon (readiness sums these as
// measured hands-on time); catalog::IsChecklistStep tells such a step name apart.
std::string ChecklistStepName(size_t number, const plan::ChecklistStep& step);

// One answer as the technician types it at the prompt, or a script writes it on standard input
// (one line per step; surrounding blanks ignored, words case-insensitive):
//   "" | "d" | "done" [DURATION]   done; DURATION (e.g. 20m) is how long it took
//   "s" | "skip" [NOTE]            not done
//   "f" | "fail" | "failed" [NOTE] tried and failed
// Errors: kInvalidArgument "answer 'x': ..." naming what is wrong.
Result<ChecklistAnswer> ParseChecklistAnswer(std::string_view line);

// A --step-done N[=DURATION] (result kDone) or --step-failed N[=NOTE] (kFailed) value: the step
// number (1-based) and the answer. Errors: kInvalidArgument naming the value.
Result<std::pair<size_t, ChecklistAnswer>> ParseStepFlag(std::string_view value, HandsOn result);

struct DrillOptions {
  // Restore point id or unique prefix; "" or "latest" = newest; "latest-clean" = the newest
  // clean one by the points' ransomware verdicts (detect::NewestClean), the "locate snapshot"
  // step's note saying which and why.
  std::string snapshot;
  std::string scratch;        // parent of the scratch directory; "" = plan run.scratch/$TMPDIR
  bool keep = false;          // leave the restored copy in place (its path is in the result)
  bool surprise = false;      // recorded only: the system was picked by PickSurprise
  std::string absent_person;  // run as if this person were unreachable
  double warn_margin = 0.2;   // pass-with-warnings when achieved > (1 - margin) * target
  std::string repository;     // the plan repository drilled, recorded in the run ("" = none)
  std::string host = {};      // the host drilling, recorded in the run (catalog::Run::host)
  // Passwords never to record (SecretsOf): a step's note and kept standard-error lines, where
  // what a plan's restore or verify command printed ends up, have them as "[redacted]".
  std::vector<std::string> secrets;
  // Walks the system's checklist between "verify data" and "verify application" (null: the
  // checklist is not walked and the achieved RTO has no hands-on part).
  ChecklistFn checklist;
};

// Runs one drill of `system` with `adapter` and returns what to record (run + drill parts;
// the run's outcome is the verdict). A drill that cannot even start (no restore point) still
// returns a record with outcome kError and the reason; Result errors are for programming
// errors and an unusable scratch directory only. `kept_path` receives the restored copy's
// path when options.keep. Interrupted (core/interrupt.h), the drill starts no further step (a
// running restore or command is stopped), removes its scratch copy even with options.keep, and
// returns outcome kError with error "interrupted by SIGTERM" (or SIGINT).
// Progress (calling thread): `phase` is the step under way (its name as recorded), with the
// bytes restored so far (kBytes); during "restore" also the files (kFiles) as the adapter counts
// them.
Result<catalog::DrillRecord> RunDrill(const plan::Plan& plan, const plan::System& system,
                                      access::Adapter& adapter, const DrillOptions& options,
                                      const Clock& clock, const ProgressFn& progress,
                                      std::string* kept_path);

// The verdict from achieved vs target numbers and the steps' outcomes (pure; table-tested).
// Fails when any step failed (a hands-on step marked failed too), when achieved RTO/RPO exceed
// their targets, or when uncovered_steps is not empty (with the absent person away nobody could
// finish the restore); warns when either figure is above (1 - warn_margin) of its target, when
// the RPO is unknown, when a step was skipped (no verify command; "hands-on step 3 not done").
// Appends one reason per finding.
catalog::Outcome JudgeDrill(catalog::Drill* drill, double warn_margin);

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
// (the absent person's deputy counts when trained), saying who would be needed. One line per
// uncovered step: "only raj-patel can do step 2 'Restore D:/EXACT ...'; needed: someone trained
// in soe-exact; raj-patel has no deputy", or "nobody can do step 2 ...; needed: ...". A
// system without a checklist is judged as a whole: "only raj-patel can restore bsd-pms; needed:
// someone who can restore bsd-pms (skills: soe-exact); deputy X is not trained in it".
// Trained and able to restore follow plan::Restorers: only people the plan knows count.
std::vector<std::string> UncoveredSteps(const plan::Plan& plan, const plan::System& system,
                                        const std::string& absent_person);

}  // namespace stormproof::drill

#endif  // STORMPROOF_CONTINUITY_DRILL_DRILL_H_
