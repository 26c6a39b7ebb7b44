// Internals of readiness: the evidence read from the catalog for one system, and the pure
// functions that turn evidence and objectives into the parts of a SystemStatus. Separate from the
// catalog queries (evidence.cc) so that each rule is table-tested with fixed times.
//
// All functions are pure and thread-safe.
#ifndef STORMPROOF_READINESS_ASSESS_H_
#define STORMPROOF_READINESS_ASSESS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/backup_shape.h"
#include "catalog/catalog.h"
#include "plan/dependency_graph.h"
#include "plan/plan.h"
#include "readiness/readiness.h"

namespace stormproof::readiness::internal {

inline constexpr int64_t kNsPerSecond = 1'000'000'000;
inline constexpr double kDefaultDrillEveryDays = 90;

// What the catalog holds about one system, as of a moment.
struct Evidence {
  std::optional<catalog::Run> last_good_backup;  // newest backup ending ok or warning
  std::vector<catalog::DrillRecord> drills;      // the recent drills, newest first
  std::optional<catalog::Run> last_check;        // newest check of one of its repositories
};

// The newest backup of `system` started at or before `now_ns` that ended ok or with a warning.
Result<std::optional<catalog::Run>> LastGoodBackup(const catalog::Catalog& catalog,
                                                   const std::string& system, int64_t now_ns);
// The restore point a run proves: its snapshot's time, else (no time recorded) its start.
int64_t PointOf(const catalog::Run& run);

// Reads the evidence with indexed queries: runs started after `now_ns` are ignored. `checks`
// caches the newest check per repository id across systems.
Result<Evidence> GatherEvidence(const catalog::Catalog& catalog, const plan::System& system,
                                const analysis::BackupShape& shape, int drill_history,
                                int64_t now_ns,
                                std::map<std::string, std::optional<catalog::Run>>* checks);

RpoStatus AssessRpo(std::optional<Duration> rpo, int backup_margin_percent,
                    const Evidence& evidence, int64_t now_ns);
DrillRecency AssessDrillRecency(std::optional<Cadence> every, const Evidence& evidence,
                                int64_t now_ns, Date today);
// Drills newest first; `rto` is the plan's objective (a drill's recorded target when unset).
RtoConfidence AssessConfidence(const std::vector<catalog::DrillRecord>& drills,
                               std::optional<Duration> rto);
// This system alone: data size, measured throughput and verification time, `own` and its basis
// (restore.estimate when no drill measured a throughput). Sets `target`; leaves the chain
// (projected, waits_for, state) to ProjectAlongDependencies.
RtoProjection MeasureOwnRestore(const Evidence& evidence, std::optional<Duration> rto,
                                std::optional<Duration> estimate);
// Fills projected, waits_for and state of every `rto[i]` with needed[i] (rto and needed are
// indexed like plan.systems). A dependency without `own` counts with its RTO budget, else zero.
// REQUIRES: every dependency of a needed system is needed.
void ProjectAlongDependencies(const plan::Plan& plan, const plan::DependencyGraph& graph,
                              const std::vector<bool>& needed, std::vector<RtoProjection>* rto);
Rule32110 AssessRule32110(const analysis::BackupShape& shape, const Evidence& evidence);

// 1 for fresh evidence, 0.5 at drill_every, halving for every further period.
double DrillRecencyFactor(std::optional<Duration> age, std::optional<Cadence> every);
ScoreParts ScoreOf(const SystemStatus& status);
// Weight of a system in its client's score: 3 for tier rank 1, 2 for rank 2, else 1.
int WeightOfRank(int rank);
// Criticality-weighted mean of the systems' scores, rounded; unset when there are none.
std::optional<int> WeightedScore(const std::vector<SystemStatus>& systems);
// breached and problems, from the assessed parts.
void JudgeProblems(SystemStatus* status);

double Median(std::vector<double> values);  // 0 for none
// Nearest-rank percentile (p in 1..100) of `values`; unset for none.
std::optional<int64_t> Percentile(std::vector<int64_t> values, int p);

}  // namespace stormproof::readiness::internal

#endif  // STORMPROOF_READINESS_ASSESS_H_
