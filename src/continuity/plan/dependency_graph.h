// DependencyGraph: systems as nodes, "depends on" as edges, by index into Plan::systems.
//
// Built once from a loaded plan (unknown ids are left out: plan check reports them) and shared
// by the cycle check, the restore order and the single-point-of-failure audit. Immutable after
// construction; thread-safe to read. All algorithms are iterative, so a 50,000-system chain
// cannot overflow the stack.
#ifndef STORMPROOF_CONTINUITY_PLAN_DEPENDENCY_GRAPH_H_
#define STORMPROOF_CONTINUITY_PLAN_DEPENDENCY_GRAPH_H_

#include <cstddef>
#include <vector>

#include "continuity/plan/plan.h"

namespace stormproof::plan {

class DependencyGraph {
 public:
  explicit DependencyGraph(const Plan& plan);

  size_t size() const { return depends_on_.size(); }
  // Systems that node `i` needs running first (deduplicated, in the order written).
  const std::vector<size_t>& depends_on(size_t i) const { return depends_on_[i]; }
  // Systems that need node `i`.
  const std::vector<size_t>& dependents(size_t i) const { return dependents_[i]; }

  // Strongly connected components that contain a cycle (size > 1, or a self-dependency),
  // each as one cycle spelled out in order: [a, b, c] means a -> b -> c -> a.
  std::vector<std::vector<size_t>> FindCycles() const;

  // Articulation points of the undirected view: systems whose loss disconnects others.
  std::vector<size_t> ArticulationPoints() const;

  // Every system that depends on `i` directly or transitively (not including `i`).
  std::vector<size_t> TransitiveDependents(size_t i) const;

 private:
  std::vector<std::vector<size_t>> depends_on_;
  std::vector<std::vector<size_t>> dependents_;
};

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_DEPENDENCY_GRAPH_H_
