// `stormproof drill` end to end with the real binary: a stormproof repository backed up with
// `stormproof backup`, drills that pass, fail (verify command), keep the copy, pick a system by
// surprise, run with someone absent; the catalog and the report files they leave.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

class DrillCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-drill-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data/app/conf");
    std::ofstream(dir_ / "data/app/conf/app.ini") << "[app]\nready=yes\n";
    std::ofstream(dir_ / "data/app/payload.bin") << std::string(200000, 'p');
    std::ofstream(dir_ / "password") << "drill password\n";
    WritePlan("grep -q ready=yes \"$STORMPROOF_RESTORE_PATH" + (dir_ / "data/app").string() +
              "/conf/app.ini\"");
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string();
    ASSERT_EQ(Run("init --repo " + Repo()).exit_code, 0);
    CliResult backup =
        Run("backup --repo " + Repo() + " --tag system=app -q " + (dir_ / "data/app").string());
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Repo() const { return (dir_ / "repo").string(); }

  void WritePlan(const std::string& verify) {
    std::ofstream(dir_ / "plan.yaml") << R"(version: 1
msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com}, deputy: bob, skills: [app]}
  - {id: bob, name: Bob, contacts: {email: bob@example.com}}
tiers: [{id: t1, rank: 1, rto: 2h, rpo: 1d, drill_every: monthly}]
repositories: [{id: local, location: )"
                                      << Repo() << R"(}]
systems:
  - id: app
    owner: ann
    tier: t1
    skills: [app]
    backup: {paths: [)" << (dir_ / "data/app").string()
                                      << R"(], repositories: [local]}
    restore:
      checklist: [{step: Restore the app, skill: app}]
      verify: ')" << verify << R"('
)";
  }

  CliResult Run(const std::string& args) { return RunStormproof(args, env_); }
  CliResult Drill(const std::string& args) {
    return Run("drill --plan " + (dir_ / "plan.yaml").string() + " --scratch " +
               (dir_ / "scratch").string() + " " + args);
  }

  fs::path dir_;
  std::string env_;
};

TEST_F(DrillCliTest, APassingDrillIsRecordedAndReported) {
  CliResult r = Drill("--system app");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("drill app"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": PASS\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verify application"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "stormproof.db"));
  size_t reports = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "reports")) {
    reports += entry.path().extension() == ".json" || entry.path().extension() == ".html" ||
               entry.path().extension() == ".md";
  }
  EXPECT_EQ(reports, 3u);
  EXPECT_TRUE(fs::is_empty(dir_ / "scratch")) << "the restored copy must be removed";
}

TEST_F(DrillCliTest, JsonIsTheDrillReport) {
  CliResult r = Drill("--system app --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["schema"], "stormproof.drill-report/1");
  EXPECT_EQ(doc["verdict"], "pass");
  ASSERT_EQ(doc["steps"].size(), 4u);
  EXPECT_EQ(doc["steps"][1]["name"], "restore");
}

TEST_F(DrillCliTest, AFailingVerifyCommandFailsTheDrillWithExit3) {
  WritePlan("echo database is corrupt >&2; exit 1");
  CliResult r = Drill("--system app");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verify command exited with status 1: database is corrupt"),
            std::string::npos)
      << r.out;
}

TEST_F(DrillCliTest, KeepLeavesTheRestoredCopy) {
  CliResult r = Drill("--system app --keep");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t at = r.out.find("restored copy kept in ");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string kept = r.out.substr(at + 22, r.out.find('\n', at) - at - 22);
  EXPECT_TRUE(fs::exists(kept + (dir_ / "data/app/conf/app.ini").string())) << kept;
}

TEST_F(DrillCliTest, SurprisePicksADrillableSystem) {
  CliResult r = Drill("--surprise --seed 5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("surprise drill: app was picked"), std::string::npos) << r.out;
}

TEST_F(DrillCliTest, AbsentOwnerWithAnUntrainedDeputyWarns) {
  CliResult r = Drill("--system app --absent ann");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PASS WITH WARNINGS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("uncovered: step 1 'Restore the app' needs skill 'app': only ann is "
                       "trained; deputy bob is not"),
            std::string::npos)
      << r.out;
}

TEST_F(DrillCliTest, UsageErrors) {
  EXPECT_EQ(Drill("").exit_code, 2);
  EXPECT_EQ(Drill("--system app --surprise").exit_code, 2);
  CliResult unknown = Drill("--system nope");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--system nope: no such system in the plan"), std::string::npos)
      << unknown.err;
  EXPECT_EQ(Drill("--system app --absent nobody").exit_code, 2);
}

TEST_F(DrillCliTest, WrongPasswordIsAFailedDrillWithTheReason) {
  std::ofstream(dir_ / "password") << "not the password\n";
  CliResult r = Drill("--system app");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("wrong password"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace stormproof::testing
