// Marks (marks.h, repository_marks.cc): their JSON round trip, DecodeMark refusing every
// malformed field with a one-line error naming it, what a MarkSet adds up to, and marks in a
// repository: sealed, named by their content, skipped and reported when damaged, renamed,
// oversized or sealed by another repository, never listed or opened as evidence.
#include "engine/repository/marks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/repository/repository.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

namespace fs = std::filesystem;
using backend::FileType;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::Store;
using Level = Verdict::Level;

constexpr int64_t kDec1 = int64_t{1796083200} * 1000 * 1000 * 1000;  // 2026-12-01 00:00 UTC

Id IdOf(uint8_t n) {
  Id id;
  id.bytes.fill(n);
  return id;
}

Mark Hold(uint8_t snapshot, std::optional<uint8_t> because = std::nullopt,
          std::string reason = "newest clean restore point") {
  Mark m;
  m.kind = Mark::Kind::kHold;
  m.snapshot = IdOf(snapshot);
  m.time_ns = kDec1 + 123456789;
  m.hostname = "central";
  m.username = "ops";
  m.reason = std::move(reason);
  if (because) m.because = IdOf(*because);
  return m;
}

Mark Release(uint8_t snapshot, std::vector<std::string> names) {
  Mark m = Hold(snapshot, std::nullopt, "released by a person");
  m.kind = Mark::Kind::kRelease;
  m.releases = std::move(names);
  return m;
}

Mark VerdictMark(uint8_t snapshot, Level level, bool with_signals = false,
                 std::string reason = "part of a slow attack") {
  Mark m = Hold(snapshot, std::nullopt, std::move(reason));
  m.kind = Mark::Kind::kVerdict;
  m.verdict =
      Verdict{.level = level, .score = level == Level::kClean ? 0 : 40, .reasons = {m.reason}};
  if (with_signals) {
    SnapshotSignals s;
    s.source = SnapshotSignals::Source::kScan;
    s.files_total = 1000;
    s.suspect_files = 7;
    s.extensions = {{"docx", 400}};
    m.signals = s;
  }
  return m;
}

Mark FalseAlarm(uint8_t snapshot) {
  Mark m = VerdictMark(snapshot, Level::kClean, false, "accepted as a false alarm");
  m.false_alarm = true;
  return m;
}

// A false alarm accepting the verdict marks named.
Mark FalseAlarmAccepting(uint8_t snapshot, std::vector<std::string> names) {
  Mark m = FalseAlarm(snapshot);
  m.accepts = std::move(names);
  return m;
}

// A resolution on `snapshot` of the flagged snapshots `resolves`.
Mark Resolution(uint8_t snapshot, std::vector<uint8_t> resolves) {
  Mark m = Hold(snapshot, std::nullopt, "systems restored on 2026-12-09");
  m.kind = Mark::Kind::kResolution;
  for (uint8_t n : resolves) m.resolves.push_back(IdOf(n));
  return m;
}

// ---- JSON ------------------------------------------------------------------------------------

TEST(MarkJsonTest, EveryKindRoundTrips) {
  Mark binary_host = Hold(1);
  binary_host.hostname = std::string("h\xff\xfe", 3);  // not UTF-8: a byte string
  const Mark marks[] = {
      Hold(1),
      Hold(1, 9),
      binary_host,
      Release(1, {"mark-" + std::string(64, 'a'), "mark-" + std::string(64, 'b')}),
      VerdictMark(2, Level::kSuspicious),
      VerdictMark(2, Level::kInfected, true),
      FalseAlarm(3),
      FalseAlarmAccepting(3, {}),
      FalseAlarmAccepting(3, {"mark-" + std::string(64, 'c')}),
      Resolution(4, {2}),
      Resolution(4, {1, 2, 3})};
  for (const Mark& mark : marks) {
    const std::string text = EncodeMark(mark);
    Result<Mark> back = DecodeMark(text);
    ASSERT_THAT(back, IsOk()) << text;
    EXPECT_EQ(*back, mark) << text;
  }
}

TEST(MarkJsonTest, WriterKeepsWithinTheBoundsTheReaderChecks) {
  Mark long_reason = Hold(1, std::nullopt, std::string(kMaxSignalText + 100, 'r'));
  Result<Mark> back = DecodeMark(EncodeMark(long_reason));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->reason.size(), kMaxSignalText);

  std::vector<std::string> names;
  for (size_t i = 0; i < kMaxReleasedHolds + 5; ++i) names.push_back("mark-" + std::to_string(i));
  back = DecodeMark(EncodeMark(Release(1, names)));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->releases.size(), kMaxReleasedHolds);

  Mark many = Resolution(1, {});
  for (size_t i = 0; i < kMaxResolvedSnapshots + 5; ++i) many.resolves.push_back(IdOf(2));
  back = DecodeMark(EncodeMark(many));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->resolves.size(), kMaxResolvedSnapshots);
}

TEST(MarkJsonTest, AResolutionNamesItsKindAndTheSnapshotsItResolves) {
  const json j = json::parse(EncodeMark(Resolution(4, {2})));
  EXPECT_EQ(j["kind"], "resolution");
  EXPECT_EQ(j["resolves"], json::array({IdOf(2).Hex()}));
  EXPECT_FALSE(j.contains("false_alarm"));
}

// A valid mark's JSON with `edit` applied.
std::string Edited(const Mark& mark, const std::function<void(json&)>& edit) {
  json j = json::parse(EncodeMark(mark));
  edit(j);
  return j.dump();
}

struct MalformedCase {
  const char* what;
  Mark mark;
  std::function<void(json&)> edit;
  const char* error;  // a substring of the one-line error
};

TEST(MarkJsonTest, RefusesEachMalformedFieldNamingIt) {
  const std::string too_long(kMaxSignalText + 1, 'x');
  json too_many = json::array();
  for (size_t i = 0; i <= kMaxReleasedHolds; ++i) too_many.push_back("mark-" + std::to_string(i));
  const MalformedCase cases[] = {
      {"format", Hold(1), [](json& j) { j["format"] = "stormproof evidence"; }, "mark.format"},
      {"no format", Hold(1), [](json& j) { j.erase("format"); }, "mark.format"},
      {"version 2", Hold(1), [](json& j) { j["version"] = 2; }, "mark.version"},
      {"version text", Hold(1), [](json& j) { j["version"] = "1"; }, "mark.version"},
      {"kind", Hold(1), [](json& j) { j["kind"] = "pin"; }, "mark.kind"},
      {"kind number", Hold(1), [](json& j) { j["kind"] = 0; }, "mark.kind"},
      {"snapshot", Hold(1), [](json& j) { j["snapshot"] = "abcd"; }, "mark.snapshot"},
      {"no snapshot", Hold(1), [](json& j) { j.erase("snapshot"); }, "mark.snapshot"},
      {"because", Hold(1, 2), [](json& j) { j["because"] = std::string(64, 'z'); }, "mark.because"},
      {"time", Hold(1), [](json& j) { j["time"] = "yesterday"; }, "mark.time"},
      {"no time", Hold(1), [](json& j) { j.erase("time"); }, "mark.time"},
      {"empty reason", Hold(1), [](json& j) { j["reason"] = ""; }, "mark.reason: empty"},
      {"no reason", Hold(1), [](json& j) { j.erase("reason"); }, "mark.reason: empty"},
      {"reason number", Hold(1), [](json& j) { j["reason"] = 7; }, "mark.reason"},
      {"reason too long", Hold(1), [&](json& j) { j["reason"] = too_long; }, "mark.reason"},
      {"hostname too long", Hold(1), [&](json& j) { j["hostname"] = too_long; }, "mark.hostname"},
      {"username list", Hold(1), [](json& j) { j["username"] = json::array(); }, "mark.username"},
      {"releases empty", Release(1, {"mark-a"}), [](json& j) { j["releases"] = json::array(); },
       "mark.releases"},
      {"releases missing", Release(1, {"mark-a"}), [](json& j) { j.erase("releases"); },
       "mark.releases"},
      {"releases too many", Release(1, {"mark-a"}), [&](json& j) { j["releases"] = too_many; },
       "mark.releases"},
      {"releases not marks", Release(1, {"mark-a"}),
       [](json& j) { j["releases"] = json::array({"evidence-1"}); }, "mark.releases"},
      {"releases number", Release(1, {"mark-a"}), [](json& j) { j["releases"] = json::array({1}); },
       "mark.releases"},
      {"releases name too long", Release(1, {"mark-a"}),
       [](json& j) { j["releases"] = json::array({"mark-" + std::string(200, 'a')}); },
       "mark.releases"},
      {"verdict missing", VerdictMark(1, Level::kSuspicious), [](json& j) { j.erase("verdict"); },
       "mark.verdict: missing"},
      {"verdict level", VerdictMark(1, Level::kSuspicious),
       [](json& j) { j["verdict"]["level"] = "evil"; }, "verdict.level"},
      {"verdict score", VerdictMark(1, Level::kSuspicious),
       [](json& j) { j["verdict"]["score"] = 101; }, "verdict.score"},
      {"false_alarm type", FalseAlarm(1), [](json& j) { j["false_alarm"] = "yes"; },
       "mark.false_alarm"},
      {"false alarm not clean", FalseAlarm(1), [](json& j) { j["verdict"]["level"] = "infected"; },
       "mark.false_alarm"},
      {"resolves missing", Resolution(4, {2}), [](json& j) { j.erase("resolves"); },
       "mark.resolves"},
      {"resolves empty", Resolution(4, {2}), [](json& j) { j["resolves"] = json::array(); },
       "mark.resolves"},
      {"resolves too many", Resolution(4, {2}),
       [](json& j) {
         j["resolves"] = json::array();
         for (size_t i = 0; i <= kMaxResolvedSnapshots; ++i) j["resolves"].push_back(IdOf(2).Hex());
       },
       "mark.resolves"},
      {"resolves not ids", Resolution(4, {2}),
       [](json& j) { j["resolves"] = json::array({"mark-a"}); }, "mark.resolves"},
      {"resolves number", Resolution(4, {2}), [](json& j) { j["resolves"] = json::array({2}); },
       "mark.resolves"},
      {"signals", VerdictMark(1, Level::kSuspicious, true),
       [](json& j) {
         j["signals"]["examples"] = json::array({1, 2, 3, 4, 5, 6});
       },
       "signals"},
  };
  for (const MalformedCase& c : cases) {
    const std::string text = Edited(c.mark, c.edit);
    Result<Mark> mark = DecodeMark(text);
    ASSERT_THAT(mark, ErrorIs(ErrorCode::kFailedCheck, HasSubstr(c.error))) << c.what;
    EXPECT_THAT(mark.error().message(), Not(HasSubstr("\n"))) << c.what;
  }
  EXPECT_THAT(DecodeMark("not json"), ErrorIs(ErrorCode::kFailedCheck, HasSubstr("mark")));
  EXPECT_THAT(DecodeMark("[1]"), ErrorIs(ErrorCode::kFailedCheck, HasSubstr("mark")));
}

// ---- MarkSet ---------------------------------------------------------------------------------

std::vector<std::string> Names(const std::vector<const NamedMark*>& marks) {
  std::vector<std::string> out;
  for (const NamedMark* m : marks) out.push_back(m->name);
  return out;
}

TEST(MarkSetTest, AHoldStandsUntilAReleaseNamesIt) {
  const MarkSet set({{"mark-3", Hold(1, 9)},
                     {"mark-1", Hold(1)},
                     {"mark-2", Hold(2, 9)},
                     {"mark-4", Release(1, {"mark-3"})}});
  EXPECT_THAT(Names(set.StandingHolds(IdOf(1))), ElementsAre("mark-1"));
  EXPECT_TRUE(set.Held(IdOf(1)));
  EXPECT_TRUE(set.Held(IdOf(2)));
  EXPECT_FALSE(set.Held(IdOf(9)));
  const auto all = set.AllStandingHolds();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_THAT(Names(all.at(IdOf(1))), ElementsAre("mark-1"));
  EXPECT_THAT(Names(all.at(IdOf(2))), ElementsAre("mark-2"));
  EXPECT_EQ(set.all().front().name, "mark-1");  // sorted by name

  const MarkSet released({{"mark-1", Hold(1)}, {"mark-2", Release(1, {"mark-1"})}});
  EXPECT_FALSE(released.Held(IdOf(1)));
  EXPECT_TRUE(released.AllStandingHolds().empty());
}

// `hold list --all` names who released a hold: ReleaseOf is the release that freed it, none for
// a standing hold, a release of another snapshot's hold or an unknown name.
TEST(MarkSetTest, ReleaseOfIsTheReleaseThatFreedTheHold) {
  const MarkSet set({{"mark-1", Hold(1)},
                     {"mark-2", Hold(1)},
                     {"mark-3", Hold(2)},
                     {"mark-4", Release(1, {"mark-1"})},
                     {"mark-5", Release(1, {"mark-3"})},
                     {"mark-6", Release(1, {"mark-1"})}});
  const NamedMark* release = set.ReleaseOf("mark-1");
  ASSERT_NE(release, nullptr);
  EXPECT_EQ(release->name, "mark-4");  // the first in file-name order
  EXPECT_EQ(set.ReleaseOf("mark-2"), nullptr);  // standing
  EXPECT_EQ(set.ReleaseOf("mark-3"), nullptr);  // mark-5 is about snapshot 1
  EXPECT_EQ(set.ReleaseOf("mark-9"), nullptr);
  const MarkSet copy = set;
  ASSERT_NE(copy.ReleaseOf("mark-1"), nullptr);
  EXPECT_EQ(copy.ReleaseOf("mark-1")->name, "mark-4");
}

TEST(MarkSetTest, AResolutionIsFoundOnItsSnapshotOnlyAndChangesNoOtherAnswer) {
  const MarkSet set({{"mark-1", Hold(1, 2)},
                     {"mark-2", VerdictMark(2, Level::kInfected)},
                     {"mark-3", Resolution(4, {2})}});
  const NamedMark* resolution = set.Resolution(IdOf(4));
  ASSERT_NE(resolution, nullptr);
  EXPECT_EQ(resolution->name, "mark-3");
  EXPECT_EQ(set.Resolution(IdOf(2)), nullptr);
  EXPECT_TRUE(set.Held(IdOf(1)));  // holds stay
  EXPECT_EQ(set.WorstLaterVerdict(IdOf(4)), nullptr);
  EXPECT_FALSE(set.AcceptedAsFalseAlarm(IdOf(2)));
}

// A hold stands until a release on its own snapshot names it (docs/repository-format.md,
// "Marks"): a release about another snapshot naming it (written by no stormproof) frees nothing,
// nor does one naming no stored hold. Only the named hold goes.
TEST(MarkSetTest, AReleaseFreesOnlyTheHoldsOfItsOwnSnapshotItNames) {
  const MarkSet set({{"mark-1", Hold(1)},
                     {"mark-2", Hold(2)},
                     {"mark-3", Release(2, {"mark-1"})},
                     {"mark-4", Hold(1)},
                     {"mark-5", Release(1, {"mark-4"})}});
  EXPECT_TRUE(set.Held(IdOf(1)));  // mark-1 stands: mark-3 is about snapshot 2
  ASSERT_EQ(set.StandingHolds(IdOf(1)).size(), 1u);
  EXPECT_EQ(set.StandingHolds(IdOf(1)).front()->name, "mark-1");
  EXPECT_TRUE(set.Held(IdOf(2)));
  const MarkSet unknown({{"mark-1", Hold(1)}, {"mark-3", Release(1, {"mark-9"})}});
  EXPECT_TRUE(unknown.Held(IdOf(1)));  // a release naming no stored hold frees nothing
}

// MarkSet indexes its marks by snapshot: a copy, a copy assigned and a moved set answer as the
// original did, after the original is gone.
TEST(MarkSetTest, CopiesAndMovesAnswerAfterTheOriginalIsGone) {
  MarkSet copy, assigned;
  {
    MarkSet original(
        {{"mark-1", Hold(1)}, {"mark-2", Hold(2)}, {"mark-3", Release(2, {"mark-2"})}});
    copy = MarkSet(original);
    assigned = original;
    MarkSet moved(std::move(original));
    EXPECT_TRUE(moved.Held(IdOf(1)));
  }
  for (const MarkSet* set : {&copy, &assigned}) {
    EXPECT_TRUE(set->Held(IdOf(1)));
    EXPECT_FALSE(set->Held(IdOf(2)));
    ASSERT_EQ(set->StandingHolds(IdOf(1)).size(), 1u);
    EXPECT_EQ(set->StandingHolds(IdOf(1)).front()->name, "mark-1");
  }
}

TEST(MarkSetTest, HoldWasPlacedCountsReleasedHoldsPerFlag) {
  const MarkSet set({{"mark-1", Hold(1, 9)},
                     {"mark-2", Release(1, {"mark-1"})},
                     {"mark-3", Hold(2)},
                     {"mark-4", Hold(3, 8)}});
  EXPECT_TRUE(set.HoldWasPlaced(IdOf(1), IdOf(9)));  // released: still placed once
  EXPECT_FALSE(set.HoldWasPlaced(IdOf(1), IdOf(8)));
  EXPECT_FALSE(set.HoldWasPlaced(IdOf(2), IdOf(9)));  // a person's hold is for no flag
  EXPECT_TRUE(set.HoldWasPlaced(IdOf(3), IdOf(8)));
  EXPECT_FALSE(set.HoldWasPlaced(IdOf(9), IdOf(9)));
}

TEST(MarkSetTest, AcceptedAsFalseAlarmIsPerSnapshot) {
  const MarkSet set({{"mark-1", FalseAlarm(1)}, {"mark-2", VerdictMark(2, Level::kClean)}});
  EXPECT_TRUE(set.AcceptedAsFalseAlarm(IdOf(1)));
  EXPECT_FALSE(set.AcceptedAsFalseAlarm(IdOf(2)));  // a clean verdict is no acceptance
  EXPECT_FALSE(set.AcceptedAsFalseAlarm(IdOf(3)));
  EXPECT_TRUE(MarkSet().empty());
}

// R12-9: a false alarm accepts the verdicts given so far; one given since (a new scan) flags the
// snapshot again. A false alarm written before `accepts` existed accepts every verdict mark.
TEST(MarkSetTest, AVerdictGivenAfterAFalseAlarmFlagsTheSnapshotAgain) {
  const MarkSet accepted({{"mark-1", VerdictMark(1, Level::kSuspicious)},
                          {"mark-2", FalseAlarmAccepting(1, {"mark-1"})}});
  EXPECT_TRUE(accepted.AcceptedAsFalseAlarm(IdOf(1)));
  const MarkSet flagged_again({{"mark-1", VerdictMark(1, Level::kSuspicious)},
                               {"mark-2", FalseAlarmAccepting(1, {"mark-1"})},
                               {"mark-3", VerdictMark(1, Level::kInfected, true, "scan")}});
  EXPECT_FALSE(flagged_again.AcceptedAsFalseAlarm(IdOf(1)));
  const MarkSet clean_since({{"mark-2", FalseAlarmAccepting(1, {})},
                             {"mark-3", VerdictMark(1, Level::kClean, true, "scan")}});
  EXPECT_TRUE(clean_since.AcceptedAsFalseAlarm(IdOf(1))) << "a clean verdict flags nothing";
  const MarkSet accepted_twice({{"mark-1", VerdictMark(1, Level::kSuspicious)},
                                {"mark-2", FalseAlarmAccepting(1, {"mark-1"})},
                                {"mark-3", VerdictMark(1, Level::kInfected, true, "scan")},
                                {"mark-4", FalseAlarmAccepting(1, {"mark-1", "mark-3"})}});
  EXPECT_TRUE(accepted_twice.AcceptedAsFalseAlarm(IdOf(1)));
  const MarkSet legacy({{"mark-1", VerdictMark(1, Level::kSuspicious)},
                        {"mark-2", FalseAlarm(1)},
                        {"mark-3", VerdictMark(1, Level::kInfected, true, "scan")}});
  EXPECT_TRUE(legacy.AcceptedAsFalseAlarm(IdOf(1)));
}

TEST(MarkSetTest, WorstLaterVerdictPrefersSeverityThenSignals) {
  const MarkSet set({{"mark-1", VerdictMark(1, Level::kSuspicious, false, "first suspicious")},
                     {"mark-2", VerdictMark(1, Level::kInfected, false, "infected plain")},
                     {"mark-3", VerdictMark(1, Level::kSuspicious, true, "suspicious scan")},
                     {"mark-4", VerdictMark(1, Level::kInfected, true, "infected scan")},
                     {"mark-5", VerdictMark(1, Level::kInfected, true, "second infected scan")},
                     {"mark-6", FalseAlarm(1)},
                     {"mark-0", VerdictMark(2, Level::kSuspicious, false, "other snapshot")}});
  const Mark* worst = set.WorstLaterVerdict(IdOf(1));
  ASSERT_NE(worst, nullptr);
  EXPECT_EQ(worst->reason, "infected scan");

  // Same level, none with signals: the first by name; a false alarm is never the worst.
  const MarkSet plain({{"mark-b", VerdictMark(1, Level::kSuspicious, false, "b")},
                       {"mark-a", VerdictMark(1, Level::kSuspicious, false, "a")},
                       {"mark-c", FalseAlarm(1)}});
  ASSERT_NE(plain.WorstLaterVerdict(IdOf(1)), nullptr);
  EXPECT_EQ(plain.WorstLaterVerdict(IdOf(1))->reason, "a");
  EXPECT_EQ(MarkSet({{"mark-1", FalseAlarm(1)}, {"mark-2", Hold(1)}}).WorstLaterVerdict(IdOf(1)),
            nullptr);
  EXPECT_EQ(set.WorstLaterVerdict(IdOf(3)), nullptr);
}

// ---- In a repository -------------------------------------------------------------------------

TEST(RepositoryMarksTest, SavedMarksLoadBackSortedAndAnotherOpenerReadsThem) {
  Store store;
  auto repo = store.Init();
  auto none = repo->LoadMarks();
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
  auto hold = repo->SaveMark(Hold(1, 9));
  auto verdict = repo->SaveMark(VerdictMark(2, Level::kInfected, true));
  ASSERT_THAT(hold, IsOk());
  ASSERT_THAT(verdict, IsOk());
  EXPECT_TRUE(IsMarkName(*hold));
  EXPECT_EQ(hold->size(), kMarkNamePrefix.size() + 64);

  auto other = store.Open();
  ASSERT_THAT(other, IsOk());
  std::vector<DamagedFile> damaged;
  auto marks = (*other)->LoadMarks(&damaged);
  ASSERT_THAT(marks, IsOk());
  EXPECT_THAT(damaged, IsEmpty());
  ASSERT_EQ(marks->all().size(), 2u);
  EXPECT_LT(marks->all()[0].name, marks->all()[1].name);
  EXPECT_TRUE(marks->Held(IdOf(1)));
  EXPECT_EQ(*(*other)->LoadMark(*hold), Hold(1, 9));
  EXPECT_EQ(*(*other)->LoadMark(*verdict), VerdictMark(2, Level::kInfected, true));
}

// What SaveMark writes, LoadMarks reads: a mark DecodeMark would refuse is refused when saved
// (naming the field), not written to be skipped as damaged later, so a hold never silently
// fails to stand.
TEST(RepositoryMarksTest, SaveMarkRefusesAMarkItCouldNotReadBack) {
  Store store;
  auto repo = store.Init();
  Mark no_names = Release(1, {});
  Mark no_verdict = VerdictMark(1, Level::kSuspicious);
  no_verdict.verdict.reset();
  Mark infected_false_alarm = FalseAlarm(1);
  infected_false_alarm.verdict->level = Level::kInfected;
  // Not UTF-8 and longer than a text may be: cut at a "UTF-8 boundary" it has none of.
  Mark binary_reason = Hold(1, std::nullopt, std::string(kMaxSignalText + 10, '\x80'));
  const std::pair<const char*, Mark> cases[] = {{"mark.reason", Hold(1, std::nullopt, "")},
                                                {"mark.releases", no_names},
                                                {"mark.verdict", no_verdict},
                                                {"mark.false_alarm", infected_false_alarm},
                                                {"mark.reason", binary_reason}};
  for (const auto& [field, mark] : cases) {
    EXPECT_THAT(repo->SaveMark(mark), ErrorIs(ErrorCode::kFailedCheck, HasSubstr(field))) << field;
  }
  std::vector<DamagedFile> damaged;
  auto marks = repo->LoadMarks(&damaged);
  ASSERT_THAT(marks, IsOk());
  EXPECT_TRUE(marks->empty());
  EXPECT_THAT(damaged, IsEmpty());
}

// A repository made before evidence/ existed has no marks (forget, backup and check read them
// on every repository); the first mark makes the folder.
// Every text at its bound, and each escaped six-fold in JSON (control characters, as a hostile
// file name in a scan's examples may hold): more than LoadMarks reads, so refused when saved.
TEST(RepositoryMarksTest, SaveMarkRefusesAMarkTooLargeToBeRead) {
  Store store;
  auto repo = store.Init();
  const std::string escaped(kMaxSignalText, '\x01');
  Mark big = VerdictMark(1, Level::kInfected, true, escaped);
  big.verdict->reasons.assign(kMaxReasons, escaped);
  big.signals->examples.assign(kMaxExamples, escaped);
  big.signals->canary_hits.assign(16, escaped);
  EXPECT_THAT(repo->SaveMark(big),
              ErrorIs(ErrorCode::kFailedCheck, HasSubstr("more than LoadMarks reads")));
  std::vector<DamagedFile> damaged;
  ASSERT_THAT(repo->LoadMarks(&damaged), IsOk());
  EXPECT_THAT(damaged, IsEmpty());
  big.signals->canary_hits.clear();
  big.verdict->reasons.resize(2);
  EXPECT_THAT(repo->SaveMark(big), IsOk());  // tens of KiB: fine
}

TEST(RepositoryMarksTest, LocalDirectoryWithoutEvidenceHasNoMarks) {
  std::string pattern = (fs::temp_directory_path() / "stormproof-marks-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/repo";
  {
    auto created = backend::CreateLocalBackend(path);
    ASSERT_THAT(created, IsOk());
    ASSERT_THAT(Repository::Init(std::move(created).value(), testing::kPassword), IsOk());
  }
  auto opened = backend::OpenLocalBackend(path);
  ASSERT_THAT(opened, IsOk());
  auto repo = Repository::Open(std::move(opened).value(), testing::kPassword);
  ASSERT_THAT(repo, IsOk());
  std::vector<DamagedFile> damaged;
  auto none = (*repo)->LoadMarks(&damaged);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
  auto name = (*repo)->SaveMark(Hold(1));
  ASSERT_THAT(name, IsOk());
  EXPECT_TRUE(fs::is_regular_file(path + "/evidence/" + *name));
  auto marks = (*repo)->LoadMarks(&damaged);
  ASSERT_THAT(marks, IsOk());
  EXPECT_TRUE(marks->Held(IdOf(1)));
  EXPECT_THAT(damaged, IsEmpty());
  fs::remove_all(pattern);
}

TEST(RepositoryMarksTest, MarksAreNotEvidence) {
  Store store;
  auto repo = store.Init();
  auto evidence = repo->SaveEvidence(R"({"runs":[]})");
  auto mark = repo->SaveMark(Hold(1));
  ASSERT_THAT(evidence, IsOk());
  ASSERT_THAT(mark, IsOk());
  EXPECT_THAT(*repo->ListEvidence(), ElementsAre(*evidence));
  EXPECT_THAT(repo->LoadEvidence(*mark), Not(IsOk()));
  EXPECT_THAT(repo->LoadMark(*evidence), ErrorIs(ErrorCode::kCorrupt, HasSubstr(*evidence)));
  EXPECT_EQ(repo->LoadMarks()->all().size(), 1u);  // the evidence file is not a mark
}

// Each bad file is skipped and reported by name; the good mark beside them still loads.
TEST(RepositoryMarksTest, DamagedRenamedOversizedForeignAndMiskindedMarksAreSkipped) {
  Store store, theirs;
  auto repo = store.Init();
  auto other = theirs.Init();
  auto good = repo->SaveMark(Hold(1));
  auto flipped = repo->SaveMark(Hold(2));
  auto to_rename = repo->SaveMark(Hold(3));
  auto foreign = other->SaveMark(Hold(4));
  auto evidence = repo->SaveEvidence(R"({"runs":[]})");
  ASSERT_TRUE(good && flipped && to_rename && foreign && evidence);

  store.Rewrite({FileType::kEvidence, *flipped}, [](Bytes& b) { b[b.size() / 2] ^= 1; });
  // A mark under another mark's name; the original removed.
  const std::string renamed = "mark-" + std::string(64, 'c');
  Bytes bytes = *store.raw().Load({FileType::kEvidence, *to_rename});
  ASSERT_TRUE(store.raw().Save({FileType::kEvidence, renamed}, bytes));
  ASSERT_TRUE(store.raw().Remove({FileType::kEvidence, *to_rename}));
  // Another repository's mark, under its own (matching) name.
  bytes = *theirs.raw().Load({FileType::kEvidence, *foreign});
  ASSERT_TRUE(store.raw().Save({FileType::kEvidence, *foreign}, bytes));
  // An evidence file of this repository under a mark's name that matches its content.
  bytes = *store.raw().Load({FileType::kEvidence, *evidence});
  const std::string miskinded = "mark-" + crypto::Sha256(bytes).Hex();
  ASSERT_TRUE(store.raw().Save({FileType::kEvidence, miskinded}, bytes));
  // A planted file too large to be a mark, named by its content.
  const Bytes huge((size_t{1} << 20) + 1, 0x41);
  const std::string oversized = "mark-" + crypto::Sha256(huge).Hex();
  ASSERT_TRUE(store.raw().Save({FileType::kEvidence, oversized}, huge));

  std::vector<DamagedFile> damaged;
  auto marks = repo->LoadMarks(&damaged);
  ASSERT_THAT(marks, IsOk());
  ASSERT_EQ(marks->all().size(), 1u);
  EXPECT_EQ(marks->all()[0].name, *good);
  std::map<std::string, std::string> reasons;
  for (const DamagedFile& f : damaged) reasons[f.name] = f.reason;
  EXPECT_EQ(reasons.size(), 5u);
  EXPECT_THAT(reasons[*flipped], HasSubstr("does not match its name"));
  EXPECT_THAT(reasons[renamed], HasSubstr("does not match its name"));
  EXPECT_THAT(reasons[*foreign], HasSubstr("mark " + *foreign));
  EXPECT_THAT(reasons[miskinded], HasSubstr("mark " + miskinded));
  EXPECT_THAT(reasons[oversized], HasSubstr("larger than a mark can be"));
  for (const DamagedFile& f : damaged) EXPECT_THAT(f.reason, Not(HasSubstr("\n"))) << f.name;

  EXPECT_THAT(repo->LoadMark(*flipped),
              ErrorIs(ErrorCode::kCorrupt, HasSubstr("mark " + *flipped + ": content does not")));
  EXPECT_THAT(repo->LoadMark("mark-" + std::string(64, 'd')), ErrorIs(ErrorCode::kNotFound));
  auto without_list = repo->LoadMarks();  // no list given: still skips them
  ASSERT_THAT(without_list, IsOk());
  EXPECT_EQ(without_list->all().size(), 1u);
}

// ---- Reading many marks (R11-6) ---------------------------------------------------------------

// Marks on snapshots 1..count, saved to `store`; their names, sorted.
std::vector<std::string> SaveHolds(const Store& store, int count) {
  auto repo = store.Init();
  std::vector<std::string> names;
  for (int i = 1; i <= count; ++i) {
    auto name = repo->SaveMark(Hold(static_cast<uint8_t>(i)));
    EXPECT_THAT(name, IsOk());
    if (name) names.push_back(*name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Counts the marks being read at once. The first read waits (up to 5 s, so that reading one
// at a time fails the test instead of hanging it) until a second one is under way.
class OverlapBackend final : public testing::ForwardingBackend {
 public:
  using ForwardingBackend::ForwardingBackend;
  Result<Bytes> Load(const backend::Handle& h, uint64_t offset, uint64_t length) const override {
    if (h.type != FileType::kEvidence) return ForwardingBackend::Load(h, offset, length);
    {
      std::unique_lock lock(mu_);
      max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
      changed_.notify_all();
      if (!first_seen_) {
        first_seen_ = true;
        changed_.wait_for(lock, std::chrono::seconds(5), [&] { return in_flight_ >= 2; });
      }
    }
    Result<Bytes> loaded = ForwardingBackend::Load(h, offset, length);
    std::lock_guard lock(mu_);
    --in_flight_;
    return loaded;
  }
  int max_in_flight() const {
    std::lock_guard lock(mu_);
    return max_in_flight_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  mutable int in_flight_ = 0, max_in_flight_ = 0;
  mutable bool first_seen_ = false;
};

TEST(RepositoryMarksTest, LoadMarksReadsSeveralMarksAtOnce) {
  Store store;
  const std::vector<std::string> names = SaveHolds(store, 20);
  auto backend = std::make_unique<OverlapBackend>(store.raw());
  const OverlapBackend& overlap = *backend;
  auto repo = Repository::Open(std::move(backend), testing::kPassword);
  ASSERT_THAT(repo, IsOk());
  std::vector<DamagedFile> damaged;
  auto marks = (*repo)->LoadMarks(&damaged);
  ASSERT_THAT(marks, IsOk());
  EXPECT_THAT(damaged, IsEmpty());
  ASSERT_EQ(marks->all().size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(marks->all()[i].name, names[i]);
  EXPECT_GE(overlap.max_in_flight(), 2) << "marks were read one at a time";
  EXPECT_LE(overlap.max_in_flight(), 8) << "more reads at once than the bound";
}

// Refuses the reads of chosen marks with a storage error (or a damaged copy), as S3 answering
// 503 or 403 for one object while the others are read.
class RefusingBackend final : public testing::ForwardingBackend {
 public:
  RefusingBackend(backend::Backend& target, std::map<std::string, Error> refused)
      : ForwardingBackend(target), refused_(std::move(refused)) {}
  Result<Bytes> Load(const backend::Handle& h, uint64_t offset, uint64_t length) const override {
    if (auto it = refused_.find(h.name); it != refused_.end()) return it->second;
    return ForwardingBackend::Load(h, offset, length);
  }

 private:
  const std::map<std::string, Error> refused_;
};

// A mark the storage does not hand over is no damaged mark: among marks read at once, the load
// fails with the storage's error (a hold is never dropped because the storage did not answer);
// a damaged one beside it is still only skipped and reported.
TEST(RepositoryMarksTest, AStorageErrorAmongMarksReadAtOnceFailsTheLoad) {
  Store store;
  const std::vector<std::string> names = SaveHolds(store, 30);
  const std::pair<const char*, Error> cases[] = {
      {"network", Error::Io("evidence/" + names[17] + ": 503 SlowDown")},
      {"permission", Error::PermissionDenied("evidence/" + names[17] + ": 403 AccessDenied")}};
  for (const auto& [what, error] : cases) {
    std::map<std::string, Error> refused = {
        {names[17], error},
        {names[3], Error::Corrupt("mark " + names[3] + ": content does not match its name")}};
    auto repo = Repository::Open(std::make_unique<RefusingBackend>(store.raw(), refused),
                                 testing::kPassword);
    ASSERT_THAT(repo, IsOk());
    std::vector<DamagedFile> damaged;
    EXPECT_THAT((*repo)->LoadMarks(&damaged), ErrorIs(error.code(), HasSubstr("mark " + names[17])))
        << what;
    for (const DamagedFile& f : damaged) EXPECT_NE(f.name, names[17]) << what;
  }
  std::map<std::string, Error> damaged_only = {
      {names[3], Error::Corrupt("mark " + names[3] + ": content does not match its name")}};
  auto repo = Repository::Open(std::make_unique<RefusingBackend>(store.raw(), damaged_only),
                               testing::kPassword);
  ASSERT_THAT(repo, IsOk());
  std::vector<DamagedFile> damaged;
  auto marks = (*repo)->LoadMarks(&damaged);
  ASSERT_THAT(marks, IsOk());
  EXPECT_EQ(marks->all().size(), names.size() - 1);
  ASSERT_EQ(damaged.size(), 1u);
  EXPECT_EQ(damaged[0].name, names[3]);
}

}  // namespace
}  // namespace stormproof::repository
