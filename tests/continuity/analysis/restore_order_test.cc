#include "continuity/analysis/restore_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/text.h"
#include "continuity/plan/loader.h"
#include "continuity/plan/validate.h"
#include "tests/matchers.h"

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
  ASSERT_THAT(order, IsOk());
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
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(Ids(l.plan, *order), (std::vector<std::string>{"gold-cheap", "dear", "cheap", "twin-b",
                                                           "uncosted", "bronze", "untiered"}));
}

TEST(RestoreOrderTest, ProjectsFromDependenciesAndOnePersonAtATime) {
  // Ann alone restores everything, one system at a time, in priority order among the ready:
  //   network 0h-1h; identity 1h-3h (gold, dearer than db); db 3h-5h; app waits for db and
  //   identity, 5h-8h (just within its 8h rto); files (no estimate: its 8h rto) is ready at 0h
  //   but ann is busy until 8h: 8h-16h, past its rto; mail (ready at 3h) is cheaper: 16h-17h;
  //   archive waits for files and takes its 2d rto: 17h-65h, past that rto.
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
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(Ids(l.plan, *order), (std::vector<std::string>{"network", "identity", "db", "app",
                                                           "files", "mail", "archive"}));
  auto steps = ById(l.plan, *order);
  auto h = [](int hours) { return Duration::Hours(hours); };
  const struct {
    const char* id;
    int ready, starts, back;
  } expected[] = {{"network", 0, 0, 1}, {"identity", 1, 1, 3}, {"db", 1, 3, 5},
                  {"app", 5, 5, 8},     {"files", 0, 8, 16},   {"mail", 3, 16, 17},
                  {"archive", 16, 17, 65}};
  for (const auto& e : expected) {
    EXPECT_EQ(steps[e.id].ready, h(e.ready)) << e.id;
    EXPECT_EQ(steps[e.id].starts, h(e.starts)) << e.id;
    EXPECT_EQ(steps[e.id].back, h(e.back)) << e.id;
    EXPECT_EQ(steps[e.id].person, "ann") << e.id;
    EXPECT_EQ(steps[e.id].restorer, Restorer::kOwner) << e.id;
  }
  EXPECT_TRUE(steps["network"].waits_for.empty());
  EXPECT_EQ(steps["app"].waits_for, (std::vector<std::string>{"db"}));
  EXPECT_TRUE(steps["app"].within_rto);
  EXPECT_EQ(steps["mail"].waits_for, (std::vector<std::string>{"identity"}));
  EXPECT_TRUE(steps["identity"].estimated);
  EXPECT_FALSE(steps["files"].estimated);
  EXPECT_EQ(steps["files"].restore_time, h(8));
  EXPECT_FALSE(steps["files"].within_rto);
  EXPECT_EQ(steps["archive"].rto, Duration::Days(2));
  EXPECT_FALSE(steps["archive"].within_rto);
}

TEST(RestoreOrderTest, NoEstimateAndNoRtoTakesNoTime) {
  plan::LoadResult l = Load(System("a", "silver"));
  l.plan.systems[0].tier.reset();
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_THAT(order, IsOk());
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
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(Ids(l.plan, *order),
            (std::vector<std::string>{"network", "law-db", "dental-db", "dental-app"}));
  auto steps = ById(l.plan, *order);
  EXPECT_TRUE(steps["network"].dependency_only);
  EXPECT_TRUE(steps["law-db"].dependency_only);
  EXPECT_FALSE(steps["dental-db"].dependency_only);
  EXPECT_FALSE(steps["dental-app"].dependency_only);
}

// One person for both clients: the law firm's gold system comes first, so the dental
// database starts only when Ann is free — for the dental client's own list too.
TEST(RestoreOrderTest, ClientFilterKeepsTheWholeMspsTimes) {
  plan::LoadResult l = Load(System("law-core", "gold", "client: law", "3h") +
                            System("dental-db", "silver", "client: dental", "1h"));
  Result<std::vector<RestoreStep>> order =
      ComputeRestoreOrder(l.plan, RestoreOrderOptions{std::string("dental")});
  ASSERT_THAT(order, IsOk());
  ASSERT_EQ(Ids(l.plan, *order), (std::vector<std::string>{"dental-db"}));
  EXPECT_EQ((*order)[0].position, 1);
  EXPECT_EQ((*order)[0].starts, Duration::Hours(3)) << "Ann restores law-core first";
  EXPECT_EQ((*order)[0].back, Duration::Hours(4));
}

TEST(RestoreOrderTest, WholePlanMarksNothingDependencyOnly) {
  plan::LoadResult l = Load(TwoClientSystems());
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->size(), l.plan.systems.size());
  for (const RestoreStep& step : *order) EXPECT_FALSE(step.dependency_only);
}

TEST(RestoreOrderTest, UnknownClientSuggestsTheClosest) {
  plan::LoadResult l = Load(TwoClientSystems());
  Result<std::vector<RestoreStep>> order =
      ComputeRestoreOrder(l.plan, RestoreOrderOptions{std::string("dentl")});
  ASSERT_FALSE(order.has_value());
  EXPECT_THAT(order, ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(order.error().message(), "unknown client 'dentl' (did you mean 'dental'?)");
}

TEST(RestoreOrderTest, CycleIsAFailedCheckNamingIt) {
  plan::LoadResult l =
      Load(System("a", "silver", "depends_on: [b]") + System("b", "silver", "depends_on: [c]") +
               System("c", "silver", "depends_on: [a]") + System("d", "silver"),
           /*valid=*/false);
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_FALSE(order.has_value());
  EXPECT_THAT(order, ErrorIs(ErrorCode::kFailedCheck));
  EXPECT_THAT(order.error().message(), HasSubstr("'a' -> 'b' -> 'c' -> 'a'"))
      << order.error().message();
}

TEST(RestoreOrderTest, SelfDependencyIsACycle) {
  plan::LoadResult l = Load(System("a", "silver", "depends_on: [a]"), /*valid=*/false);
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_FALSE(order.has_value());
  EXPECT_THAT(order.error().message(), HasSubstr("'a' -> 'a'")) << order.error().message();
}

TEST(RestoreOrderTest, CycleOutsideTheClientDoesNotMatter) {
  plan::LoadResult l = Load(TwoClientSystems() + System("x", "silver", "depends_on: [y]") +
                                System("y", "silver", "depends_on: [x]"),
                            /*valid=*/false);
  Result<std::vector<RestoreStep>> order =
      ComputeRestoreOrder(l.plan, RestoreOrderOptions{std::string("dental")});
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->size(), 4u);
}

// --- people: one restore per person at a time, skills, deputies --------------------------------

// No person restores two systems at once: each person's restores, by start, do not overlap.
void ExpectOneRestorePerPerson(const plan::Plan& p, const std::vector<RestoreStep>& steps) {
  std::map<std::string, std::vector<const RestoreStep*>> by_person;
  for (const RestoreStep& step : steps) {
    if (step.restorable()) by_person[step.person].push_back(&step);
  }
  for (auto& [person, restores] : by_person) {
    std::sort(restores.begin(), restores.end(),
              [](const RestoreStep* a, const RestoreStep* b) { return a->starts < b->starts; });
    for (size_t i = 1; i < restores.size(); ++i) {
      EXPECT_LE(restores[i - 1]->back, restores[i]->starts)
          << person << " restores " << p.systems[restores[i - 1]->system].id << " and "
          << p.systems[restores[i]->system].id << " at once";
    }
  }
}

// A plan with these people (YAML list items) and systems; every tier and client as kHeader.
plan::LoadResult LoadTeam(const std::string& people, const std::string& systems) {
  std::string text = kHeader;
  size_t begin = text.find("people:\n");
  size_t end = text.find("clients:\n");
  text.replace(begin, end - begin, "people:\n" + people);
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", text + systems);
  for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
    EXPECT_NE(d.severity, plan::Severity::kError) << FormatDiagnostic(loaded.plan.files, d);
  }
  return loaded;
}

std::string Person(const std::string& id, const std::string& extra = "") {
  return "  - {id: " + id + ", name: " + id + ", contacts: {email: " + id +
         "@example.com}, contacts_verified: 2026-11-01" + (extra.empty() ? "" : ", " + extra) +
         "}\n";
}

// A silver system owned by `owner`, needing skill tag `sql`, with a 1h estimate unless given.
std::string Owned(const std::string& id, const std::string& owner, const std::string& extra = "",
                  const std::string& estimate = "1h") {
  std::string out = "  - {id: " + id + ", tier: silver, skills: [sql], owner: " + owner;
  if (!extra.empty()) out += ", " + extra;
  return out + ", restore: {estimate: " + estimate + "}}\n";
}

struct Expected {
  const char* system;
  const char* person;  // "" when nobody restores it
  Restorer restorer;
  int starts_min, back_min;
};

struct TeamCase {
  const char* name;
  std::string people, systems;
  std::vector<Expected> expected;  // in list order
};

TEST(RestoreOrderTest, PeopleTable) {
  const TeamCase cases[] = {
      {"two systems, one person: one after the other",
       Person("ann", "skills: [sql]"),
       Owned("a", "ann", "downtime_cost_per_hour: 200") +
           Owned("b", "ann", "downtime_cost_per_hour: 100", "2h"),
       {{"a", "ann", Restorer::kOwner, 0, 60}, {"b", "ann", Restorer::kOwner, 60, 180}}},
      {"the owner's deputy takes the second, before anyone earlier in the plan",
       Person("ann", "skills: [sql], deputy: bob") + Person("carol", "skills: [sql]") +
           Person("bob", "skills: [sql]"),
       Owned("a", "ann", "downtime_cost_per_hour: 300") +
           Owned("b", "ann", "downtime_cost_per_hour: 200", "2h") +
           Owned("c", "ann", "downtime_cost_per_hour: 100", "30m"),
       {{"a", "ann", Restorer::kOwner, 0, 60},
        {"b", "bob", Restorer::kDeputy, 0, 120},
        {"c", "carol", Restorer::kOther, 0, 30}}},
      {"a dependency is back first; a busy owner holds up only her own systems",
       Person("ann", "skills: [sql]") + Person("bob", "skills: [web]"),
       Owned("db", "ann", "downtime_cost_per_hour: 300", "2h") +
           "  - {id: app, tier: silver, owner: bob, depends_on: [db], "
           "downtime_cost_per_hour: 200, restore: {estimate: 1h}}\n" +
           Owned("files", "ann", "downtime_cost_per_hour: 100") +
           "  - {id: web, tier: silver, owner: bob, downtime_cost_per_hour: 50, "
           "restore: {estimate: 30m}}\n",
       {{"db", "ann", Restorer::kOwner, 0, 120},
        {"web", "bob", Restorer::kOwner, 0, 30},
        {"app", "bob", Restorer::kOwner, 120, 180},
        {"files", "ann", Restorer::kOwner, 120, 180}}},
      {"nobody skilled: the owners lack a checklist step's skill; what waits for it is blocked",
       Person("ann", "skills: [sql]") + Person("bob", "skills: [cobol]"),
       "  - {id: mainframe, tier: silver, owner: ann, downtime_cost_per_hour: 900, restore: "
       "{estimate: 1h, checklist: [{step: Load the tapes, skill: tapes}, "
       "{step: Start CICS, skill: cobol}]}}\n" +
           Owned("billing", "ann", "depends_on: [mainframe]") +
           "  - {id: crm, tier: silver, skills: [sql], owner: bob, restore: {estimate: 2h, "
           "checklist: [{step: Rebuild the index, skill: sql}]}}\n",
       {{"crm", "ann", Restorer::kOther, 0, 120},
        {"mainframe", "", Restorer::kNobody, 0, 0},
        {"billing", "", Restorer::kBlocked, 0, 0}}},
  };
  for (const TeamCase& c : cases) {
    plan::LoadResult l = LoadTeam(c.people, c.systems);
    Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
    ASSERT_THAT(order, IsOk()) << c.name << ": " << order.error().message();
    ASSERT_EQ(order->size(), c.expected.size()) << c.name;
    for (size_t i = 0; i < c.expected.size(); ++i) {
      const Expected& e = c.expected[i];
      const RestoreStep& step = (*order)[i];
      EXPECT_EQ(l.plan.systems[step.system].id, e.system) << c.name << " #" << i;
      EXPECT_EQ(step.person, e.person) << c.name << ": " << e.system;
      EXPECT_EQ(step.restorer, e.restorer) << c.name << ": " << e.system;
      EXPECT_EQ(step.starts, Duration::Minutes(e.starts_min)) << c.name << ": " << e.system;
      EXPECT_EQ(step.back, Duration::Minutes(e.back_min)) << c.name << ": " << e.system;
      EXPECT_EQ(step.position, static_cast<int>(i) + 1) << c.name << ": " << e.system;
    }
    ExpectOneRestorePerPerson(l.plan, *order);
  }
}

TEST(RestoreOrderTest, SaysWhyASystemCannotBeRestored) {
  plan::LoadResult l = LoadTeam(
      Person("ann", "skills: [sql]") + Person("bob", "skills: [cobol]"),
      "  - {id: mainframe, tier: silver, owner: bob, skills: [cobol], restore: {checklist: "
      "[{step: Start CICS, skill: cics}]}}\n" +
          Owned("billing", "ann", "depends_on: [mainframe]"));
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_THAT(order, IsOk());
  auto steps = ById(l.plan, *order);
  EXPECT_FALSE(steps["mainframe"].restorable());
  EXPECT_EQ(steps["mainframe"].not_restorable,
            "nobody can restore it: needs its owner (bob) or someone trained in mainframe (or "
            "in cobol), who also holds the checklist's skills cics");
  EXPECT_FALSE(steps["mainframe"].within_rto);
  EXPECT_EQ(steps["billing"].restorer, Restorer::kBlocked);
  EXPECT_EQ(steps["billing"].not_restorable, "waits for mainframe, which cannot be restored");
  EXPECT_TRUE(steps["billing"].person.empty());
}

TEST(RestoreOrderTest, TrainingRecordsMakeARestorer) {
  // Bob has no declared skill but a training record in the system's tag: he takes b while Ann
  // restores a.
  plan::LoadResult l = LoadTeam(Person("ann", "skills: [sql]") + Person("bob"),
                                Owned("a", "ann", "downtime_cost_per_hour: 20") +
                                    Owned("b", "ann", "downtime_cost_per_hour: 10") +
                                    "training:\n  - {person: bob, skill: sql, kind: course, "
                                    "date: 2026-06-01}\n");
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, {});
  ASSERT_THAT(order, IsOk());
  auto steps = ById(l.plan, *order);
  EXPECT_EQ(steps["b"].person, "bob");
  EXPECT_EQ(steps["b"].restorer, Restorer::kOther);
  EXPECT_EQ(steps["b"].starts, Duration());
}

// On the example MSP, for the whole plan and for each client: every dependency is back before its
// dependent starts, no step starts before its last dependency is back, and nobody restores two
// systems at once.
TEST(RestoreOrderTest, ExamplePlanRestoresDependenciesFirst) {
  plan::LoadResult l = plan::LoadPlan(std::string(STORMPROOF_EXAMPLES) + "/acme-msp/plan.yaml");
  ASSERT_EQ(l.diagnostics.error_count(), 0u);
  std::vector<RestoreOrderOptions> runs = {{}};
  for (const plan::Client& client : l.plan.clients) runs.push_back({client.id});
  for (const RestoreOrderOptions& options : runs) {
    Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(l.plan, options);
    ASSERT_THAT(order, IsOk());
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
      if (!step.restorable()) continue;
      EXPECT_EQ(step.ready, last);
      EXPECT_GE(step.starts, step.ready);
    }
    ExpectOneRestorePerPerson(l.plan, *order);
  }
}

TEST(RestoreOrderTest, EmptyPlanHasEmptyOrder) {
  plan::Plan empty;
  empty.BuildIndex();
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(empty, {});
  ASSERT_THAT(order, IsOk());
  EXPECT_TRUE(order->empty());
}

TEST(RestoreOrderTest, DeepChainDoesNotOverflowTheStack) {
  // s0 <- s1 <- ... <- s19999, each taking one minute: s_i is back after i+1 minutes.
  constexpr int kLength = 20000;
  plan::Plan p;
  p.people.push_back({});
  p.people[0].id = "ann";
  p.tiers.push_back({});
  p.tiers[0].id = "t";
  p.tiers[0].rank = 2;
  for (int i = 0; i < kLength; ++i) {
    plan::System s;
    s.id = "s" + std::to_string(i);
    s.tier = plan::Ref{"t", {}};
    s.owner = plan::Ref{"ann", {}};
    s.restore_estimate = Duration::Minutes(1);
    if (i > 0) s.depends_on.push_back({"s" + std::to_string(i - 1), {}});
    p.systems.push_back(std::move(s));
  }
  p.BuildIndex();
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(p, {});
  ASSERT_THAT(order, IsOk());
  ASSERT_EQ(order->size(), static_cast<size_t>(kLength));
  for (int i = 0; i < kLength; ++i) {
    ASSERT_EQ((*order)[i].system, static_cast<size_t>(i));
  }
  EXPECT_EQ(order->back().back, Duration::Minutes(kLength));
  EXPECT_EQ(order->back().waits_for, std::vector<std::string>{"s19998"});
}

TEST(RestoreOrderTest, ManyIndependentSystemsOnePersonOneAfterTheOther) {
  // 20000 systems nobody depends on, one person: the i-th (by id) is back after i+1 minutes.
  constexpr int kCount = 20000;
  plan::Plan p;
  p.people.push_back({});
  p.people[0].id = "ann";
  for (int i = 0; i < kCount; ++i) {
    plan::System s;
    char id[16];
    std::snprintf(id, sizeof id, "s%05d", i);
    s.id = id;
    s.owner = plan::Ref{"ann", {}};
    s.restore_estimate = Duration::Minutes(1);
    p.systems.push_back(std::move(s));
  }
  p.BuildIndex();
  Result<std::vector<RestoreStep>> order = ComputeRestoreOrder(p, {});
  ASSERT_THAT(order, IsOk());
  ASSERT_EQ(order->size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ((*order)[i].system, static_cast<size_t>(i));
    ASSERT_EQ((*order)[i].starts, Duration::Minutes(i));
  }
  EXPECT_EQ(order->back().back, Duration::Minutes(kCount));
}

}  // namespace
}  // namespace stormproof::analysis
