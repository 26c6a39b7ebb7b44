#include "continuity/plan/dependency_graph.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace stormproof::plan {
namespace {

// A plan with systems s0..s(n-1) and the given edges (from depends on to).
Plan MakePlan(size_t n, const std::vector<std::pair<size_t, size_t>>& edges) {
  Plan plan;
  plan.systems.resize(n);
  for (size_t i = 0; i < n; ++i) plan.systems[i].id = "s" + std::to_string(i);
  for (auto [from, to] : edges) {
    plan.systems[from].depends_on.push_back({"s" + std::to_string(to), {}});
  }
  plan.BuildIndex();
  return plan;
}

TEST(DependencyGraphTest, FindsEachCycleSpelledOut) {
  Plan plan = MakePlan(5, {{0, 1}, {1, 2}, {2, 0}, {3, 3}, {4, 0}});
  DependencyGraph graph(plan);
  auto cycles = graph.FindCycles();
  ASSERT_EQ(cycles.size(), 2u);
  std::sort(cycles.begin(), cycles.end());
  EXPECT_EQ(cycles[0], (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(cycles[1], (std::vector<size_t>{3}));
}

TEST(DependencyGraphTest, AcyclicGraphHasNoCycles) {
  Plan plan = MakePlan(4, {{1, 0}, {2, 0}, {3, 1}, {3, 2}});
  EXPECT_TRUE(DependencyGraph(plan).FindCycles().empty());
}

TEST(DependencyGraphTest, FindsArticulationPoints) {
  // s1 and s2 depend on s0; s3 depends on s1: s0 and s1 hold the graph together.
  Plan plan = MakePlan(4, {{1, 0}, {2, 0}, {3, 1}});
  auto points = DependencyGraph(plan).ArticulationPoints();
  EXPECT_EQ(points, (std::vector<size_t>{0, 1}));
}

TEST(DependencyGraphTest, DiamondHasNoArticulationPoint) {
  Plan plan = MakePlan(4, {{1, 0}, {2, 0}, {3, 1}, {3, 2}});
  EXPECT_TRUE(DependencyGraph(plan).ArticulationPoints().empty());
}

TEST(DependencyGraphTest, TransitiveDependentsFollowsChains) {
  Plan plan = MakePlan(4, {{1, 0}, {2, 1}, {3, 3}});
  auto up = DependencyGraph(plan).TransitiveDependents(0);
  std::sort(up.begin(), up.end());
  EXPECT_EQ(up, (std::vector<size_t>{1, 2}));
}

TEST(DependencyGraphTest, DeepChainDoesNotOverflowTheStack) {
  constexpr size_t kN = 200000;
  std::vector<std::pair<size_t, size_t>> edges;
  for (size_t i = 1; i < kN; ++i) edges.push_back({i, i - 1});
  edges.push_back({0, kN - 1});  // closes one giant cycle
  Plan plan = MakePlan(kN, edges);
  DependencyGraph graph(plan);
  auto cycles = graph.FindCycles();
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0].size(), kN);
  EXPECT_TRUE(graph.ArticulationPoints().empty());  // a ring has none
}

TEST(DependencyGraphTest, IgnoresUnknownAndRepeatedReferences) {
  Plan plan = MakePlan(2, {{1, 0}, {1, 0}});
  plan.systems[1].depends_on.push_back({"missing", {}});
  plan.BuildIndex();
  DependencyGraph graph(plan);
  EXPECT_EQ(graph.depends_on(1), (std::vector<size_t>{0}));
  EXPECT_EQ(graph.dependents(0), (std::vector<size_t>{1}));
}

}  // namespace
}  // namespace stormproof::plan
