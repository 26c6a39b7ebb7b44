#include "continuity/plan/dependency_graph.h"

#include <algorithm>
#include <limits>

namespace stormproof::plan {
namespace {

constexpr size_t kNone = std::numeric_limits<size_t>::max();

// One cycle through `start` inside the component marked `in_component`, found by breadth-first
// search from start back to start.
std::vector<size_t> CycleThrough(const DependencyGraph& g, size_t start,
                                 const std::vector<char>& in_component) {
  std::vector<size_t> parent(g.size(), kNone);
  std::vector<size_t> queue = {start};
  for (size_t head = 0; head < queue.size(); ++head) {
    size_t node = queue[head];
    for (size_t next : g.depends_on(node)) {
      if (!in_component[next]) continue;
      if (next == start) {
        std::vector<size_t> cycle;
        for (size_t at = node; at != kNone; at = parent[at]) cycle.push_back(at);
        std::reverse(cycle.begin(), cycle.end());
        return cycle;
      }
      if (parent[next] == kNone && next != start) {
        parent[next] = node;
        queue.push_back(next);
      }
    }
  }
  return {start};
}

}  // namespace

DependencyGraph::DependencyGraph(const Plan& plan)
    : depends_on_(plan.systems.size()), dependents_(plan.systems.size()) {
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    for (const Ref& ref : plan.systems[i].depends_on) {
      size_t j = plan.SystemIndex(ref.id);
      if (j == kNone) continue;
      if (std::find(depends_on_[i].begin(), depends_on_[i].end(), j) != depends_on_[i].end()) {
        continue;
      }
      depends_on_[i].push_back(j);
      dependents_[j].push_back(i);
    }
  }
}

std::vector<std::vector<size_t>> DependencyGraph::FindCycles() const {
  // Tarjan's strongly connected components, with an explicit stack.
  size_t n = size(), counter = 0;
  std::vector<size_t> index(n, kNone), low(n, 0), stack;
  std::vector<char> on_stack(n, 0);
  std::vector<std::vector<size_t>> cycles;
  struct Frame {
    size_t node, next_edge;
  };
  for (size_t root = 0; root < n; ++root) {
    if (index[root] != kNone) continue;
    std::vector<Frame> frames = {{root, 0}};
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = 1;
    while (!frames.empty()) {
      Frame& f = frames.back();
      if (f.next_edge < depends_on_[f.node].size()) {
        size_t next = depends_on_[f.node][f.next_edge++];
        if (index[next] == kNone) {
          index[next] = low[next] = counter++;
          stack.push_back(next);
          on_stack[next] = 1;
          frames.push_back({next, 0});
        } else if (on_stack[next]) {
          low[f.node] = std::min(low[f.node], index[next]);
        }
        continue;
      }
      size_t node = f.node;
      frames.pop_back();
      if (!frames.empty()) low[frames.back().node] = std::min(low[frames.back().node], low[node]);
      if (low[node] != index[node]) continue;
      std::vector<size_t> component;
      size_t member;
      do {
        member = stack.back();
        stack.pop_back();
        on_stack[member] = 0;
        component.push_back(member);
      } while (member != node);
      bool self_loop = std::find(depends_on_[node].begin(), depends_on_[node].end(), node) !=
                       depends_on_[node].end();
      if (component.size() < 2 && !self_loop) continue;
      std::vector<char> in_component(n, 0);
      for (size_t m : component) in_component[m] = 1;
      cycles.push_back(
          CycleThrough(*this, *std::min_element(component.begin(), component.end()), in_component));
    }
  }
  return cycles;
}

std::vector<size_t> DependencyGraph::ArticulationPoints() const {
  // Hopcroft–Tarjan over the undirected view (edges both ways), iteratively.
  size_t n = size(), counter = 0;
  std::vector<std::vector<size_t>> adjacent(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j : depends_on_[i]) {
      if (i == j) continue;
      adjacent[i].push_back(j);
      adjacent[j].push_back(i);
    }
  }
  std::vector<size_t> discovered(n, kNone), low(n, 0), parent(n, kNone), children(n, 0);
  std::vector<char> is_cut(n, 0);
  struct Frame {
    size_t node, next_edge;
  };
  for (size_t root = 0; root < n; ++root) {
    if (discovered[root] != kNone) continue;
    std::vector<Frame> frames = {{root, 0}};
    discovered[root] = low[root] = counter++;
    while (!frames.empty()) {
      Frame& f = frames.back();
      if (f.next_edge < adjacent[f.node].size()) {
        size_t next = adjacent[f.node][f.next_edge++];
        if (discovered[next] == kNone) {
          parent[next] = f.node;
          ++children[f.node];
          discovered[next] = low[next] = counter++;
          frames.push_back({next, 0});
        } else if (next != parent[f.node]) {
          low[f.node] = std::min(low[f.node], discovered[next]);
        }
        continue;
      }
      size_t node = f.node;
      frames.pop_back();
      if (frames.empty()) continue;
      size_t up = frames.back().node;
      low[up] = std::min(low[up], low[node]);
      if (parent[up] != kNone && low[node] >= discovered[up]) is_cut[up] = 1;
    }
    if (children[root] > 1) is_cut[root] = 1;
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < n; ++i) {
    if (is_cut[i]) out.push_back(i);
  }
  return out;
}

std::vector<size_t> DependencyGraph::TransitiveDependents(size_t i) const {
  std::vector<char> seen(size(), 0);
  std::vector<size_t> out, queue = {i};
  seen[i] = 1;
  for (size_t head = 0; head < queue.size(); ++head) {
    for (size_t up : dependents_[queue[head]]) {
      if (seen[up]) continue;
      seen[up] = 1;
      out.push_back(up);
      queue.push_back(up);
    }
  }
  return out;
}

}  // namespace stormproof::plan
