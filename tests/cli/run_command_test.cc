// End-to-end tests of `stormproof run`: the real binary on a small plan whose world (data and
// repository) is staged under --root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "continuity/catalog/catalog.h"
#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPlan = R"(msp: {id: acme, name: Acme IT}
people:
  - id: ann
    name: Ann
    contacts: {email: ann@example.com, phone: "+44 1632 960000"}
clients:
  - {id: shop, name: The Shop}
tiers:
  - id: gold
    rank: 2
    rto: 4h
    rpo: 15m
    drill_every: monthly
    retention: {keep_last: 3}
systems:
  - id: files
    client: shop
    owner: ann
    tier: gold
    backup:
      paths: [/srv/files]
      repositories: [local, cloud]
    restore:
      verify: 'grep -q hello "$STORMPROOF_RESTORE_PATH/srv/files/greeting.txt"'
  - id: db
    client: shop
    owner: ann
    tier: gold
    backup:
      paths: ["D:/DB"]
      repositories: [local]
repositories:
  - {id: local, location: /srv/repo}
  - {id: cloud, location: "b2:acme-bucket:/stormproof", medium: object}
)";

class RunCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-run-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Write("plan.yaml", kPlan);
    Write("password", "correct horse\n");
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    Write("world/srv/files/greeting.txt", "hello\n");
    Write("world/D/DB/db.dump", "rows\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  CliResult Run(const std::string& args) {
    return RunStormproof("--plan " + (dir_ / "plan.yaml").string() + " --password-file " +
                             (dir_ / "password").string() + " run --root " +
                             (dir_ / "world").string() + " " + args,
                         "STORMPROOF_KDF_TEST=1");
  }

  // `plan` with `from` replaced by `to`.
  static std::string Edited(const std::string& from, const std::string& to) {
    std::string plan = kPlan;
    size_t at = plan.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) plan.replace(at, from.size(), to);
    return plan;
  }

  fs::path dir_;
};

TEST_F(RunCliTest, DryRunSaysWhatIsDueAndWhyAndChangesNothing) {
  CliResult r = Run("--dry-run");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "repository cloud: skipped: repository 'cloud': repository location "
            "'b2:acme-bucket:/stormproof': this build cannot use b2: locations (supported: a "
            "local path, local:PATH, s3:https://host/bucket[/prefix])\n"
            "would backup files -> local: never backed up to local\n"
            "would forget files in local: after the backup: keep 3 last snapshots (tier gold)\n"
            "would drill files: never drilled; due every 1mo (tier gold); copy local, never "
            "drilled\n"
            "would backup db -> local: never backed up to local\n"
            "would forget db in local: after the backup: keep 3 last snapshots (tier gold)\n"
            "would drill db: never drilled; due every 1mo (tier gold); copy local, never "
            "drilled\n"
            "would prune local: if this run's forgets remove snapshots; never pruned\n"
            "would check local: never checked; reading 5% of the data; due every 1w\n"
            "dry run: 8 action(s) due, 1 skipped; nothing was changed\n");
  EXPECT_FALSE(fs::exists(dir_ / "stormproof.db"));
  EXPECT_FALSE(fs::exists(dir_ / "world/srv/repo"));
}

TEST_F(RunCliTest, RunsWhatIsDueRecordsItAndThenNothingIsDue) {
  CliResult first = Run("--init");
  EXPECT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("backup files -> local: ok: 1 files")) << first.out;
  EXPECT_THAT(first.out, HasSubstr("backup db -> local: ok: 1 files")) << first.out;
  EXPECT_THAT(first.out, HasSubstr("drill files: ok: ")) << first.out;
  EXPECT_THAT(first.out, HasSubstr("drill db: warning: ")) << first.out;  // no verify
  EXPECT_THAT(first.out, HasSubstr("check local: ok")) << first.out;
  EXPECT_THAT(first.out, HasSubstr("all objectives met")) << first.out;
  EXPECT_TRUE(fs::exists(dir_ / "stormproof.db"));
  EXPECT_TRUE(fs::exists(dir_ / "reports/files"));

  CliResult again = Run("--json");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  std::istringstream lines(again.out);
  std::vector<nlohmann::json> messages;
  for (std::string line; std::getline(lines, line);)
    messages.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(messages.size(), 2u) << again.out;
  EXPECT_EQ(messages[0]["message_type"], "skipped");
  EXPECT_EQ(messages[1]["message_type"], "summary");
  EXPECT_EQ(messages[1]["actions"], 0);
  EXPECT_TRUE(messages[1]["breaches"].empty());
}

TEST_F(RunCliTest, AFailingSystemBreachesButTheOtherIsBackedUp) {
  fs::remove_all(dir_ / "world/D");
  CliResult r = Run("--init --no-drills");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("backup files -> local: ok")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("backup db -> local: error: ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("breached: system db: no snapshot; RPO 15m")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("drill "))) << r.out;
}

TEST_F(RunCliTest, WithoutInitAMissingRepositoryIsAnErrorWithAHint) {
  CliResult r = Run("--system files --no-drills");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.out, HasSubstr("create it with 'stormproof run --init'")) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "world/srv/repo"));
}

TEST_F(RunCliTest, UnknownSystemIsAUsageError) {
  CliResult r = Run("--system nope --dry-run");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "stormproof: --system: no system 'nope' in the plan\n");
}

TEST_F(RunCliTest, AnUnusablePlanIsExit1) {
  Write("plan.yaml", "systems: [\n");
  EXPECT_EQ(Run("--dry-run").exit_code, 1);
}

// Issue 12: one typo in the plan used to make run exit 1 and back nothing up for anyone.
TEST_F(RunCliTest, ATypoOnAPersonStopsNothingButIsABreachOnEveryRun) {
  Write("plan.yaml", Edited("    name: Ann\n", "    name: Ann\n    deptuy: bob\n"));
  for (int run = 0; run < 2; ++run) {
    CliResult r = Run("--init --no-drills");
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    if (run == 0) {
      EXPECT_THAT(r.out, HasSubstr("backup files -> local: ok")) << r.out;
      EXPECT_THAT(r.out, HasSubstr("backup db -> local: ok")) << r.out;
    }
    EXPECT_THAT(r.out, HasSubstr("breached: " + (dir_ / "plan.yaml").string() +
                                 ":5:5: error: person 'ann': unknown key 'deptuy' (did you mean "
                                 "'deputy'?); stops nothing\n"))
        << r.out;
  }
}

TEST_F(RunCliTest, AnErrorOnOneSystemStopsThatSystemOnlyAndIsRecorded) {
  Write("plan.yaml", Edited("      paths: [\"D:/DB\"]\n", "      paths: [\"D:/DB\"]\n      exlude: [x]\n"));
  CliResult r = Run("--init --no-drills");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("backup files -> local: ok")) << r.out;
  EXPECT_THAT(
      r.out, HasSubstr("backup db -> local: not run: plan error: " + (dir_ / "plan.yaml").string()))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("unknown key 'exlude' (did you mean 'exclude'?); stops the backups, "
                               "forgets and drills of system db"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("breached: system db: no snapshot; RPO 15m")) << r.out;
  auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
  ASSERT_THAT(catalog, IsOk());
  catalog::RunQuery query;
  query.kind = catalog::RunKind::kBackup;
  query.system = "db";
  auto db = (*catalog)->LastRun(query);
  ASSERT_TRUE(db.has_value() && db->has_value());
  EXPECT_EQ((*db)->outcome, catalog::Outcome::kError);
  EXPECT_EQ((*db)->error.rfind("plan error: " + (dir_ / "plan.yaml").string() + ":", 0), 0u)
      << (*db)->error;
}

TEST_F(RunCliTest, AnErrorInOneClientsFileStopsThatClientOnly) {
  Write("plan.yaml", Edited("clients:\n  - {id: shop, name: The Shop}\n", "include: [more.yaml]\n"));
  Write("more.yaml", "clients:\n  - {id: shop, name: The Shop}\ncontacs: []\n");
  CliResult r = Run("--init --no-drills");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("backup files -> local: not run: plan error")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("backup db -> local: not run: plan error")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("backup files -> local: ok"))) << r.out;
}

TEST_F(RunCliTest, AnErrorInARepositoryStopsEverythingOnThatRepositoryWithAClearMessage) {
  Write("plan.yaml", Edited("{id: local, location: /srv/repo}", "{id: local, locaton: /srv/repo}"));
  CliResult r = Run("--init --no-drills");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("backup files -> local: not run: plan error")) << r.out;
  EXPECT_THAT(r.out,
              HasSubstr("stops every backup, forget, check, prune and drill of repository local"))
      << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("-> local: ok"))) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "world/srv/repo"));
}

// The shipped cron job runs `run --quiet` every 5 minutes and cron mails any output.
TEST_F(RunCliTest, QuietPrintsNothingWhenNothingNeedsAHuman) {
  CliResult first = Run("--init --quiet");
  EXPECT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(first.out, "");
  EXPECT_EQ(first.err, "");
  CliResult idle = Run("--quiet");
  EXPECT_EQ(idle.exit_code, 0);
  EXPECT_EQ(idle.out, "");
  EXPECT_EQ(idle.err, "");
}

TEST_F(RunCliTest, QuietStillSpeaksUpWhenSomethingNeedsAHuman) {
  fs::remove_all(dir_ / "world/D");
  CliResult r = Run("--init --quiet --no-drills");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.out, HasSubstr("backup db -> local: error: ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("breached: system db: no snapshot; RPO 15m")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("run: ")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("backup files -> local: ok"))) << r.out;  // routine
}

// The plan with one more repository, `item`.
std::string WithCopy(const std::string& item) {
  return std::string(kPlan) + "  - " + item + "\n";
}

// A copy of a repository (copy_from): the dry run says which copies are due and why; the run
// copies after the backups and says so in text and --json.
TEST_F(RunCliTest, CopiesIntoARepositoryWithCopyFrom) {
  Write("plan.yaml", WithCopy("{id: offsite, location: /srv/offsite, copy_from: local}"));
  CliResult dry = Run("--dry-run --no-drills --system db");
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("would backup db -> local: never backed up to local\n"
                                 "would forget db in local: after the backup: keep 3 last "
                                 "snapshots (tier gold)\n"
                                 "would copy db local -> offsite: never copied from local; copied "
                                 "whenever there is something new\n"
                                 "would forget db in offsite: after the copy: keep 3 last "
                                 "snapshots (tier gold)\n"))
      << dry.out;

  CliResult r = Run("--init --no-drills --system db --json");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::istringstream lines(r.out);
  std::optional<nlohmann::json> copy;
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json message = nlohmann::json::parse(line);
    if (message["message_type"] == "action" && message["kind"] == "copy") copy = message;
  }
  ASSERT_TRUE(copy.has_value()) << r.out;
  EXPECT_EQ((*copy)["system"], "db");
  EXPECT_EQ((*copy)["from"], "local");
  EXPECT_EQ((*copy)["repository"], "offsite");
  EXPECT_EQ((*copy)["outcome"], "ok");
  EXPECT_EQ((*copy)["files"], 1);
  EXPECT_THAT((*copy)["summary"].get<std::string>(), HasSubstr("copied 1 snapshot(s) from local"));
  EXPECT_NE((*copy)["snapshot_id"], "");
  EXPECT_TRUE(fs::exists(dir_ / "world/srv/offsite/config"));

}

// A copy that cannot be made is a failed action, never a silent skip: exit 3 and a breach.
TEST_F(RunCliTest, AFailedCopyIsABreach) {
  Write("plan.yaml", WithCopy("{id: offsite, location: /srv/blocked/offsite, copy_from: local}"));
  Write("world/srv/blocked", "a file, not a folder\n");
  CliResult r = Run("--init --no-drills --system db");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("backup db -> local: ok")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("copy db local -> offsite: error: ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("breached: copy of db from local to offsite error: ")) << r.out;
}

}  // namespace
}  // namespace stormproof::testing
