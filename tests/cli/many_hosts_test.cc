// Many hosts, one MSP (docs/catalog.md, "Many hosts, one catalog"), end to end: two hosts run
// `stormproof run --host` from one plan, each with its own catalog, into one shared repository;
// a central machine with an empty catalog sees both in `status` and `report` from the evidence
// their runs left in the repository, without any shared database.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "continuity/catalog/catalog.h"
#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// DIR is replaced by the test's directory. `gone` is a repository nobody can reach.
constexpr const char* kPlan = R"(msp: {id: acme, name: Acme IT}
people:
  - id: ann
    name: Ann
    contacts: {email: ann@example.com, phone: "+44 1632 960000"}
clients:
  - {id: shop, name: The Shop}
  - {id: bakery, name: The Bakery}
tiers:
  - id: gold
    rank: 2
    rto: 4h
    rpo: 1d
    drill_every: monthly
    retention: {keep_last: 3}
systems:
  - id: shop-files
    host: host-a
    client: shop
    owner: ann
    tier: gold
    backup: {paths: [DIR/data/shop], repositories: [shared]}
  - id: bakery-ovens
    host: host-b
    client: bakery
    owner: ann
    tier: gold
    backup: {paths: [DIR/data/bakery], repositories: [shared]}
repositories:
  - {id: shared, location: DIR/repo}
  - {id: gone, location: DIR/nowhere}
)";

class ManyHostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-hosts-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    std::string plan = kPlan;
    for (size_t at; (at = plan.find("DIR")) != std::string::npos;) {
      plan.replace(at, 3, dir_.string());
    }
    // One plan, unchanged, on every machine; each machine has its own catalog next to it.
    for (const char* machine : {"host-a", "host-b", "central"}) {
      Write(std::string(machine) + "/plan.yaml", plan);
    }
    Write("password", "correct horse\n");
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    Write("data/shop/till.csv", "shop sales\n");
    Write("data/bakery/recipes.txt", "bakery bread\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  CliResult On(const std::string& machine, const std::string& args) {
    return RunStormproof("--plan " + (dir_ / machine / "plan.yaml").string() +
                             " --password-file " + (dir_ / "password").string() + " " + args,
                         "STORMPROOF_KDF_TEST=1");
  }
  int64_t CentralRuns() {
    auto catalog = catalog::Catalog::Open((dir_ / "central/stormproof.db").string());
    EXPECT_THAT(catalog, IsOk());
    return catalog ? *(*catalog)->CountRuns() : -1;
  }
  // Both hosts back up, forget, drill and check what is theirs.
  void RunBothHosts() {
    CliResult a = On("host-a", "run --host host-a --init");
    ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
    EXPECT_THAT(a.out, HasSubstr("run as host host-a: 1 system(s) of other hosts skipped"));
    EXPECT_THAT(a.out, HasSubstr("backup shop-files -> shared: ok"));
    EXPECT_THAT(a.out, Not(HasSubstr("bakery-ovens")));
    EXPECT_THAT(a.out, HasSubstr("run(s) written to shared")) << a.out;
    CliResult b = On("host-b", "run --host host-b");
    ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
    EXPECT_THAT(b.out, HasSubstr("backup bakery-ovens -> shared: ok"));
    EXPECT_THAT(b.out, Not(HasSubstr("shop-files")));
  }

  fs::path dir_;
};

const json* FindSystem(const json& status, const std::string& id) {
  for (const json& client : status["clients"]) {
    for (const json& system : client["systems"]) {
      if (system["id"] == id) return &system;
    }
  }
  return nullptr;
}

TEST_F(ManyHostsTest, TheCentralMachineSeesBothHostsBackupsAndDrillsWithTheirAges) {
  RunBothHosts();
  CliResult status = On("central", "--json status");
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  json j = json::parse(status.out);
  for (const char* id : {"shop-files", "bakery-ovens"}) {
    const json* system = FindSystem(j, id);
    ASSERT_NE(system, nullptr) << id;
    EXPECT_EQ((*system)["rpo"]["state"], "ok") << id;
    EXPECT_TRUE((*system)["rpo"]["age_s"].is_number()) << id;
    EXPECT_TRUE((*system)["drill"]["last"].is_string()) << id;
    EXPECT_TRUE((*system)["drill"]["age_s"].is_number()) << id;
  }
  ASSERT_EQ(j["evidence"].size(), 2u) << j["evidence"];
  EXPECT_EQ(j["evidence"][0]["repository"], "shared");
  EXPECT_EQ(j["evidence"][0]["files_imported"], 2);
  EXPECT_TRUE(j["evidence"][0]["error"].is_null());
  EXPECT_TRUE(j["evidence"][0]["age_s"].is_number());
  // The unreachable repository is said, not fatal; the catalog has nothing from it.
  EXPECT_EQ(j["evidence"][1]["repository"], "gone");
  EXPECT_TRUE(j["evidence"][1]["error"].is_string());
  EXPECT_THAT(status.err, HasSubstr("evidence from gone not refreshed: "));
  EXPECT_THAT(status.err, HasSubstr("the catalog has none from it"));
  EXPECT_THAT(status.err, HasSubstr("evidence from shared: 2 new file(s)"));

  // The runs carry the hosts that made them.
  auto catalog = catalog::Catalog::Open((dir_ / "central/stormproof.db").string());
  ASSERT_THAT(catalog, IsOk());
  auto runs = (*catalog)->Runs({});
  ASSERT_THAT(runs, IsOk());
  std::set<std::string> hosts;
  for (const catalog::Run& run : *runs) hosts.insert(run.host);
  EXPECT_EQ(hosts, (std::set<std::string>{"host-a", "host-b"}));

  CliResult report = On("central", "report --out -");
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("shop-files"));
  EXPECT_THAT(report.out, HasSubstr("bakery-ovens"));
}

TEST_F(ManyHostsTest, ImportingTwiceChangesNothing) {
  RunBothHosts();
  ASSERT_EQ(On("central", "status").exit_code, 0);
  const int64_t runs = CentralRuns();
  EXPECT_GT(runs, 4);
  CliResult again = On("central", "--json status");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["evidence"][0]["files_imported"], 0);
  EXPECT_THAT(again.err, Not(HasSubstr("evidence from shared:")));
  EXPECT_EQ(CentralRuns(), runs);
  // A host importing the evidence it wrote itself adds nothing either.
  auto own = catalog::Catalog::Open((dir_ / "host-a/stormproof.db").string());
  ASSERT_THAT(own, IsOk());
  const int64_t before = *(*own)->CountRuns();
  ASSERT_EQ(On("host-a", "status").exit_code, 0);
  auto after = catalog::Catalog::Open((dir_ / "host-a/stormproof.db").string());
  ASSERT_THAT(after, IsOk());
  EXPECT_GT(*(*after)->CountRuns(), before);  // host-b's runs arrived
  const int64_t with_b = *(*after)->CountRuns();
  ASSERT_EQ(On("host-a", "status").exit_code, 0);
  EXPECT_EQ(*(*after)->CountRuns(), with_b);
}

TEST_F(ManyHostsTest, ADamagedEvidenceFileIsReportedAndSkipped) {
  RunBothHosts();
  const std::string name(64, 'a');
  Write("repo/evidence/" + name, "not sealed evidence");
  CliResult status = On("central", "--json status");
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  json j = json::parse(status.out);
  EXPECT_EQ(j["evidence"][0]["files_imported"], 2);
  ASSERT_EQ(j["evidence"][0]["damaged"].size(), 1u);
  EXPECT_THAT(j["evidence"][0]["damaged"][0].get<std::string>(), HasSubstr("evidence " + name));
  EXPECT_THAT(status.err, HasSubstr("evidence " + name)) << status.err;
  EXPECT_THAT(status.err, HasSubstr("skipped")) << status.err;
  EXPECT_NE(FindSystem(j, "bakery-ovens"), nullptr);
  // `check` says it too.
  CliResult check = RunStormproof("--repo " + (dir_ / "repo").string() + " --password-file " +
                                      (dir_ / "password").string() + " check",
                                  "STORMPROOF_KDF_TEST=1");
  EXPECT_NE(check.exit_code, 0);
  EXPECT_THAT(check.out + check.err, HasSubstr("evidence " + name));
}

TEST_F(ManyHostsTest, AClientsReportNamesNothingOfAnotherClient) {
  RunBothHosts();
  CliResult shop = On("central", "report --client shop --out -");
  EXPECT_EQ(shop.exit_code, 0) << shop.err;
  EXPECT_THAT(shop.out, HasSubstr("shop-files"));
  for (const char* other : {"bakery", "Bakery", "bakery-ovens", "host-b"}) {
    EXPECT_THAT(shop.out, Not(HasSubstr(other))) << other;
  }
  CliResult bakery = On("central", "report --client bakery --out -");
  EXPECT_EQ(bakery.exit_code, 0) << bakery.err;
  EXPECT_THAT(bakery.out, HasSubstr("bakery-ovens"));
  for (const char* other : {"shop", "Shop", "shop-files", "till.csv", "host-a"}) {
    EXPECT_THAT(bakery.out, Not(HasSubstr(other))) << other;
  }
}

TEST_F(ManyHostsTest, RunRefusesAnotherHostsSystemAndBacksUpNothing) {
  CliResult r = On("host-a", "run --host host-a --init --system bakery-ovens");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "stormproof: --system bakery-ovens: lives on host host-b, not host-a: run it there, "
            "or give --host host-b\n");
  EXPECT_FALSE(fs::exists(dir_ / "repo"));
}

TEST_F(ManyHostsTest, DrillRefusesAnotherHostsSystemAndSurprisePicksOnlyItsOwn) {
  RunBothHosts();
  CliResult other = On("host-a", "drill --host host-a --system bakery-ovens");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_EQ(other.err,
            "stormproof: --system bakery-ovens: lives on host host-b, not host-a: drill it "
            "there, or give --host host-b\n");
  for (int seed = 0; seed < 4; ++seed) {
    std::string args = "drill --host host-b --surprise --seed ";
    args += std::to_string(seed);
    CliResult surprise = On("host-b", args);
    EXPECT_THAT(surprise.out, HasSubstr("surprise drill: bakery-ovens was picked"))
        << surprise.out << surprise.err;
  }
}

}  // namespace
}  // namespace stormproof::testing
