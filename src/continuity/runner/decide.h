// What `stormproof run` should do now, and why: a pure function of the plan, the time and the
// facts gathered beforehand (facts.h), so every decision can be table-tested with a fake clock.
//
// For each selected system:
//   backup   to each of its stormproof repositories with a local path whose newest snapshot of
//            the system is older than the backup interval = RPO * (100 - run.backup_margin) / 100
//            (never backed up: due);
//   forget   in that repository after a successful backup, with the tier's retention, when the
//            tier keeps anything (all keep_* zero: keep everything, no forget);
//   copy     into each plan repository that is a copy (copy_from) of one holding the system's
//            data (plan::SystemRepositories), after the backups: when the source holds a newer
//            snapshot of the system than the newest copied there (from the catalog), or this run
//            writes one into the source, or the newest copy run failed; and, with copy_every, when the newest successful copy is
//            at least copy_every old. Followed by a forget in the copy with the tier's retention.
//            A system's copies come after its backups (and a copy of a copy after its source's);
//            a repository the system backs up to directly is not also a copy of it;
//   drill    when the newest drill is older than the tier's drill_every on the calendar (never
//            drilled: due; no drill_every: never due); when the newest drill failed or could not
//            run, once it is older than the tier's drill_retry (default 1d), from the same copy;
//            needs a restore command or a repository a drill can read. The copy drilled is the
//            one drilled longest ago or never (drill::NextCopyToDrill), so drills rotate
//            across every copy; "" for the restore command.
// For each repository the selected systems write to:
//   prune    when snapshots were (or, after this run's forgets, may be) removed since the last
//            prune and no prune ran within kPruneEvery; the run prunes only when a forget
//            actually removed something;
//   upkeep   (a prune; no forget: a forget's policy reads snapshot dates and tags the backup
//            hosts write, which must not steer what the maintenance credentials hide) of
//            every repository maintained here whose last prune is
//            kPruneEvery old or older (never, or dated after now: due), whoever backs up into
//            it: one whose
//            maintenance_credentials_file can be read here, used by a selected system (--host
//            aside: the backup hosts have upload-only credentials), or one with an object_lock
//            this run writes. The prune extends the Object Lock retention of the files in use
//            (every RetentionSpareDays, within the retention's spare days), so without it the
//            retention of kept snapshots lapses;
//   check    when the newest check is older than run.check_every (reading run.check_read_percent
//            of the packs);
//   prove immutability (kImmutability), for an s3: repository the plan calls `immutable: true`
//            or gives an `object_lock`, or whose config recorded Object Lock at an earlier proof
//            (check --immutability), when its newest proof with a verdict is older than
//            run.check_every (never proven: due). A local repository that the plan calls
//            immutable is skipped with a note: it cannot be proven (status says so).
// restic and borg repositories are never written: they only give RPO facts and are drilled.
// Repositories on tape or at a location this build cannot use (sftp:, b2:, ...: anything but a
// local path or s3:) are skipped, one line each.
#ifndef STORMPROOF_CONTINUITY_RUNNER_DECIDE_H_
#define STORMPROOF_CONTINUITY_RUNNER_DECIDE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "core/duration.h"
#include "core/time.h"
#include "continuity/plan/plan.h"
#include "engine/retention/retention.h"

namespace stormproof::runner {

// A repository is pruned at most this often by `run`.
inline constexpr Duration kPruneEvery = Duration::Days(1);

// The systems a run works on.
struct Selection {
  std::string client;                // "" = every client's systems and the MSP's own
  std::vector<std::string> systems;  // empty = every system (of the client)
  bool drills = true;                // false: --no-drills
  // `run --host`: only the systems plan::Plan::RunsOnHost gives this host; "" = every host's.
  std::string host = {};
  // `run --backup-now`: the selected systems' backups are due whatever the age of their newest
  // snapshot (before a risky change, or in an incident to capture what is there now); systems
  // without an RPO stay skipped.
  bool backup_now = {};
};
bool Selected(const plan::Plan& plan, const Selection& selection, const plan::System& system);

// What an action does is what the catalog records it as.
using ActionKind = catalog::RunKind;
inline const char* ActionKindName(ActionKind kind) { return catalog::RunKindName(kind); }

struct Action {
  ActionKind kind = ActionKind::kBackup;
  std::string system;      // backup, forget, copy, drill; "" for prune and check
  // backup, forget, prune, check, copy (the copy written); drill: the copy ("" = restore command)
  std::string repository;
  std::string reason;      // why it is due, one line
  // Prune only: runs only when this run's forgets remove snapshots (nothing was pending before).
  bool needs_forget = false;
  // Prune only: the daily retention upkeep of a repository maintained here, which extends the
  // Object Lock retention of what is there and removes nothing (RetentionUpkeepJob): what a
  // prune removes is decided from snapshot and index files whoever holds the backup hosts' key
  // writes, so removal is left to a person who has looked (docs/cli.md, run).
  bool retention_only = false;
  // Copy only: the repository copied from (the copy's copy_from).
  std::string source = {};
};

// A repository (or system) the run leaves alone, and why; not an error.
struct Skip {
  std::string subject;  // "repository acme-b2-immutable", "system x"
  std::string reason;   // "skipped: repository 'x': ... this build cannot use sftp: locations ..."
};

// The newest drill of a system when it failed (kFailed) or could not run (kError).
struct FailedDrill {
  int64_t started_ns = 0;
  catalog::Outcome outcome = catalog::Outcome::kFailed;
  std::string repository;  // the copy drilled; "" = the restore command
  std::string reason;      // the run's error, else the drill's first reason
};

// What is known before the run. Times are ns since the Unix epoch; absent = never.
struct Facts {
  // system id -> repository id -> time of the system's newest snapshot there (in a copy: the
  // newest snapshot of the system a copy run recorded there).
  std::map<std::string, std::map<std::string, int64_t>> newest_snapshot_ns;
  // system id -> copy (repository id) -> start of the newest copy run that did its job.
  std::map<std::string, std::map<std::string, int64_t>> last_copy_ns = {};
  // system id -> copies whose newest copy run failed or erred (a source snapshot could not be
  // read, the network failed): copied again, whether or not the source holds anything newer.
  std::map<std::string, std::set<std::string>> copy_failed = {};
  std::map<std::string, int64_t> last_check_ns;  // repository id -> start of the newest check
  // repository id -> the newest immutability proof with a verdict (proven or not): when it
  // finished and whether the repository's config recorded Object Lock then. When it does not
  // count (made with other credentials or at another location, analysis::WhyProofDoesNotCount)
  // `counts` is false and finished_ns is that of the newest proof that counts, if any.
  struct Proof {
    int64_t finished_ns = 0;
    bool object_lock = false;
    bool counts = true;  // a proof that counts exists: it puts off the next one
    // When that proof stops counting whatever the cadence: the start (UTC) of the day of the
    // earliest retain-until date it sampled (analysis::ProofRetentionEnds); INT64_MAX: none.
    int64_t lapses_ns = INT64_MAX;
  };
  std::map<std::string, Proof> last_proof = {};
  // repository id -> start of the newest prune this catalog recorded itself (never one
  // imported from hosts' evidence, which any backup host could forge).
  std::map<std::string, int64_t> last_prune_ns;
  std::set<std::string> prune_pending;  // repositories where a forget removed snapshots since
                                        // their last prune (this catalog's own runs)
  std::map<std::string, int64_t> last_drill_ns;  // system id -> start of the newest drill
  // system id -> repository id -> start of the newest drill of the system from that copy.
  std::map<std::string, std::map<std::string, int64_t>> last_drill_per_copy;
  // system id -> its newest drill, when that drill failed or could not run: a breach until a
  // drill passes, retried after the tier's drill_retry.
  std::map<std::string, FailedDrill> failed_drill;
  // Repositories whose plan maintenance_credentials_file is absent on this host: their forget
  // and prune are left to the machine that holds those credentials (a skip, not a failure: a
  // backup host keeps upload-only credentials).
  std::set<std::string> maintenance_elsewhere = {};
  // Repositories whose maintenance_credentials_file is here but cannot be used (unreadable,
  // malformed): repository id -> one line naming the file and what is wrong. A breach every run
  // (Breaches) until fixed: this is the machine meant to keep their retention up.
  std::map<std::string, std::string> maintenance_unusable = {};
};

struct Decisions {
  // Per system in plan order: its backups, each followed by its forget, then its copies, each
  // followed by its forget, then its drill; then the prunes, then the checks, then the
  // immutability proofs.
  std::vector<Action> actions;
  std::vector<Skip> skipped;
};

Decisions Decide(const plan::Plan& plan, int64_t now_ns, const Facts& facts,
                 const Selection& selection);

// RPO * (100 - run.backup_margin_percent) / 100; nullopt when the system has no RPO.
std::optional<Duration> BackupInterval(const plan::Plan& plan, const plan::System& system);

// `time_ns` moved forward by one step of `cadence` on the UTC calendar (Jan 31 + 1mo = Feb 28
// at the same time of day).
int64_t AddCadence(int64_t time_ns, const Cadence& cadence);

// The tier's retention as a forget policy; Empty() when every keep_* is zero (keep everything).
retention::Policy RetentionPolicy(const plan::Tier::Retention& retention);

}  // namespace stormproof::runner

#endif  // STORMPROOF_CONTINUITY_RUNNER_DECIDE_H_
