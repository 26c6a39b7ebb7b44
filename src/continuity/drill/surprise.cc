// Surprise drills: which system to drill, weighted towards critical tiers and long-undrilled
// systems, so that staff cannot prepare.
#include <algorithm>

#include "continuity/drill/drill.h"
#include "core/time.h"

namespace stormproof::drill {
namespace {

constexpr double kDefaultDrillDays = 90;  // systems whose tier sets no drill_every

bool CanBeDrilled(const plan::System& system) {
  return !system.restore_command.empty() || !system.backup.repositories.empty();
}

// Rank 1 weighs 4, rank 2 2.5, rank 3 2, ... towards 1.
double TierWeight(const plan::Plan& plan, const plan::System& system) {
  plan::Objectives objectives = plan::ObjectivesOf(plan, system);
  int rank = objectives.tier != nullptr ? std::max(objectives.tier->rank, 1) : 10;
  return 1.0 + 3.0 / rank;
}

// How overdue the system is: days since its last drill over its tier's drill interval, from
// 0.1 (just drilled) to 3; never drilled counts as 3.
double StalenessWeight(const plan::Plan& plan, const plan::System& system,
                       const std::map<std::string, int64_t>& last_drill_ns, int64_t now_ns) {
  auto last = last_drill_ns.find(system.id);
  if (last == last_drill_ns.end()) return 3.0;
  plan::Objectives objectives = plan::ObjectivesOf(plan, system);
  double every = objectives.tier != nullptr && objectives.tier->drill_every
                     ? objectives.tier->drill_every->ApproxDays()
                     : kDefaultDrillDays;
  double days = static_cast<double>(now_ns - last->second) / kNsPerDay;
  return std::clamp(days / every, 0.1, 3.0);
}

}  // namespace

Result<const plan::System*> PickSurprise(
    const plan::Plan& plan, const std::map<std::string, int64_t>& last_drill_ns, int64_t now_ns,
    std::mt19937_64& random, const std::function<bool(const plan::System&)>& can_drill) {
  std::vector<const plan::System*> candidates;
  std::vector<double> weights;
  for (const plan::System& system : plan.systems) {
    if (!CanBeDrilled(system) || (can_drill && !can_drill(system))) continue;
    candidates.push_back(&system);
    weights.push_back(TierWeight(plan, system) *
                      StalenessWeight(plan, system, last_drill_ns, now_ns));
  }
  if (candidates.empty()) {
    return Error::NotFound(
        "no system can be drilled: none has a backup repository or a restore "
        "command");
  }
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  return candidates[pick(random)];
}

}  // namespace stormproof::drill
