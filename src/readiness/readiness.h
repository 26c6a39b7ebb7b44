// readiness: how ready the MSP and each client are to recover *now*, computed from the plan's
// objectives and the evidence in the catalog (backup runs, checks and restore drills) — what
// `stormproof status` prints and the quarterly report charts.
//
// Per system it answers: is the newest restorable snapshot younger than the RPO (RPO
// compliance)? Can the system be restored within its RTO at the restore speed its recent drills
// measured, waiting for the systems it depends on (RTO feasibility)? How often did recent drills
// meet the RTO (RTO confidence)? Is a drill overdue? Does its backup follow 3-2-1-1-0? What does
// the plan audit say about it? Each answer feeds one readiness score (0–100) that falls as the
// evidence ages; clients and the whole MSP get a score aggregated from their systems.
//
// The score (documented also in docs/cli.md, "status"): a system's score is the rounded sum of
// weighted components, each worth 0..1:
//   RPO             25 × max(0, 1 − 0.5 × age / RPO) while age ≤ RPO, 0 when breached or unknown
//   drill recency   20 × 1 − 0.5 × a          for a = drill age / drill_every ≤ 1,
//                        0.5 × 2^−(a − 1)      beyond (halves every further period overdue);
//                        0 when never drilled (drill_every defaults to 90 days when unset)
//   drill results   15 × share of the recent drills within the RTO (0 without drills, and 0 when
//                        the last drill failed or erred), × the drill-recency factor above
//   RTO feasibility 15 × 1 measured and feasible, 0.5 feasible by restore.estimate only,
//                        0 infeasible or unknown
//   3-2-1-1-0       15 × rules passed / 5
//   audit           10 × max(0, 1 − 0.5·critical − 0.25·high − 0.1·medium − 0.02·low findings
//                        that name the system)
// Every age-based factor decreases strictly as the same evidence gets older. A client's score is
// the criticality-weighted mean of its systems' scores (weight 3 for tier rank 1, 2 for rank 2,
// 1 otherwise), rounded; the MSP's score is the plain mean over its clients and the MSP's own
// systems taken as one more group (so one large client does not drown the others). A group with
// no systems has no score and is left out of the mean; the MSP score is 0 when nothing has one.
//
// ComputeStatus() reads the catalog with indexed, bounded queries only (a handful per system,
// each the newest run of a kind or the last `drill_history` drills), so its cost does not grow
// with the number of recorded runs. Functions here are thread-safe when the Catalog is (it is).
#ifndef STORMPROOF_READINESS_READINESS_H_
#define STORMPROOF_READINESS_READINESS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/audit.h"
#include "catalog/catalog.h"
#include "core/date.h"
#include "core/duration.h"
#include "core/result.h"
#include "plan/plan.h"

namespace stormproof::readiness {

// RPO compliance. kAtRisk: older than the backup interval, RPO × (100 − backup_margin_percent)
// / 100, so the next backup is late; kBreached: older than the RPO; kUnknown: never backed up
// (or the system has no RPO).
enum class RpoState { kUnknown, kOk, kAtRisk, kBreached };
const char* RpoStateName(RpoState state);  // "unknown", "ok", "at risk", "breached"

// RTO feasibility of the projected restore (dependency chain included) against the RTO.
// kNoDrill: no measured restore speed yet; the projection, if any, is restore.estimate.
// kUnknown: no RTO, or nothing to project from (no drill and no estimate).
enum class RtoState { kUnknown, kFeasible, kInfeasible };
const char* RtoStateName(RtoState state);  // "unknown", "feasible", "infeasible"

// Where the projected restore time of one system comes from.
enum class ProjectionBasis { kNone, kMeasured, kEstimate };
const char* ProjectionBasisName(ProjectionBasis basis);  // "none", "measured", "estimate"

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

struct RtoProjection {
  RtoState state = RtoState::kUnknown;
  std::optional<Duration> target;  // the system's RTO
  ProjectionBasis basis = ProjectionBasis::kNone;
  uint64_t data_bytes = 0;                       // newest backup's bytes, else newest drill's
  std::optional<double> throughput_bytes_per_s;  // median over the recent drills
  std::optional<Duration> verify_time;           // median "verify data" + "verify application" time
  std::optional<Duration> own;                   // this system alone: data ÷ throughput + verify
  // From the start of a site-wide restore to this system back: the latest finish among the
  // systems it depends on (transitively) plus `own`. A dependency with nothing to project from
  // counts with its RTO budget (as `plan order` does). Unset when `own` is unset.
  std::optional<Duration> projected;
  std::vector<std::string> waits_for;  // the dependencies that finish last
};

struct RtoConfidence {
  int drills = 0;         // recent drills considered (at most drill_history)
  int within_target = 0;  // verified within the RTO
  double share_within = 0;
  // Achieved RTO over the recent drills that reached verification (nearest-rank percentiles).
  std::optional<Duration> p50, p95;
};

struct DrillRecency {
  DrillState state = DrillState::kNever;
  std::optional<Cadence> every;    // the tier's drill_every
  std::optional<int64_t> last_ns;  // start of the newest drill
  std::optional<catalog::Outcome> last_outcome;
  std::optional<Duration> age;  // now − last_ns
  std::optional<Date> due;      // date of the last drill + drill_every
};

// The 3-2-1-1-0 rule for one system's backups. Copies count production as one plus each distinct
// backup repository; media count production as disk; off-site is a repository at a site where the
// system does not run; zero errors is the newest check of one of its repositories or drill of the
// system, whichever is newer, ending ok or warning.
struct Rule32110 {
  int copies = 1;
  int media = 1;
  bool offsite = false;
  bool immutable = false;           // a repository immutable or offline
  std::optional<bool> zero_errors;  // unset: never checked nor drilled
  bool copies_ok() const { return copies >= 3; }
  bool media_ok() const { return media >= 2; }
  int Passed() const;  // rules met, 0..5
  // One mark per rule, "✓" met, "✗" not met, "?" unknown (zero errors only): "✓✓✓✗✓".
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
  RtoProjection rto;
  RtoConfidence confidence;
  DrillRecency drill;
  Rule32110 rule;
  FindingCounts findings;  // plan audit findings naming this system
  ScoreParts parts;
  int score = 0;
  // An objective is breached: RPO breached, RTO infeasible or the last drill failed/erred.
  bool breached = false;
  // One line each, for people: "RPO 4h breached (age 9h)", "RTO 2h, projected 6h",
  // "drill overdue since 2026-03-01", "last drill failed".
  std::vector<std::string> problems;
};

struct ClientStatus {
  std::string id;                     // "" for the MSP's own systems
  std::string name;                   // "the MSP" for the MSP's own systems
  std::vector<SystemStatus> systems;  // in plan order
  FindingCounts findings;             // audit findings naming the client (or its systems)
  std::optional<int> score;           // unset when it has no systems
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
  int score = 0;
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

// Opens the catalog at `path` when the file exists; returns null (and creates nothing) when it
// does not. Errors as catalog::Catalog::Open.
Result<std::unique_ptr<catalog::Catalog>> OpenExistingCatalog(const std::string& path);

// A duration rounded for people to its two largest units: "3d4h", "9h12m", "35m", "40s".
std::string ShortDuration(Duration duration);

// The moment --as-of DATE stands for: the end of that day (23:59:59.999999999 UTC).
int64_t EndOfDayNs(Date date);

// RPO age over time, for charts: the age of the newest restorable snapshot at each moment of
// [since_ns, until_ns], a sawtooth that rises with time and drops when a backup completes.
struct RpoPoint {
  int64_t time_ns = 0;
  std::optional<Duration> age;  // unset before the first snapshot
};
struct RpoHistory {
  std::optional<Duration> target;  // the system's RPO
  // Points in time order: one at since_ns, two at each backup completion (just before, and
  // after the drop), one at until_ns.
  std::vector<RpoPoint> points;
  // Share of [since, until] during which the age was within the RPO (0..1; time before the
  // first snapshot counts as outside); 1 when there is no RPO.
  double share_within = 0;
  int backups = 0;  // backups (ok or warning) completed in the period
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
  std::optional<Duration> target_rto;  // the target recorded with the drill, else the plan's
  bool within_target = false;
  int64_t run_id = 0;
};
// Drills of `system` started in [since_ns, until_ns). Errors: kNotFound for an unknown system.
Result<std::vector<DrillPoint>> ComputeDrillHistory(const plan::Plan& plan,
                                                    const catalog::Catalog& catalog,
                                                    const std::string& system, int64_t since_ns,
                                                    int64_t until_ns);

}  // namespace stormproof::readiness

#endif  // STORMPROOF_READINESS_READINESS_H_
