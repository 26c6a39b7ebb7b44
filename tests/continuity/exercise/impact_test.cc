// What a scenario takes down (src/continuity/exercise/impact.cc), on small plans worked out by
// hand, and on the example MSP's three scenarios.
#include "continuity/exercise/impact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "continuity/plan/loader.h"
#include "tests/continuity/plan/plan_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::exercise {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Loaded {
  plan::LoadResult loaded;
  const plan::Plan& plan() const { return loaded.plan; }
};

// A plan of the standard header, people and role (ann holds ic, bob is its backup) and `rest`.
Loaded Load(const std::string& rest) {
  Loaded l{
      plan::LoadPlanFromText("plan.yaml", plan::testing::PlanText(plan::testing::kPeople, rest))};
  EXPECT_EQ(l.loaded.diagnostics.error_count(), 0u);
  for (const plan::Diagnostic& d : l.loaded.diagnostics.all()) {
    ADD_FAILURE() << plan::FormatDiagnostic(l.loaded.plan.files, d);
  }
  return l;
}

ScenarioImpact Impact(const Loaded& l, const std::string& scenario) {
  const plan::Scenario* s = l.plan().FindScenario(scenario);
  EXPECT_NE(s, nullptr) << scenario;
  Result<ScenarioImpact> impact = ImpactOf(l.plan(), *s);
  EXPECT_THAT(impact, IsOk());
  return impact ? *impact : ScenarioImpact{};
}

std::vector<std::string> DownIds(const plan::Plan& plan, const ScenarioImpact& impact) {
  std::vector<std::string> ids;
  for (const DownSystem& d : impact.down) ids.push_back(plan.systems[d.system].id);
  return ids;
}

std::vector<std::string> Reasons(const ScenarioImpact& impact) {
  std::vector<std::string> reasons;
  for (const DownSystem& d : impact.down) reasons.push_back(d.reason);
  return reasons;
}

constexpr const char* kStarts = "    starts: {day: monday, time: \"09:00\"}\n";

// The MSP's sql01 at hq; the shop's crm needs it, the bank's portal needs the crm.
TEST(ImpactTest, DependencyChainAcrossClients) {
  Loaded l = Load(std::string(R"(clients:
  - {id: shop, name: Shop}
  - {id: bank, name: Bank}
sites:
  - {id: hq}
  - {id: branch}
systems:
  - {id: portal, owner: bob, tier: t2, client: bank, depends_on: [crm]}
  - {id: crm, owner: ann, tier: t2, client: shop, depends_on: [sql01]}
  - {id: mail, owner: bob, tier: t2, client: bank, sites: [branch]}
  - {id: sql01, owner: ann, tier: t2, sites: [hq]}
scenarios:
  - id: fire
    name: Fire at HQ
)") + kStarts + "    lost: {sites: [{id: hq, for: 3d}]}\n");
  ScenarioImpact impact = Impact(l, "fire");
  // Dependencies first: the restore order, not the order written.
  EXPECT_THAT(DownIds(l.plan(), impact), ElementsAre("sql01", "crm", "portal"));
  EXPECT_THAT(Reasons(impact),
              ElementsAre("sql01: at site hq, lost for 3d",
                          "crm: depends on sql01, which is at site hq, lost for 3d",
                          "portal: depends on crm, which depends on sql01, which is at site hq, "
                          "lost for 3d"));
  EXPECT_EQ(impact.down[2].clears_after, Duration::Days(3));
  EXPECT_THAT(impact.sites_lost, ElementsAre("hq"));
  EXPECT_EQ(impact.FindDown(2), nullptr);  // mail, at the branch
}

constexpr const char* kFailover = R"(sites:
  - {id: hq}
  - {id: branch}
systems:
  - {id: dc1, owner: ann, tier: t2, sites: [hq], failover: [dc2]}
  - {id: dc2, owner: ann, tier: t2, sites: [branch]}
  - {id: app, owner: bob, tier: t2, depends_on: [dc1]}
  - {id: db, owner: bob, tier: t2, sites: [hq], failover: [replica]}
  - {id: replica, owner: bob, tier: t2, depends_on: [db]}
  - {id: report, owner: ann, tier: t2, depends_on: [db], failover: [dc2]}
scenarios:
  - id: hq
    name: HQ lost
    starts: {day: monday, time: "09:00"}
    lost: {sites: [hq]}
  - id: both
    name: Both sites lost
    starts: {day: monday, time: "09:00"}
    lost: {sites: [hq, branch]}
)";

// dc2 takes over for dc1, so app stays up; db's replica needs db itself, so it cannot.
TEST(ImpactTest, FailoverAvoidsAnOutage) {
  Loaded l = Load(kFailover);
  ScenarioImpact impact = Impact(l, "hq");
  EXPECT_THAT(DownIds(l.plan(), impact), ElementsAre("db", "replica"));
  ASSERT_EQ(impact.failed_over.size(), 2u);
  EXPECT_EQ(impact.failed_over[0].system, 0u);
  EXPECT_EQ(impact.failed_over[0].failover, 1u);
  EXPECT_EQ(impact.failed_over[0].reason, "dc1: at site hq, lost; dc2 takes over");
  // Not hit itself, but its dependency is down: its failover carries it.
  EXPECT_EQ(impact.failed_over[1].reason, "report: depends on db, which is down; dc2 takes over");
  EXPECT_EQ(impact.down[0].reason, "db: at site hq, lost; its failover replica is not running");
}

TEST(ImpactTest, FailoverThatIsDownToo) {
  Loaded l = Load(kFailover);
  ScenarioImpact impact = Impact(l, "both");
  EXPECT_THAT(impact.failed_over, IsEmpty());
  const DownSystem* dc1 = impact.FindDown(0);
  ASSERT_NE(dc1, nullptr);
  EXPECT_EQ(dc1->reason, "dc1: at site hq, lost; its failover dc2 is not running");
  EXPECT_FALSE(dc1->clears_after);  // only a restore brings it back
  ASSERT_NE(impact.FindDown(2), nullptr);
  EXPECT_EQ(impact.FindDown(2)->reason, "app: depends on dc1, which is at site hq, lost");
}

// The office has one ISP, the colo two; voip uses the ISP directly.
TEST(ImpactTest, LostIspTakesDownWhatDependsOnIt) {
  Loaded l = Load(std::string(R"(vendors:
  - {id: fibre, kind: isp}
  - {id: cable, kind: isp}
sites:
  - {id: office, isps: [fibre]}
  - {id: colo, isps: [fibre, cable]}
  - {id: region}
repositories:
  - {id: office-nas, location: /srv/nas, site: office}
  - {id: colo-repo, location: /srv/repo, site: colo}
systems:
  - {id: web, owner: ann, tier: t2, depends_on: [fs]}
  - {id: fs, owner: ann, tier: t2, sites: [office]}
  - {id: vm, owner: bob, tier: t2, sites: [colo]}
  - {id: bucket, owner: bob, tier: t2, sites: [region]}
  - {id: voip, owner: bob, tier: t2, vendors: [fibre]}
scenarios:
  - id: dig
    name: A digger cuts the fibre
)") + kStarts + "    lost: {isps: [{id: fibre, for: 7d}]}\n");
  ScenarioImpact impact = Impact(l, "dig");
  EXPECT_THAT(impact.sites_cut_off, ElementsAre("office"));
  EXPECT_THAT(DownIds(l.plan(), impact), ElementsAre("fs", "web", "voip"));
  EXPECT_THAT(Reasons(impact),
              ElementsAre("fs: at site office, cut off (its ISP fibre lost) for 1w",
                          "web: depends on fs, which is at site office, cut off (its ISP fibre "
                          "lost) for 1w",
                          "voip: uses vendor fibre, lost for 1w"));
  EXPECT_EQ(impact.down[1].clears_after, Duration::Days(7));
  ASSERT_EQ(impact.repositories.size(), 1u);
  EXPECT_EQ(impact.repositories[0].repository, 0u);
  EXPECT_EQ(impact.repositories[0].state, RepositoryState::kUnreachable);
  EXPECT_EQ(impact.repositories[0].duration, Duration::Days(7));
}

constexpr const char* kAway = R"(systems:
  - {id: db, owner: ann, tier: t2}
scenarios:
  - id: ann-away
    name: Ann on leave
    starts: {day: friday, time: "17:30"}
    lost: {people: [{id: ann, for: 1w}]}
  - id: both-away
    name: Everyone away
    starts: {day: friday, time: "17:30"}
    lost: {people: [ann, bob, ann]}
)";

TEST(ImpactTest, PeopleUnavailable) {
  Loaded l = Load(kAway);
  ScenarioImpact impact = Impact(l, "ann-away");
  EXPECT_THAT(impact.down, IsEmpty());
  ASSERT_EQ(impact.people.size(), 1u);
  EXPECT_EQ(impact.people[0].person, 0u);
  EXPECT_EQ(impact.people[0].duration, Duration::Days(7));
  ASSERT_EQ(impact.people[0].roles.size(), 1u);
  EXPECT_EQ(impact.people[0].roles[0].role, "ic");
  EXPECT_EQ(impact.people[0].roles[0].stand_in, "bob");

  ScenarioImpact both = Impact(l, "both-away");
  ASSERT_EQ(both.people.size(), 2u);                // ann listed twice counts once
  EXPECT_EQ(both.people[0].roles[0].stand_in, "");  // bob, the backup, is away too
  EXPECT_FALSE(both.people[0].duration);
}

// Ransomware at the shop: what runs at the shop's office, and its NAS; not its cloud service,
// not its immutable vault, not the MSP's own repository.
TEST(ImpactTest, RansomwareAtAClient) {
  Loaded l = Load(std::string(R"(clients:
  - {id: shop, name: Shop}
sites:
  - {id: shop-office, client: shop}
  - {id: hq}
repositories:
  - {id: shop-nas, location: /a, site: shop-office}
  - {id: shop-vault, location: /b, site: shop-office, immutable: true}
  - {id: msp-repo, location: /c, site: hq}
systems:
  - {id: shop-erp, owner: ann, tier: t2, client: shop, sites: [shop-office]}
  - {id: shop-m365, owner: ann, tier: t2, client: shop}
  - {id: msp-psa, owner: bob, tier: t2, sites: [hq]}
scenarios:
  - id: ransom
    name: Ransomware at the shop
)") + kStarts + "    lost: {ransomware: shop}\n");
  ScenarioImpact impact = Impact(l, "ransom");
  EXPECT_THAT(Reasons(impact), ElementsAre("shop-erp: encrypted by ransomware at shop"));
  ASSERT_EQ(impact.repositories.size(), 1u);
  EXPECT_EQ(impact.repositories[0].repository, 0u);
  EXPECT_EQ(impact.repositories[0].state, RepositoryState::kEncrypted);
  EXPECT_EQ(impact.repositories[0].reason,
            "shop-nas: at site shop-office, encrypted by ransomware at shop");
}

TEST(ImpactTest, DependencyCycleIsAnError) {
  plan::LoadResult loaded = plan::LoadPlanFromText(
      "plan.yaml", plan::testing::PlanText(plan::testing::kPeople, std::string(R"(systems:
  - {id: a, owner: ann, tier: t2, depends_on: [b]}
  - {id: b, owner: ann, tier: t2, depends_on: [a]}
scenarios:
  - id: s
    name: S
)") + kStarts + "    lost: {systems: [a]}\n"));
  EXPECT_THAT(ImpactOf(loaded.plan, loaded.plan.scenarios.at(0)),
              ErrorIs(ErrorCode::kFailedCheck, ::testing::HasSubstr("cycle")));
}

class ExampleMspTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    loaded_ = new plan::LoadResult(plan::LoadPlan(
        std::string(STORMPROOF_EXAMPLES) + "/acme-msp/plan.yaml", plan::LoadOptions{}));
  }
  static void TearDownTestSuite() { delete loaded_; }
  static const plan::Plan& plan() { return loaded_->plan; }
  static plan::LoadResult* loaded_;
};
plan::LoadResult* ExampleMspTest::loaded_ = nullptr;

TEST_F(ExampleMspTest, RansomwareAtHarcourtVale) {
  Result<ScenarioImpact> impact =
      ImpactOf(plan(), *plan().FindScenario("ransomware-harcourt-vale"));
  ASSERT_THAT(impact, IsOk());
  std::vector<std::string> down = DownIds(plan(), *impact);
  std::sort(down.begin(), down.end());
  EXPECT_THAT(down, ElementsAre("hv-case", "hv-dc01", "hv-dc02", "hv-dictation", "hv-dms",
                                "hv-files", "hv-sql"));  // not hv-m365, in the cloud
  std::vector<std::string> repositories;
  for (const UnusableRepository& r : impact->repositories) {
    repositories.push_back(plan().repositories[r.repository].id);
    EXPECT_EQ(r.state, RepositoryState::kEncrypted);
  }
  EXPECT_THAT(repositories, ElementsAre("hv-nas-london", "hv-nas-guildford"));
  // Restore order: every system after the down systems it depends on.
  for (size_t k = 0; k < impact->down.size(); ++k) {
    for (size_t dep : impact->down[k].dependencies) {
      auto at = std::find_if(impact->down.begin(), impact->down.end(),
                             [&](const DownSystem& d) { return d.system == dep; });
      EXPECT_LT(at - impact->down.begin(), static_cast<std::ptrdiff_t>(k));
    }
  }
}

TEST_F(ExampleMspTest, OfficeIspDownIsCarriedByTheSecondLine) {
  Result<ScenarioImpact> impact = ImpactOf(plan(), *plan().FindScenario("office-isp-down"));
  ASSERT_THAT(impact, IsOk());
  EXPECT_THAT(impact->sites_cut_off, IsEmpty());
  EXPECT_THAT(impact->down, IsEmpty());
}

TEST_F(ExampleMspTest, WorksFloodWithTheLeadAway) {
  Result<ScenarioImpact> impact = ImpactOf(plan(), *plan().FindScenario("works-flood-lead-away"));
  ASSERT_THAT(impact, IsOk());
  std::vector<std::string> down = DownIds(plan(), *impact);
  std::sort(down.begin(), down.end());
  EXPECT_THAT(down, ElementsAre("ppe-dc", "ppe-dnc", "ppe-erp", "ppe-files", "ppe-labels",
                                "ppe-mes", "ppe-pdm", "ppe-sql"));
  ASSERT_EQ(impact->people.size(), 1u);
  EXPECT_EQ(plan().people[impact->people[0].person].id, "priya-shah");
  ASSERT_EQ(impact->people[0].roles.size(), 1u);
  EXPECT_EQ(impact->people[0].roles[0].role, "technical-lead");
  EXPECT_EQ(impact->people[0].roles[0].stand_in, "daniel-reyes");
}

}  // namespace
}  // namespace stormproof::exercise
