#include "analysis/restore_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/text.h"
#include "plan/loader.h"
#include "plan/validate.h"

namespace stormproof::analysis {
namespace {

const Date kToday = Date::FromCivil(2026, 11, 26);

// Three tiers, two clients, one person. Systems are appended by each test.
constexpr const char* kHeader = R"(version: 1
msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann Archer, contacts: {email: ann@example.com, phone: "+1 555 0100"}, contacts_verified: 2026-11-01, skills: [all]}
clients:
  - {id: dental, name: Dental Co, comms: {liaison: ann}}
  - {id: law, name: Law LLP, comms: {liaison: ann}}
tiers:
  - {id: gold, rank: 1, rto: 4h, rpo: 1h}
  - {id: silver, rank: 2, rto: 8h, rpo: 4h}
  - {id: bronze, rank: 3, rto: 2d, rpo: 1d}
systems:
)";

// One system as a flow mapping. `estimate` goes under restore; gold systems also carry the
// checklist and verification that plan check demands of a critical system.
std::string System(const std::string& id, const std::string& tier, const std::string& extra = "",
                   const std::string& estimate = "") {
  std::vector<std::string> restore;
  if (!estimate.empty()) restore.push_back("estimate: " + estimate);
  if (tier == "gold") restore.push_back("checklist: [Restore it], verify: /bin/true");
  std::string out = "  - {id: " + id + ", owner: ann, tier: " + tier;
  if (!extra.empty()) out += ", " + extra;
  if (!restore.empty()) out += ", restore: {" + Join(restore, ", ") + "}";
  return out + "}\n";
}

plan::LoadResult Load(const std::string& systems, bool valid = true) {
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", kHeader + systems);
  EXPECT_EQ(loaded.diagnostics.error_count(), 0u) << "the fixture does not load";
  plan::Diagnostics checked;
  plan::Validate(loaded.plan, {kToday}, &checked);
  if (valid) {
    for (const plan::Diagnostic& d : checked.all()) {
      EXPECT_NE(d.severity, plan::Severity::kError) << FormatDiagnostic(loaded.plan.files, d);
    }
  }
  return loaded;
}

std::vector<std::string> Ids(const plan::Plan& p, const std::vector<RestoreStep>& steps) {
  std::vector<std::string> ids;
  for (const RestoreStep& step : steps) ids.push_back(p.systems[step.system].id);
  return ids;
}

std::map<std::string, RestoreStep> ById(const plan::Plan& p,
                                        const std::vector<RestoreStep>& steps) {
  std::map<std::string, RestoreStep> out;
  for (const RestoreStep& step : steps) out[p.systems[step.system].id] = step;
  return out;
}

TEST(RestoreOrderTest, DependenciesComeFirst) {
  // Written dependents-first, so the plan order alone would be wrong.
  plan::LoadResult l =
      Load(System("app", "gold", "depends_on: [db, identity]") +
           System("db", "silver", "depends_on: [network]") +
           System("identity", "gold", "depends_on: [network]") + System("network", "bronze"));
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_TRUE(order.has_value()) << order.error().message();
  EXPECT_EQ(Ids(l.plan, *order), (std::vector<std::string>{"network", "identity", "db", "app"}));
  for (size_t i = 0; i < order->size(); ++i) EXPECT_EQ((*order)[i].position, int(i) + 1);
}

TEST(RestoreOrderTest, ReadySystemsByTierThenCostThenId) {
  plan::LoadResult l =
      Load(System("cheap", "silver", "downtime_cost_per_hour: 100") + System("uncosted", "silver") +
           System("gold-cheap", "gold", "downtime_cost_per_hour: 10") +
           System("dear", "silver", "downtime_cost_per_hour: 500") +
           System("twin-b", "silver", "downtime_cost_per_hour: 100") +
           System("untiered", "gold", "downtime_cost_per_hour: 9999") +
           System("bronze", "bronze", "downtime_cost_per_hour: 1000"));
  l.plan.systems[l.plan.SystemIndex("untiered")].tier.reset();  // missing tier: last
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_TRUE(order.has_value()) << order.error().message();
  EXPECT_EQ(Ids(l.plan, *order), (std::vector<std::string>{"gold-cheap", "dear", "cheap", "twin-b",
                                                           "uncosted", "bronze", "untiered"}));
}

TEST(RestoreOrderTest, ProjectsParallelRestoresFromDependencies) {
  //   network 0h-1h; identity and db both 1h-3h; app waits for both, 3h-6h; mail waits for
  //   identity (network was back at 1h), 3h-4h; files has no estimate: its 8h rto, 0h-8h;
  //   archive waits for files and takes its 2d rto: back at 56h, past that rto.
  plan::LoadResult l = Load(
      System("network", "gold", "downtime_cost_per_hour: 900", "1h") +
      System("identity", "gold", "depends_on: [network], downtime_cost_per_hour: 300", "2h") +
      System("db", "gold", "depends_on: [network], downtime_cost_per_hour: 200", "2h") +
      System("app", "silver", "depends_on: [db, identity], downtime_cost_per_hour: 1000", "3h") +
      System("files", "silver", "downtime_cost_per_hour: 50") +
      System("mail", "silver", "depends_on: [network, identity], downtime_cost_per_hour: 10",
             "1h") +
      System("archive", "bronze", "depends_on: [files]"));
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_TRUE(order.has_value()) << order.error().message();
  EXPECT_EQ(Ids(l.plan, *order), (std::vector<std::string>{"network", "identity", "db", "app",
                                                           "files", "mail", "archive"}));
  auto steps = ById(l.plan, *order);
  auto h = [](int hours) { return Duration::Hours(hours); };
  EXPECT_EQ(steps["network"].starts, h(0));
  EXPECT_EQ(steps["network"].back, h(1));
  EXPECT_TRUE(steps["network"].waits_for.empty());
  EXPECT_EQ(steps["identity"].back, h(3));
  EXPECT_EQ(steps["db"].starts, h(1));
  EXPECT_EQ(steps["app"].starts, h(3));
  EXPECT_EQ(steps["app"].back, h(6));
  EXPECT_EQ(steps["app"].waits_for, (std::vector<std::string>{"db", "identity"}));
  EXPECT_TRUE(steps["app"].within_rto);
  EXPECT_EQ(steps["mail"].waits_for, (std::vector<std::string>{"identity"}));
  EXPECT_EQ(steps["mail"].back, h(4));
  EXPECT_TRUE(steps["identity"].estimated);
  EXPECT_FALSE(steps["files"].estimated);
  EXPECT_EQ(steps["files"].restore_time, h(8));
  EXPECT_EQ(steps["archive"].starts, h(8));
  EXPECT_EQ(steps["archive"].back, h(56));
  EXPECT_EQ(steps["archive"].rto, Duration::Days(2));
  EXPECT_FALSE(steps["archive"].within_rto);
}

TEST(RestoreOrderTest, NoEstimateAndNoRtoTakesNoTime) {
  plan::LoadResult l = Load(System("a", "silver"));
  l.plan.systems[0].tier.reset();
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_TRUE(order.has_value()) << order.error().message();
  ASSERT_EQ(order->size(), 1u);
  EXPECT_EQ((*order)[0].restore_time, Duration());
  EXPECT_FALSE((*order)[0].estimated);
  EXPECT_FALSE((*order)[0].rto.has_value());
  EXPECT_TRUE((*order)[0].within_rto);
}

std::string TwoClientSystems() {
  return System("network", "gold") +  // the MSP's own
         System("law-db", "silver", "client: law") +
         System("dental-db", "silver", "client: dental, depends_on: [network, law-db]") +
         System("dental-app", "silver", "client: dental, depends_on: [dental-db]") +
         System("law-app", "silver", "client: law, depends_on: [law-db]") +
         System("law-archive", "bronze", "client: law");
}

TEST(RestoreOrderTest, ClientFilterPullsInDependencies) {
  plan::LoadResult l = Load(TwoClientSystems());
  Result<std::vector<RestoreStep>> order =
      ComputeRestoreOrder(l.plan, RestoreOrderOptions{std::string("dental")});
  ASSERT_TRUE(order.has_value()) << order.error().message();
  EXPECT_EQ(Ids(l.plan, *order),
            (std::vector<std::string>{"network", "law-db", "dental-db", "dental-app"}));
  auto steps = ById(l.plan, *order);
  EXPECT_TRUE(steps["network"].dependency_only);
  EXPECT_TRUE(steps["law-db"].dependency_only);
  EXPECT_FALSE(steps["dental-db"].dependency_only);
  EXPECT_FALSE(steps["dental-app"].dependency_only);
}

TEST(RestoreOrderTest, WholePlanMarksNothingDependencyOnly) {
  plan::LoadResult l = Load(TwoClientSystems());
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_TRUE(order.has_value()) << order.error().message();
  EXPECT_EQ(order->size(), l.plan.systems.size());
  for (const RestoreStep& step : *order) EXPECT_FALSE(step.dependency_only);
}

TEST(RestoreOrderTest, UnknownClientSuggestsTheClosest) {
  plan::LoadResult l = Load(TwoClientSystems());
  Result<std::vector<RestoreStep>> order =
      ComputeRestoreOrder(l.plan, RestoreOrderOptions{std::string("dentl")});
  ASSERT_FALSE(order.has_value());
  EXPECT_EQ(order.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(order.error().message(), "unknown client 'dentl' (did you mean 'dental'?)");
}

TEST(RestoreOrderTest, CycleIsAFailedCheckNamingIt) {
  plan::LoadResult l =
      Load(System("a", "silver", "depends_on: [b]") + System("b", "silver", "depends_on: [c]") +
               System("c", "silver", "depends_on: [a]") + System("d", "silver"),
           /*valid=*/false);
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_FALSE(order.has_value());
  EXPECT_EQ(order.error().code(), ErrorCode::kFailedCheck);
  EXPECT_NE(order.error().message().find("'a' -> 'b' -> 'c' -> 'a'"), std::string::npos)
      << order.error().message();
}

TEST(RestoreOrderTest, SelfDependencyIsACycle) {
  plan::LoadResult l = Load(System("a", "silver", "depends_on: [a]"), /*valid=*/false);
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_FALSE(order.has_value());
  EXPECT_NE(order.error().message().find("'a' -> 'a'"), std::string::npos)
      << order.error().message();
}

TEST(RestoreOrderTest, CycleOutsideTheClientDoesNotMatter) {
  plan::LoadResult l = Load(TwoClientSystems() + System("x", "silver", "depends_on: [y]") +
                                System("y", "silver", "depends_on: [x]"),
                            /*valid=*/false);
  Result<std::vector<RestoreStep>> order =
      ComputeRestoreOrder(l.plan, RestoreOrderOptions{std::string("dental")});
  ASSERT_TRUE(order.has_value()) << order.error().message();
  EXPECT_EQ(order->size(), 4u);
}

// On the example MSP, for the whole plan and for each client: every dependency is back before its
// dependent starts, and every step starts when its last dependency is back.
TEST(RestoreOrderTest, ExamplePlanRestoresDependenciesFirst) {
  plan::LoadResult l = plan::LoadPlan(std::string(STORMPROOF_EXAMPLES) + "/acme-msp/plan.yaml");
  ASSERT_EQ(l.diagnostics.error_count(), 0u);
  std::vector<RestoreOrderOptions> runs = {{}};
  for (const plan::Client& client : l.plan.clients) runs.push_back({client.id});
  for (const RestoreOrderOptions& options : runs) {
    Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, options);
    ASSERT_TRUE(order.has_value()) << order.error().message();
    ASSERT_FALSE(order->empty());
    std::map<std::string, RestoreStep> steps = ById(l.plan, *order);
    for (const RestoreStep& step : *order) {
      Duration last;
      for (const plan::Ref& dep : l.plan.systems[step.system].depends_on) {
        ASSERT_TRUE(steps.count(dep.id))
            << dep.id << " missing for " << options.client.value_or("");
        EXPECT_LT(steps[dep.id].position, step.position);
        last = std::max(last, steps[dep.id].back);
      }
      EXPECT_EQ(step.starts, last);
    }
  }
}

TEST(RestoreOrderTest, EmptyPlanHasEmptyOrder) {
  plan::Plan empty;
  empty.BuildIndex();
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(empty, {});
  ASSERT_TRUE(order.has_value());
  EXPECT_TRUE(order->empty());
}

TEST(RestoreOrderTest, DeepChainDoesNotOverflowTheStack) {
  // s0 <- s1 <- ... <- s19999, each taking one minute: s_i is back after i+1 minutes.
  constexpr int kLength = 20000;
  plan::Plan p;
  p.tiers.push_back({});
  p.tiers[0].id = "t";
  p.tiers[0].rank = 2;
  for (int i = 0; i < kLength; ++i) {
    plan::System s;
    s.id = "s" + std::to_string(i);
    s.tier = plan::Ref{"t", {}};
    s.restore_estimate = Duration::Minutes(1);
    if (i > 0) s.depends_on.push_back({"s" + std::to_string(i - 1), {}});
    p.systems.push_back(std::move(s));
  }
  p.BuildIndex();
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(p, {});
  ASSERT_TRUE(order.has_value()) << order.error().message();
  ASSERT_EQ(order->size(), static_cast<size_t>(kLength));
  for (int i = 0; i < kLength; ++i) {
    ASSERT_EQ((*order)[i].system, static_cast<size_t>(i));
  }
  EXPECT_EQ(order->back().back, Duration::Minutes(kLength));
  EXPECT_EQ(order->back().waits_for, std::vector<std::string>{"s19998"});
}

}  // namespace
}  // namespace stormproof::analysis
