// readiness: how ready the MSP and each client are to recover *now*, computed from the plan's
// objectives and the evidence in the catalog (backup runs, checks and restore drills) — what
// `stormproof status` prints and the quarterly report charts.
//
// Per system it answers: is the newest restorable snapshot younger than the RPO (RPO
// compliance)? Which is the newest clean restore point, before any snapshot ransomware
// detection flagged, and how old is it (the clean RPO, CleanPointStatus)? Can the system be restored within its RTO — data restore at the speed its recent
// drills measured, plus its hands-on checklist and verification, after the systems it depends on
// (RTO feasibility)? How often did recent drills
// meet the RTO (RTO confidence)? Is a drill overdue? Does its backup follow 3-2-1-1-0? What does
// the plan audit say about it? Each answer feeds one readiness score (0–100) that falls as the
// evidence ages; clients and the whole MSP get a score aggregated from their systems.
//
// The score (documented also in docs/cli.md, "status"): a system's score is the rounded sum of
// weighted components, each worth 0..1:
//   RPO             25 × max(0, 1 − 0.5 × age / RPO) while age ≤ RPO, 0 when breached or unknown,
//                        and 0 when the clean RPO is breached
//   drill recency   20 × 1 − 0.5 × a          for a = drill age / drill_every ≤ 1,
//                        0.5 × 2^−(a − 1)      beyond (halves every further period overdue);
//                        0 when never drilled (drill_every defaults to 90 days when unset)
//   drill results   15 × share of the recent drills within the RTO (0 without drills, and 0 when
//                        the last drill failed or erred), × the drill-recency factor above
//   RTO feasibility 15 × 1 feasible and measured, 0.5 feasible with the hands-on time from
//                        restore.estimate (never timed), 0 infeasible or unknown
//   3-2-1-1-0       15 × rules passed / 5, from evidence (Rule32110; a claim is not passed)
//   audit           10 × max(0, 1 − 0.5·critical − 0.25·high − 0.1·medium − 0.02·low findings
//                        that name the system)
// Every age-based factor decreases strictly as the same evidence gets older. A client's score is
// the criticality-weighted mean of its systems' scores (weight 3 for tier rank 1, 2 for rank 2,
// 1 otherwise), rounded; the MSP's score is the plain mean over its clients and the MSP's own
// systems taken as one more group (so one large client does not drown the others). A group with
// no systems has no score and is left out of the mean; the MSP score is 0 when nothing has one.
//
// A breach dominates: a system with an objective breached (RPO or clean RPO breached, RTO
// infeasible, last drill failed or erred) scores at most kBreachedScoreCap (49), whatever its components; a client
// with a breached system, and the MSP with any breached system, are capped the same way. So no
// score of 50 or more ever stands for a breached objective.
//
// ComputeStatus() reads the catalog with indexed, bounded queries only (a handful per system and
// per copy, each the newest run of a kind — skipping the few still running at the moment — or
// the last `drill_history` drills; at most 64 checks per repository are looked through for one
// that read data), so its cost does not grow with the number of recorded runs. Functions here are thread-safe when the Catalog is (it is).
#ifndef STORMPROOF_CONTINUITY_READINESS_READINESS_H_
#define STORMPROOF_CONTINUITY_READINESS_READINESS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/catalog/catalog.h"
#include "core/date.h"
#include "core/duration.h"
#include "core/result.h"
#include "core/time.h"
#include "continuity/plan/plan.h"

namespace stormproof::readiness {

// RPO compliance. kAtRisk: older than the backup interval, RPO × (100 − backup_margin_percent)
// / 100, so the next backup is late; kBreached: older than the RPO; kUnknown: never backed up
// (or the system has no RPO).
enum class RpoState { kUnknown, kOk, kAtRisk, kBreached };
const char* RpoStateName(RpoState state);  // "unknown", "ok", "at risk", "breached"

// RTO feasibility of the projected restore (dependency chain included) against the RTO.
// kFeasible only when the projection is complete (every part known along the chain) and within
// the RTO; kInfeasible when the projection — even an incomplete one, a lower bound — exceeds the
// RTO; kUnknown otherwise: no RTO, or a part never timed nor estimated (RtoProjection::unknowns).
enum class RtoState { kUnknown, kFeasible, kInfeasible };
const char* RtoStateName(RtoState state);  // "unknown", "feasible", "infeasible"

// Where a projected restore time, or one part of it, comes from: measured by drills, the plan's
// restore.estimate ("estimate, never timed"), or nothing (never timed and no estimate).
enum class ProjectionBasis { kNone, kMeasured, kEstimate };
const char* ProjectionBasisName(ProjectionBasis basis);  // "unknown", "measured", "estimate"

// Time since the last drill against the tier's drill_every. kDueSoon: due within 7 days (or
// within a quarter of the period when that is shorter).
enum class DrillState { kNever, kOk, kDueSoon, kOverdue };
const char* DrillStateName(DrillState state);  // "never", "ok", "due soon", "overdue"

struct RpoStatus {
  RpoState state = RpoState::kUnknown;
  std::optional<Duration> target;    // the system's RPO
  std::optional<Duration> interval;  // the backup interval that "at risk" is measured against
  // The newest restorable snapshot: from the newest backup run with outcome ok or warning, or
  // from a drill (pass or warning) that restored a newer one.
  std::optional<int64_t> restore_point_ns;  // that snapshot's time
  std::string snapshot_id;
  std::optional<Duration> age;  // now − restore_point (never negative)
};

// The newest clean restore point of a system (issue 16): the point a restore after ransomware
// goes back to, and its age, the clean RPO — the real RPO after an attack. From the catalog
// only: the verdicts its backup runs recorded (details "verdict"), the verdicts and holds they
// placed later (details "marks"), and the newest forget run's view of the repository's marks
// (details "marks": standing holds, false alarms a person accepted, later verdicts); never from
// the plan. The rule is detect::NewestClean's.
//
// kNoEvidence: no backup recorded; kNeverJudged: backups, none judged (taken without detection,
// or by restic/borg): the clean RPO is unknown; kNoneFlagged: nothing flagged, the point is the
// newest snapshot; kFlagged: an attack (or an unreleased false alarm) is flagged and the point
// is the newest clean snapshot before it; kNoCleanPoint: flagged, and no clean snapshot before
// it among the backups looked at (kCleanPointWindow).
enum class CleanState { kNoEvidence, kNeverJudged, kNoneFlagged, kFlagged, kNoCleanPoint };
// "no evidence", "never judged", "none flagged", "flagged", "no clean point"
const char* CleanStateName(CleanState state);

// The most backups of a system (in all its repositories) the clean point is looked for among,
// newest first (keeps status's queries bounded): an attack flagged earlier is not seen.
inline constexpr size_t kCleanPointWindow = 200;

// The oldest flagged snapshot not accepted as a false alarm: where the attack begins.
struct FlaggedSnapshot {
  std::string snapshot_id;  // 64 hex digits
  int64_t time_ns = 0;      // the snapshot's time
  std::string repository;
  std::string level;                 // "suspicious" or "infected"
  std::optional<int> score;          // the backup's score; unset for a later verdict (a mark)
  std::vector<std::string> reasons;  // the backup's reasons, or the mark's reason
  int64_t detected_ns = 0;           // when the run that flagged it finished
};

// A hold standing on one of the system's snapshots (forget and prune keep it).
struct StandingHold {
  std::string snapshot_id;
  int64_t snapshot_time_ns = 0;  // 0 when unknown (a hold mark on a snapshot not looked at)
  std::string repository;
  std::string reason;
  // Placed by a person (`hold add`: the newest forget names no flagged snapshot it is for), not
  // by a backup or a forget after a flag. Its reason is a person's words: a client reads "held
  // by the MSP" instead.
  bool by_person = false;
};

struct CleanPointStatus {
  CleanState state = CleanState::kNoEvidence;
  // The restore point (kNoneFlagged, kFlagged; kNeverJudged: the newest snapshot, not proven
  // clean): its snapshot, time and repository.
  std::string snapshot_id;
  std::optional<int64_t> point_ns;
  std::string repository;
  std::optional<Duration> age;     // the clean RPO: now − point_ns; unset without a proven point
  std::optional<Duration> target;  // the system's RPO
  bool held = false;               // a hold stands on the point
  // Flagged with the clean RPO past the RPO, or no clean point at all: the RPO an attack leaves
  // is breached (a breach of the system, like the ordinary RPO's).
  bool breached = false;
  // Why this point, in plain words (detect::DescribeCleanPoint), or why there is none.
  std::string reason;
  std::optional<FlaggedSnapshot> flagged;  // kFlagged, kNoCleanPoint
  size_t flagged_count = 0;                // unaccepted flagged snapshots in all
  std::vector<StandingHold> holds;         // newest snapshot first
  size_t backups = 0, judged = 0;          // backups looked at, of them judged
  // A backup could not place its marks (details "marks_failed"), newest; "" when none.
  std::string marks_failed;
};

// The projected RTO of one system (src/continuity/readiness/projection.cc): its own restore — data restore
// (data_bytes ÷ the median drill throughput) + hands-on time (the checklist: the median of the
// recent drills that timed every checklist step, else restore.estimate) + verification (the
// median "verify data" + "verify application" time) — started when the last system it depends on
// is back. Never from data restore alone: without hands-on time the projection is incomplete.
struct RtoProjection {
  RtoState state = RtoState::kUnknown;
  std::optional<Duration> target;  // the system's RTO
  // The weakest basis of data restore and hands-on time: kMeasured when both were measured,
  // kEstimate when the data restore was measured and the hands-on time is restore.estimate,
  // kNone when either is unknown.
  ProjectionBasis basis = ProjectionBasis::kNone;
  uint64_t data_bytes = 0;                       // newest backup's bytes, else newest drill's
  std::optional<double> throughput_bytes_per_s;  // median over the recent drills
  std::optional<Duration> verify_time;           // median "verify data" + "verify application" time

  // The parts of this system's own restore, each with its basis.
  std::optional<Duration> data_restore;  // data_bytes ÷ throughput, rounded up to a second
  ProjectionBasis data_restore_basis = ProjectionBasis::kNone;  // kMeasured or kNone
  std::optional<Duration> hands_on;  // the checklist's hands-on work
  ProjectionBasis hands_on_basis = ProjectionBasis::kNone;  // kMeasured, kEstimate or kNone
  int hands_on_drills = 0;  // the recent drills that timed every checklist step (kMeasured)
  ProjectionBasis verify_basis = ProjectionBasis::kNone;  // kMeasured, or kNone (counted as 0)
  // This system alone: the sum of its known parts. Unset when data restore and hands-on time
  // are both unknown.
  std::optional<Duration> own;
  // True when data restore and hands-on time are known for this system and every system it
  // depends on (transitively): `projected` is then a projection, otherwise a lower bound.
  bool complete = false;
  // Why the projection is incomplete, one line each: "data restore never measured (no drill
  // with a restore throughput)", "hands-on time unknown: never timed, no estimate", "waits for
  // db, whose restore time is unknown".
  std::vector<std::string> unknowns;

  // From the start of a site-wide restore: when this system's restore can start (the latest
  // finish among the systems it depends on, transitively; zero without dependencies) and when
  // it is back (dependency_wait + own). A dependency without `own` counts as zero (and makes
  // the projection incomplete). Both unset when `own` is unset.
  std::optional<Duration> dependency_wait;
  bool dependency_wait_complete = false;  // every dependency's projection is complete
  std::optional<Duration> projected;
  std::vector<std::string> waits_for;  // the dependencies that finish last

  // How far the measured throughput is extrapolated: data_bytes ÷ evidence_bytes, where the
  // evidence is the largest restore among the drills behind the throughput (evidence_bytes in
  // evidence_duration_ms of its "restore" step), e.g. "extrapolated 40000× from a drill of
  // 50 MB in 2 s". Unset without a measured throughput.
  std::optional<double> extrapolation_factor;
  uint64_t evidence_bytes = 0;
  int64_t evidence_duration_ms = 0;

  // Capacity: the time left for restoring data, RTO − dependency wait − hands-on − verify, and
  // the data size that restores in it at the measured throughput (the size past which the RTO
  // is breached; 0 when nothing is left). Both unset when there is no RTO, or the projection is
  // incomplete (no_capacity_reason says why, e.g. "hands-on time unknown: never timed, no
  // estimate").
  std::optional<Duration> data_budget;
  std::optional<double> max_data_bytes;
  std::string no_capacity_reason;  // "" when data_budget is set
};

// A breached system, client or MSP scores at most this (see the top of this file).
inline constexpr int kBreachedScoreCap = 49;

// Recent drills against the RTO. A past drill is judged against the RTO recorded with it
// (catalog Drill::target_rto_s), else the plan's RTO today (JudgedRtoSeconds): status and the
// report apply the same rule.
struct RtoConfidence {
  int drills = 0;         // recent drills considered (at most drill_history)
  int within_target = 0;  // verified within the RTO they are judged against
  double share_within = 0;
  int verified = 0;  // drills that reached verification: p50 and p95 are over these
  // Achieved RTO of the verified drills: p50 is their median (Median(), the one median of
  // readiness), p95 the nearest-rank 95th percentile, each rounded up to a second. With fewer
  // than 20 verified drills the p95 is the slowest of them: P95Label() says so.
  std::optional<Duration> p50, p95;
  bool p95_is_worst() const { return verified < 20; }
  // "p95", or "worst of last N" when p95_is_worst().
  std::string P95Label() const;
};

struct DrillRecency {
  DrillState state = DrillState::kNever;
  std::optional<Cadence> every;    // the tier's drill_every
  std::optional<int64_t> last_ns;  // start of the newest drill
  std::optional<catalog::Outcome> last_outcome;
  std::optional<Duration> age;  // now − last_ns
  std::optional<Date> due;      // date of the last drill + drill_every
};

// One backup repository of a system as a copy, judged from the catalog (src/continuity/readiness/copies.cc).
// It *counts* as a copy when the catalog holds a restore point of the system in it — a backup to
// it that did its job (finished by the status moment), a copy run (`run`, for a repository with
// copy_from) that recorded a snapshot of the system there, or a passing drill that restored from
// it — no older than `allowed_age` (the system's RPO). A copy the plan declares (copy_from) is
// listed among the system's repositories (plan::SystemRepositories) but counts only from that
// evidence. It is *verified* when a check of it that read all data (details.read_data_percent
// 100; a subset or an older record without the share never counts) passed within run.check_every, or a drill that restored from it
// passed within the tier's drill_every (90 days when unset), and no failed or erred check or
// drill of it is newer than that pass.
enum class Verification { kNever, kStale, kPassed, kFailed };
const char* VerificationName(Verification v);  // "never", "stale", "passed", "failed"

struct CopyStatus {
  std::string repository;  // the plan's repository id
  plan::Medium medium = plan::Medium::kDisk;
  bool offsite = false;                     // at a site where the system does not run
  bool immutable_claimed = false;           // the plan calls it immutable or offline
  // Proven immutable by an immutability proof within run.check_every
  // (analysis::JudgeImmutability: kProven).
  bool immutable_proven = false;
  // Offline, and attested by a person within run.check_every (kAttested): counts as "the 1",
  // but is never called proven.
  bool immutable_attested = false;
  // The verdict's state and words ("proven 2026-12-05 (2 days ago)", "claimed, never proven");
  // kNotClaimed and "" when status had no verdicts (no catalog and nothing claimed).
  analysis::ImmutabilityState immutability = analysis::ImmutabilityState::kNotClaimed;
  std::string immutability_text = {};
  std::optional<int64_t> restore_point_ns;  // the newest restore point it holds
  bool point_from_drill = false;            // that point is proven by a drill, not a backup
  std::optional<Duration> age;              // now − restore_point
  std::optional<Duration> allowed_age;      // unset: the system has no RPO (any point counts)
  bool counted = false;
  Verification verification = Verification::kNever;
  std::optional<int64_t> verified_ns;  // start of the newest passing verification
  std::string verified_by;             // "check" or "drill" (of verified_ns), "" when none
  // Who reported that verification when it was imported from hosts' evidence
  // (catalog::Run::imported_from), not run by this catalog's stormproof: "web1's evidence" ("a
  // host's evidence" when it names no host); "" for a run this catalog recorded. Counted, but
  // never worded as its own.
  std::string verified_reported_by = {};
  std::optional<int64_t> failed_ns;    // start of a failed verification newer than the pass
  std::string failed_by;               // "check" or "drill"
  std::string failed_reported_by = {};  // as verified_reported_by, of that failure
};

// The 3-2-1-1-0 rule for one system's backups, from evidence only (docs/cli.md, "status"):
//   3 copies     production plus the counted copies, at least 3
//   2 media      production (disk) plus the media of the counted copies, at least 2
//   1 off-site   a counted copy at a site where the system does not run
//   1 immutable  a counted copy proven immutable by an immutability proof within
//                run.check_every, or offline and attested by a person within it
//                (analysis::JudgeImmutability); a counted copy the plan calls immutable or
//                offline without that is shown as *claimed* ("~")
//   0 errors     every counted copy verified (see CopyStatus); false when a counted copy's newest
//                verification failed; unset (unproven, "?") when a counted copy was never
//                verified or only too long ago, or no copy counts
// Each rule not met has one line in `reasons`, saying which copy and why.
struct Rule32110 {
  int copies = 1;          // production + counted copies
  int planned_copies = 1;  // production + the plan's distinct backup repositories
  int media = 1;
  bool offsite = false;
  bool immutable_proven = false;    // a counted copy is proven immutable
  bool immutable_attested = false;  // a counted offline copy is attested (not proven)
  bool immutable_claimed = false;   // a counted copy is claimed immutable or offline
  std::optional<bool> zero_errors;
  std::vector<CopyStatus> copy_status;  // one per planned repository, in plan order
  // One line per rule not met, and per planned copy that does not count: "copy
  // kestrel-wasabi: never written", "copy nas: newest backup 9d old (RPO 1d)", "immutable:
  // claimed (copy b2), never proven", "0 errors: copy nas never verified".
  std::vector<std::string> reasons;
  bool copies_ok() const { return copies >= 3; }
  // "The 1" is met: a counted copy proven immutable, or offline and attested.
  bool immutable_met() const { return immutable_proven || immutable_attested; }
  bool media_ok() const { return media >= 2; }
  int Passed() const;  // rules met (proven), 0..5; a claim is not met
  // One mark per rule: "✓" met, "✗" not met, "~" claimed but not proven (immutable only), "?"
  // not proven (zero errors only): "✓✓✓~?".
  std::string Marks() const;
};

struct FindingCounts {
  int critical = 0, high = 0, medium = 0, low = 0;
  int total() const { return critical + high + medium + low; }
};

// The score's components, each 0..1 before weighting (see the top of this file).
struct ScoreParts {
  double rpo = 0, drill_recency = 0, drill_results = 0, rto = 0, rule_32110 = 0, audit = 0;
  int Total() const;  // 0..100, rounded
};

struct SystemStatus {
  std::string id, name;
  std::string client;  // "" for the MSP's own systems
  std::string tier;    // tier id, "" when none
  int tier_rank = 0;   // 0 when no tier
  RpoStatus rpo;
  CleanPointStatus clean;  // the newest clean restore point and the clean RPO
  RtoProjection rto;
  RtoConfidence confidence;
  DrillRecency drill;
  Rule32110 rule;
  FindingCounts findings;  // plan audit findings naming this system
  ScoreParts parts;
  // parts.Total(), capped at kBreachedScoreCap when breached (`capped` then says whether the
  // cap lowered it).
  int score = 0;
  bool capped = false;
  // An objective is breached: RPO breached, clean RPO breached (CleanPointStatus::breached), RTO
  // infeasible or the last drill failed/erred.
  bool breached = false;
  // One line each, for people: "RPO 4h breached (age 9h)", "RTO 2h, projected 6h",
  // "drill overdue since 2026-03-01", "last drill failed", the 3-2-1-1-0 reasons
  // (Rule32110::reasons), "RTO projection extrapolated 40000× from a drill of 50 MB".
  std::vector<std::string> problems;
};

// The "1" and the "0" of 3-2-1-1-0 for one repository, from the catalog's evidence
// (analysis/evidence_rules.h): `status` shows them per repository.
struct RepositoryStatus {
  std::string id;  // the plan's repository id
  analysis::ImmutabilityVerdict immutability;
  analysis::ZeroErrorsVerdict zero_errors;
};

struct ClientStatus {
  std::string id;                     // "" for the MSP's own systems
  std::string name;                   // "the MSP" for the MSP's own systems
  std::vector<SystemStatus> systems;  // in plan order
  // The repositories its systems back up into, in plan order (only those: a client never sees
  // another client's repositories).
  std::vector<RepositoryStatus> repositories;
  FindingCounts findings;             // audit findings naming the client (or its systems)
  std::optional<int> score;           // unset when it has no systems; capped when breached
  bool breached = false;
};

struct MspStatus {
  std::string msp_id, msp_name;
  int64_t now_ns = 0;
  Date today;
  bool has_catalog = false;  // false: no catalog yet; all evidence is "unknown"/"never"
  // Clients in plan order, then the MSP's own systems (id "") when it has any. With a client
  // filter, only that client.
  std::vector<ClientStatus> clients;
  int score = 0;                            // capped at kBreachedScoreCap when breached
  bool breached = false;                    // any system breached
  std::vector<analysis::Finding> findings;  // the whole plan's audit at options.today
};

struct StatusOptions {
  int64_t now_ns = 0;                 // the moment ages are measured at; runs after it are ignored
  Date today;                         // the audit's date and drill due dates
  std::optional<std::string> client;  // only this client ("" = the MSP's own systems)
};

// The readiness of every system, client and the MSP. `catalog` may be null: no catalog exists
// yet, so all evidence is unknown. Errors: kNotFound for an unknown client filter; catalog
// read errors with context.
Result<MspStatus> ComputeStatus(const plan::Plan& plan, const catalog::Catalog* catalog,
                                const StatusOptions& options);
inline Result<MspStatus> ComputeStatus(const plan::Plan& plan, const catalog::Catalog& catalog,
                                       const StatusOptions& options) {
  return ComputeStatus(plan, &catalog, options);
}

// The immutability and verification evidence of every repository of the plan, as of `now_ns`
// (records finished after it are ignored): what `plan audit` and `status` judge the "1" and the
// "0" of 3-2-1-1-0 from. A handful of indexed queries per repository. Errors: catalog read
// errors, with the repository.
Result<analysis::RepositoryEvidenceMap> GatherRepositoryEvidence(const plan::Plan& plan,
                                                                 const catalog::Catalog& catalog,
                                                                 int64_t now_ns);

// Whose immutability proof counts for `repository` (analysis::ProofOwner; evidence_rules.h): the
// access key id of the [default] profile of its credentials_file (and of its
// maintenance_credentials_file), whatever AWS_PROFILE says in the environment of the caller, so
// that `status` judges alike in every shell; the key `run` proves with where AWS_PROFILE is not
// set. Without a credentials_file (a plan audit error on a repository proven immutable), the key
// `run` would resolve now through s3::ResolveCredentials: AWS_ACCESS_KEY_ID, else the profile
// AWS_PROFILE names in AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials. And its location as
// proofs record it. Never fails: credentials that cannot be read are named in `unknown`; a
// location not on S3 leaves `location` empty. Reads a file; thread-safe.
analysis::ProofOwner ProofOwnerOf(const plan::RepositorySpec& repository);

// The immutability proofs of `repository` finished by `now_ns` (INT64_MAX: all), into e's
// owner, proof and uncounted_proof (analysis::RepositoryEvidence): the newest that counts, and
// the newest of all when that one does not count (then with its owner, ProofOwnerOf, read only
// when a proof exists). Errors: catalog read errors.
Status ImmutabilityProofsOf(const catalog::Catalog& catalog, const plan::RepositorySpec& repository,
                            int64_t now_ns, analysis::RepositoryEvidence* e);

// Where to restore a system from after an attack, one line for people (`plan order
// --clean-points`, the runbook): "snapshot 1a2b3c4d (2026-12-05 10:00:00 UTC) in nas, the newest
// clean point; infected snapshot 9a8b7c6d (2026-12-06 10:00:00 UTC) after it", "latest snapshot
// 1a2b3c4d (…) in nas, none flagged", "latest snapshot … in nas, never judged (taken without
// detection)", "NO CLEAN RESTORE POINT: <why>", "unknown: no backup recorded". Control bytes of
// evidence text are escaped (EscapeControls).
std::string RestoreFromText(const CleanPointStatus& clean);

// The newest clean restore point of `system` as of `now_ns` (runs finished after it ignored),
// what `status` shows: a bounded number of indexed queries (its newest kCleanPointWindow
// backups, and per repository they are in its newest forget). Errors: catalog read errors.
Result<CleanPointStatus> CleanPointOf(const plan::Plan& plan, const catalog::Catalog& catalog,
                                      const plan::System& system, int64_t now_ns);

// Opens the catalog at `path` when the file exists; returns null (and creates nothing) when it
// does not. Errors as catalog::Catalog::Open.
Result<std::unique_ptr<catalog::Catalog>> OpenExistingCatalog(const std::string& path);

// Durations are shortened for people by ShortDuration (core/time.h): "3d4h", "9h12m", "35m".

// A measured projection resting on a drill this many times smaller than the data is flagged.
inline constexpr double kExtrapolationCaveatFactor = 10;
// "RTO projection extrapolated 40000× from a drill of 47.7 MiB" when rto.extrapolation_factor is
// at least kExtrapolationCaveatFactor (the factor rounded down); "" otherwise.
std::string ExtrapolationCaveat(const RtoProjection& rto);

// The parts of a projection for people, each with its basis: "data restore 1h (measured) +
// hands-on 30m (estimate, never timed) + verify 1m (measured), after 2h waiting for db"; an
// unknown part reads "hands-on unknown (never timed, no estimate)".
std::string ProjectionPartsText(const RtoProjection& rto);
// The time a drill leaves for restoring data within the RTO — the drill report's capacity
// advice ("RTO will be breached when data passes ...") — from the whole recovery: RTO −
// dependency wait − hands-on time − verification. Hands-on time: what `drill` timed when it
// timed every checklist step, else the projection's (the drills' median, or restore.estimate),
// else the system's restore.estimate (without a projection), else unknown. Dependency wait: the
// projection's when every dependency's restore time is known; zero for a system without
// dependencies; else unknown. An unknown part leaves no budget, and `reason` says why.
struct DataRestoreBudget {
  std::optional<int64_t> hands_on_ms;
  // "measured by this drill", "measured, median of 3 drills", "estimate, never timed"; "" unknown
  std::string hands_on_basis;
  std::optional<int64_t> dependency_wait_ms;
  std::optional<int64_t> budget_ms;  // may be ≤ 0: nothing left for the data
  std::string reason;                // why there is no budget, "" when there is one
};
// `projection` (may be null) is the system's projection as `status` computes it.
DataRestoreBudget DrillDataRestoreBudget(const catalog::Drill& drill, const plan::System& system,
                                         const RtoProjection* projection, int64_t rto_ms,
                                         int64_t verification_ms);

// The hands-on time `drill` timed for a system whose checklist has `checklist_steps` steps: the
// sum of its steps named "checklist N: <text>" when each N in 1..checklist_steps was recorded
// and done (outcome ok); unset otherwise, and for a system without a checklist.
std::optional<int64_t> MeasuredHandsOnMs(const catalog::Drill& drill, size_t checklist_steps);

// RPO age over time, for charts: the age of the newest restorable snapshot at each moment of
// [since_ns, until_ns], a sawtooth that rises with time and drops when a backup completes or a
// passing drill proves a newer snapshot. The evidence is the same as `status` uses at each
// moment: backups that did their job count from when they finished; drills (ok or warning) with
// a snapshot time count from when they finished; before since_ns, the newest such backup and the
// last run.drill_history drills.
struct RpoPoint {
  int64_t time_ns = 0;
  std::optional<Duration> age;  // unset before the first snapshot
};
struct RpoHistory {
  std::optional<Duration> target;  // the system's RPO
  // Points in time order: one at since_ns, two at each drop (just before, and after), one at
  // until_ns.
  std::vector<RpoPoint> points;
  // Compliance is measured from the system's first restore point: since_ns when one existed
  // before the period, else the moment the first one became restorable within it (the plan
  // records no date a system joined it). Unset when there was none by until_ns.
  std::optional<int64_t> measured_since_ns;
  // Share of [measured_since, until] during which the age was within the RPO (0..1); 0 when
  // measured_since is unset; 1 when there is no RPO.
  double share_within = 0;
  int backups = 0;       // backups (ok or warning) completed in the period that moved the point
  int drill_proofs = 0;  // drills in the period that proved a newer snapshot than any backup
};
// Errors: kNotFound for an unknown system; catalog read errors. REQUIRES: since_ns < until_ns.
Result<RpoHistory> ComputeRpoHistory(const plan::Plan& plan, const catalog::Catalog& catalog,
                                     const std::string& system, int64_t since_ns, int64_t until_ns);

// Achieved RTO per drill vs target, for charts, oldest first.
struct DrillPoint {
  int64_t started_ns = 0;
  catalog::Outcome outcome = catalog::Outcome::kOk;
  std::optional<Duration> achieved_rto;  // unset when the drill did not reach verification
  std::optional<Duration> achieved_rpo;
  // JudgedRtoSeconds(): the target recorded with the drill, else the plan's.
  std::optional<Duration> target_rto;
  bool within_target = false;
  int64_t run_id = 0;
};
// The RTO a past drill is judged against, in seconds: the target recorded with the drill, else
// the plan's RTO today (`plan_rto`); unset when neither is known. One rule for status and the
// report.
std::optional<int64_t> JudgedRtoSeconds(const catalog::Drill& drill,
                                        std::optional<Duration> plan_rto);

// Drills of `system` started in [since_ns, until_ns). Errors: kNotFound for an unknown system.
Result<std::vector<DrillPoint>> ComputeDrillHistory(const plan::Plan& plan,
                                                    const catalog::Catalog& catalog,
                                                    const std::string& system, int64_t since_ns,
                                                    int64_t until_ns);

}  // namespace stormproof::readiness

#endif  // STORMPROOF_CONTINUITY_READINESS_READINESS_H_
