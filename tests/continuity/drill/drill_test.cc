// RunDrill's steps, measurements and verdicts with a scripted adapter and a fake clock;
// JudgeDrill (table-driven), PickSurprise and UncoveredSteps on small plans.
#include "continuity/drill/drill.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tests/core/environment_fixture.h"
#include "continuity/plan/loader.h"
#include "tests/matchers.h"

namespace stormproof::drill {
namespace {

namespace fs = std::filesystem;
using access::Adapter;
using access::DataCheck;
using access::RestorePoint;
using access::RestoreStats;
using catalog::Outcome;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kNow = 1'800'000'000 * kSecond;

const char* kPlan = R"(version: 1
msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann, contacts: {email: a@x.example}, deputy: bob, skills: [db, sql]}
  - {id: bob, name: Bob, contacts: {email: b@x.example}, deputy: ann}
  - {id: cat, name: Cat, contacts: {email: c@x.example}, skills: [sql]}
tiers:
  - {id: t1, rank: 1, rto: 2h, rpo: 15m, drill_every: monthly}
  - {id: t3, rank: 3, rto: 1d, rpo: 1d, drill_every: quarterly}
repositories:
  - {id: r1, location: /srv/repo}
systems:
  - id: db
    owner: ann
    tier: t1
    skills: [db]
    backup: {paths: [/data/db], repositories: [r1]}
    restore:
      checklist:
        - Restore the database files
        - {step: Replay the SQL log, skill: sql}
        - {step: Re-index, skill: db}
      verify: 'test -s "$STORMPROOF_RESTORE_PATH/data/db/db.bak"'
  - id: files
    owner: bob
    tier: t3
    backup: {paths: [/data/files], repositories: [r1]}
  - id: nobackup
    owner: bob
    tier: t3
)";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

plan::Plan LoadTestPlan(const std::string& text = kPlan) {
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", text);
  EXPECT_TRUE(loaded.readable);
  return loaded.plan;
}

// A fake clock that advances by `step_ns` every time it is read.
struct FakeClock {
  int64_t now = kNow, mono = 0, step_ns = kSecond;
  Clock AsClock() {
    return {[this] { return now; }, [this] { return mono += step_ns; }};
  }
};

// An adapter that "restores" by writing the files it was given.
class ScriptedAdapter : public Adapter {
 public:
  std::vector<RestorePoint> points{{"aaa111", kNow - 600 * kSecond, {"/data/db"}, "h"},
                                   {"bbb222", kNow - 300 * kSecond, {"/data/db"}, "h"}};
  std::map<std::string, std::string> files{{"data/db/db.bak", "backup bytes"}};
  std::optional<Error> list_error, restore_error;
  std::vector<std::string> data_problems;
  std::string restored_id;

  std::string Name() const override { return "scripted"; }
  Result<std::vector<RestorePoint>> List() override {
    if (list_error) return *list_error;
    return points;
  }
  Result<RestoreStats> Restore(const RestorePoint& point, const std::string& target,
                               const ProgressFn& progress) override {
    if (restore_error) return *restore_error;
    restored_id = point.id;
    RestoreStats stats;
    for (const auto& [path, content] : files) {
      fs::create_directories(fs::path(target / fs::path(path)).parent_path());
      std::ofstream(target + "/" + path) << content;
      ++stats.files;
      stats.bytes += content.size();
    }
    if (progress) {
      progress(ProgressEvent()
                   .Count(ProgressUnit::kFiles, stats.files)
                   .Count(ProgressUnit::kBytes, stats.bytes));
    }
    return stats;
  }
  Result<DataCheck> CheckData(const RestorePoint&, const std::string&) override {
    return DataCheck{files.size(), data_problems};
  }
};

class DrillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = fs::temp_directory_path() /
               ("drill-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(scratch_);
    options_.scratch = scratch_;
  }
  void TearDown() override { fs::remove_all(scratch_); }

  catalog::DrillRecord Drill(plan::System* system = nullptr) {
    const plan::System& s = system != nullptr ? *system : *plan_.FindSystem("db");
    Result<catalog::DrillRecord> record =
        RunDrill(plan_, s, adapter_, options_, clock_, progress_, &kept_);
    EXPECT_THAT(record, IsOk());
    return record ? *record : catalog::DrillRecord{};
  }

  plan::Plan plan_ = LoadTestPlan();
  ScriptedAdapter adapter_;
  FakeClock fake_;
  Clock clock_ = fake_.AsClock();
  DrillOptions options_;
  ProgressFn progress_;  // none unless a test watches
  std::string scratch_, kept_;
};

TEST_F(DrillTest, PassingDrillMeasuresEveryStep) {
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kOk) << (r.drill.reasons.empty() ? "" : r.drill.reasons[0]);
  EXPECT_EQ(r.run.kind, catalog::RunKind::kDrill);
  EXPECT_EQ(r.run.system, "db");
  EXPECT_EQ(r.run.snapshot_id, "bbb222");  // the newest
  EXPECT_EQ(adapter_.restored_id, "bbb222");
  ASSERT_EQ(r.drill.steps.size(), 4u);
  EXPECT_EQ(r.drill.steps[0].name, "locate snapshot");
  EXPECT_EQ(r.drill.steps[1].name, "restore");
  EXPECT_EQ(r.drill.steps[2].name, "verify data");
  EXPECT_EQ(r.drill.steps[3].name, "verify application");
  // Each step reads the monotonic clock twice, one second apart: 1 s per step.
  for (const catalog::DrillStep& step : r.drill.steps) EXPECT_EQ(step.duration_ms, 1000);
  EXPECT_EQ(r.drill.achieved_rto_ms, 4000);
  EXPECT_EQ(r.drill.achieved_rpo_s, 300);
  EXPECT_EQ(r.drill.target_rto_s, 7200);
  EXPECT_EQ(r.drill.target_rpo_s, 900);
  EXPECT_EQ(r.run.bytes, 12u);
  EXPECT_DOUBLE_EQ(r.drill.throughput_bytes_per_s, 12.0);
  EXPECT_EQ(r.drill.adapter, "scripted");
  EXPECT_TRUE(fs::is_empty(scratch_)) << "the scratch copy must be removed";
}

// Progress names each step as the report does and carries the bytes restored so far.
TEST_F(DrillTest, ProgressNamesEachStepWithTheBytesRestored) {
  std::vector<ProgressEvent> events;
  progress_ = [&](const ProgressEvent& e) { events.push_back(e); };
  catalog::DrillRecord r = Drill();
  std::vector<std::string> phases;
  for (const ProgressEvent& e : events) {
    if (phases.empty() || phases.back() != e.phase) phases.push_back(e.phase);
    ASSERT_NE(e.Get(ProgressUnit::kBytes), std::nullopt) << e.phase;
    EXPECT_FALSE(e.Get(ProgressUnit::kPacks).has_value()) << e.phase;
  }
  EXPECT_EQ(phases, (std::vector<std::string>{"locate snapshot", "restore", "verify data",
                                              "verify application"}));
  EXPECT_EQ(events.front().Get(ProgressUnit::kBytes)->done, 0u);  // nothing restored yet
  EXPECT_EQ(events.back().Get(ProgressUnit::kBytes)->done, r.run.bytes);
  EXPECT_EQ(r.run.bytes, 12u);
}

TEST_F(DrillTest, ChosenSnapshotByPrefix) {
  options_.snapshot = "aaa";
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(adapter_.restored_id, "aaa111");
  EXPECT_EQ(r.drill.achieved_rpo_s, 600);
}

TEST_F(DrillTest, UnknownSnapshotFailsAtLocate) {
  options_.snapshot = "ccc";
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  ASSERT_EQ(r.drill.steps.size(), 1u);
  EXPECT_EQ(r.drill.steps[0].outcome, Outcome::kFailed);
  EXPECT_FALSE(r.drill.achieved_rto_ms.has_value());
  EXPECT_THAT(r.run.error, HasSubstr("no restore point 'ccc'")) << r.run.error;
}

// The rule of every command (core/id_prefix.h): a prefix of two restore points names neither.
TEST_F(DrillTest, AmbiguousSnapshotPrefixFailsAtLocate) {
  adapter_.points.push_back({"aaa999", kNow - 100 * kSecond, {"/data/db"}, "h"});
  options_.snapshot = "aaa";
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  EXPECT_TRUE(adapter_.restored_id.empty());
  EXPECT_THAT(r.run.error, HasSubstr("restore point prefix 'aaa' is ambiguous (2 match)"))
      << r.run.error;
}

// drill --clean: the newest point before the first flagged one, and the note says why.
TEST_F(DrillTest, CleanRestorePointIsTheNewestBeforeTheFirstFlagged) {
  adapter_.points = {{"aaa111", kNow - 900 * kSecond, {"/data/db"}, "h", "clean"},
                     {"bbb222", kNow - 600 * kSecond, {"/data/db"}, "h", "clean"},
                     {"ccc333", kNow - 300 * kSecond, {"/data/db"}, "h", "infected"},
                     {"ddd444", kNow - 100 * kSecond, {"/data/db"}, "h", "clean"}};
  options_.snapshot = "latest-clean";
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(adapter_.restored_id, "bbb222");
  EXPECT_EQ(r.drill.achieved_rpo_s, 600);  // the clean point's age: the RPO after an attack
  ASSERT_FALSE(r.drill.steps.empty());
  EXPECT_THAT(r.drill.steps[0].note,
              HasSubstr("restore point bbb222: newest clean snapshot; 1 newer flagged, the first "
                        "infected snapshot ccc333"));
}

// A flagged point a person accepted as a false alarm (`hold release --false-alarm`) counts as
// clean, so the drill restores the newest point, as `restore latest-clean` does.
TEST_F(DrillTest, CleanRestorePointPassesAnAcceptedFalseAlarm) {
  adapter_.points = {{"aaa111", kNow - 900 * kSecond, {"/data/db"}, "h", "clean"},
                     {"bbb222", kNow - 600 * kSecond, {"/data/db"}, "h", "suspicious", true},
                     {"ccc333", kNow - 100 * kSecond, {"/data/db"}, "h", "clean"}};
  options_.snapshot = "latest-clean";
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(adapter_.restored_id, "ccc333");
  ASSERT_FALSE(r.drill.steps.empty());
  EXPECT_THAT(r.drill.steps[0].note,
              HasSubstr("the flag of suspicious snapshot bbb222 (")) << "whose flag was set aside";
  adapter_.points[1].false_alarm = false;
  r = Drill();
  EXPECT_EQ(adapter_.restored_id, "aaa111");
}

// R12-7: a restore point dated in the future (a host's clock a year ahead, or a planted
// snapshot) is no "latest" or "latest-clean": its drill would keep the achieved RPO at 0 for a
// year. Named by its id, it is drilled.
TEST_F(DrillTest, PointsDatedInTheFutureAreLeftOutOfLatestAndLatestClean) {
  adapter_.points = {{"aaa111", kNow - 900 * kSecond, {"/data/db"}, "h", "clean"},
                     {"fff999", kNow + 365 * 24 * 3600 * kSecond, {"/data/db"}, "h", "clean"}};
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(adapter_.restored_id, "aaa111");
  ASSERT_FALSE(r.drill.steps.empty());
  EXPECT_THAT(r.drill.steps[0].note, HasSubstr("1 restore point(s) dated in the future left out"));
  options_.snapshot = "latest-clean";
  Drill();
  EXPECT_EQ(adapter_.restored_id, "aaa111");
  options_.snapshot = "fff";
  Drill();
  EXPECT_EQ(adapter_.restored_id, "fff999");
  adapter_.points.erase(adapter_.points.begin());
  options_.snapshot = "latest";
  r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  EXPECT_THAT(r.run.error, HasSubstr("every restore point of this system is dated in the future"));
}

// A person's resolution (`hold resolve`) lets the drill move past an old attack; a point held
// because of a flagged snapshot since removed keeps the clean point at or before it.
TEST_F(DrillTest, CleanRestorePointHonoursResolutionsAndRemovedFlags) {
  adapter_.points = {{"aaa111", kNow - 900 * kSecond, {"/data/db"}, "h", "clean"},
                     {"bbb222", kNow - 600 * kSecond, {"/data/db"}, "h", "infected"},
                     {"ccc333", kNow - 300 * kSecond, {"/data/db"}, "h", "clean"},
                     {"ddd444", kNow - 100 * kSecond, {"/data/db"}, "h", "clean"}};
  adapter_.points[1].resolved = true;
  adapter_.points[2].resolution = true;
  options_.snapshot = "latest-clean";
  Drill();
  EXPECT_EQ(adapter_.restored_id, "ddd444");
  adapter_.points = {{"aaa111", kNow - 900 * kSecond, {"/data/db"}, "h", "clean"},
                     {"ccc333", kNow - 300 * kSecond, {"/data/db"}, "h", "clean"},
                     {"ddd444", kNow - 100 * kSecond, {"/data/db"}, "h", "clean"}};
  adapter_.points[0].removed_flag = std::string(64, 'b');
  Drill();
  EXPECT_EQ(adapter_.restored_id, "aaa111") << "the infected point was forgotten; its hold stays";
}

TEST_F(DrillTest, CleanRestorePointNeedsJudgedPoints) {
  options_.snapshot = "latest-clean";  // the scripted points carry no verdicts (restic-like)
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  EXPECT_TRUE(adapter_.restored_id.empty());
  EXPECT_THAT(r.run.error, HasSubstr("no restore point of this system was judged for ransomware"));

  adapter_.points = {{"aaa111", kNow - 600 * kSecond, {"/data/db"}, "h", "infected"}};
  r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  EXPECT_THAT(r.run.error, HasSubstr("latest-clean: no snapshot before infected snapshot aaa111"));
}

TEST_F(DrillTest, RestoreErrorFailsTheDrill) {
  adapter_.restore_error = Error::Io("pack 1234 is damaged");
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  ASSERT_EQ(r.drill.steps.size(), 2u);
  EXPECT_THAT(r.run.error, HasSubstr("pack 1234 is damaged"));
  EXPECT_FALSE(r.drill.achieved_rto_ms.has_value());
}

TEST_F(DrillTest, DataDifferencesFailTheDrill) {
  adapter_.data_problems = {"/data/db/db.bak: differs from the snapshot"};
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  EXPECT_EQ(r.drill.steps.size(), 3u);
  EXPECT_THAT(r.run.error, HasSubstr("differs"));
}

TEST_F(DrillTest, VerifyCommandFailureIsReportedWithItsMessage) {
  adapter_.files = {{"data/db/other", "x"}};  // db.bak missing: `test -s` fails
  plan::System system = *plan_.FindSystem("db");
  system.verify_command = "echo 'db.bak is missing' >&2; exit 4";
  catalog::DrillRecord r = Drill(&system);
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  EXPECT_EQ(r.drill.steps.back().outcome, Outcome::kFailed);
  EXPECT_EQ(r.drill.steps.back().note, "verify command exited with status 4: db.bak is missing");
}

// The note keeps one line; the step keeps the command's last 20 lines of standard error.
TEST_F(DrillTest, FailedVerifyKeepsTheLastLinesOfItsStandardError) {
  plan::System system = *plan_.FindSystem("db");
  system.verify_command = "for i in $(seq 1 30); do echo \"check $i failed\" >&2; done; exit 2";
  catalog::DrillRecord r = Drill(&system);
  const catalog::DrillStep& verify = r.drill.steps.back();
  ASSERT_EQ(verify.name, "verify application");
  EXPECT_EQ(verify.note, "verify command exited with status 2: check 30 failed");
  std::vector<std::string> expected;
  for (int i = 11; i <= 30; ++i) expected.push_back("check " + std::to_string(i) + " failed");
  EXPECT_EQ(verify.output, expected);
  EXPECT_THAT(r.run.error, Not(HasSubstr("\n"))) << r.run.error;
}

TEST_F(DrillTest, VerifyCommandSeesTheRestorePath) {
  plan::System system = *plan_.FindSystem("db");
  system.verify_command = "grep -q 'backup bytes' \"$STORMPROOF_RESTORE_PATH/data/db/db.bak\"";
  EXPECT_EQ(Drill(&system).run.outcome, Outcome::kOk);
  adapter_.files = {{"data/db/db.bak", "something else"}};
  EXPECT_EQ(Drill(&system).run.outcome, Outcome::kFailed);
}

// The verify command runs in restored client data: it gets the allow-list and the documented
// STORMPROOF_* variables, never the repository password or a cloud key from stormproof's own.
TEST_F(DrillTest, VerifyCommandGetsAMinimalEnvironmentWithoutSecrets) {
  ScopedEnvironment environment(ParentSecrets());
  const std::string env_file = scratch_ + "/verify-env";
  plan::System system = *plan_.FindSystem("db");
  system.verify_command = "env -0 > '" + env_file + "'";
  ASSERT_EQ(Drill(&system).run.outcome, Outcome::kOk);
  std::map<std::string, std::string> child = ParseEnvironment(ReadFile(env_file));
  EXPECT_EQ(UnexpectedNames(child, {"STORMPROOF_RESTORE_PATH", "STORMPROOF_SYSTEM", "PWD"}),
            std::vector<std::string>{});
  ExpectNoParentSecret(child);
  EXPECT_EQ(child["STORMPROOF_SYSTEM"], "db");
  EXPECT_EQ(fs::path(child["STORMPROOF_RESTORE_PATH"]).filename(), "restore");
  EXPECT_EQ(child["PWD"], child["STORMPROOF_RESTORE_PATH"]);
  EXPECT_EQ(child["PATH"], getenv("PATH"));
}

TEST_F(DrillTest, VerifyCommandTimeoutFailsTheDrill) {
  plan::System system = *plan_.FindSystem("db");
  system.verify_command = "sleep 30";
  system.verify_timeout = Duration::Seconds(1);
  auto started = std::chrono::steady_clock::now();
  catalog::DrillRecord r = Drill(&system);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  EXPECT_EQ(r.drill.steps.back().note, "verify command timed out after 1s");
}

TEST_F(DrillTest, NoVerifyCommandIsAWarning) {
  plan::System system = *plan_.FindSystem("db");
  system.verify_command.clear();
  catalog::DrillRecord r = Drill(&system);
  EXPECT_EQ(r.run.outcome, Outcome::kWarning);
  EXPECT_EQ(r.drill.steps.back().outcome, Outcome::kWarning);
  EXPECT_TRUE(r.drill.achieved_rto_ms.has_value());
}

TEST_F(DrillTest, KeepLeavesTheRestoredCopy) {
  options_.keep = true;
  catalog::DrillRecord r = Drill();
  ASSERT_FALSE(kept_.empty());
  EXPECT_TRUE(fs::exists(kept_ + "/data/db/db.bak"));
}

TEST_F(DrillTest, ReadOnlyRestoredDirectoriesAreRemovedToo) {
  plan::System system = *plan_.FindSystem("db");
  system.verify_command = "chmod 0500 \"$STORMPROOF_RESTORE_PATH/data/db\"";
  Drill(&system);
  EXPECT_TRUE(fs::is_empty(scratch_));
}

TEST_F(DrillTest, SlowRestoreMissesTheRto) {
  fake_.step_ns = 2000 * kSecond;  // each step 2000 s: RTO 8000 s > 7200 s
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  EXPECT_EQ(r.drill.achieved_rto_ms, 8'000'000);
  ASSERT_FALSE(r.drill.reasons.empty());
  EXPECT_EQ(r.drill.reasons[0], "achieved RTO 2h13m20s exceeds the target 2h");
}

// Nobody but the absent person can do a step: the restore could not be finished, so the drill
// fails, saying who would be needed.
TEST_F(DrillTest, AbsentPersonWithUncoveredStepsFails) {
  options_.absent_person = "ann";
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  EXPECT_EQ(r.drill.absent_person, "ann");
  ASSERT_EQ(r.drill.uncovered_steps.size(), 2u);
  ASSERT_EQ(r.drill.reasons.size(), 2u);
  EXPECT_EQ(r.drill.reasons[1],
            "with ann unreachable the restore cannot be finished: only ann can do step 3 "
            "'Re-index'; needed: someone trained in db; deputy bob is not trained in it");
  options_.absent_person = "cat";  // others are trained in everything cat can do
  EXPECT_EQ(Drill().run.outcome, Outcome::kOk);
}

// A scripted technician for --checklist: answers by step number, and counts the questions.
struct Technician {
  std::map<size_t, ChecklistAnswer> answers;
  std::vector<std::string> asked;
  ChecklistFn Walker() {
    return [this](size_t number, size_t count, const plan::ChecklistStep& step) {
      asked.push_back(std::to_string(number) + "/" + std::to_string(count) + " " + step.text);
      auto it = answers.find(number);
      return it != answers.end() ? it->second : ChecklistAnswer{};
    };
  }
};

TEST_F(DrillTest, ChecklistStepsAreTimedBetweenDataAndApplicationChecks) {
  Technician tech;
  tech.answers[2] = {HandsOn::kDone, 20 * 60 * 1000, ""};  // stated: 20 minutes
  options_.checklist = tech.Walker();
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(tech.asked, (std::vector<std::string>{"1/3 Restore the database files",
                                                  "2/3 Replay the SQL log", "3/3 Re-index"}));
  ASSERT_EQ(r.drill.steps.size(), 7u);
  EXPECT_EQ(r.drill.steps[2].name, "verify data");
  EXPECT_EQ(r.drill.steps[3].name, "checklist 1: Restore the database files");
  EXPECT_EQ(r.drill.steps[4].name, "checklist 2: Replay the SQL log");
  EXPECT_EQ(r.drill.steps[5].name, "checklist 3: Re-index");
  EXPECT_EQ(r.drill.steps[6].name, "verify application");
  EXPECT_EQ(r.drill.steps[3].duration_ms, 1000);       // measured: question to answer
  EXPECT_EQ(r.drill.steps[4].duration_ms, 1'200'000);  // as stated
  // Data restore (3 s) + hands-on (1 s + 20 m + 1 s) + verification (1 s).
  EXPECT_EQ(r.drill.achieved_rto_ms, 1'206'000);
  EXPECT_EQ(r.run.outcome, Outcome::kOk);
  for (const catalog::DrillStep& step : r.drill.steps) {
    EXPECT_EQ(catalog::IsChecklistStep(step.name), step.name.rfind("checklist", 0) == 0)
        << step.name;
  }
}

TEST_F(DrillTest, ASkippedChecklistStepPassesWithWarningsAtBest) {
  Technician tech;
  tech.answers[2] = {HandsOn::kSkipped, std::nullopt, ""};
  options_.checklist = tech.Walker();
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kWarning);
  EXPECT_EQ(r.drill.steps[4].outcome, Outcome::kWarning);
  EXPECT_EQ(r.drill.steps[4].note, "skipped: not done");
  ASSERT_FALSE(r.drill.reasons.empty());
  EXPECT_EQ(r.drill.reasons[0], "hands-on step 2 not done: Replay the SQL log");
  EXPECT_EQ(r.drill.steps.size(), 7u) << "the other steps go on";
}

TEST_F(DrillTest, AFailedChecklistStepFailsTheDrillThere) {
  Technician tech;
  tech.answers[1] = {HandsOn::kFailed, std::nullopt, "the SQL service will not start"};
  options_.checklist = tech.Walker();
  catalog::DrillRecord r = Drill();
  EXPECT_EQ(r.run.outcome, Outcome::kFailed);
  ASSERT_EQ(r.drill.steps.size(), 4u) << "nothing runs after a failed hands-on step";
  EXPECT_FALSE(r.drill.achieved_rto_ms.has_value());
  EXPECT_EQ(r.drill.reasons[0],
            "hands-on step 1 failed: Restore the database files (the SQL service will not "
            "start)");
  EXPECT_EQ(r.run.error, "checklist 1: Restore the database files: the SQL service will not start");
}

TEST_F(DrillTest, WithoutAWalkerTheChecklistIsNotAsked) {
  catalog::DrillRecord r = Drill();
  for (const catalog::DrillStep& step : r.drill.steps) {
    EXPECT_FALSE(catalog::IsChecklistStep(step.name)) << step.name;
  }
}

struct JudgeDrillCase {
  const char* name;
  std::optional<int64_t> rto_ms, rpo_s;
  Outcome last_step;
  Outcome expected;
  const char* first_reason;
};

void PrintTo(const JudgeDrillCase& c, std::ostream* out) { *out << c.name; }

class JudgeDrillTest : public ::testing::TestWithParam<JudgeDrillCase> {};

TEST_P(JudgeDrillTest, Verdict) {
  const JudgeDrillCase& c = GetParam();
  catalog::Drill drill;
  drill.target_rto_s = 3600;
  drill.target_rpo_s = 1000;
  drill.achieved_rto_ms = c.rto_ms;
  drill.achieved_rpo_s = c.rpo_s;
  drill.steps = {{"restore", 1, Outcome::kOk, ""}, {"verify application", 1, c.last_step, "x"}};
  EXPECT_EQ(JudgeDrill(&drill, 0.2), c.expected) << c.name;
  if (*c.first_reason == '\0') {
    EXPECT_TRUE(drill.reasons.empty()) << c.name << ": " << drill.reasons[0];
  } else {
    ASSERT_FALSE(drill.reasons.empty()) << c.name;
    EXPECT_EQ(drill.reasons[0], c.first_reason) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, JudgeDrillTest,
    ::testing::Values(
        JudgeDrillCase{"well within", 1'000'000, 100, Outcome::kOk, Outcome::kOk, ""},
        JudgeDrillCase{"rto at 80% is still a pass", 2'880'000, 100, Outcome::kOk, Outcome::kOk,
                       ""},
        JudgeDrillCase{"rto just over 80%", 2'881'000, 100, Outcome::kOk, Outcome::kWarning,
                       "achieved RTO 48m1s used 80% of the target 1h (less than 20% to spare)"},
        JudgeDrillCase{"rto a hair under the target never reads 100%", 3'586'000, 100, Outcome::kOk,
                       Outcome::kWarning,
                       "achieved RTO 59m46s used 99% of the target 1h (less than 20% to spare)"},
        JudgeDrillCase{"rto at target", 3'600'000, 100, Outcome::kOk, Outcome::kWarning,
                       "achieved RTO 1h used 100% of the target 1h (less than 20% to spare)"},
        JudgeDrillCase{"rto over", 3'601'000, 100, Outcome::kOk, Outcome::kFailed,
                       "achieved RTO 1h1s exceeds the target 1h"},
        JudgeDrillCase{"rpo over", 1'000'000, 1001, Outcome::kOk, Outcome::kFailed,
                       "achieved RPO 16m41s exceeds the target 16m40s"},
        JudgeDrillCase{"rpo near", 1'000'000, 900, Outcome::kOk, Outcome::kWarning,
                       "achieved RPO 15m used 90% of the target 16m40s (less than 20% to spare)"},
        JudgeDrillCase{"rpo unknown", 1'000'000, std::nullopt, Outcome::kOk, Outcome::kWarning,
                       "the restore point's age is unknown: RPO not measured"},
        JudgeDrillCase{"step failed", std::nullopt, 100, Outcome::kFailed, Outcome::kFailed,
                       "verify application failed: x"},
        JudgeDrillCase{"step warned", 1'000'000, 100, Outcome::kWarning, Outcome::kWarning,
                       "verify application: x"}),
    [](const auto& info) {
      std::string name = info.param.name;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(SurpriseTest, FavoursCriticalAndLongUndrilledSystems) {
  plan::Plan plan = LoadTestPlan();
  std::mt19937_64 random(42);
  std::map<std::string, int> picks;
  // files (tier 3) was drilled yesterday; db (tier 1) never.
  std::map<std::string, int64_t> last{{"files", kNow - 86400 * kSecond}};
  for (int i = 0; i < 2000; ++i) {
    Result<const plan::System*> s = PickSurprise(plan, last, kNow, random);
    ASSERT_THAT(s, IsOk());
    ++picks[(*s)->id];
  }
  EXPECT_EQ(picks.count("nobackup"), 0u) << "a system without backups cannot be drilled";
  EXPECT_GT(picks["db"], 1900);  // weight 4*3 = 12 vs 2*0.1 = 0.2
  EXPECT_GT(picks["files"], 0);  // but never impossible: staff cannot rule it out
}

TEST(SurpriseTest, EqualSystemsAreChosenAtRandom) {
  plan::Plan plan = LoadTestPlan();
  std::mt19937_64 random(7);
  std::map<std::string, int64_t> last{{"db", kNow}, {"files", kNow}};
  std::map<std::string, int> picks;
  for (int i = 0; i < 4000; ++i) ++picks[(*PickSurprise(plan, last, kNow, random))->id];
  // db: 4 * 0.1; files: 2 * 0.1 -> about 2:1
  EXPECT_GT(picks["db"], 2300);
  EXPECT_GT(picks["files"], 1000);
}

TEST(SurpriseTest, OnlySystemsTheCallerCanDrillArePicked) {
  plan::Plan plan = LoadTestPlan();
  std::mt19937_64 random(11);
  auto only_files = [](const plan::System& s) { return s.id == "files"; };
  for (int i = 0; i < 50; ++i) {
    Result<const plan::System*> s = PickSurprise(plan, {}, kNow, random, only_files);
    ASSERT_THAT(s, IsOk());
    EXPECT_EQ((*s)->id, "files");
  }
  auto none = [](const plan::System&) { return false; };
  EXPECT_FALSE(PickSurprise(plan, {}, kNow, random, none).has_value());
}

TEST(SurpriseTest, NoDrillableSystemIsAnError) {
  plan::Plan plan = LoadTestPlan(R"(version: 1
msp: {id: acme, name: Acme IT}
people: [{id: ann, name: Ann}]
tiers: [{id: t1, rank: 1, rto: 2h, rpo: 15m}]
systems: [{id: s, owner: ann, tier: t1}]
)");
  std::mt19937_64 random(1);
  Result<const plan::System*> s = PickSurprise(plan, {}, kNow, random);
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s, ErrorIs(ErrorCode::kNotFound));
}

TEST(CoverageTest, AbsentOwnerLeavesStepsOnlyTheyCanDo) {
  plan::Plan plan = LoadTestPlan();
  const plan::System& db = *plan.FindSystem("db");
  // ann is the only one with skill db and the owner; cat has sql; bob has nothing.
  std::vector<std::string> uncovered = UncoveredSteps(plan, db, "ann");
  ASSERT_EQ(uncovered.size(), 2u);
  EXPECT_EQ(uncovered[0],
            "only ann can do step 1 'Restore the database files'; needed: someone who can "
            "restore db (skills: db); deputy bob is not trained in it");
  EXPECT_EQ(uncovered[1],
            "only ann can do step 3 'Re-index'; needed: someone trained in db; deputy bob is not "
            "trained in it");
  EXPECT_TRUE(UncoveredSteps(plan, db, "bob").empty());
  EXPECT_TRUE(UncoveredSteps(plan, db, "cat").empty());
}

// A system without a checklist is judged as a whole: can anyone else restore it?
TEST(CoverageTest, WithoutAChecklistTheWholeRestoreNeedsSomeone) {
  plan::Plan plan = LoadTestPlan();
  plan::System files = *plan.FindSystem("files");  // owner bob, no skills, no checklist
  EXPECT_EQ(UncoveredSteps(plan, files, "bob"),
            std::vector<std::string>{"only bob can restore files; needed: someone who can "
                                     "restore files; deputy ann is not trained in it"});
  EXPECT_TRUE(UncoveredSteps(plan, files, "ann").empty());
  plan::Plan shared = LoadTestPlan(std::string(kPlan) +
                                   "training:\n  - {person: cat, skill: files, date: 2026-01-01}\n");
  EXPECT_TRUE(UncoveredSteps(shared, *shared.FindSystem("files"), "bob").empty());
}

TEST(CoverageTest, TrainingRecordsCount) {
  std::string text = kPlan;
  text += "training:\n  - {person: bob, skill: db, kind: shadowing, date: 2026-10-01}\n";
  plan::Plan plan = LoadTestPlan(text);
  EXPECT_TRUE(UncoveredSteps(plan, *plan.FindSystem("db"), "ann").empty());
}

// Who is trained follows plan::Restorers: a training record of someone the plan does not know
// (here "ghost", trained in db) covers no step.
TEST(CoverageTest, TrainingRecordsOfUnknownPeopleDoNotCount) {
  plan::Plan plan = LoadTestPlan();
  plan::TrainingRecord ghost;
  ghost.person.id = "ghost";
  ghost.skill = "db";
  ghost.kind = "course";
  plan.training.push_back(ghost);
  std::vector<std::string> uncovered = UncoveredSteps(plan, *plan.FindSystem("db"), "ann");
  ASSERT_EQ(uncovered.size(), 2u);
  EXPECT_EQ(uncovered[1],
            "only ann can do step 3 'Re-index'; needed: someone trained in db; deputy bob is not "
            "trained in it");
}

TEST(HostPathTest, MapsPlanPathsUnderTheRoot) {
  EXPECT_EQ(plan::HostPath("", "/srv/x"), "/srv/x");
  EXPECT_EQ(plan::HostPath("/stage/", "/srv/x/"), "/stage/srv/x");
  EXPECT_EQ(plan::HostPath("/stage", "D:/EXACT"), "/stage/D/EXACT");
  EXPECT_EQ(plan::HostPath("/stage", "d:\\Data\\x"), "/stage/d/Data/x");
  EXPECT_EQ(plan::HostPath("", "D:/EXACT"), "/D/EXACT");
  EXPECT_EQ(plan::HostPath("/stage", "/../../etc"), "/stage/etc");
}

}  // namespace
}  // namespace stormproof::drill

namespace stormproof::drill {
namespace {

TEST(ChecklistAnswerTest, ParsesWhatATechnicianTypes) {
  struct Case {
    const char* line;
    HandsOn result;
    std::optional<int64_t> ms;
    const char* note;
  };
  for (const Case& c : {Case{"", HandsOn::kDone, std::nullopt, ""},
                        Case{"  \t", HandsOn::kDone, std::nullopt, ""},
                        Case{"d", HandsOn::kDone, std::nullopt, ""},
                        Case{"DONE 20m", HandsOn::kDone, 1'200'000, ""},
                        Case{"done 1h30m", HandsOn::kDone, 5'400'000, ""},
                        Case{"s", HandsOn::kSkipped, std::nullopt, ""},
                        Case{"skip no licence key", HandsOn::kSkipped, std::nullopt,
                             "no licence key"},
                        Case{"f", HandsOn::kFailed, std::nullopt, ""},
                        Case{"failed  EXACT will not start ", HandsOn::kFailed, std::nullopt,
                             "EXACT will not start"}}) {
    Result<ChecklistAnswer> answer = ParseChecklistAnswer(c.line);
    ASSERT_THAT(answer, IsOk()) << c.line << ": " << answer.error().message();
    EXPECT_EQ(answer->result, c.result) << c.line;
    EXPECT_EQ(answer->duration_ms, c.ms) << c.line;
    EXPECT_EQ(answer->note, c.note) << c.line;
  }
  // A stated time from 1s to kMaxStepTime: a huge one would overflow the drill's sum (and once
  // made a failed drill pass with a negative achieved RTO), a zero one times nothing.
  for (const char* bad : {"yes", "done soon", "x 1", "done 9999999999999d", "done 367d",
                          "done 0s"}) {
    Result<ChecklistAnswer> answer = ParseChecklistAnswer(bad);
    ASSERT_FALSE(answer.has_value()) << bad;
    EXPECT_THAT(answer, ErrorIs(ErrorCode::kInvalidArgument));
    EXPECT_EQ(answer.error().message().rfind(std::string("answer '") + bad + "'", 0), 0u)
        << answer.error().message();
  }
}

TEST(ChecklistAnswerTest, ParsesStepFlags) {
  auto done = ParseStepFlag("2=20m", HandsOn::kDone);
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->first, 2u);
  EXPECT_EQ(done->second.result, HandsOn::kDone);
  EXPECT_EQ(done->second.duration_ms, 1'200'000);
  EXPECT_TRUE(done->second.timed);
  auto plain = ParseStepFlag("3", HandsOn::kDone);
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->second.duration_ms, std::nullopt);
  EXPECT_FALSE(plain->second.timed) << "a flag without a duration measures nothing";
  auto failed = ParseStepFlag("1=service will not start", HandsOn::kFailed);
  ASSERT_THAT(failed, IsOk());
  EXPECT_EQ(failed->second.result, HandsOn::kFailed);
  EXPECT_EQ(failed->second.note, "service will not start");
  for (const char* bad : {"0", "", "two", "2=soon", "-1=5m", "99999999999999999999999",
                          "1=9999999999999d", "1=0s", "1=367d"}) {
    auto parsed = ParseStepFlag(bad, HandsOn::kDone);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().message().rfind(std::string("--step-done ") + bad, 0), 0u)
        << parsed.error().message();
  }
}

// A plan of one person and one tier whose repositories and systems (YAML from "repositories:"
// on) are the test's: the copies tests' set-up.
plan::Plan LoadCopiesPlan(const std::string& repositories_and_systems) {
  return LoadTestPlan(R"(version: 1
msp: {id: acme, name: Acme IT}
people: [{id: ann, name: Ann, contacts: {email: a@x.example}}]
tiers: [{id: t1, rank: 1, rto: 2h, rpo: 1d}]
)" + repositories_and_systems);
}

// Rotation: never-drilled copies first (plan order), then the one drilled longest ago; copies
// a drill cannot read (b2:, tape) are left out, s3: copies are not.
TEST(CopiesTest, NextCopyRotatesAcrossTheCopies) {
  plan::Plan plan = LoadCopiesPlan(R"(repositories:
  - {id: cloud, location: "b2:bucket:/repo", medium: object}
  - {id: nas, location: /srv/nas}
  - {id: usb, location: /mnt/usb, medium: removable}
systems:
  - {id: s, owner: ann, tier: t1, backup: {paths: [/srv/s], repositories: [cloud, nas, usb]}}
  - {id: only-cloud, owner: ann, tier: t1, backup: {paths: [/srv/s], repositories: [cloud]}}
)");
  const plan::System& s = *plan.FindSystem("s");
  EXPECT_EQ(NextCopyToDrill(plan, s, {})->id, "nas");
  EXPECT_EQ(NextCopyToDrill(plan, s, {{"nas", kNow}})->id, "usb");
  EXPECT_EQ(NextCopyToDrill(plan, s, {{"nas", kNow}, {"usb", kNow - kSecond}})->id, "usb");
  EXPECT_EQ(NextCopyToDrill(plan, s, {{"nas", kNow - kSecond}, {"usb", kNow}})->id, "nas");
  EXPECT_EQ(NextCopyToDrill(plan, *plan.FindSystem("only-cloud"), {}), nullptr);
  EXPECT_FALSE(DrillCanRead(*plan.FindRepository("cloud")));
  EXPECT_TRUE(DrillCanRead(*plan.FindRepository("usb")));
  plan::RepositorySpec s3 = *plan.FindRepository("cloud");
  s3.location = "s3:https://s3.example.com/bucket";
  EXPECT_TRUE(DrillCanRead(s3));
  s3.medium = plan::Medium::kTape;
  EXPECT_FALSE(DrillCanRead(s3));
}

// The other copies of a system whose drilled copy failed: unreadable and missing copies say so;
// with none left, nothing would have saved the day. (A copy holding a restore point: see
// engine_adapter_test.cc and the drill CLI tests.)
TEST(CopiesTest, OtherCopiesThatCannotHelpSaySo) {
  plan::Plan plan = LoadCopiesPlan(R"(repositories:
  - {id: cloud, location: "b2:bucket:/repo", medium: object}
  - {id: nas, location: /nonexistent/stormproof-nas}
systems:
  - {id: s, owner: ann, tier: t1, backup: {paths: [/srv/s], repositories: [nas, cloud]}}
  - {id: one, owner: ann, tier: t1, backup: {paths: [/srv/s], repositories: [nas]}}
)");
  access::AccessOptions access;
  access.password = "pw";
  std::vector<std::string> lines = OtherCopies(plan, *plan.FindSystem("s"), "", access, kNow);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("copy nas would not have saved the day either: ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1],
            "copy cloud was not checked: repository 'cloud': repository location "
            "'b2:bucket:/repo': this build cannot use b2: locations (supported: a local path, "
            "local:PATH, s3:https://host/bucket[/prefix])");
  EXPECT_EQ(lines[2],
            "no other copy holds a readable restore point: nothing would have saved the day");
  EXPECT_EQ(OtherCopies(plan, *plan.FindSystem("one"), "nas", access, kNow),
            std::vector<std::string>{"system one has no other copy: nothing would have saved the "
                                     "day"});
}

// Copy repositories (copy_from) are copies of the system too: they take their turn in the
// rotation after the repositories it backs up into (a copy after its source), and a drill may
// name them.
TEST(CopiesTest, CopyRepositoriesTakeTheirTurnInTheRotation) {
  plan::Plan plan = LoadCopiesPlan(R"(repositories:
  - {id: far, location: /srv/far, copy_from: offsite}
  - {id: nas, location: /srv/nas}
  - {id: offsite, location: "s3:https://s3.example.com/offsite", medium: object, copy_from: nas}
  - {id: tape, location: /dev/nst0, medium: tape, copy_from: nas}
systems:
  - {id: s, owner: ann, tier: t1, backup: {paths: [/srv/s], repositories: [nas]}}
)");
  const plan::System& s = *plan.FindSystem("s");
  EXPECT_EQ(CopiesText(plan, s),
            "nas, offsite (a copy of nas), tape (a copy of nas), far (a copy of offsite)");
  EXPECT_EQ(NextCopyToDrill(plan, s, {})->id, "nas");
  EXPECT_EQ(NextCopyToDrill(plan, s, {{"nas", kNow}})->id, "offsite");
  EXPECT_EQ(NextCopyToDrill(plan, s, {{"nas", kNow}, {"offsite", kNow}})->id, "far");
  EXPECT_EQ(
      NextCopyToDrill(plan, s, {{"nas", kNow}, {"offsite", kNow - kSecond}, {"far", kNow}})->id,
      "offsite");
  ASSERT_NE(FindCopy(plan, s, "far"), nullptr);
  EXPECT_EQ(FindCopy(plan, s, "far")->id, "far");
  EXPECT_EQ(FindCopy(plan, s, "nope"), nullptr);
}

// When the drilled copy fails, the copy repositories are among the other copies checked.
TEST(CopiesTest, OtherCopiesIncludeTheCopyRepositories) {
  plan::Plan plan = LoadCopiesPlan(R"(repositories:
  - {id: nas, location: /nonexistent/stormproof-nas}
  - {id: offsite, location: /nonexistent/stormproof-offsite, copy_from: nas}
systems:
  - {id: s, owner: ann, tier: t1, backup: {paths: [/srv/s], repositories: [nas]}}
)");
  access::AccessOptions access;
  access.password = "pw";
  std::vector<std::string> lines = OtherCopies(plan, *plan.FindSystem("s"), "nas", access, kNow);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("copy offsite would not have saved the day either: ", 0), 0u)
      << lines[0];
  EXPECT_EQ(lines[1],
            "no other copy holds a readable restore point: nothing would have saved the day");
}

}  // namespace
}  // namespace stormproof::drill
