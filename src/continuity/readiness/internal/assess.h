// Internals of readiness: the evidence read from the catalog for one system, and the pure
// functions that turn evidence and objectives into the parts of a SystemStatus. Separate from the
// catalog queries (evidence.cc) so that each rule is table-tested with fixed times.
//
// All functions are pure and thread-safe.
#ifndef STORMPROOF_CONTINUITY_READINESS_INTERNAL_ASSESS_H_
#define STORMPROOF_CONTINUITY_READINESS_INTERNAL_ASSESS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "continuity/analysis/backup_shape.h"
#include "continuity/analysis/evidence_rules.h"
#include "continuity/catalog/catalog.h"
#include "continuity/plan/dependency_graph.h"
#include "continuity/plan/plan.h"
#include "continuity/readiness/readiness.h"

namespace stormproof::readiness::internal {

inline constexpr double kDefaultDrillEveryDays = 90;

// Evidence counts from the moment its run finished: a run started by `now_ns` but finished after
// it (a backup still running at an --as-of moment) is not evidence yet.
bool FinishedBy(const catalog::Run& run, int64_t now_ns);

// The checks of one repository that matter for "0 errors" (repository-wide, so shared by every
// system backed up to it).
struct RepositoryChecks {
  std::optional<catalog::Run> last_read_check;    // newest passing check that read all data
  // Newest passing check that read part of the data (never counts; named in the verdict).
  std::optional<catalog::Run> last_partial_check;
  double partial_check_percent = 0;  // its read_data_percent; 0 when not recorded
  std::optional<catalog::Run> last_failed_check;  // newest check that failed or erred
};

// The checks of `repository` finished by `now_ns`.
Result<RepositoryChecks> ChecksOfRepository(const catalog::Catalog& catalog,
                                            const std::string& repository, int64_t now_ns);
// Immutability proof, attestation and verifications of `repository`, as of `now_ns`. A failed
// drill counts against the repository only when a data step (locate snapshot, restore, verify
// data) failed: a missed RTO or a failed application check is the system's, not the data's.
// The repository's checks come from `checks` (the cache GatherEvidence shares), read and kept
// there the first time. Its proof is the newest that counts (analysis::WhyProofDoesNotCount,
// with ProofOwnerOf(repository)); a newer one that does not count is kept as uncounted_proof.
Result<analysis::RepositoryEvidence> RepositoryEvidenceOf(
    const catalog::Catalog& catalog, const plan::RepositorySpec& repository, int64_t now_ns,
    std::map<std::string, RepositoryChecks>* checks);
// GatherRepositoryEvidence (readiness.h) with each repository's checks from and into `checks`.
Result<analysis::RepositoryEvidenceMap> GatherRepositoryEvidence(
    const plan::Plan& plan, const catalog::Catalog& catalog, int64_t now_ns,
    std::map<std::string, RepositoryChecks>* checks);

// What the catalog holds about one planned copy (a backup repository) of a system.
struct CopyEvidence {
  const plan::RepositorySpec* repository = nullptr;
  // Newest backup of the system to it, ok/warning; in a copy (copy_from), the newest copy run
  // that recorded a snapshot of the system there, when newer.
  std::optional<catalog::Run> last_good_backup;
  std::optional<catalog::Run> last_good_drill;    // newest drill from it, ok/warning
  std::optional<catalog::Run> last_failed_drill;  // newest drill from it, failed/error
  RepositoryChecks checks;
};

// What the catalog holds about one system's snapshots in one repository, for its clean point.
struct CleanEvidence {
  std::string repository;
  // The system's backups into it that did their job (ok or warning), finished by the moment,
  // newest first (kCleanPointWindow of the system's in all).
  std::vector<catalog::Run> backups;
  // The newest forget of the system there finished by the moment whose details carry "marks"
  // (the freshest view of the repository's marks: a person's releases and false alarms show
  // there first); nullopt when none.
  std::optional<catalog::Run> last_forget;
};
// What the catalog holds about one system, as of a moment.
struct Evidence {
  std::optional<catalog::Run> last_good_backup;  // newest backup ending ok or warning
  std::vector<catalog::DrillRecord> drills;      // the recent drills, newest first
  std::vector<CopyEvidence> copies;              // one per planned repository, in shape order
  std::vector<CleanEvidence> clean;              // one per planned repository, in shape order
};

// The newest backup of `system` finished by `now_ns` that ended ok or with a warning.
Result<std::optional<catalog::Run>> LastGoodBackup(const catalog::Catalog& catalog,
                                                   const std::string& system, int64_t now_ns);
// The recent drills of `system` finished by `now_ns`, newest first, at most `limit`.
Result<std::vector<catalog::DrillRecord>> RecentDrills(const catalog::Catalog& catalog,
                                                       const std::string& system, size_t limit,
                                                       int64_t now_ns);
// The restore point a run proves: its snapshot's time, else (no time recorded) its start.
int64_t PointOf(const catalog::Run& run);
// The share of the pack data a check run read: details "read_data_percent" when > 0 (written by
// `run` since the evidence rules); 0 for an older record without it that read bytes (share
// unknown); nullopt when it read no data.
std::optional<double> ReadDataPercent(const catalog::Run& check);
// True when a check run read all the pack data (read_data_percent >= 100): only such a check
// proves zero errors. A check of a subset (`run`'s default 5%) proves nothing about the rest.
bool ReadAllData(const catalog::Run& check);

// Reads the evidence with indexed queries: runs not finished by `now_ns` are ignored. `checks`
// caches each repository's checks across systems.
Result<Evidence> GatherEvidence(const catalog::Catalog& catalog, const plan::System& system,
                                const analysis::BackupShape& shape, int drill_history,
                                int64_t now_ns, std::map<std::string, RepositoryChecks>* checks);

// The clean evidence of `system`: one entry per repository of `repositories` (its
// SystemRepositories), in order, then per other repository its backups are recorded in (every
// backup counts, as for the RPO); one query for the backups, one per repository with backups
// for its newest forget — this catalog's own, or one imported from `host` (the plan's host of
// the system; "" takes only this catalog's own).
Result<std::vector<CleanEvidence>> GatherCleanEvidence(
    const catalog::Catalog& catalog, const std::string& system, const std::string& host,
    const std::vector<const plan::RepositorySpec*>& repositories, int64_t now_ns);
// The newest clean restore point over all of `repositories` (clean_point.cc): their snapshots
// in one time line (detect::JudgedSnapshot each: the record's level raised by later verdicts,
// accepted when the newest forget lists it as a false alarm), given to detect::NewestClean.
// `rpo` is the system's objective.
CleanPointStatus AssessCleanPoint(const std::vector<CleanEvidence>& repositories,
                                  std::optional<Duration> rpo, int64_t now_ns);

RpoStatus AssessRpo(std::optional<Duration> rpo, int backup_margin_percent,
                    const Evidence& evidence, int64_t now_ns);
DrillRecency AssessDrillRecency(std::optional<Cadence> every, const Evidence& evidence,
                                int64_t now_ns, Date today);
// Drills newest first; each is judged against JudgedRtoSeconds(drill, rto), `rto` being the
// plan's objective today.
RtoConfidence AssessConfidence(const std::vector<catalog::DrillRecord>& drills,
                               std::optional<Duration> rto);
// This system alone (projection.cc): its data size and the three parts of its own restore with
// their bases — data restore from the median drill throughput, hands-on time measured by the
// drills that timed every step of `system`'s checklist (else system.restore_estimate, else
// unknown), verification from the drills' verify steps — plus the extrapolation evidence, `own`,
// `basis` and `unknowns`. Sets `target` to `rto`; leaves the chain (dependency_wait, projected,
// waits_for, complete, state, capacity) to ProjectAlongDependencies.
RtoProjection MeasureOwnRestore(const Evidence& evidence, const plan::System& system,
                                std::optional<Duration> rto);
// The number N ≥ 1 of a hands-on drill step, named "checklist N: <step text>"
// (catalog::IsChecklistStep); unset for any other step.
std::optional<size_t> ChecklistStepNumber(const std::string& step_name);
// Fills dependency_wait, projected, waits_for, complete, state, the capacity fields and the
// chain's `unknowns` of every `rto[i]` with needed[i] (rto and needed are indexed like
// plan.systems). A dependency without `own` counts as zero and makes its dependents incomplete.
// REQUIRES: every dependency of a needed system is needed.
void ProjectAlongDependencies(const plan::Plan& plan, const plan::DependencyGraph& graph,
                              const std::vector<bool>& needed, std::vector<RtoProjection>* rto);
// The rules that judge a system's copies (copies.cc).
struct CopyRules {
  std::optional<Duration> rpo;  // a copy's restore point may be at most this old (unset: any)
  Cadence check_every{1, Cadence::Unit::kWeek};  // run.check_every
  std::optional<Cadence> drill_every;            // the tier's; 90 days when unset
  // Each repository's immutability verdict by id (not owned); null or absent: not proven.
  const std::map<std::string, analysis::ImmutabilityVerdict>* immutability = nullptr;
};
// 3-2-1-1-0 from the evidence of each planned copy (`shape` gives the plan's side: which
// repositories, sites and claims), with one reason per rule not met.
Rule32110 AssessRule32110(const analysis::BackupShape& shape, const Evidence& evidence,
                          const CopyRules& rules, int64_t now_ns, Date today);

// 1 for fresh evidence, 0.5 at drill_every, halving for every further period.
double DrillRecencyFactor(std::optional<Duration> age, std::optional<Cadence> every);
ScoreParts ScoreOf(const SystemStatus& status);
// Weight of a system in its client's score: 3 for tier rank 1, 2 for rank 2, else 1.
int WeightOfRank(int rank);
// `score`, at most kBreachedScoreCap when `breached`.
int CappedScore(int score, bool breached);
// Criticality-weighted mean of the systems' scores, rounded; unset when there are none.
std::optional<int> WeightedScore(const std::vector<SystemStatus>& systems);
// breached and problems, from the assessed parts.
void JudgeProblems(SystemStatus* status);
// Appends to status->problems one line per record id of the system held with two contents
// (catalog::RecordConflict): "record 3f2a… is told 2 ways by hosts' evidence (evidence file F
// of repository R, ...): a host holding a repository key may have forged it"; `client_view`
// leaves the sources out (they may name another client's repository). Names from evidence are
// escaped.
void AddConflictProblems(const std::vector<catalog::RecordConflict>& conflicts,
                         bool client_view, SystemStatus* status);

// The restore throughput a drill measured: its recorded throughput, else, for a "restore" step
// that did its job in 0 ms (faster than the clock's millisecond), the restored bytes per 1 ms —
// a lower bound, never dropped; unset when the drill measured none (no restore step, or nothing
// restored).
std::optional<double> DrillThroughput(const catalog::DrillRecord& record);

// The one median of readiness (p50 of achieved RTO, throughput, hands-on and verify times): the
// middle value of the sorted values, the mean of the two middle ones for an even count; 0 for
// none.
double Median(std::vector<double> values);
// Nearest-rank percentile (p in 1..100) of `values`; unset for none.
std::optional<int64_t> Percentile(std::vector<int64_t> values, int p);

}  // namespace stormproof::readiness::internal

#endif  // STORMPROOF_CONTINUITY_READINESS_INTERNAL_ASSESS_H_
