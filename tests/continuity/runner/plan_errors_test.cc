// schedule/plan_errors.h: which plan errors stop which work in `run`. Each case is a plan with
// one mistake in one place; the rest of the plan must still be backed up.
#include "continuity/runner/plan_errors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "continuity/plan/validate.h"
#include "tests/matchers.h"

namespace stormproof::runner {
namespace {

namespace fs = std::filesystem;

// Two clients, each in its own file; the MSP's own system in the root file.
constexpr const char* kRoot = R"(msp: {id: acme, name: Acme IT}
people:
  - id: ann
    name: Ann
    contacts: {email: ann@example.com, phone: "+44 1632 960000"}
tiers:
  - {id: gold, rank: 2, rto: 4h, rpo: 15m, drill_every: monthly}
  - {id: bronze, rank: 3, rto: 1d, rpo: 1d}
systems:
  - id: mail
    owner: ann
    tier: bronze
    backup: {paths: [/srv/mail], repositories: [local]}
repositories:
  - {id: local, location: /srv/repo}
include: [clients/*.yaml]
)";

constexpr const char* kShop = R"(clients:
  - {id: shop, name: The Shop}
systems:
  - id: till
    client: shop
    owner: ann
    tier: gold
    backup: {paths: [/srv/till], repositories: [local]}
    restore: {verify: "true"}
)";

constexpr const char* kBakery = R"(clients:
  - {id: bakery, name: The Bakery}
systems:
  - id: oven
    client: bakery
    owner: ann
    tier: gold
    backup: {paths: [/srv/oven], repositories: [local]}
)";

struct Files {
  std::string root = kRoot, shop = kShop, bakery = kBakery;
};

class PlanErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-plan-errors-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "clients");
  }
  void TearDown() override { fs::remove_all(dir_); }

  PlanErrors Judge(const Files& files) {
    std::ofstream(dir_ / "plan.yaml") << files.root;
    std::ofstream(dir_ / "clients/shop.yaml") << files.shop;
    std::ofstream(dir_ / "clients/bakery.yaml") << files.bakery;
    loaded_ = plan::LoadPlan((dir_ / "plan.yaml").string());
    plan::Validate(loaded_.plan, {}, &loaded_.diagnostics);
    return JudgePlanErrors(loaded_);
  }

  static std::string Replace(std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }

  static std::set<std::string> Keys(const std::map<std::string, std::string>& map) {
    std::set<std::string> keys;
    for (const auto& [key, value] : map) keys.insert(key);
    return keys;
  }

  fs::path dir_;
  plan::LoadResult loaded_;
};

TEST_F(PlanErrorsTest, AValidPlanHasNothingToStop) {
  PlanErrors errors = Judge({});
  EXPECT_TRUE(errors.empty());
  EXPECT_FALSE(errors.stops_everything);
}

TEST_F(PlanErrorsTest, AnUnknownFieldOnAPersonStopsNothingButIsReported) {
  Files files;
  files.root = Replace(kRoot, "    name: Ann\n", "    name: Ann\n    deptuy: bob\n");
  PlanErrors errors = Judge(files);
  ASSERT_EQ(errors.lines.size(), 1u);
  EXPECT_THAT(errors.lines[0], HasSubstr("unknown key 'deptuy'"));
  EXPECT_THAT(errors.lines[0], HasSubstr("; stops nothing")) << errors.lines[0];
  EXPECT_FALSE(errors.stops_everything);
  EXPECT_TRUE(errors.stopped.empty());
  EXPECT_TRUE(errors.drill_stopped.empty());
}

TEST_F(PlanErrorsTest, AnErrorOnOneSystemStopsThatSystemOnly) {
  Files files;
  files.shop = Replace(kShop, "repositories: [local]", "repositories: [local], exlude: [x]");
  PlanErrors errors = Judge(files);
  EXPECT_EQ(Keys(errors.stopped), (std::set<std::string>{"till"}));
  EXPECT_TRUE(errors.drill_stopped.empty());
  EXPECT_FALSE(errors.stops_everything);
  EXPECT_THAT(errors.lines[0], HasSubstr("stops the backups, forgets and drills of system till"))
      << errors.lines[0];
}

TEST_F(PlanErrorsTest, AnUnknownReferenceOnASystemStopsThatSystem) {
  Files files;
  files.shop = Replace(kShop, "tier: gold", "tier: gld");
  EXPECT_EQ(Keys(Judge(files).stopped), (std::set<std::string>{"till"}));
}

TEST_F(PlanErrorsTest, AnErrorInASystemsRestoreSectionStopsOnlyItsDrill) {
  Files files;
  files.shop = Replace(kShop, "restore: {verify: \"true\"}", "restore: {verfy: \"true\"}");
  PlanErrors errors = Judge(files);
  EXPECT_TRUE(errors.stopped.empty());
  EXPECT_EQ(Keys(errors.drill_stopped), (std::set<std::string>{"till"}));
}

TEST_F(PlanErrorsTest, AnErrorAtTheTopOfOneClientsFileStopsThatClientOnly) {
  Files files;
  files.bakery = std::string(kBakery) + "contacs: []\n";
  PlanErrors errors = Judge(files);
  EXPECT_EQ(Keys(errors.stopped), (std::set<std::string>{"oven"}));
  EXPECT_FALSE(errors.stops_everything);
}

TEST_F(PlanErrorsTest, AClientsFileThatCannotBeReadStopsWhatReferredToIt) {
  Files files;
  files.bakery = "clients: [\n";  // YAML syntax: nothing of the file is known
  files.shop = std::string(kShop) +
               "  - {id: bread, client: bakery, owner: ann, tier: gold, backup: {paths: [/b], "
               "repositories: [local]}}\n";
  PlanErrors errors = Judge(files);
  EXPECT_FALSE(errors.stops_everything);
  EXPECT_EQ(Keys(errors.stopped), (std::set<std::string>{"bread"}));  // unknown client bakery
}

TEST_F(PlanErrorsTest, AnErrorOnAClientStopsNothing) {
  Files files;
  files.shop = Replace(kShop, "{id: shop, name: The Shop}", "{id: shop, name: The Shop, sla: 4h}");
  PlanErrors errors = Judge(files);
  ASSERT_EQ(errors.lines.size(), 1u);
  EXPECT_TRUE(errors.stopped.empty());
}

TEST_F(PlanErrorsTest, AnErrorInATierStopsItsSystems) {
  Files files;
  files.root = Replace(kRoot, "rpo: 15m, drill_every", "rpo: 15m, retenton: {}, drill_every");
  EXPECT_EQ(Keys(Judge(files).stopped), (std::set<std::string>{"oven", "till"}));
}

// A broken repository stops what touches it, not every client's other copies; one in a client's
// file likewise (the review's "unused repository in clients/b.yaml stopped everything").
TEST_F(PlanErrorsTest, AnErrorInARepositoryStopsEveryActionOnItOnly) {
  Files files;
  files.root = Replace(kRoot, "location: /srv/repo", "locaton: /srv/repo");
  PlanErrors errors = Judge(files);
  EXPECT_FALSE(errors.stops_everything);
  EXPECT_EQ(Keys(errors.repository_stopped), (std::set<std::string>{"local"}));
  EXPECT_TRUE(errors.stopped.empty());
  ASSERT_FALSE(errors.lines.empty());
  EXPECT_THAT(errors.lines[0], HasSubstr("stops every backup, forget, check, prune and drill of "
                                         "repository local"))
      << errors.lines[0];
  files.root = kRoot;
  files.bakery = std::string(kBakery) +
                 "repositories:\n  - {id: spare, location: /srv/spare, "
                 "pasword_file: /etc/x}\n";
  errors = Judge(files);
  EXPECT_FALSE(errors.stops_everything);
  EXPECT_EQ(Keys(errors.repository_stopped), (std::set<std::string>{"spare"}));
}

TEST_F(PlanErrorsTest, AnErrorInTheRootFilesSettingsStopsEverything) {
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"msp: {id: acme, name: Acme IT}",
            "msp: {id: acme, name: Acme IT}\nrun: {concurency: 4}"},
           {"msp: {id: acme, name: Acme IT}", "msp: {id: acme, name: Acme IT}\nsytems: []"},
           {"systems:\n  - id: mail", "systems: [\n  - id: mail"}}) {
    Files files;
    files.root = Replace(kRoot, from, to);
    EXPECT_TRUE(Judge(files).stops_everything) << to;
  }
}

TEST_F(PlanErrorsTest, WithholdMovesOutTheStoppedSystemsWorkAndNothingElse) {
  PlanErrors errors;
  errors.stopped["till"] = "plan.yaml:1:1: error: x";
  errors.drill_stopped["oven"] = "plan.yaml:2:1: error: y";
  Decisions decisions;
  decisions.actions = {{ActionKind::kBackup, "till", "local", "", false},
                       {ActionKind::kForget, "till", "local", "", false},
                       {ActionKind::kDrill, "till", "", "", false},
                       {ActionKind::kBackup, "oven", "local", "", false},
                       {ActionKind::kDrill, "oven", "", "", false},
                       {ActionKind::kCheck, "", "local", "", false}};
  std::vector<Action> withheld = Withhold(errors, &decisions);
  ASSERT_EQ(withheld.size(), 4u);
  EXPECT_EQ(withheld[3].system, "oven");
  EXPECT_EQ(withheld[3].kind, ActionKind::kDrill);
  ASSERT_EQ(decisions.actions.size(), 2u);
  EXPECT_EQ(decisions.actions[0].system, "oven");
  EXPECT_EQ(decisions.actions[1].kind, ActionKind::kCheck);
  EXPECT_EQ(WithheldBecause(errors, withheld[0]), "plan error: plan.yaml:1:1: error: x");
}

TEST_F(PlanErrorsTest, WithholdMovesOutEveryActionOnAStoppedRepository) {
  PlanErrors errors;
  errors.repository_stopped["cloud"] = "plan.yaml:9:1: error: z";
  Decisions decisions;
  decisions.actions = {{ActionKind::kBackup, "till", "local", "", false},
                       {ActionKind::kBackup, "till", "cloud", "", false},
                       {ActionKind::kDrill, "oven", "cloud", "", false},
                       {ActionKind::kCheck, "", "cloud", "", false},
                       {ActionKind::kPrune, "", "cloud", "", false},
                       {ActionKind::kCheck, "", "local", "", false}};
  std::vector<Action> withheld = Withhold(errors, &decisions);
  EXPECT_EQ(withheld.size(), 4u);
  ASSERT_EQ(decisions.actions.size(), 2u);
  EXPECT_EQ(decisions.actions[0].repository, "local");
  EXPECT_EQ(decisions.actions[1].repository, "local");
  EXPECT_EQ(WithheldBecause(errors, withheld[3]), "plan error: plan.yaml:9:1: error: z");
}

}  // namespace
}  // namespace stormproof::runner
