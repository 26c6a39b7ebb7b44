// Tests of src/continuity/readiness/clean_point.cc: the newest clean restore point and the clean
// RPO from hand-built catalog runs (verdicts, marks, the newest forget's view of the marks), and
// through ComputeStatus over a real catalog file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "continuity/readiness/internal/assess.h"
#include "continuity/readiness/readiness.h"
#include "core/time.h"
#include "tests/matchers.h"

namespace stormproof::readiness {
namespace {

namespace fs = std::filesystem;
using internal::CleanEvidence;
using nlohmann::json;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
const Date kToday = Date::FromCivil(2026, 12, 7);
const int64_t kNow = kToday.days_since_epoch() * kDay + 12 * kHour;

// A 64-hex snapshot id whose first digits say which backup it is: Id(3) = "0300…".
std::string Id(int n) {
  std::string id = std::to_string(n);
  if (id.size() < 2) id = "0" + id;
  return id + std::string(64 - id.size(), '0');
}

// Backup n of a daily series ending at backup `newest` taken at kNow − 1h.
catalog::Run Backup(int n, int newest, std::optional<std::string> level = "clean") {
  catalog::Run run;
  run.kind = catalog::RunKind::kBackup;
  run.system = "web";
  run.repository = "nas";
  run.snapshot_time_ns = kNow - kHour - (newest - n) * kDay;
  run.started_ns = run.snapshot_time_ns;
  run.finished_ns = run.started_ns + 10 * kSecond;
  run.snapshot_id = Id(n);
  json details = {{"files_new", 1}};
  if (level) {
    details["verdict"] = {
        {"level", *level},
        {"score", *level == "clean" ? 0 : 97},
        {"reasons", *level == "clean" ? json::array() : json{"3,412 files rewritten"}}};
    if (*level != "clean") run.outcome = catalog::Outcome::kWarning;
  }
  run.details = details.dump();
  return run;
}

// `count` daily backups 1..count, newest first (as the catalog returns them), all clean.
std::vector<catalog::Run> Series(int count) {
  std::vector<catalog::Run> runs;
  for (int n = count; n >= 1; --n) runs.push_back(Backup(n, count));
  return runs;
}

void AddMarks(catalog::Run* run, json marks) {
  json details = json::parse(run->details);
  details["marks"] = std::move(marks);
  run->details = details.dump();
}

json Mark(const std::string& kind, int snapshot, const std::string& level = "") {
  json mark = {{"kind", kind}, {"snapshot", Id(snapshot)}, {"reason", kind + " reason"}};
  if (!level.empty()) mark["level"] = level;
  return mark;
}

catalog::Run Forget(int64_t started_ns, json marks) {
  catalog::Run run;
  run.kind = catalog::RunKind::kForget;
  run.system = "web";
  run.repository = "nas";
  run.started_ns = started_ns;
  run.finished_ns = started_ns + kSecond;
  run.details = json{{"removed", 0}, {"holds_placed", 0}, {"marks", std::move(marks)}}.dump();
  return run;
}

CleanPointStatus Assess(std::vector<catalog::Run> backups,
                        std::optional<catalog::Run> forget = std::nullopt,
                        std::optional<Duration> rpo = Duration::Days(1)) {
  CleanEvidence e{"nas", std::move(backups), std::move(forget)};
  return internal::AssessCleanPoint({e}, rpo, kNow);
}

TEST(CleanPointTest, NoBackupIsNoEvidence) {
  CleanPointStatus clean = Assess({});
  EXPECT_EQ(clean.state, CleanState::kNoEvidence);
  EXPECT_FALSE(clean.age);
  EXPECT_FALSE(clean.breached);
  EXPECT_STREQ(CleanStateName(clean.state), "no evidence");
}

TEST(CleanPointTest, BackupsWithoutVerdictsAreNeverJudged) {
  std::vector<catalog::Run> runs = {Backup(2, 2, std::nullopt), Backup(1, 2, std::nullopt)};
  CleanPointStatus clean = Assess(runs);
  EXPECT_EQ(clean.state, CleanState::kNeverJudged);
  EXPECT_EQ(clean.snapshot_id, Id(2));  // the newest, not proven clean
  EXPECT_FALSE(clean.age) << "a clean RPO needs a judged snapshot";
  EXPECT_EQ(clean.judged, 0u);
  EXPECT_FALSE(clean.breached);
}

TEST(CleanPointTest, NothingFlaggedIsTheNewestSnapshot) {
  CleanPointStatus clean = Assess(Series(5));
  EXPECT_EQ(clean.state, CleanState::kNoneFlagged);
  EXPECT_EQ(clean.snapshot_id, Id(5));
  EXPECT_EQ(clean.repository, "nas");
  EXPECT_EQ(clean.age, Duration::Hours(1));
  EXPECT_FALSE(clean.flagged);
  EXPECT_EQ(clean.reason, "newest snapshot (none flagged)");
}

TEST(CleanPointTest, InfectedNewestMovesThePointBeforeItAndBreachesTheRpo) {
  std::vector<catalog::Run> runs = Series(4);
  runs.insert(runs.begin(), Backup(5, 5, "infected"));
  AddMarks(&runs.front(), json::array({Mark("hold", 4), Mark("hold", 3)}));
  for (size_t i = 1; i < runs.size(); ++i) runs[i] = Backup(5 - static_cast<int>(i), 5);
  CleanPointStatus clean = Assess(runs);
  EXPECT_EQ(clean.state, CleanState::kFlagged);
  EXPECT_EQ(clean.snapshot_id, Id(4));
  EXPECT_EQ(clean.age, Duration::Hours(25));
  EXPECT_TRUE(clean.breached) << "clean RPO 25h against an RPO of 1d";
  EXPECT_TRUE(clean.held);
  ASSERT_TRUE(clean.flagged);
  EXPECT_EQ(clean.flagged->snapshot_id, Id(5));
  EXPECT_EQ(clean.flagged->level, "infected");
  EXPECT_EQ(clean.flagged->score, 97);
  EXPECT_EQ(clean.flagged->reasons, std::vector<std::string>{"3,412 files rewritten"});
  EXPECT_EQ(clean.flagged->detected_ns, runs.front().finished_ns);
  ASSERT_EQ(clean.holds.size(), 2u);
  EXPECT_EQ(clean.holds[0].snapshot_id, Id(4));
  EXPECT_EQ(clean.holds[0].reason, "hold reason");
}

TEST(CleanPointTest, WithoutAnRpoTheCleanPointIsNoBreach) {
  std::vector<catalog::Run> runs = {Backup(3, 3, "infected"), Backup(2, 3), Backup(1, 3)};
  CleanPointStatus clean = Assess(runs, std::nullopt, std::nullopt);
  EXPECT_EQ(clean.state, CleanState::kFlagged);
  EXPECT_FALSE(clean.breached);
}

TEST(CleanPointTest, SlowAttackVerdictMarksMoveThePointEarlier) {
  std::vector<catalog::Run> runs = Series(5);
  runs.insert(runs.begin(), Backup(6, 6, "infected"));
  for (size_t i = 1; i < runs.size(); ++i) runs[i] = Backup(6 - static_cast<int>(i), 6);
  AddMarks(&runs.front(),
           json::array({Mark("verdict", 4, "suspicious"), Mark("verdict", 5, "suspicious")}));
  CleanPointStatus clean = Assess(runs);
  EXPECT_EQ(clean.state, CleanState::kFlagged);
  EXPECT_EQ(clean.snapshot_id, Id(3));
  ASSERT_TRUE(clean.flagged);
  EXPECT_EQ(clean.flagged->snapshot_id, Id(4)) << "the attack began at the earliest step";
  EXPECT_EQ(clean.flagged->level, "suspicious");
  EXPECT_FALSE(clean.flagged->score);
  EXPECT_EQ(clean.flagged->reasons, std::vector<std::string>{"verdict reason"});
  EXPECT_EQ(clean.flagged_count, 3u);
}

TEST(CleanPointTest, LaterVerdictInTheNewestForgetCounts) {
  std::vector<catalog::Run> runs = Series(4);
  json marks = {
      {"holds", json::array()},
      {"false_alarms", json::array()},
      {"later_verdicts",
       json::array(
           {{{"snapshot", Id(3)}, {"level", "infected"}, {"reason", "scan: 212 ransom notes"}}})}};
  CleanPointStatus clean = Assess(runs, Forget(kNow - 30 * 60 * kSecond, marks));
  EXPECT_EQ(clean.state, CleanState::kFlagged);
  EXPECT_EQ(clean.snapshot_id, Id(2));
  EXPECT_EQ(clean.flagged->reasons, std::vector<std::string>{"scan: 212 ransom notes"});
}

TEST(CleanPointTest, FalseAlarmAcceptedInTheNewestForgetMovesThePointBack) {
  std::vector<catalog::Run> runs = {Backup(4, 4), Backup(3, 4, "suspicious"), Backup(2, 4),
                                    Backup(1, 4)};
  EXPECT_EQ(Assess(runs).snapshot_id, Id(2));
  json marks = {
      {"holds", json::array()}, {"false_alarms", json{Id(3)}}, {"later_verdicts", json::array()}};
  CleanPointStatus clean = Assess(runs, Forget(kNow - 30 * 60 * kSecond, marks));
  EXPECT_EQ(clean.state, CleanState::kNoneFlagged);
  EXPECT_EQ(clean.snapshot_id, Id(4));
  EXPECT_FALSE(clean.breached);
}

// R12-8: a resolution the newest forget recorded (`hold resolve`) lets the flagged snapshots
// before it go: the clean RPO is no longer pinned before the attack, and the reason says why.
TEST(CleanPointTest, AResolutionInTheNewestForgetLetsTheOlderFlagGo) {
  std::vector<catalog::Run> runs = {Backup(5, 5), Backup(4, 5), Backup(3, 5, "infected"),
                                    Backup(2, 5), Backup(1, 5)};
  EXPECT_EQ(Assess(runs).snapshot_id, Id(2));
  json marks = {{"holds", json::array()},
                {"false_alarms", json::array()},
                {"later_verdicts", json::array()},
                {"resolutions", json{Id(4)}}};
  CleanPointStatus clean = Assess(runs, Forget(kNow - 30 * 60 * kSecond, marks));
  EXPECT_EQ(clean.state, CleanState::kNoneFlagged);
  EXPECT_EQ(clean.snapshot_id, Id(5));
  EXPECT_EQ(clean.flagged_count, 0u);
  EXPECT_THAT(clean.reason,
              testing::HasSubstr("a person vouched for snapshot " + Id(4).substr(0, 8)));
  // A resolution on the flagged snapshot itself counts for nothing.
  marks["resolutions"] = json{Id(3)};
  EXPECT_EQ(Assess(runs, Forget(kNow - 30 * 60 * kSecond, marks)).snapshot_id, Id(2));
}

// R13-H3: a resolution frees the flags of its own repository only: one written into a weakly
// protected local repository does not free the offsite copy's flag.
TEST(CleanPointTest, AResolutionFreesOnlyItsOwnRepositorysFlags) {
  std::vector<catalog::Run> nas = {Backup(5, 5), Backup(4, 5), Backup(3, 5, "infected"),
                                   Backup(2, 5), Backup(1, 5)};
  catalog::Run offsite = Backup(3, 5, "infected");
  offsite.repository = "offsite";
  offsite.snapshot_id = Id(23);
  json marks = {{"holds", json::array()},
                {"false_alarms", json::array()},
                {"later_verdicts", json::array()},
                {"resolutions", json{Id(4)}}};
  CleanEvidence local{"nas", nas, Forget(kNow - 30 * 60 * kSecond, marks)};
  CleanEvidence copy{"offsite", {offsite}, std::nullopt};
  CleanPointStatus clean = internal::AssessCleanPoint({local, copy}, Duration::Days(1), kNow);
  EXPECT_EQ(clean.state, CleanState::kFlagged);
  EXPECT_EQ(clean.snapshot_id, Id(2));
  ASSERT_TRUE(clean.flagged);
  EXPECT_EQ(clean.flagged->snapshot_id, Id(23));
}

TEST(CleanPointTest, FlaggedWithoutAnyCleanSnapshotHasNoCleanPoint) {
  std::vector<catalog::Run> runs = {Backup(2, 2, "infected"), Backup(1, 2, "infected")};
  CleanPointStatus clean = Assess(runs);
  EXPECT_EQ(clean.state, CleanState::kNoCleanPoint);
  EXPECT_TRUE(clean.breached);
  EXPECT_FALSE(clean.age);
  EXPECT_TRUE(clean.snapshot_id.empty());
  EXPECT_THAT(clean.reason, testing::HasSubstr("no snapshot before infected snapshot 01000000"));
  ASSERT_TRUE(clean.flagged);
  EXPECT_EQ(clean.flagged->snapshot_id, Id(1));
}

TEST(CleanPointTest, FlaggedAfterOnlyUnjudgedSnapshotsHasNoCleanPoint) {
  std::vector<catalog::Run> runs = {Backup(3, 3, "infected"), Backup(2, 3, std::nullopt),
                                    Backup(1, 3, std::nullopt)};
  CleanPointStatus clean = Assess(runs);
  EXPECT_EQ(clean.state, CleanState::kNoCleanPoint);
  EXPECT_THAT(clean.reason, testing::HasSubstr("taken without detection"));
}

TEST(CleanPointTest, HoldsComeFromTheNewestForgetAndNewerBackups) {
  std::vector<catalog::Run> runs = Series(4);
  runs.insert(runs.begin(), Backup(5, 5, "infected"));
  for (size_t i = 1; i < runs.size(); ++i) runs[i] = Backup(5 - static_cast<int>(i), 5);
  // The backup before the forget placed a hold on 2 that a person released since: the forget,
  // newer, no longer lists it. The infected backup, newer than the forget, held 4.
  AddMarks(&runs[2], json::array({Mark("hold", 2)}));
  AddMarks(&runs.front(), json::array({Mark("hold", 4)}));
  json marks = {{"holds", json::array({{{"snapshot", Id(1)},
                                        {"snapshot_time_ns", runs[4].snapshot_time_ns},
                                        {"reason", "legal hold"},
                                        {"because", ""}}})},
                {"false_alarms", json::array()},
                {"later_verdicts", json::array()}};
  CleanPointStatus clean = Assess(runs, Forget(runs[1].finished_ns + kSecond, marks));
  ASSERT_EQ(clean.holds.size(), 2u);
  EXPECT_EQ(clean.holds[0].snapshot_id, Id(4));  // newest first, its time from its backup
  EXPECT_EQ(clean.holds[0].snapshot_time_ns, runs[1].snapshot_time_ns);
  EXPECT_EQ(clean.holds[1].snapshot_id, Id(1));
  EXPECT_EQ(clean.holds[1].reason, "legal hold");
  EXPECT_TRUE(clean.holds[1].by_person);
  EXPECT_FALSE(clean.holds[0].by_person);
  EXPECT_TRUE(clean.held);
}

// R12-5: any backup host can write evidence, so a snapshot recorded twice keeps the worse word
// on it: a forged record calling the infected snapshot clean does not move the point.
TEST(CleanPointTest, ASnapshotRecordedTwiceKeepsItsWorstVerdict) {
  std::vector<catalog::Run> runs = {Backup(3, 3, "clean"), Backup(3, 3, "infected"), Backup(2, 3),
                                    Backup(1, 3)};
  CleanPointStatus clean = Assess(runs);
  EXPECT_EQ(clean.state, CleanState::kFlagged);
  EXPECT_EQ(clean.snapshot_id, Id(2));
  std::swap(runs[0], runs[1]);
  EXPECT_EQ(Assess(runs).snapshot_id, Id(2)) << "whichever record comes first";
}

// R12-11: "holds not placed" stays only until a forget recorded the marks (it placed the holds
// the flag asked for).
TEST(CleanPointTest, AFailureToSaveMarksIsMadeGoodByTheNextForget) {
  std::vector<catalog::Run> runs = {Backup(3, 3, "infected"), Backup(2, 3), Backup(1, 3)};
  json details = json::parse(runs[0].details);
  details["marks_failed"] = "holds not placed: evidence/: permission denied";
  runs[0].details = details.dump();
  EXPECT_EQ(Assess(runs).marks_failed, "holds not placed: evidence/: permission denied");
  json marks = {
      {"holds", json::array()}, {"false_alarms", json::array()}, {"later_verdicts", json::array()}};
  EXPECT_EQ(Assess(runs, Forget(runs[0].finished_ns + kSecond, marks)).marks_failed, "");
  EXPECT_EQ(Assess(runs, Forget(runs[0].started_ns - kHour, marks)).marks_failed,
            "holds not placed: evidence/: permission denied")
      << "a forget before the failure made nothing good";
}

TEST(CleanPointTest, OneTimeLineOverRepositories) {
  // nas flagged backup 3; cloud's backups were never judged, and one was taken after the flag:
  // the point must be before the attack, wherever it was flagged.
  std::vector<catalog::Run> nas = {Backup(3, 3, "infected"), Backup(2, 3), Backup(1, 3)};
  catalog::Run later = Backup(3, 3, std::nullopt);
  later.repository = "cloud";
  later.snapshot_id = Id(30);
  later.snapshot_time_ns += kHour / 2;
  CleanEvidence cloud{"cloud", {later}, std::nullopt};
  CleanPointStatus clean = internal::AssessCleanPoint(
      {CleanEvidence{"nas", nas, std::nullopt}, cloud}, Duration::Days(2), kNow);
  EXPECT_EQ(clean.state, CleanState::kFlagged);
  EXPECT_EQ(clean.snapshot_id, Id(2));
  EXPECT_EQ(clean.repository, "nas");
  EXPECT_FALSE(clean.breached) << "25h within an RPO of 2d";
}

TEST(CleanPointTest, HostileDetailsCountForNothing) {
  std::vector<catalog::Run> runs = Series(2);
  runs[0].details = "not json";
  runs[1].details = R"({"verdict":"clean","marks":[1,{"kind":"verdict","level":7}]})";
  CleanPointStatus clean = Assess(runs);
  EXPECT_EQ(clean.state, CleanState::kNeverJudged);
}

TEST(CleanPointTest, RestoreFromTextNamesThePointAndTheFlag) {
  std::vector<catalog::Run> runs = {Backup(3, 3, "infected"), Backup(2, 3), Backup(1, 3)};
  EXPECT_EQ(RestoreFromText(Assess(runs)),
            "snapshot 02000000 (" + FormatUtc(runs[1].snapshot_time_ns) +
                ") in nas, the newest clean point; infected snapshot 03000000 (" +
                FormatUtc(runs[0].snapshot_time_ns) + ") after it");
  EXPECT_EQ(RestoreFromText(Assess({Backup(1, 1)})), "latest snapshot 01000000 (" +
                                                         FormatUtc(Backup(1, 1).snapshot_time_ns) +
                                                         ") in nas, none flagged");
  EXPECT_THAT(RestoreFromText(Assess({Backup(1, 1, std::nullopt)})),
              testing::EndsWith(", never judged (taken without detection)"));
  EXPECT_THAT(RestoreFromText(Assess({Backup(1, 1, "infected")})),
              testing::StartsWith("NO CLEAN RESTORE POINT: no snapshot before infected"));
  EXPECT_EQ(RestoreFromText(Assess({})), "unknown: no backup recorded");
}

// --- through ComputeStatus, over a real catalog ----------------------------------------------

class CleanPointCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-clean-point-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto opened = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(opened, IsOk());
    catalog_ = std::move(opened).value();
  }
  void TearDown() override {
    catalog_.reset();
    fs::remove_all(dir_);
  }
  static plan::Plan Plan() {
    plan::Plan plan;
    plan.msp.id = "msp";
    plan::Tier tier;
    tier.id = "t1";
    tier.rank = 1;
    tier.rpo = Duration::Days(1);
    tier.rto = Duration::Hours(4);
    plan.tiers = {tier};
    plan::RepositorySpec nas;
    nas.id = "nas";
    plan.repositories = {nas};
    for (const char* id : {"web", "mail"}) {
      plan::System system;
      system.id = id;
      system.tier = plan::Ref{"t1", {}};
      system.backup.repositories = {{"nas", {}}};
      plan.systems.push_back(system);
    }
    plan.BuildIndex();
    return plan;
  }
  fs::path dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

TEST_F(CleanPointCatalogTest, StatusShowsTheCleanRpoAndBreachesOnIt) {
  std::vector<catalog::Run> runs = Series(3);
  runs.insert(runs.begin(), Backup(4, 4, "infected"));
  for (size_t i = 1; i < runs.size(); ++i) runs[i] = Backup(4 - static_cast<int>(i), 4);
  for (const catalog::Run& run : runs) ASSERT_THAT(catalog_->AddRun(run), IsOk());
  // An older forget with a false alarm, a newer one without: the newest view counts.
  json accepted = {
      {"holds", json::array()}, {"false_alarms", json{Id(4)}}, {"later_verdicts", json::array()}};
  json none = {
      {"holds", json::array()}, {"false_alarms", json::array()}, {"later_verdicts", json::array()}};
  ASSERT_THAT(catalog_->AddRun(Forget(kNow - 40 * 60 * kSecond, accepted)), IsOk());
  ASSERT_THAT(catalog_->AddRun(Forget(kNow - 20 * 60 * kSecond, none)), IsOk());
  catalog::Run mail = Backup(1, 1, std::nullopt);
  mail.system = "mail";
  ASSERT_THAT(catalog_->AddRun(mail), IsOk());

  StatusOptions options;
  options.now_ns = kNow;
  options.today = kToday;
  auto status = ComputeStatus(Plan(), *catalog_, options);
  ASSERT_THAT(status, IsOk());
  const SystemStatus& web = status->clients[0].systems[0];
  EXPECT_EQ(web.rpo.state, RpoState::kOk) << "the ordinary RPO is the infected snapshot's";
  EXPECT_EQ(web.clean.state, CleanState::kFlagged);
  EXPECT_EQ(web.clean.snapshot_id, Id(3));
  EXPECT_EQ(web.clean.age, Duration::Hours(25));
  EXPECT_TRUE(web.breached);
  EXPECT_EQ(web.parts.rpo, 0) << "the RPO part of the score follows the clean RPO";
  EXPECT_THAT(web.problems,
              testing::Contains(testing::StartsWith("ransomware suspected: infected snapshot "
                                                    "04000000 (")));
  EXPECT_THAT(web.problems, testing::Contains(testing::StartsWith(
                                "clean RPO 1d breached: newest clean restore point 03000000")));
  const SystemStatus& mail_status = status->clients[0].systems[1];
  EXPECT_EQ(mail_status.clean.state, CleanState::kNeverJudged);
  EXPECT_FALSE(mail_status.breached);

  // As of before the attack's backup finished, nothing is flagged.
  options.now_ns = runs.front().started_ns + kSecond;
  status = ComputeStatus(Plan(), *catalog_, options);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->clients[0].systems[0].clean.state, CleanState::kNoneFlagged);
  EXPECT_EQ(status->clients[0].systems[0].clean.snapshot_id, Id(3));
}

// R12-5: a forget record imported from another host than the system's (any backup host can
// write evidence into a shared repository) cannot accept a flag as a false alarm; the system's
// own host's can.
TEST_F(CleanPointCatalogTest, OnlyTheSystemsOwnHostsForgetCanAcceptAFalseAlarm) {
  std::vector<catalog::Run> runs = {Backup(3, 3, "infected"), Backup(2, 3), Backup(1, 3)};
  for (const catalog::Run& run : runs) ASSERT_THAT(catalog_->AddRun(run), IsOk());
  json accepted = {
      {"holds", json::array()}, {"false_alarms", json{Id(3)}}, {"later_verdicts", json::array()}};
  catalog::Run forged = Forget(kNow - 20 * 60 * kSecond, accepted);
  forged.host = "hostb";
  forged.record_id = catalog::NewRecordId();
  ASSERT_THAT(catalog_->ImportRecords("nas", "evidence-b", {{forged, std::nullopt}}, kNow),
              IsOk());
  plan::Plan plan = Plan();
  plan.systems[0].host = "hosta";
  auto clean = CleanPointOf(plan, *catalog_, plan.systems[0], kNow);
  ASSERT_THAT(clean, IsOk());
  EXPECT_EQ(clean->state, CleanState::kFlagged);
  EXPECT_EQ(clean->snapshot_id, Id(2));

  catalog::Run own = Forget(kNow - 10 * 60 * kSecond, accepted);
  own.host = "hosta";
  own.record_id = catalog::NewRecordId();
  ASSERT_THAT(catalog_->ImportRecords("nas", "evidence-a", {{own, std::nullopt}}, kNow), IsOk());
  clean = CleanPointOf(plan, *catalog_, plan.systems[0], kNow);
  ASSERT_THAT(clean, IsOk());
  EXPECT_EQ(clean->state, CleanState::kNoneFlagged);
  EXPECT_EQ(clean->snapshot_id, Id(3));
}

TEST_F(CleanPointCatalogTest, CleanPointOfReadsTheSameEvidence) {
  for (const catalog::Run& run : Series(2)) ASSERT_THAT(catalog_->AddRun(run), IsOk());
  plan::Plan plan = Plan();
  auto clean = CleanPointOf(plan, *catalog_, plan.systems[0], kNow);
  ASSERT_THAT(clean, IsOk());
  EXPECT_EQ(clean->state, CleanState::kNoneFlagged);
  EXPECT_EQ(clean->snapshot_id, Id(2));
}

}  // namespace
}  // namespace stormproof::readiness
