// The readiness score (the formula is documented in readiness.h and docs/cli.md).
#include <algorithm>
#include <cmath>

#include "continuity/readiness/internal/assess.h"
#include "core/time.h"

namespace stormproof::readiness {

int ScoreParts::Total() const {
  double total =
      25 * rpo + 20 * drill_recency + 15 * drill_results + 15 * rto + 15 * rule_32110 + 10 * audit;
  return std::clamp(static_cast<int>(std::lround(total)), 0, 100);
}

namespace internal {
namespace {

double RpoFactor(const RpoStatus& rpo) {
  if (rpo.state == RpoState::kUnknown || !rpo.age || !rpo.target || rpo.target->seconds() <= 0) {
    return 0;
  }
  double ratio =
      static_cast<double>(rpo.age->seconds()) / static_cast<double>(rpo.target->seconds());
  return ratio <= 1 ? 1 - 0.5 * ratio : 0;
}

double ResultsFactor(const SystemStatus& status) {
  if (status.confidence.drills == 0 || !status.drill.last_outcome) return 0;
  catalog::Outcome last = *status.drill.last_outcome;
  if (last == catalog::Outcome::kFailed || last == catalog::Outcome::kError) return 0;
  return status.confidence.share_within * DrillRecencyFactor(status.drill.age, status.drill.every);
}

double RtoFactor(const RtoProjection& rto) {
  if (rto.state != RtoState::kFeasible) return 0;
  return rto.basis == ProjectionBasis::kMeasured ? 1 : 0.5;
}

double AuditFactor(const FindingCounts& findings) {
  double penalty =
      0.5 * findings.critical + 0.25 * findings.high + 0.1 * findings.medium + 0.02 * findings.low;
  return std::max(0.0, 1 - penalty);
}

}  // namespace

double DrillRecencyFactor(std::optional<Duration> age, std::optional<Cadence> every) {
  if (!age) return 0;
  double every_days = every ? every->ApproxDays() : kDefaultDrillEveryDays;
  double periods =
      static_cast<double>(age->seconds()) / kSecondsPerDay / std::max(every_days, 1e-9);
  return periods <= 1 ? 1 - 0.5 * periods : 0.5 * std::exp2(-(periods - 1));
}

ScoreParts ScoreOf(const SystemStatus& status) {
  ScoreParts parts;
  // After an attack the RPO that counts is the clean point's: breached, it earns nothing.
  parts.rpo = status.clean.breached ? 0 : RpoFactor(status.rpo);
  parts.drill_recency = DrillRecencyFactor(status.drill.age, status.drill.every);
  parts.drill_results = ResultsFactor(status);
  parts.rto = RtoFactor(status.rto);
  parts.rule_32110 = status.rule.Passed() / 5.0;
  parts.audit = AuditFactor(status.findings);
  return parts;
}

int CappedScore(int score, bool breached) {
  return breached ? std::min(score, kBreachedScoreCap) : score;
}

int WeightOfRank(int rank) {
  if (rank == 1) return 3;
  if (rank == 2) return 2;
  return 1;
}

std::optional<int> WeightedScore(const std::vector<SystemStatus>& systems) {
  if (systems.empty()) return std::nullopt;
  double sum = 0, weights = 0;
  for (const SystemStatus& system : systems) {
    sum += WeightOfRank(system.tier_rank) * system.score;
    weights += WeightOfRank(system.tier_rank);
  }
  return static_cast<int>(std::lround(sum / weights));
}

}  // namespace internal
}  // namespace stormproof::readiness
