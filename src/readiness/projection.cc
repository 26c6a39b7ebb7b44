// The projected restore time along the dependency chain: a system starts when the last system it
// depends on is back (restores of independent systems run in parallel, as in `plan order`).
#include <algorithm>
#include <utility>

#include "readiness/assess.h"

namespace stormproof::readiness::internal {
namespace {

// What system `i` adds to a chain: its own projection, else its RTO budget, else nothing.
Duration ChainPart(const RtoProjection& rto) {
  if (rto.own) return *rto.own;
  return rto.target.value_or(Duration());
}

// Finish time of every needed system, dependencies first (iterative post-order, so a long
// chain cannot overflow the stack). A node met again while open (a cycle, which plan check
// rejects) counts as finished at zero.
std::vector<Duration> ChainFinishes(const plan::DependencyGraph& graph,
                                    const std::vector<bool>& needed,
                                    const std::vector<RtoProjection>& rto) {
  enum Mark : char { kNew, kOpen, kDone };
  std::vector<Mark> mark(graph.size(), kNew);
  std::vector<Duration> finish(graph.size());
  for (size_t root = 0; root < graph.size(); ++root) {
    if (!needed[root] || mark[root] != kNew) continue;
    std::vector<std::pair<size_t, size_t>> stack{{root, 0}};  // node, next dependency
    mark[root] = kOpen;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const std::vector<size_t>& deps = graph.depends_on(node);
      if (next < deps.size()) {
        size_t dep = deps[next++];
        if (mark[dep] == kNew) {
          mark[dep] = kOpen;
          stack.emplace_back(dep, 0);
        }
        continue;
      }
      Duration start;
      for (size_t dep : deps) {
        if (mark[dep] == kDone) start = std::max(start, finish[dep]);
      }
      finish[node] = start + ChainPart(rto[node]);
      mark[node] = kDone;
      stack.pop_back();
    }
  }
  return finish;
}

}  // namespace

void ProjectAlongDependencies(const plan::Plan& plan, const plan::DependencyGraph& graph,
                              const std::vector<bool>& needed, std::vector<RtoProjection>* rto) {
  std::vector<Duration> finish = ChainFinishes(graph, needed, *rto);
  for (size_t i = 0; i < graph.size(); ++i) {
    if (!needed[i]) continue;
    RtoProjection& projection = (*rto)[i];
    Duration start;
    for (size_t dep : graph.depends_on(i)) start = std::max(start, finish[dep]);
    projection.waits_for.clear();
    for (size_t dep : graph.depends_on(i)) {
      if (start > Duration() && finish[dep] == start) {
        projection.waits_for.push_back(plan.systems[dep].id);
      }
    }
    if (!projection.own) {
      projection.state = RtoState::kUnknown;
      continue;
    }
    projection.projected = start + *projection.own;
    if (!projection.target) {
      projection.state = RtoState::kUnknown;
    } else {
      projection.state =
          *projection.projected > *projection.target ? RtoState::kInfeasible : RtoState::kFeasible;
    }
  }
}

}  // namespace stormproof::readiness::internal
