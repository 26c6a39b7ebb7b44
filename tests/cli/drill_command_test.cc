// `stormproof drill` end to end with the real binary: a stormproof repository backed up with
// `stormproof backup`, drills that pass, fail (verify command), keep the copy, pick a system by
// surprise, run with someone absent; the catalog and the report files they leave.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

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
    WritePlan(GoodVerify());
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string();
    ASSERT_EQ(Run("init --repo " + Repo()).exit_code, 0);
    CliResult backup =
        Run("backup --repo " + Repo() + " --tag system=app -q " + (dir_ / "data/app").string());
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Repo() const { return (dir_ / "repo").string(); }

  // `copies`: the system's repositories ("local" is Repo(); "second" is dir_/second);
  // `tier_extra`: more tier keys ("drill_retry: 1s"); `repositories_extra`: more repositories,
  // one "  - {...}" line each.
  void WritePlan(const std::string& verify, const std::string& copies = "local",
                 const std::string& tier_extra = "", const std::string& repositories_extra = "") {
    std::ofstream(dir_ / "plan.yaml") << R"(version: 1
msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com}, deputy: bob, skills: [app]}
  - {id: bob, name: Bob, contacts: {email: bob@example.com}}
tiers: [{id: t1, rank: 1, rto: 2h, rpo: 1d, drill_every: monthly)"
                                      << tier_extra << R"(}]
repositories:
  - {id: local, location: )" << Repo() << R"(}
  - {id: second, location: )" << Second()
                                      << R"(}
)" << repositories_extra << R"(systems:
  - id: app
    owner: ann
    tier: t1
    skills: [app]
    backup: {paths: [)" << (dir_ / "data/app").string()
                                      << "], repositories: [" << copies << R"(]}
    restore:
      checklist:
        - {step: Restore the app, skill: app}
        - Tell the client it is back
      verify: ')" << verify << R"('
)";
  }
  std::string Second() const { return (dir_ / "second").string(); }
  // A second copy of the data, in dir_/second.
  void BackUpToSecond() {
    ASSERT_EQ(Run("init --repo " + Second()).exit_code, 0);
    CliResult backup =
        Run("backup --repo " + Second() + " --tag system=app -q " + (dir_ / "data/app").string());
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
  }
  std::string GoodVerify() const {
    return "grep -q ready=yes \"$STORMPROOF_RESTORE_PATH" + (dir_ / "data/app").string() +
           "/conf/app.ini\"";
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
  EXPECT_THAT(r.out, HasSubstr("drill app")) << r.out;
  EXPECT_THAT(r.out, HasSubstr(": PASS\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("verify application")) << r.out;
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
  EXPECT_THAT(r.out, HasSubstr("FAIL")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("verify command exited with status 1: database is corrupt"))
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
  EXPECT_THAT(r.out, HasSubstr("surprise drill: app was picked")) << r.out;
}

// Nobody but the absent owner can do the checklist: the restore could not be finished without
// her, so the drill fails (exit 3), saying who would be needed.
TEST_F(DrillCliTest, AbsentOwnerWithAnUntrainedDeputyFails) {
  CliResult r = Drill("--system app --absent ann");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(": FAIL\n")) << r.out;
  EXPECT_THAT(r.out,
              HasSubstr("  - with ann unreachable the restore cannot be finished: only ann can do "
                        "step 1 'Restore the app'; needed: someone trained in app; deputy bob is "
                        "not trained in it\n"))
      << r.out;
  EXPECT_THAT(r.out,
              HasSubstr("only ann can do step 2 'Tell the client it is back'; needed: someone who "
                        "can restore app (skills: app)"))
      << r.out;
  CliResult json = Drill("--system app --absent ann --json");
  EXPECT_EQ(json.exit_code, 3);
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["verdict"], "fail");
  EXPECT_EQ(doc["absence"]["uncovered_steps"].size(), 2u);
  // bob's absence leaves ann: nothing uncovered.
  EXPECT_EQ(Drill("--system app --absent bob").exit_code, 0);
}

TEST_F(DrillCliTest, UsageErrors) {
  EXPECT_EQ(Drill("").exit_code, 2);
  EXPECT_EQ(Drill("--system app --surprise").exit_code, 2);
  CliResult unknown = Drill("--system nope");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("--system nope: no such system in the plan")) << unknown.err;
  EXPECT_EQ(Drill("--system app --absent nobody").exit_code, 2);
  CliResult surprise = Drill("--surprise --repository local");
  EXPECT_EQ(surprise.exit_code, 2);
  EXPECT_THAT(surprise.err, HasSubstr("--repository needs --system")) << surprise.err;
}

TEST_F(DrillCliTest, RepositoryChoosesTheCopy) {
  WritePlan(GoodVerify(), "local, second");
  BackUpToSecond();
  CliResult r = Drill("--system app --repository second --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["repository"], "second");
  CliResult text = Drill("--system app --repository local");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("drill app (app) from copy local, restore point ")) << text.out;

  CliResult unknown = Drill("--system app --repository nope");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err,
              HasSubstr("--repository nope: not one of the copies of system app (local, "
                        "second)"))
      << unknown.err;
  WritePlan(GoodVerify(), "local");
  CliResult other = Drill("--system app --repository second");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_THAT(other.err,
              HasSubstr("--repository second: not one of the copies of system app (local)"))
      << other.err;
}

// Without --repository, drills rotate: each copy in turn, the one drilled longest ago (or
// never) first; every drill records its copy.
TEST_F(DrillCliTest, DrillsRotateAcrossEveryCopy) {
  WritePlan(GoodVerify(), "local, second");
  BackUpToSecond();
  std::vector<std::string> copies;
  for (int i = 0; i < 3; ++i) {
    CliResult r = Drill("--system app --json");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    copies.push_back(nlohmann::json::parse(r.out)["repository"]);
  }
  EXPECT_EQ(copies, (std::vector<std::string>{"local", "second", "local"}));
  CliResult surprise = Drill("--surprise --seed 1 --json");
  ASSERT_EQ(surprise.exit_code, 0) << surprise.err;
  EXPECT_EQ(nlohmann::json::parse(surprise.out)["repository"], "second");
}

// A copy repository (copy_from, here filled by `stormproof copy`) is one of the system's copies:
// drills rotate into it after the repository the system backs up into, --repository may name
// it, it is read with its own password_file (the global password would be the wrong one), the
// output and the report say it is a copy, and `status` shows its "zero errors" proven by the
// drill.
TEST_F(DrillCliTest, ACopyRepositoryIsDrilledWithItsOwnPassword) {
  const std::string offsite = (dir_ / "offsite").string();
  const std::string offsite_password = (dir_ / "offsite-password").string();
  std::ofstream(offsite_password) << "offsite password\n";
  WritePlan(GoodVerify(), "local", "",
            "  - {id: offsite, location: " + offsite +
                ", copy_from: local, password_file: " + offsite_password + "}\n");
  ASSERT_EQ(Run("init --repo " + offsite + " --password-file " + offsite_password).exit_code, 0);
  CliResult copied =
      Run("copy --repo " + offsite + " --password-file " + offsite_password + " --from-repo " +
          Repo() + " --from-password-file " + (dir_ / "password").string());
  ASSERT_EQ(copied.exit_code, 0) << copied.out << copied.err;

  std::vector<std::string> drilled;
  for (int i = 0; i < 2; ++i) {
    CliResult r = Drill("--system app --json");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto doc = nlohmann::json::parse(r.out);
    drilled.push_back(doc["repository"]);
    EXPECT_EQ(doc["verdict"], "pass") << r.out;
    EXPECT_EQ(doc["repository_copy_of"], i == 0 ? nlohmann::json(nullptr) : "local") << r.out;
  }
  EXPECT_EQ(drilled, (std::vector<std::string>{"local", "offsite"}));

  CliResult text = Drill("--system app --repository offsite");
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_THAT(text.out,
              HasSubstr("drill app (app) from copy offsite (a copy of local), restore point "))
      << text.out;
  CliResult unknown = Drill("--system app --repository nope");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("--repository nope: not one of the copies of system app "
                                     "(local, offsite (a copy of local))"))
      << unknown.err;

  CliResult status = Run("status --plan " + (dir_ / "plan.yaml").string());
  size_t at = status.out.find("  repository offsite: ");
  ASSERT_NE(at, std::string::npos) << status.out;
  // Its two lines: immutable, then zero errors.
  size_t end = status.out.find('\n', status.out.find('\n', at) + 1);
  std::string lines = status.out.substr(at, end - at);
  EXPECT_THAT(lines, HasSubstr("zero errors: proven ")) << status.out;
  EXPECT_THAT(lines, HasSubstr(" by a drill (")) << status.out;
}

// The drilled copy is gone: the drill fails for that copy and says whether the other copies
// would have saved the day (their restore points listed, not restored).
TEST_F(DrillCliTest, AGoneCopyFailsAndSaysWhetherAnotherWouldHaveSavedTheDay) {
  WritePlan(GoodVerify(), "local, second");
  BackUpToSecond();
  fs::remove_all(Repo());
  CliResult r = Drill("--system app --repository local");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  // "copy second has a restore point 2s old (...)": its age depends on the test's speed.
  size_t line = r.out.find("  - copy second has a restore point ");
  ASSERT_NE(line, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("s old (listed, not restored): it would have saved the day\n", line),
            std::string::npos)
      << r.out;
  CliResult json = Drill("--system app --repository local --json");
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["repository"], "local");
  EXPECT_EQ(doc["verdict"], "fail");
  ASSERT_EQ(doc["other_copies"].size(), 1u);

  WritePlan(GoodVerify(), "local");  // the only copy
  CliResult alone = Drill("--system app");
  EXPECT_EQ(alone.exit_code, 3);
  EXPECT_THAT(alone.out,
              HasSubstr("  - system app has no other copy: nothing would have saved the day"))
      << alone.out;
  fs::remove_all(Second());
  WritePlan(GoodVerify(), "local, second");
  CliResult none = Drill("--system app --repository local");
  EXPECT_THAT(none.out, HasSubstr("  - copy second would not have saved the day either: "))
      << none.out;
  EXPECT_THAT(none.out,
              HasSubstr("  - no other copy holds a readable restore point: nothing would have "
                        "saved the day"))
      << none.out;
}

// `run` judges a failed drill as `status` does: a breach (exit 3) until a drill passes; it is
// retried after the tier's drill_retry.
TEST_F(DrillCliTest, RunAfterAFailedDrillIsABreachUntilARetryPasses) {
  WritePlan("echo database is corrupt >&2; exit 1", "local", ", drill_retry: 2s");
  ASSERT_EQ(Drill("--system app").exit_code, 3);
  const std::string run = "--plan " + (dir_ / "plan.yaml").string() + " run --system app";
  CliResult after = Run(run);
  EXPECT_EQ(after.exit_code, 3) << after.out << after.err;
  EXPECT_THAT(after.out, HasSubstr("breached: system app: last drill failed ")) << after.out;
  EXPECT_THAT(after.out, HasSubstr("a breach until a drill passes (retried in ")) << after.out;
  EXPECT_THAT(after.out, Not(HasSubstr("all objectives met"))) << after.out;

  WritePlan(GoodVerify(), "local", ", drill_retry: 2s");  // fixed
  ::sleep(3);
  CliResult retried = Run(run);
  EXPECT_EQ(retried.exit_code, 0) << retried.out << retried.err;
  EXPECT_THAT(retried.out, HasSubstr("drill app: ok: ")) << retried.out;
  EXPECT_THAT(retried.out, HasSubstr(" from local, ")) << retried.out;
  EXPECT_THAT(retried.out, HasSubstr("all objectives met")) << retried.out;
}

// --checklist: the hands-on steps are timed and part of the achieved RTO; the report shows the
// data restore and the hands-on parts.
TEST_F(DrillCliTest, ScriptedChecklistTimesTheHandsOnWork) {
  CliResult r = Drill("--system app --step-done 1=20m --step-done 2=5m --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["steps"].size(), 6u);
  EXPECT_EQ(doc["steps"][3]["name"], "checklist 1: Restore the app");
  EXPECT_EQ(doc["steps"][3]["duration_ms"], 1'200'000);
  EXPECT_EQ(doc["steps"][4]["name"], "checklist 2: Tell the client it is back");
  EXPECT_EQ(doc["rto_parts"]["hands_on_ms"], 1'500'000);
  EXPECT_EQ(doc["rto_parts"]["checklist_steps_done"], 2);
  EXPECT_GE(doc["rto"]["achieved_ms"].get<int64_t>(), 1'500'000);
  EXPECT_EQ(doc["verdict"], "pass");

  CliResult text = Drill("--system app --step-done 1=20m --step-done 2=5m");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  // The step names line up: "checklist 2: Tell the client it is back" is the longest.
  EXPECT_THAT(text.out,
              HasSubstr("  checklist 1: Restore the app" + std::string(11, ' ') + "      20m  ok"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr(" + hands-on 25m (2 checklist step(s)) + verification "))
      << text.out;
  std::string md;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "reports")) {
    if (entry.path().extension() == ".md") md = ReadAll(entry.path());
  }
  EXPECT_THAT(md, HasSubstr("+ hands-on 25m (2 of 2 checklist steps done) +")) << md;
}

// A script that confirms steps without saying how long they took times nothing: the steps are
// done, but no hands-on time is measured (status keeps the plan's estimate).
TEST_F(DrillCliTest, StepsConfirmedWithoutADurationAreNotTimed) {
  CliResult r = Drill("--system app --step-done 1 --step-done 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["verdict"], "pass");
  for (int i : {3, 4}) {
    EXPECT_EQ(doc["steps"][i]["outcome"], "ok");
    EXPECT_EQ(doc["steps"][i]["duration_ms"], 0);
    EXPECT_EQ(doc["steps"][i]["note"], "done; not timed (confirmed by a script)");
  }
  std::ofstream(dir_ / "answers") << "\ndone\n";
  CliResult piped = Drill("--system app --checklist --json < " + (dir_ / "answers").string());
  ASSERT_EQ(piped.exit_code, 0) << piped.out << piped.err;
  doc = nlohmann::json::parse(piped.out);
  EXPECT_EQ(doc["steps"][3]["note"], "done; not timed (confirmed by a script)");
  EXPECT_EQ(doc["steps"][4]["note"], "done; not timed (confirmed by a script)");
}

// A verify command that prints a repository's password (it can read the password file) must not
// put it in the catalog or the reports: the drill records "[redacted]" instead.
TEST_F(DrillCliTest, APasswordAVerifyCommandPrintsIsRedactedEverywhere) {
  WritePlan("cat " + (dir_ / "password").string() + " >&2; echo and a line after >&2; exit 1");
  CliResult r = Drill("--system app --json");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("drill password"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr("[redacted]")) << r.out;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "reports")) {
    std::string report = ReadAll(entry.path());
    EXPECT_THAT(report, Not(HasSubstr("drill password"))) << entry.path();
  }
  // SQLite keeps text as it is: the catalog and its write-ahead log hold no copy either.
  for (const char* file : {"stormproof.db", "stormproof.db-wal"}) {
    if (!fs::exists(dir_ / file)) continue;
    EXPECT_THAT(ReadAll(dir_ / file), Not(HasSubstr("drill password"))) << file;
  }
}

TEST_F(DrillCliTest, ChecklistAnswersFromStandardInput) {
  std::ofstream(dir_ / "answers") << "done 15m\ns\n";
  CliResult r = Drill("--system app --checklist --json < " + (dir_ / "answers").string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["verdict"], "pass-with-warnings");
  EXPECT_EQ(doc["steps"][3]["duration_ms"], 900'000);
  EXPECT_EQ(doc["steps"][4]["outcome"], "warning");
  EXPECT_EQ(doc["reasons"][0], "hands-on step 2 not done: Tell the client it is back");

  std::ofstream(dir_ / "answers") << "f the app will not start\n";
  CliResult failed = Drill("--system app --checklist < " + (dir_ / "answers").string());
  EXPECT_EQ(failed.exit_code, 3) << failed.out;
  EXPECT_THAT(failed.out,
              HasSubstr("hands-on step 1 failed: Restore the app (the app will not start)"))
      << failed.out;
}

TEST_F(DrillCliTest, ASkippedChecklistStepIsAWarningAndBadStepsAreUsageErrors) {
  CliResult r = Drill("--system app --step-done 1");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS WITH WARNINGS")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("  - hands-on step 2 not done: Tell the client it is back\n"))
      << r.out;
  CliResult beyond = Drill("--system app --step-done 3=5m");
  EXPECT_EQ(beyond.exit_code, 2);
  EXPECT_THAT(beyond.err, HasSubstr("--step-done 3=5m: system app has 2 checklist step(s)"))
      << beyond.err;
  EXPECT_EQ(Drill("--system app --step-done 1=soon").exit_code, 2);
  // A time that would overflow the sum (it once made a failed drill pass), or none at all.
  CliResult huge = Drill("--system app --step-done 1=9999999999999d --step-done 2=1h");
  EXPECT_EQ(huge.exit_code, 2) << huge.out;
  EXPECT_THAT(huge.err, HasSubstr("a hands-on step takes from 1s to 366d")) << huge.err;
  EXPECT_EQ(Drill("--system app --step-done 1=0s --step-done 2=1h").exit_code, 2);
  EXPECT_EQ(Drill("--system app --step-done 1 --step-failed 1").exit_code, 2);
}

TEST_F(DrillCliTest, WrongPasswordIsAFailedDrillWithTheReason) {
  std::ofstream(dir_ / "password") << "not the password\n";
  CliResult r = Drill("--system app");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("wrong password")) << r.out;
}

}  // namespace
}  // namespace stormproof::testing
