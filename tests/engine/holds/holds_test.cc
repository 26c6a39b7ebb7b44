// Acting on a flag (engine/holds): which clean snapshots a flag holds, placing them once per
// attack, a person's holds, releases and false alarms, and the earlier steps of a slow attack
// marked so that the restore point moves before the attack began.
#include "engine/holds/holds.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"
#include "engine/detect/verdict.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"
#include "engine/retention/retention.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::holds {
namespace {

using repository::Id;
using repository::Mark;
using repository::MarkSet;
using repository::NamedMark;
using repository::Repository;
using repository::Snapshot;
using repository::SnapshotSignals;
using repository::Verdict;
using repository::testing::Store;
using Level = Verdict::Level;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr int64_t kDay = int64_t{86400} * 1000 * 1000 * 1000;
constexpr int64_t kDec1 = int64_t{1796083200} * 1000 * 1000 * 1000;  // 2026-12-01 00:00 UTC
const Maker kMaker{"central", "ops", kDec1 + 30 * kDay};

// A backup of a 1,000-file system with a parent (as in detect's score_test).
SnapshotSignals Backup(uint64_t suspect_files) {
  SnapshotSignals s;
  s.has_parent = true;
  s.files_total = 1000;
  s.dirs_total = 100;
  s.suspect_files = suspect_files;
  s.extensions = {{"docx", 400}, {"txt", 600}};
  return s;
}

// One letter a snapshot, oldest first, one a day from 2026-12-01: c clean, s suspicious,
// i infected, u never judged. Ids: every byte `seed`, the first and last the position.
std::vector<Snapshot> Group(std::string_view levels, uint8_t seed = 0x10,
                            const std::string& host = "h",
                            std::vector<std::string> paths = {"/data"}) {
  std::vector<Snapshot> group;
  for (size_t i = 0; i < levels.size(); ++i) {
    Snapshot s;
    s.id.bytes.fill(seed);
    s.id.bytes[0] = s.id.bytes[31] = static_cast<uint8_t>(i);  // short ids differ too
    s.time_ns = kDec1 + static_cast<int64_t>(i) * kDay;
    s.hostname = host;
    s.paths = paths;
    if (levels[i] != 'u') {
      s.signals = Backup(0);
      s.verdict = Verdict{};
      s.verdict->level = levels[i] == 'c'   ? Level::kClean
                         : levels[i] == 's' ? Level::kSuspicious
                                            : Level::kInfected;
      s.verdict->score = levels[i] == 'c' ? 0 : levels[i] == 's' ? 40 : 90;
    }
    group.push_back(std::move(s));
  }
  return group;
}

Mark HoldMark(const Snapshot& on, std::optional<Id> because, std::string reason = "hold") {
  Mark m = kMaker.NewMark(Mark::Kind::kHold, on.id, std::move(reason));
  m.because = because;
  return m;
}

Mark ReleaseMark(const Snapshot& on, std::vector<std::string> names) {
  Mark m = kMaker.NewMark(Mark::Kind::kRelease, on.id, "released");
  m.releases = std::move(names);
  return m;
}

Mark VerdictMark(const Snapshot& on, Level level, bool false_alarm = false) {
  Mark m = kMaker.NewMark(Mark::Kind::kVerdict, on.id, "later verdict");
  m.verdict = Verdict{};
  m.verdict->level = level;
  m.false_alarm = false_alarm;
  return m;
}

// The snapshots (as positions in `group`) and flags of planned holds.
std::vector<size_t> Positions(const std::vector<Snapshot>& group,
                              const std::vector<PlannedHold>& holds) {
  std::vector<size_t> out;
  for (const PlannedHold& h : holds) {
    auto it = std::find_if(group.begin(), group.end(),
                           [&](const Snapshot& s) { return s.id == h.snapshot.id; });
    out.push_back(it == group.end() ? 999 : static_cast<size_t>(it - group.begin()));
  }
  return out;
}

// ---- HoldsToPlace --------------------------------------------------------------------------

TEST(HoldsToPlaceTest, NothingFlaggedPlacesNothing) {
  for (std::string_view levels : {"", "c", "ccc", "uuu", "ccu"}) {
    EXPECT_THAT(HoldsToPlace(Group(levels), {}), IsEmpty()) << levels;
  }
  // No clean point before it: only the flagged snapshot itself, where the clean points end.
  for (std::string_view levels : {"i", "ui", "uuuis"}) {
    const std::vector<Snapshot> group = Group(levels);
    const std::vector<PlannedHold> holds = HoldsToPlace(group, {});
    ASSERT_EQ(holds.size(), 1u) << levels;
    EXPECT_EQ(holds[0].snapshot.id, group[levels.find('i')].id) << levels;
    EXPECT_EQ(holds[0].because, holds[0].snapshot.id) << levels;
  }
}

TEST(HoldsToPlaceTest, HoldsTheNewestCleanPointAndTwoCleanOnesBefore) {
  const std::vector<Snapshot> group = Group("ccccic");
  const std::vector<PlannedHold> holds = HoldsToPlace(group, {});
  EXPECT_THAT(Positions(group, holds), ElementsAre(1, 2, 3, 4));
  const std::string flagged =
      "infected snapshot " + group[4].id.ShortHex() + " (2026-12-05 00:00:00 UTC)";
  ASSERT_EQ(holds.size(), 4u);
  for (const PlannedHold& h : holds) EXPECT_EQ(h.because, group[4].id);
  EXPECT_EQ(holds[2].reason, "newest clean restore point before " + flagged);
  EXPECT_EQ(holds[0].reason, "clean snapshot before " + flagged);
  EXPECT_EQ(holds[1].reason, "clean snapshot before " + flagged);
  // Review R12-1: the flagged snapshot itself, or forgetting it makes the newest one "clean".
  EXPECT_EQ(holds[3].reason, "the first snapshot of the attack (" + flagged +
                                 "): evidence, and where the clean restore points end");
}

TEST(HoldsToPlaceTest, NeverJudgedSnapshotsAreSkippedAndEachAttackGetsItsOwnHolds) {
  const std::vector<Snapshot> skipping = Group("cuucuui");
  EXPECT_THAT(Positions(skipping, HoldsToPlace(skipping, {})), ElementsAre(0, 3, 6));
  const std::vector<Snapshot> one = Group("ci");
  EXPECT_THAT(Positions(one, HoldsToPlace(one, {})), ElementsAre(0, 1));
  // Two attacks (review R11-1: the second once got no holds): each holds the clean snapshots
  // before it, never reaching back past the earlier attack.
  const std::vector<Snapshot> two_flags = Group("ccscci");
  const std::vector<PlannedHold> holds = HoldsToPlace(two_flags, {});
  EXPECT_THAT(Positions(two_flags, holds), ElementsAre(0, 1, 2, 3, 4, 5));
  ASSERT_EQ(holds.size(), 6u);
  EXPECT_EQ(holds[0].because, two_flags[2].id);
  EXPECT_EQ(holds[2].because, two_flags[2].id);
  EXPECT_EQ(holds[5].because, two_flags[5].id);
  // Flags in a row are one attack; a forged flag on the oldest snapshot disables nothing later.
  const std::vector<Snapshot> in_a_row = Group("iccsiicc");
  EXPECT_THAT(Positions(in_a_row, HoldsToPlace(in_a_row, {})), ElementsAre(0, 1, 2, 3));
  const std::vector<Snapshot> forged_oldest = Group("icccci");
  EXPECT_THAT(Positions(forged_oldest, HoldsToPlace(forged_oldest, {})),
              ElementsAre(0, 2, 3, 4, 5));
}

TEST(HoldsToPlaceTest, AFlagGivenLaterByAMarkCountsAndAnAcceptedOneDoesNot) {
  const std::vector<Snapshot> group = Group("cccc");
  const MarkSet raised({{"mark-1", VerdictMark(group[3], Level::kSuspicious)}});
  const std::vector<PlannedHold> holds = HoldsToPlace(group, raised);
  EXPECT_THAT(Positions(group, holds), ElementsAre(0, 1, 2, 3));
  ASSERT_FALSE(holds.empty());
  EXPECT_EQ(holds[0].because, group[3].id);

  const std::vector<Snapshot> flagged = Group("ccci");
  const MarkSet accepted({{"mark-1", VerdictMark(flagged[3], Level::kClean, true)}});
  EXPECT_THAT(HoldsToPlace(flagged, accepted), IsEmpty());
}

// A person's release of a clean point's hold is final for that attack: the hold is not placed
// again, and no older snapshot is held in its place. The flagged snapshot's own hold is placed
// again while the attack stands (R13-H1/M2: released alone, the next forget could remove the
// flag and make the encrypted newest snapshot "clean"; `hold resolve` or a false alarm ends it).
TEST(HoldsToPlaceTest, AHoldPlacedOnceIsNotPlacedAgainEvenReleased) {
  const std::vector<Snapshot> group = Group("cccci");
  const Id because = group[4].id;
  const MarkSet all({{"mark-1", HoldMark(group[1], because)},
                     {"mark-2", HoldMark(group[2], because)},
                     {"mark-3", HoldMark(group[3], because)},
                     {"mark-4", ReleaseMark(group[3], {"mark-3"})},
                     {"mark-5", HoldMark(group[4], because)},
                     {"mark-6", ReleaseMark(group[4], {"mark-5"})}});
  EXPECT_THAT(Positions(group, HoldsToPlace(group, all)), ElementsAre(4));
  const MarkSet evidence_standing({{"mark-1", HoldMark(group[1], because)},
                                   {"mark-2", HoldMark(group[2], because)},
                                   {"mark-3", HoldMark(group[3], because)},
                                   {"mark-4", ReleaseMark(group[3], {"mark-3"})},
                                   {"mark-5", HoldMark(group[4], because)}});
  EXPECT_THAT(HoldsToPlace(group, evidence_standing), IsEmpty());
  const MarkSet newest_released(
      {{"mark-3", HoldMark(group[3], because)}, {"mark-4", ReleaseMark(group[3], {"mark-3"})}});
  EXPECT_THAT(Positions(group, HoldsToPlace(group, newest_released)), ElementsAre(1, 2, 4));
  // A person's hold (no flag) does not count as placed for the attack.
  const MarkSet person({{"mark-3", HoldMark(group[3], std::nullopt)}});
  EXPECT_THAT(Positions(group, HoldsToPlace(group, person)), ElementsAre(1, 2, 3, 4));
  // A repository whose clean points were held before R12-1: only the flagged one is missing.
  const MarkSet before_r12({{"mark-1", HoldMark(group[1], because)},
                            {"mark-2", HoldMark(group[2], because)},
                            {"mark-3", HoldMark(group[3], because)}});
  const std::vector<PlannedHold> missing = HoldsToPlace(group, before_r12);
  EXPECT_THAT(Positions(group, missing), ElementsAre(4));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].because, because);
}

TEST(HoldsToPlaceTest, ASecondFlagAfterAnAcceptedOnePlacesNewHolds) {
  const std::vector<Snapshot> group = Group("cccicci");
  const MarkSet marks({{"mark-1", HoldMark(group[0], group[3].id)},
                       {"mark-2", HoldMark(group[1], group[3].id)},
                       {"mark-3", HoldMark(group[2], group[3].id)},
                       {"mark-4", VerdictMark(group[3], Level::kClean, true)},
                       {"mark-5", ReleaseMark(group[0], {"mark-1"})},
                       {"mark-6", ReleaseMark(group[1], {"mark-2"})},
                       {"mark-7", ReleaseMark(group[2], {"mark-3"})}});
  const std::vector<PlannedHold> holds = HoldsToPlace(group, marks);
  EXPECT_THAT(Positions(group, holds), ElementsAre(3, 4, 5, 6));  // the accepted one is clean now
  for (const PlannedHold& h : holds) EXPECT_EQ(h.because, group[6].id);
}

TEST(HoldsToPlaceAllTest, EachGroupAsForgetGroupsThem) {
  std::vector<Snapshot> all;
  const std::vector<Snapshot> a = Group("ccci", 0x20, "a", {"/x", "/y"});
  std::vector<Snapshot> a_reordered = Group("cc", 0x21, "a", {"/y", "/x", "/y"});  // same group
  for (Snapshot& s : a_reordered) s.time_ns -= 10 * kDay;  // older than all of `a`
  const std::vector<Snapshot>& a_older = a_reordered;
  const std::vector<Snapshot> b = Group("ccc", 0x30, "b", {"/x", "/y"});
  const std::vector<Snapshot> c = Group("ci", 0x40, "a", {"/x"});
  for (const std::vector<Snapshot>* g : {&a, &a_older, &b, &c})
    all.insert(all.end(), g->begin(), g->end());
  std::reverse(all.begin(), all.end());  // any order
  const std::vector<PlannedHold> holds = HoldsToPlaceAll(all, {});
  std::vector<Id> held, because;
  for (const PlannedHold& h : holds) {
    held.push_back(h.snapshot.id);
    because.push_back(h.because);
  }
  std::sort(held.begin(), held.end());
  std::vector<Id> want = {a[1].id, a[2].id, a[0].id, a[3].id, c[0].id, c[1].id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(held, want);
  EXPECT_EQ(std::count(because.begin(), because.end(), a[3].id), 4);
  EXPECT_EQ(std::count(because.begin(), because.end(), c[1].id), 2);
}

// ---- Writing marks -------------------------------------------------------------------------

struct Repo {
  Store store;
  std::unique_ptr<Repository> repo = store.Init();

  MarkSet Marks() const {
    std::vector<repository::DamagedFile> damaged;
    Result<MarkSet> marks = repo->LoadMarks(&damaged);
    EXPECT_THAT(marks, IsOk());
    EXPECT_THAT(damaged, IsEmpty());
    return marks ? std::move(*marks) : MarkSet();
  }
  size_t Count(Mark::Kind kind) const {
    const MarkSet marks = Marks();
    return static_cast<size_t>(
        std::count_if(marks.all().begin(), marks.all().end(),
                      [&](const NamedMark& m) { return m.mark.kind == kind; }));
  }
};

TEST(PlaceHoldsTest, SavesEachPlannedHoldAndHeldOfKeepsThem) {
  Repo r;
  const std::vector<Snapshot> group = Group("ccci");
  const std::vector<PlannedHold> planned = HoldsToPlace(group, {});
  auto saved = PlaceHolds(*r.repo, planned, kMaker);
  ASSERT_THAT(saved, IsOk());
  ASSERT_EQ(saved->size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*saved)[i].mark.snapshot, planned[i].snapshot.id);
    EXPECT_EQ((*saved)[i].mark.because, group[3].id);
    EXPECT_EQ((*saved)[i].mark.reason, planned[i].reason);
    EXPECT_EQ((*saved)[i].mark.hostname, "central");
    EXPECT_EQ((*saved)[i].mark.time_ns, kMaker.now_ns);
  }
  ASSERT_THAT(AddHold(*r.repo, group[2], "keep for the insurer", kMaker), IsOk());
  const MarkSet marks = r.Marks();
  EXPECT_THAT(HoldsToPlace(group, marks), IsEmpty());  // placed once
  const retention::Held held = HeldOf(marks);
  ASSERT_EQ(held.size(), 4u);
  EXPECT_EQ(held.at(group[0].id), planned[0].reason);
  EXPECT_THAT(held.at(group[2].id), ::testing::EndsWith(" (+1 more)"));
  EXPECT_EQ(held.at(group[3].id), planned[3].reason);
}

// A memory store whose evidence/ takes `allowed` more files, then fails like a full disk.
class FillingBackend : public repository::testing::ForwardingBackend {
 public:
  FillingBackend(std::unique_ptr<backend::Backend> target, int allowed)
      : ForwardingBackend(*target), owned_(std::move(target)), allowed_(allowed) {}
  Status Save(const backend::Handle& h, ByteView d) override {
    if (h.type == backend::FileType::kEvidence && allowed_-- <= 0) {
      return Error::Io("evidence/" + h.name + ": no space left on device");
    }
    return ForwardingBackend::Save(h, d);
  }

 private:
  std::unique_ptr<backend::Backend> owned_;
  int allowed_;
};

// Writing stops at the first mark that cannot be saved, naming its snapshot; what was saved
// before stays (marks only add).
TEST(PlaceHoldsTest, StopsAtTheFirstHoldItCannotSave) {
  Store store(std::make_shared<FillingBackend>(backend::NewMemoryBackend(), 1));
  std::unique_ptr<Repository> repo = store.Init();
  const std::vector<Snapshot> group = Group("ccci");
  const std::vector<PlannedHold> planned = HoldsToPlace(group, {});
  ASSERT_EQ(planned.size(), 4u);
  EXPECT_THAT(PlaceHolds(*repo, planned, kMaker),
              ErrorIs(ErrorCode::kIo,
                      HasSubstr("holding snapshot " + planned[1].snapshot.id.ShortHex() + ": ")));
  auto marks = repo->LoadMarks();
  ASSERT_THAT(marks, IsOk());
  ASSERT_EQ(marks->all().size(), 1u);
  EXPECT_EQ(marks->all()[0].mark.snapshot, planned[0].snapshot.id);
}

// What forget does at its last read before removing (review R12-3): the holds a flag given since
// its plan asks for are placed then, once, and the marks it returns have them.
TEST(PlaceHoldsNowTest, PlacesWhatAFlagAsksForOnceAndReturnsTheMarksWithThem) {
  Repo r;
  const std::vector<Snapshot> group = Group("ccci");
  std::vector<NamedMark> placed;
  auto marks = PlaceHoldsNow(*r.repo, group, kMaker, &placed);
  ASSERT_THAT(marks, IsOk());
  EXPECT_EQ(placed.size(), 4u);
  for (const Snapshot& s : group) EXPECT_TRUE(marks->Held(s.id)) << s.id.ShortHex();
  EXPECT_EQ(r.Marks().AllStandingHolds().size(), 4u);
  placed.clear();
  marks = PlaceHoldsNow(*r.repo, group, kMaker, &placed);
  ASSERT_THAT(marks, IsOk());
  EXPECT_THAT(placed, IsEmpty());
  EXPECT_EQ(marks->AllStandingHolds().size(), 4u);
  ASSERT_THAT(PlaceHoldsNow(*r.repo, Group("ccc", 0x70), kMaker, &placed), IsOk());
  EXPECT_THAT(placed, IsEmpty()) << "nothing flagged there";
}

TEST(AddHoldTest, NeedsAReason) {
  Repo r;
  const std::vector<Snapshot> group = Group("c");
  EXPECT_THAT(AddHold(*r.repo, group[0], "", kMaker),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("a hold needs a reason")));
  EXPECT_TRUE(r.Marks().empty());
  auto hold = AddHold(*r.repo, group[0], "legal hold", kMaker);
  ASSERT_THAT(hold, IsOk());
  EXPECT_EQ(hold->mark.because, std::nullopt);
  EXPECT_EQ(hold->mark.kind, Mark::Kind::kHold);
  const MarkSet marks = r.Marks();
  EXPECT_TRUE(marks.Held(group[0].id));
  EXPECT_EQ(HeldOf(marks).at(group[0].id), "legal hold");
}

TEST(ReleaseTest, ReleasesEveryStandingHoldOnThatSnapshotOnly) {
  Repo r;
  const std::vector<Snapshot> group = Group("cc");
  EXPECT_THAT(Release(*r.repo, r.Marks(), group[0], "", kMaker),
              ErrorIs(ErrorCode::kNotFound, "snapshot " + group[0].id.ShortHex() + " is not held"));
  auto first = AddHold(*r.repo, group[0], "legal hold", kMaker);
  auto second = AddHold(*r.repo, group[0], "insurer", kMaker);
  auto other = AddHold(*r.repo, group[1], "legal hold", kMaker);
  ASSERT_TRUE(first && second && other);
  auto released = Release(*r.repo, r.Marks(), group[0], "", kMaker);
  ASSERT_THAT(released, IsOk());
  EXPECT_EQ(released->mark.kind, Mark::Kind::kRelease);
  EXPECT_EQ(released->mark.snapshot, group[0].id);
  EXPECT_EQ(released->mark.reason, "released by a person");
  std::vector<std::string> names = {first->name, second->name};
  std::sort(names.begin(), names.end());
  EXPECT_EQ(released->mark.releases, names);
  const MarkSet marks = r.Marks();
  EXPECT_FALSE(marks.Held(group[0].id));
  EXPECT_TRUE(marks.Held(group[1].id));
  EXPECT_THAT(Release(*r.repo, marks, group[0], "again", kMaker), ErrorIs(ErrorCode::kNotFound));
}

TEST(AcceptFalseAlarmTest, RefusesWhatIsNotFlaggedNamingTheFlagHoldsStandFor) {
  Repo r;
  const std::vector<Snapshot> group = Group("ucci");
  EXPECT_THAT(AcceptFalseAlarm(*r.repo, r.Marks(), group[1], "", kMaker),
              ErrorIs(ErrorCode::kFailedCheck,
                      "snapshot " + group[1].id.ShortHex() + " is not flagged (clean)"));
  EXPECT_THAT(AcceptFalseAlarm(*r.repo, r.Marks(), group[0], "", kMaker),
              ErrorIs(ErrorCode::kFailedCheck,
                      "snapshot " + group[0].id.ShortHex() + " is not flagged (never judged)"));
  ASSERT_THAT(PlaceHolds(*r.repo, HoldsToPlace(group, {}), kMaker), IsOk());
  EXPECT_THAT(
      AcceptFalseAlarm(*r.repo, r.Marks(), group[2], "", kMaker),
      ErrorIs(ErrorCode::kFailedCheck, "snapshot " + group[2].id.ShortHex() +
                                           " is not flagged (clean); holds stand because of " +
                                           group[3].id.ShortHex() + ": name that snapshot"));
  EXPECT_EQ(r.Count(Mark::Kind::kVerdict), 0u);
}

TEST(AcceptFalseAlarmTest, ReleasesOnlyTheHoldsPlacedBecauseOfIt) {
  Repo r;
  const std::vector<Snapshot> group = Group("cccic");
  const std::vector<Snapshot> elsewhere = Group("ci", 0x50, "other");
  ASSERT_THAT(PlaceHolds(*r.repo, HoldsToPlace(group, {}), kMaker), IsOk());
  ASSERT_THAT(PlaceHolds(*r.repo, HoldsToPlace(elsewhere, {}), kMaker), IsOk());
  ASSERT_THAT(AddHold(*r.repo, group[1], "legal hold", kMaker), IsOk());

  auto saved = AcceptFalseAlarm(*r.repo, r.Marks(), group[3], "", kMaker);
  ASSERT_THAT(saved, IsOk());
  ASSERT_EQ(saved->size(), 5u);  // the verdict, then a release per held snapshot
  const Mark& verdict = (*saved)[0].mark;
  EXPECT_EQ(verdict.kind, Mark::Kind::kVerdict);
  EXPECT_TRUE(verdict.false_alarm);
  ASSERT_TRUE(verdict.verdict.has_value());
  EXPECT_EQ(verdict.verdict->level, Level::kClean);
  EXPECT_EQ(verdict.reason, "accepted as a false alarm by a person");
  for (size_t i = 1; i < saved->size(); ++i) {
    EXPECT_EQ((*saved)[i].mark.kind, Mark::Kind::kRelease);
    EXPECT_EQ((*saved)[i].mark.releases.size(), 1u);  // not the person's hold
  }

  const MarkSet marks = r.Marks();
  EXPECT_FALSE(marks.Held(group[0].id));
  EXPECT_TRUE(marks.Held(group[1].id));  // the person's hold stands
  EXPECT_FALSE(marks.Held(group[2].id));
  EXPECT_FALSE(marks.Held(group[3].id));     // the flagged one's own hold, released with them
  EXPECT_TRUE(marks.Held(elsewhere[0].id));  // another attack's hold stands
  EXPECT_TRUE(marks.Held(elsewhere[1].id));
  EXPECT_TRUE(detect::JudgedSnapshotsOf(group, marks)[3].accepted);
  EXPECT_THAT(HoldsToPlace(group, marks), IsEmpty());
  EXPECT_THAT(AcceptFalseAlarm(*r.repo, marks, group[3], "", kMaker),
              ErrorIs(ErrorCode::kFailedCheck, HasSubstr("already accepted")));
}

// An acceptance interrupted after its verdict mark, before its releases: running it again
// finishes the releases instead of refusing (review R11-8).
TEST(AcceptFalseAlarmTest, AnInterruptedAcceptanceIsFinishedByRunningItAgain) {
  Repo r;
  const std::vector<Snapshot> group = Group("cccic");
  ASSERT_THAT(PlaceHolds(*r.repo, HoldsToPlace(group, {}), kMaker), IsOk());
  Mark accept = kMaker.NewMark(Mark::Kind::kVerdict, group[3].id, "accepted");
  accept.verdict = repository::Verdict{};
  accept.false_alarm = true;
  ASSERT_THAT(r.repo->SaveMark(accept), IsOk());
  ASSERT_EQ(r.Marks().AllStandingHolds().size(), 4u);
  auto saved = AcceptFalseAlarm(*r.repo, r.Marks(), group[3], "", kMaker);
  ASSERT_THAT(saved, IsOk());
  EXPECT_EQ(saved->size(), 4u) << "four releases, no second verdict";
  EXPECT_TRUE(r.Marks().AllStandingHolds().empty());
}

// ---- Slow attacks and ActOnFlag ------------------------------------------------------------

// Six quiet backups judged clean (the fifth and sixth with 3 suspect files each, each alone
// below the threshold), then one with 3 more: the slow-attack rule fires on it (score_test).
struct SlowAttack {
  std::vector<Snapshot> group;                // all seven, oldest first
  std::vector<detect::PastSnapshot> history;  // of the first six, as the backup judged with

  SlowAttack() {
    const uint64_t suspects[] = {0, 0, 0, 0, 3, 3, 3};
    for (size_t i = 0; i < 7; ++i) {
      Snapshot s = Group("c")[0];
      s.id.bytes[0] = s.id.bytes[31] = static_cast<uint8_t>(i);
      s.time_ns = kDec1 + static_cast<int64_t>(i) * kDay;
      s.signals = Backup(suspects[i]);
      s.verdict = detect::Judge(*s.signals, detect::HistoryOf(detect::PastSnapshotsOf(group, {})));
      group.push_back(std::move(s));
    }
    history = detect::PastSnapshotsOf(std::span(group).first(6), {});
  }
};

TEST(MarkSlowAttackTest, MarksExactlyTheEarlierStepsAndMovesTheRestorePoint) {
  SlowAttack attack;
  for (size_t i = 0; i < 6; ++i) ASSERT_EQ(attack.group[i].verdict->level, Level::kClean) << i;
  ASSERT_EQ(attack.group[6].verdict->level, Level::kInfected);
  Repo r;
  auto saved = MarkSlowAttack(*r.repo, attack.history, attack.group[6], kMaker);
  ASSERT_THAT(saved, IsOk());
  ASSERT_EQ(saved->size(), 2u);
  EXPECT_EQ((*saved)[0].mark.snapshot, attack.group[4].id);
  EXPECT_EQ((*saved)[1].mark.snapshot, attack.group[5].id);
  for (const NamedMark& m : *saved) {
    EXPECT_EQ(m.mark.kind, Mark::Kind::kVerdict);
    ASSERT_TRUE(m.mark.verdict.has_value());
    EXPECT_EQ(m.mark.verdict->level, Level::kSuspicious);
    EXPECT_EQ(m.mark.verdict->score, detect::kSuspiciousScore);
    EXPECT_FALSE(m.mark.false_alarm);
    EXPECT_THAT(m.mark.reason, HasSubstr(attack.group[6].id.ShortHex()));
    EXPECT_THAT(m.mark.verdict->reasons.front(), HasSubstr("3 file(s) here looked encrypted"));
  }
  const MarkSet marks = r.Marks();
  const std::vector<detect::JudgedSnapshot> judged = detect::JudgedSnapshotsOf(attack.group, marks);
  const Result<detect::CleanPoint> point = detect::NewestClean(judged);
  ASSERT_TRUE(point.has_value());
  EXPECT_EQ(point->index, 3u);
  EXPECT_EQ(point->flagged, 4u);
  // Judged again, the marked steps no longer count as the system's normal.
  const std::vector<detect::PastSnapshot> past =
      detect::PastSnapshotsOf(std::span(attack.group).first(6), marks);
  EXPECT_EQ(detect::HistoryOf(past).records.size(), 4u);
}

TEST(MarkSlowAttackTest, NothingForACleanOrUnjudgedSnapshot) {
  SlowAttack attack;
  Repo r;
  Snapshot clean = attack.group[6];
  clean.verdict->level = Level::kClean;
  EXPECT_THAT(*MarkSlowAttack(*r.repo, attack.history, clean, kMaker), IsEmpty());
  Snapshot unjudged = attack.group[6];
  unjudged.verdict.reset();
  EXPECT_THAT(*MarkSlowAttack(*r.repo, attack.history, unjudged, kMaker), IsEmpty());
  Snapshot no_signals = attack.group[6];
  no_signals.signals.reset();
  EXPECT_THAT(*MarkSlowAttack(*r.repo, attack.history, no_signals, kMaker), IsEmpty());
  EXPECT_TRUE(r.Marks().empty());
}

TEST(ActOnFlagTest, MarksTheSlowAttackThenHoldsTheCleanPointsBeforeIt) {
  SlowAttack attack;
  Repo r;
  auto saved = ActOnFlag(*r.repo, attack.group, attack.history, attack.group[6], kMaker);
  ASSERT_THAT(saved, IsOk());
  ASSERT_EQ(saved->size(), 6u);  // two verdicts, four holds
  const MarkSet marks = r.Marks();
  EXPECT_FALSE(marks.Held(attack.group[0].id));
  for (size_t i : {1u, 2u, 3u, 4u}) {
    const auto holds = marks.StandingHolds(attack.group[i].id);
    ASSERT_EQ(holds.size(), 1u) << i;
    EXPECT_EQ(holds[0]->mark.because, attack.group[4].id) << i;  // where the attack began
  }
  EXPECT_THAT(marks.StandingHolds(attack.group[3].id)[0]->mark.reason,
              StartsWith("newest clean restore point before suspicious snapshot " +
                         attack.group[4].id.ShortHex()));
  // Acting again on the same flag places no second hold.
  ASSERT_THAT(ActOnFlag(*r.repo, attack.group, attack.history, attack.group[6], kMaker), IsOk());
  EXPECT_EQ(r.Count(Mark::Kind::kHold), 4u);
}

// Accepting the snapshot that completed a slow attack accepts its earlier steps (their verdict
// marks name it) and releases the holds placed because of where the attack began.
TEST(AcceptFalseAlarmTest, AcceptingASlowAttackAcceptsItsEarlierStepsAndReleasesTheirHolds) {
  SlowAttack attack;
  Repo r;
  ASSERT_THAT(ActOnFlag(*r.repo, attack.group, attack.history, attack.group[6], kMaker), IsOk());
  const MarkSet before = r.Marks();
  for (const NamedMark& m : before.all()) {
    if (m.mark.kind == Mark::Kind::kVerdict) {
      EXPECT_EQ(m.mark.because, attack.group[6].id);
    }
  }
  auto accepted = AcceptFalseAlarm(*r.repo, before, attack.group[6], "", kMaker);
  ASSERT_THAT(accepted, IsOk());
  const MarkSet marks = r.Marks();
  for (size_t i : {4u, 5u, 6u}) EXPECT_TRUE(marks.AcceptedAsFalseAlarm(attack.group[i].id)) << i;
  EXPECT_TRUE(marks.AllStandingHolds().empty());
  const std::vector<detect::JudgedSnapshot> judged = detect::JudgedSnapshotsOf(attack.group, marks);
  const Result<detect::CleanPoint> point = detect::NewestClean(judged);
  ASSERT_TRUE(point.has_value());
  EXPECT_FALSE(point->flagged.has_value());
  EXPECT_EQ(point->index, 6u);
}

// R12-9: a verdict given after a false alarm was accepted (a new scan finds the canary changed)
// flags the snapshot again, and a person may accept it again.
TEST(AcceptFalseAlarmTest, AVerdictGivenSinceFlagsAgainAndCanBeAcceptedAgain) {
  Repo r;
  const std::vector<Snapshot> group = Group("cccci", 0x70);
  ASSERT_THAT(ActOnFlag(*r.repo, group, {}, group.back(), kMaker), IsOk());
  ASSERT_THAT(AcceptFalseAlarm(*r.repo, r.Marks(), group.back(), "", kMaker), IsOk());
  ASSERT_TRUE(r.Marks().AcceptedAsFalseAlarm(group.back().id));
  Mark scan = kMaker.NewMark(Mark::Kind::kVerdict, group.back().id, "canary changed");
  scan.verdict = repository::Verdict{.level = repository::Verdict::Level::kInfected,
                                     .score = 100,
                                     .reasons = {"canary changed"}};
  ASSERT_THAT(r.repo->SaveMark(scan), IsOk());
  const MarkSet flagged = r.Marks();
  EXPECT_FALSE(flagged.AcceptedAsFalseAlarm(group.back().id));
  EXPECT_TRUE(detect::JudgedSnapshotsOf(group, flagged).back().flagged());
  ASSERT_THAT(AcceptFalseAlarm(*r.repo, flagged, group.back(), "checked again", kMaker), IsOk());
  EXPECT_TRUE(r.Marks().AcceptedAsFalseAlarm(group.back().id));
}

// R13-H1: a flag accepted as a false alarm and flagged again since (a scan's verdict) is an
// attack anew: its holds, released by the false alarm, are placed again, once.
TEST(HoldsToPlaceTest, AnAttackFlaggedAgainAfterAFalseAlarmIsHeldAgain) {
  Repo r;
  const std::vector<Snapshot> group = Group("cccci", 0x78);
  ASSERT_THAT(ActOnFlag(*r.repo, group, {}, group.back(), kMaker), IsOk());
  ASSERT_THAT(AcceptFalseAlarm(*r.repo, r.Marks(), group.back(), "", kMaker), IsOk());
  EXPECT_TRUE(r.Marks().AllStandingHolds().empty());
  EXPECT_THAT(HoldsToPlace(group, r.Marks()), IsEmpty()) << "accepted: nothing to hold";
  Mark scan = kMaker.NewMark(Mark::Kind::kVerdict, group.back().id, "canary changed");
  scan.verdict = repository::Verdict{.level = repository::Verdict::Level::kInfected,
                                     .score = 100,
                                     .reasons = {"canary changed"}};
  ASSERT_THAT(r.repo->SaveMark(scan), IsOk());
  const std::vector<PlannedHold> again = HoldsToPlace(group, r.Marks());
  EXPECT_THAT(Positions(group, again), ElementsAre(1, 2, 3, 4));
  ASSERT_THAT(PlaceHolds(*r.repo, again, kMaker), IsOk());
  EXPECT_THAT(HoldsToPlace(group, r.Marks()), IsEmpty()) << "held once";
}

TEST(ActOnFlagTest, NothingForACleanSnapshotAndHoldsForAPlainFlag) {
  Repo r;
  const std::vector<Snapshot> calm = Group("ccic");
  ASSERT_THAT(ActOnFlag(*r.repo, calm, {}, calm.back(), kMaker), IsOk());
  EXPECT_TRUE(r.Marks().empty());
  const std::vector<Snapshot> hit = Group("cccci", 0x60);
  auto saved = ActOnFlag(*r.repo, hit, detect::PastSnapshotsOf(std::span(hit).first(4), {}),
                         hit.back(), kMaker);
  ASSERT_THAT(saved, IsOk());
  EXPECT_EQ(saved->size(), 4u);
  EXPECT_EQ(HeldOf(r.Marks()).size(), 4u);
  EXPECT_TRUE(r.Marks().Held(hit.back().id)) << "the flagged snapshot itself";
}

// What the holds are for: forget under a policy that keeps only the newest snapshot keeps the
// held clean points too.
TEST(ActOnFlagTest, ForgetKeepsWhatTheFlagHeld) {
  Repo r;
  const std::vector<Snapshot> group = Group("cccccci");
  ASSERT_THAT(ActOnFlag(*r.repo, group, {}, group.back(), kMaker), IsOk());
  auto decisions = retention::ApplyPolicyPerGroup(group, retention::Policy{.last = 1},
                                                  kMaker.now_ns, HeldOf(r.Marks()));
  ASSERT_THAT(decisions, IsOk());
  ASSERT_EQ(decisions->size(), 1u);
  std::vector<size_t> kept;
  for (const retention::KeptSnapshot& k : (*decisions)[0].decision.keep) {
    kept.push_back(static_cast<size_t>(k.snapshot.id.bytes[0]));
    EXPECT_THAT(k.reasons.back(), StartsWith("held: ")) << kept.back();
  }
  EXPECT_THAT(kept, ElementsAre(3, 4, 5, 6));
}

// ---- A hold placed while forget removes ------------------------------------------------------

// A snapshot saved in `r` (its record only: nothing here reads its tree); returns it with its id.
Snapshot Saved(Repo& r, Snapshot s) {
  auto id = r.repo->SaveSnapshot(s);
  EXPECT_THAT(id, IsOk());
  s.id = id ? *id : Id{};
  return s;
}

TEST(RestoreHeldSinceTest, SavesAgainOnlyWhatAHoldNamesNowWithItsHolds) {
  Repo r;
  const std::vector<Snapshot> group = Group("cci");
  const Snapshot held = Saved(r, group[0]), free = Saved(r, group[1]);
  for (const Snapshot& s : {held, free}) ASSERT_THAT(r.repo->RemoveSnapshot(s.id), IsOk());
  ASSERT_THAT(r.repo->SaveMark(HoldMark(held, group[2].id, "newest clean")), IsOk());
  auto restored = RestoreHeldSince(*r.repo, std::vector<Snapshot>{held, free}, kMaker);
  ASSERT_THAT(restored, IsOk());
  ASSERT_EQ(restored->size(), 1u);
  const Restored& again = restored->front();
  EXPECT_EQ(again.removed, held.id);
  EXPECT_NE(again.restored, held.id);
  auto loaded = r.repo->LoadSnapshot(again.restored);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->time_ns, held.time_ns);
  EXPECT_EQ(loaded->verdict, held.verdict);
  const MarkSet marks = r.Marks();
  std::vector<const NamedMark*> holds = marks.StandingHolds(again.restored);
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds.front()->mark.reason, "saved again after forget removed it, held: newest clean");
  EXPECT_EQ(holds.front()->mark.because, group[2].id);
  auto listed = r.repo->LoadSnapshots();
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->size(), 1u) << "the one no hold names stays removed";
}

// R13-H2: the flagged snapshot saved again keeps what flagged it (a scan's verdict mark), and
// its own hold names the copy, so the copy is never the clean point.
TEST(RestoreHeldSinceTest, AFlaggedSnapshotSavedAgainStaysFlagged) {
  Repo r;
  std::vector<Snapshot> group = Group("ccc");
  for (Snapshot& s : group) s = Saved(r, s);
  Mark scan = kMaker.NewMark(Mark::Kind::kVerdict, group[2].id, "canary changed");
  scan.verdict = repository::Verdict{.level = repository::Verdict::Level::kInfected,
                                     .score = 100,
                                     .reasons = {"canary changed"}};
  ASSERT_THAT(r.repo->SaveMark(scan), IsOk());
  ASSERT_THAT(r.repo->SaveMark(HoldMark(group[2], group[2].id, "evidence")), IsOk());
  ASSERT_THAT(r.repo->SaveMark(HoldMark(group[1], group[2].id, "newest clean")), IsOk());
  for (const Snapshot& s : {group[1], group[2]}) ASSERT_THAT(r.repo->RemoveSnapshot(s.id), IsOk());
  auto restored = RestoreHeldSince(*r.repo, std::vector<Snapshot>{group[1], group[2]}, kMaker);
  ASSERT_THAT(restored, IsOk());
  ASSERT_EQ(restored->size(), 2u);
  auto listed = r.repo->LoadSnapshots();
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 3u);
  const MarkSet marks = r.Marks();
  const std::vector<detect::JudgedSnapshot> judged = detect::JudgedSnapshotsOf(*listed, marks);
  EXPECT_TRUE(judged[2].flagged()) << "the scan's verdict came along";
  auto point = detect::NewestClean(judged);
  ASSERT_THAT(point, IsOk());
  EXPECT_EQ(point->index, 1u) << "the copy of the newest clean snapshot, never the flagged one";
  for (const NamedMark* hold : marks.StandingHolds((*listed)[2].id)) {
    EXPECT_EQ(hold->mark.because, (*listed)[2].id) << "its own hold names the copy";
  }
}

TEST(KeepIfRemovedTest, NothingWhileTheSnapshotIsThereElseSavedAgainHeld) {
  Repo r;
  const Snapshot there = Saved(r, Group("c")[0]);
  auto hold = AddHold(*r.repo, there, "legal hold", kMaker);
  ASSERT_THAT(hold, IsOk());
  auto kept = KeepIfRemoved(*r.repo, there, *hold, kMaker);
  ASSERT_THAT(kept, IsOk());
  EXPECT_FALSE(kept->has_value());

  ASSERT_THAT(r.repo->RemoveSnapshot(there.id), IsOk());  // a forget, after `hold add` found it
  auto again = KeepIfRemoved(*r.repo, there, *hold, kMaker);
  ASSERT_THAT(again, IsOk());
  ASSERT_TRUE(again->has_value());
  EXPECT_THAT(r.repo->LoadSnapshot((*again)->restored), IsOk());
  EXPECT_TRUE(r.Marks().Held((*again)->restored));
}

// ---- One order (review R11-12) -------------------------------------------------------------

// Two snapshots of the same time, one clean and one flagged, in either order of ids and handed
// over in either order (a backup appends its new snapshot last): holds, retention and the newest
// clean restore point all take the one with the greater id as the newer (repository::OlderThan).
TEST(SnapshotOrderTest, HoldsRetentionAndTheCleanPointAgreeOnSnapshotsOfTheSameTime) {
  for (std::string_view levels : {"ccic", "ccci"}) {
    std::vector<Snapshot> group = Group(levels);  // group[3]'s id is the greater
    group[3].time_ns = group[2].time_ns;
    const bool clean_is_newer = levels == "ccic";
    auto kept = retention::ApplyPolicy(group, retention::Policy{.last = 1}, kMaker.now_ns);
    ASSERT_THAT(kept, IsOk());
    ASSERT_EQ(kept->keep.size(), 1u);
    EXPECT_EQ(kept->keep.front().snapshot.id, group[3].id) << levels;

    std::vector<Snapshot> as_listed = group;  // repository::LoadSnapshots' order
    std::sort(as_listed.begin(), as_listed.end(), repository::OlderThan);
    auto latest_clean = detect::ChooseLatestClean(detect::JudgedSnapshotsOf(as_listed, {}), "");
    ASSERT_THAT(latest_clean, IsOk());
    const Id& restore_point = as_listed[latest_clean->index].id;
    EXPECT_EQ(restore_point, clean_is_newer ? group[1].id : group[2].id) << levels;

    std::vector<Snapshot> flagged_last = group;
    if (clean_is_newer) std::swap(flagged_last[2], flagged_last[3]);
    for (const std::vector<Snapshot>& order : {group, flagged_last}) {
      const std::vector<PlannedHold> holds = HoldsToPlace(order, {});
      ASSERT_GE(holds.size(), 2u) << levels;
      const PlannedHold& newest_clean = holds[holds.size() - 2];  // the flagged one is last
      EXPECT_EQ(newest_clean.snapshot.id, restore_point) << levels;
      EXPECT_THAT(newest_clean.reason, StartsWith("newest clean restore point before")) << levels;
      EXPECT_EQ(HoldsToPlaceAll(order, {}).size(), holds.size()) << levels;
    }
  }
}

}  // namespace
}  // namespace stormproof::holds
