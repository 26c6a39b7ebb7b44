#include "continuity/plan/internal/dependency_cycles.h"

#include <unordered_map>

#include "continuity/plan/dependency_graph.h"

namespace stormproof::plan {

void CheckDependencyCycles(const Plan& plan, Diagnostics* out) {
  DependencyGraph graph(plan);
  for (const std::vector<size_t>& cycle : graph.FindCycles()) {
    const System& first = plan.systems[cycle.front()];
    const System& second = plan.systems[cycle.size() > 1 ? cycle[1] : cycle[0]];
    std::string path;
    for (size_t i : cycle) path += plan.systems[i].id + " -> ";
    path += first.id;
    Mark at = first.mark;
    for (const Ref& ref : first.depends_on) {
      if (ref.id == second.id) at = ref.mark;
    }
    out->Error(at, "dependency-cycle",
               "dependency cycle: " + path + " (no restore order can satisfy it)");
  }
}

void CheckRoleCycles(const Plan& plan, Diagnostics* out) {
  enum State : char { kUnseen, kWalking, kDone };
  std::unordered_map<std::string, State> state;
  for (const Role& start : plan.roles) {
    std::vector<const Role*> walk;
    const Role* role = &start;
    while (role && state[role->id] == kUnseen) {
      state[role->id] = kWalking;
      walk.push_back(role);
      role = role->reports_to ? plan.FindRole(role->reports_to->id) : nullptr;
    }
    if (role && state[role->id] == kWalking) {
      std::string path;
      bool in_loop = false;
      for (const Role* r : walk) {
        in_loop = in_loop || r == role;
        if (in_loop) path += r->id + " -> ";
      }
      out->Error(role->reports_to->mark, "role-cycle", "role call tree loops: " + path + role->id);
    }
    for (const Role* r : walk) state[r->id] = kDone;
  }
}

}  // namespace stormproof::plan
