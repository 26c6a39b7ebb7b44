// System rules over the dependency graph: dependency-spof, shared-dependency.
//
// Both run in near-linear time on large plans: articulation points come from one depth-first
// search, "three or more critical systems depend on it" from one pass in dependency order with
// sets capped at three, and the full list of dependents is walked only for systems that are
// reported.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "continuity/analysis/internal/audit_context.h"
#include "core/text.h"

namespace stormproof::analysis::internal {
namespace {

constexpr size_t kSharedThreshold = 3;  // critical dependents that make a shared dependency

// Lists of dependents are complete while their total stays under this many entries; after that
// (only on pathological plans, such as one long chain where every link is a single point of
// failure) each finding lists its nearest kShortList dependents, so that the audit stays
// near-linear in time and memory.
constexpr size_t kListBudget = 2'000'000;
constexpr size_t kShortList = 20;

// The dependents of one system; when cut short, the nearest ones.
struct Dependents {
  std::vector<size_t> systems;  // in plan order
  bool complete = true;         // false: more systems depend on it than are listed
};

// Walks dependents breadth-first, reusing one visit-stamp array across calls and spending the
// list budget.
class DependentsWalker {
 public:
  explicit DependentsWalker(const plan::DependencyGraph& graph)
      : graph_(graph), stamp_(graph.size(), 0) {}

  // The systems that depend on `i` directly or transitively.
  Dependents Of(size_t i) {
    size_t limit = std::max(budget_, kShortList);
    ++epoch_;
    stamp_[i] = epoch_;
    std::vector<size_t> queue = {i};
    Dependents out;
    for (size_t head = 0; head < queue.size() && out.complete; ++head) {
      for (size_t up : graph_.dependents(queue[head])) {
        if (stamp_[up] == epoch_) continue;
        if (queue.size() > limit) {
          out.complete = false;
          break;
        }
        stamp_[up] = epoch_;
        queue.push_back(up);
      }
    }
    out.systems.assign(queue.begin() + 1, queue.end());
    std::sort(out.systems.begin(), out.systems.end());
    budget_ -= std::min(budget_, out.systems.size());
    return out;
  }

 private:
  const plan::DependencyGraph& graph_;
  std::vector<uint32_t> stamp_;
  uint32_t epoch_ = 0;
  size_t budget_ = kListBudget;
};

// What every system's transitive dependents add up to, from one pass in dependency order.
struct DependentSummary {
  std::vector<size_t> critical;           // up to kSharedThreshold distinct critical dependents
  int best_rank = AuditContext::kNoRank;  // the most critical tier rank among all dependents
};

// Exact for plans without cycles; systems on a dependency cycle may be under-counted (plan
// check rejects cycles).
std::vector<DependentSummary> SummariseDependents(const AuditContext& context) {
  const plan::DependencyGraph& graph = context.graph();
  size_t n = graph.size();
  std::vector<DependentSummary> summary(n);
  std::vector<size_t> waiting(n), ready;
  for (size_t i = 0; i < n; ++i) {
    waiting[i] = graph.dependents(i).size();
    if (waiting[i] == 0) ready.push_back(i);
  }
  auto add = [](size_t system, std::vector<size_t>* set) {
    if (set->size() < kSharedThreshold &&
        std::find(set->begin(), set->end(), system) == set->end()) {
      set->push_back(system);
    }
  };
  while (!ready.empty()) {
    size_t up = ready.back();
    ready.pop_back();
    const DependentSummary& from = summary[up];
    for (size_t down : graph.depends_on(up)) {
      DependentSummary& to = summary[down];
      if (context.critical(up)) add(up, &to.critical);
      for (size_t s : from.critical) add(s, &to.critical);
      to.best_rank = std::min({to.best_rank, from.best_rank, context.rank(up)});
      if (--waiting[down] == 0) ready.push_back(down);
    }
  }
  return summary;
}

Finding DependencyFinding(const AuditContext& context, size_t i, const Dependents& dependents) {
  const plan::Plan& plan = context.plan();
  Finding f;
  f.area = Area::kSystems;
  f.systems.push_back(plan.systems[i].id);
  AddClientOf(plan.systems[i], &f.clients);
  for (size_t d : dependents.systems) {
    f.systems.push_back(plan.systems[d].id);
    AddClientOf(plan.systems[d], &f.clients);
  }
  f.recommendation = "Give " + Quoted(plan.systems[i].id) +
                     " a failover (a standby, a second instance or a manual workaround listed "
                     "under failover) or remove the dependency.";
  f.mark = plan.systems[i].mark;
  return f;
}

// "'a', 'b', 'c', 'd', 'e' and 7 more"; "... and at least 7 more" for a list cut short (which
// always holds more than five).
std::string DependentNames(const plan::Plan& plan, const std::vector<size_t>& systems,
                           bool complete) {
  std::vector<std::string> names;
  for (size_t i : systems) names.push_back(Quoted(plan.systems[i].id));
  constexpr size_t kNamed = 5;
  if (complete || names.size() <= kNamed) return NameList(names, kNamed);
  names.resize(kNamed);
  return Join(names, ", ") + " and at least " + std::to_string(systems.size() - kNamed) + " more";
}

std::string Count(const Dependents& dependents) {
  return (dependents.complete ? "" : "at least ") + std::to_string(dependents.systems.size());
}

void DependencySpof(const AuditContext& context, size_t i, const Dependents& dependents,
                    int best_rank, std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  for (size_t d : dependents.systems) best_rank = std::min(best_rank, context.rank(d));
  Finding f = DependencyFinding(context, i, dependents);
  f.severity = best_rank == 1 ? Severity::kHigh : Severity::kMedium;
  f.rule = "dependency-spof";
  f.title = "Losing " + context.SystemLabel(i) + " stops " +
            DependentNames(plan, dependents.systems, dependents.complete);
  f.detail = Quoted(plan.systems[i].id) + " is a single point of failure: " + Count(dependents) +
             " system(s) depend on it directly or indirectly, nothing else connects them, and "
             "it has no failover.";
  out->push_back(std::move(f));
}

void SharedDependency(const AuditContext& context, size_t i, const Dependents& dependents,
                      std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  std::vector<size_t> critical;
  for (size_t d : dependents.systems) {
    if (context.critical(d)) critical.push_back(d);
  }
  Finding f = DependencyFinding(context, i, dependents);
  f.severity = Severity::kMedium;
  f.rule = "shared-dependency";
  f.title = (dependents.complete ? "" : "At least ") + std::to_string(critical.size()) +
            " critical systems depend on " + context.SystemLabel(i) + ", which has no failover";
  f.detail = "Losing " + Quoted(plan.systems[i].id) + " stops " +
             DependentNames(plan, critical, dependents.complete) + " at once.";
  out->push_back(std::move(f));
}

}  // namespace

void AuditDependencies(const AuditContext& context, std::vector<Finding>* out) {
  const plan::DependencyGraph& graph = context.graph();
  std::vector<DependentSummary> summary = SummariseDependents(context);
  DependentsWalker walker(graph);
  std::vector<char> reported(graph.size(), 0);
  for (size_t i : graph.ArticulationPoints()) {
    if (graph.dependents(i).empty() || context.HasFailover(i)) continue;
    DependencySpof(context, i, walker.Of(i), summary[i].best_rank, out);
    reported[i] = 1;
  }
  for (size_t i = 0; i < graph.size(); ++i) {
    if (reported[i] || summary[i].critical.size() < kSharedThreshold) continue;
    if (context.HasFailover(i)) continue;
    SharedDependency(context, i, walker.Of(i), out);
  }
}

}  // namespace stormproof::analysis::internal
