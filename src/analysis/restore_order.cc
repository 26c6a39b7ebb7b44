#include "analysis/restore_order.h"

#include <algorithm>
#include <limits>
#include <queue>
#include <string_view>
#include <tuple>

#include "core/text.h"
#include "plan/dependency_graph.h"

namespace stormproof::analysis {
namespace {

// Which systems take part, and which of them only because a selected system needs them.
struct Selection {
  std::vector<char> selected;
  std::vector<char> dependency_only;
  size_t count = 0;
};

Error UnknownClient(const plan::Plan& plan, const std::string& id) {
  std::vector<std::string_view> ids;
  for (const plan::Client& client : plan.clients) ids.push_back(client.id);
  std::string message = "unknown client '" + id + "'";
  std::string close = ClosestMatch(id, ids);
  if (!close.empty()) message += " (did you mean '" + close + "'?)";
  return Error::NotFound(message);
}

bool BelongsTo(const plan::System& system, const std::string& client) {
  return system.client && system.client->id == client;
}

// The client's systems plus everything they depend on, transitively; every system without one.
Result<Selection> Select(const plan::Plan& plan, const plan::DependencyGraph& graph,
                         const RestoreOrderOptions& options) {
  size_t n = plan.systems.size();
  Selection s{std::vector<char>(n, options.client ? 0 : 1), std::vector<char>(n, 0),
              options.client ? 0 : n};
  if (!options.client) return s;
  const std::string& client = *options.client;
  if (plan.FindClient(client) == nullptr) return UnknownClient(plan, client);
  std::vector<size_t> queue;
  for (size_t i = 0; i < n; ++i) {
    if (!BelongsTo(plan.systems[i], client)) continue;
    queue.push_back(i);
    s.selected[i] = 1;
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    for (size_t down : graph.depends_on(queue[head])) {
      if (s.selected[down]) continue;
      s.selected[down] = 1;
      s.dependency_only[down] = 1;  // not the client's, or it would be selected already
      queue.push_back(down);
    }
  }
  s.count = queue.size();
  return s;
}

// Each system's tier rank, no tier last.
std::vector<int> TierRanks(const plan::Plan& plan) {
  std::vector<int> rank(plan.systems.size(), std::numeric_limits<int>::max());
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    const plan::System& s = plan.systems[i];
    const plan::Tier* tier = s.tier ? plan.FindTier(s.tier->id) : nullptr;
    if (tier != nullptr) rank[i] = tier->rank;
  }
  return rank;
}

// Restore priority among ready systems: tier rank (no tier last), then downtime cost per hour
// (highest first, none last), then id. Cheap to copy, as the heap algorithms copy it often.
class Priority {
 public:
  Priority(const plan::Plan& plan, const std::vector<int>& rank) : plan_(&plan), rank_(&rank) {}

  // True when `a` comes back after `b` (the order std::priority_queue wants).
  bool operator()(size_t a, size_t b) const {
    const plan::System& x = plan_->systems[a];
    const plan::System& y = plan_->systems[b];
    double x_cost = x.downtime_cost_per_hour.value_or(-1);
    double y_cost = y.downtime_cost_per_hour.value_or(-1);
    return std::tie((*rank_)[a], y_cost, x.id, a) > std::tie((*rank_)[b], x_cost, y.id, b);
  }

 private:
  const plan::Plan* plan_;
  const std::vector<int>* rank_;
};

Error CycleError(const plan::Plan& plan, const plan::DependencyGraph& graph,
                 const Selection& selection) {
  for (const std::vector<size_t>& cycle : graph.FindCycles()) {
    if (!selection.selected[cycle.front()]) continue;
    std::vector<std::string> ids;
    for (size_t i : cycle) ids.push_back("'" + plan.systems[i].id + "'");
    ids.push_back(ids.front());
    return Error::FailedCheck("the dependencies contain a cycle: " + Join(ids, " -> ") +
                              "; run plan check");
  }
  return Error::FailedCheck("the dependencies contain a cycle; run plan check");
}

// Fills in the projection of step `i` from the back times of its dependencies.
RestoreStep Project(const plan::Plan& plan, const plan::DependencyGraph& graph, size_t i,
                    const std::vector<Duration>& back) {
  RestoreStep step;
  step.system = i;
  const std::vector<size_t>& deps = graph.depends_on(i);
  for (size_t d : deps) step.starts = std::max(step.starts, back[d]);
  for (size_t d : deps) {
    if (back[d] == step.starts) step.waits_for.push_back(plan.systems[d].id);
  }
  const plan::System& system = plan.systems[i];
  step.rto = plan::ObjectivesOf(plan, system).rto;
  step.estimated = system.restore_estimate.has_value();
  step.restore_time = system.restore_estimate.value_or(step.rto.value_or(Duration()));
  step.back = step.starts + step.restore_time;
  step.within_rto = !step.rto || step.back <= *step.rto;
  return step;
}

}  // namespace

Result<std::vector<RestoreStep>> ComputeRestoreOrder(const plan::Plan& plan,
                                                     const RestoreOrderOptions& options) {
  plan::DependencyGraph graph(plan);
  STORMPROOF_ASSIGN_OR_RETURN(Selection selection, Select(plan, graph, options));
  // Kahn's algorithm: a system is ready once every dependency it has is back.
  std::vector<size_t> waiting(graph.size(), 0);
  std::vector<int> rank = TierRanks(plan);
  std::priority_queue<size_t, std::vector<size_t>, Priority> ready{Priority(plan, rank)};
  for (size_t i = 0; i < graph.size(); ++i) {
    if (!selection.selected[i]) continue;
    waiting[i] = graph.depends_on(i).size();  // a selection holds all its dependencies
    if (waiting[i] == 0) ready.push(i);
  }
  std::vector<Duration> back(graph.size());
  std::vector<RestoreStep> order;
  order.reserve(selection.count);
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    RestoreStep step = Project(plan, graph, i, back);
    step.position = static_cast<int>(order.size()) + 1;
    step.dependency_only = selection.dependency_only[i];
    back[i] = step.back;
    order.push_back(std::move(step));
    for (size_t up : graph.dependents(i)) {
      if (selection.selected[up] && --waiting[up] == 0) ready.push(up);
    }
  }
  if (order.size() < selection.count) return CycleError(plan, graph, selection);
  return order;
}

}  // namespace stormproof::analysis
