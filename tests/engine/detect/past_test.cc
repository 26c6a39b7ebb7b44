// What the judge and the restore-point rule see of a group's snapshots (past.cc): the record's
// verdict and signals, raised by verdict marks, a scan's signals when the record has none, and
// a false alarm a person accepted counted as clean.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/detect/verdict.h"
#include "engine/repository/marks.h"
#include "engine/repository/signals.h"

namespace stormproof::detect {
namespace {

using repository::Mark;
using repository::MarkSet;
using repository::Snapshot;
using repository::SnapshotSignals;
using repository::Verdict;
using Level = Verdict::Level;

constexpr int64_t kDay = int64_t{86400} * 1000 * 1000 * 1000;
constexpr int64_t kDec1 = int64_t{1796083200} * 1000 * 1000 * 1000;  // 2026-12-01 00:00 UTC

SnapshotSignals Signals(uint64_t suspect_files) {
  SnapshotSignals s;
  s.has_parent = true;
  s.files_total = 1000;
  s.suspect_files = suspect_files;
  return s;
}

// Snapshot n (id bytes all n, day n); a record verdict of `level` with signals of `suspect`
// suspect files when given.
Snapshot Snap(uint8_t n, std::optional<Level> level, std::optional<uint64_t> suspect = 0) {
  Snapshot s;
  s.id.bytes.fill(n);
  s.time_ns = kDec1 + n * kDay;
  if (level) {
    s.verdict = Verdict{};
    s.verdict->level = *level;
    s.verdict->score = *level == Level::kClean ? 0 : 80;
  }
  if (suspect) s.signals = Signals(*suspect);
  return s;
}

repository::NamedMark VerdictMark(std::string name, uint8_t snapshot, Level level,
                                  std::optional<uint64_t> scan_suspect = std::nullopt,
                                  bool false_alarm = false) {
  Mark m;
  m.kind = Mark::Kind::kVerdict;
  m.snapshot.bytes.fill(snapshot);
  m.reason = "later verdict";
  m.verdict = Verdict{};
  m.verdict->level = level;
  m.false_alarm = false_alarm;
  if (scan_suspect) m.signals = Signals(*scan_suspect);
  return {std::move(name), std::move(m)};
}

TEST(PastTest, RecordsAloneGiveTheirLevelAndSignals) {
  const std::vector<Snapshot> group = {Snap(1, Level::kClean, 2), Snap(2, Level::kInfected, 300),
                                       Snap(3, std::nullopt, std::nullopt),
                                       Snap(4, std::nullopt, 5),  // signals, never judged
                                       Snap(5, Level::kSuspicious, std::nullopt)};
  const std::vector<PastSnapshot> past = PastSnapshotsOf(group, {});
  ASSERT_EQ(past.size(), 5u);
  EXPECT_EQ(past[0].id, group[0].id.Hex());
  EXPECT_EQ(past[0].time_ns, group[0].time_ns);
  EXPECT_EQ(past[0].level, Level::kClean);
  EXPECT_EQ(past[0].signals.suspect_files, 2u);
  EXPECT_EQ(past[1].level, Level::kInfected);
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(past[i].level, std::nullopt) << i;
    EXPECT_EQ(past[i].signals, SnapshotSignals{}) << i;
  }
  const std::vector<JudgedSnapshot> judged = JudgedSnapshotsOf(group, {});
  EXPECT_EQ(judged[2].level, std::nullopt);  // never judged, no mark: no level
  EXPECT_EQ(judged[4].level, Level::kSuspicious);
  EXPECT_FALSE(judged[1].accepted);
}

TEST(PastTest, AScanMarksSignalsStandInWhenTheRecordHasNone) {
  const std::vector<Snapshot> group = {Snap(1, std::nullopt, std::nullopt),
                                       Snap(2, Level::kClean, std::nullopt),
                                       Snap(3, Level::kClean, 4)};
  const MarkSet marks({VerdictMark("mark-1", 1, Level::kClean, 7),
                       VerdictMark("mark-2", 2, Level::kSuspicious, 9),
                       VerdictMark("mark-3", 3, Level::kClean, 11)});
  const std::vector<PastSnapshot> past = PastSnapshotsOf(group, marks);
  EXPECT_EQ(past[0].level, Level::kClean);  // taken before detection, scanned since
  EXPECT_EQ(past[0].signals.suspect_files, 7u);
  EXPECT_EQ(past[1].level, Level::kSuspicious);
  EXPECT_EQ(past[1].signals.suspect_files, 9u);
  EXPECT_EQ(past[2].signals.suspect_files, 4u);  // the backup's own signals win
  EXPECT_EQ(HistoryOf(past).records.size(), 2u);
}

TEST(PastTest, AVerdictMarkRaisesButNeverLowers) {
  const std::vector<Snapshot> group = {Snap(1, Level::kClean, 1), Snap(2, Level::kInfected, 300),
                                       Snap(3, std::nullopt, std::nullopt)};
  const MarkSet marks({VerdictMark("mark-1", 1, Level::kSuspicious),
                       VerdictMark("mark-2", 2, Level::kClean),
                       VerdictMark("mark-3", 3, Level::kSuspicious)});
  const std::vector<PastSnapshot> past = PastSnapshotsOf(group, marks);
  EXPECT_EQ(past[0].level, Level::kSuspicious);  // a slow attack's earlier step
  EXPECT_EQ(past[0].signals.suspect_files, 1u);
  EXPECT_EQ(past[1].level, Level::kInfected);
  EXPECT_EQ(past[2].level, std::nullopt);  // no signals anywhere: not history
  const std::vector<JudgedSnapshot> judged = JudgedSnapshotsOf(group, marks);
  EXPECT_EQ(judged[0].level, Level::kSuspicious);
  EXPECT_EQ(judged[1].level, Level::kInfected);
  EXPECT_EQ(judged[2].level, Level::kSuspicious);  // judged by the mark alone
  EXPECT_TRUE(HistoryOf(past).records.empty());
}

TEST(PastTest, AnAcceptedFalseAlarmCountsAsClean) {
  const std::vector<Snapshot> group = {Snap(1, Level::kClean, 0), Snap(2, Level::kInfected, 300),
                                       Snap(3, Level::kClean, 0), Snap(4, std::nullopt)};
  const MarkSet marks({VerdictMark("mark-1", 2, Level::kClean, std::nullopt, true),
                       VerdictMark("mark-2", 3, Level::kClean, std::nullopt, true),
                       VerdictMark("mark-3", 4, Level::kClean, std::nullopt, true)});
  const std::vector<PastSnapshot> past = PastSnapshotsOf(group, marks);
  EXPECT_EQ(past[1].level, Level::kClean);  // enters the history: the system's normal
  EXPECT_EQ(HistoryOf(past).records.size(), 3u);
  const std::vector<JudgedSnapshot> judged = JudgedSnapshotsOf(group, marks);
  EXPECT_EQ(judged[1].level, Level::kInfected);
  EXPECT_TRUE(judged[1].accepted);
  EXPECT_FALSE(judged[2].accepted);  // clean: nothing to accept
  EXPECT_FALSE(judged[3].accepted);
  EXPECT_EQ(judged[3].level, std::nullopt);
  const Result<CleanPoint> point = NewestClean(judged);
  ASSERT_TRUE(point.has_value());
  EXPECT_EQ(point->flagged, std::nullopt);
}

TEST(PastTest, MarksOfOtherSnapshotsDoNotCount) {
  const std::vector<Snapshot> group = {Snap(1, Level::kClean, 0)};
  const MarkSet marks({VerdictMark("mark-1", 9, Level::kInfected, 5)});
  EXPECT_EQ(PastSnapshotsOf(group, marks)[0].level, Level::kClean);
  EXPECT_THAT(JudgedSnapshotsOf(group, marks)[0].level, ::testing::Optional(Level::kClean));
}

repository::NamedMark ResolutionMark(std::string name, uint8_t snapshot) {
  Mark m;
  m.kind = Mark::Kind::kResolution;
  m.snapshot.bytes.fill(snapshot);
  m.reason = "systems restored";
  m.resolves.push_back(Snap(2, std::nullopt).id);
  return {std::move(name), std::move(m)};
}

std::string Short(uint8_t n) { return Snap(n, std::nullopt).id.Hex().substr(0, 8); }

// After an attack is over (hold resolve), the flagged snapshots older than the vouched one stop
// binding the clean point; the vouched one counts as clean, so a new attack after it is bounded
// by it, never by the snapshots of the old attack (which may hold what it encrypted).
TEST(PastTest, AResolutionLetsOlderFlagsGoAndANewAttackBindsAgain) {
  std::vector<Snapshot> group = {Snap(1, Level::kClean), Snap(2, Level::kInfected),
                                 Snap(3, Level::kClean), Snap(4, std::nullopt, std::nullopt),
                                 Snap(5, Level::kClean)};
  // Without a resolution, the pre-attack snapshot stays the point forever.
  Result<CleanPoint> pinned = NewestClean(JudgedSnapshotsOf(group, {}));
  ASSERT_TRUE(pinned.has_value());
  EXPECT_EQ(pinned->index, 0u);

  const MarkSet marks({ResolutionMark("mark-1", 4)});
  std::vector<JudgedSnapshot> judged = JudgedSnapshotsOf(group, marks);
  EXPECT_TRUE(judged[1].resolved);
  EXPECT_FALSE(judged[1].flagged());
  EXPECT_TRUE(judged[3].resolution);
  EXPECT_TRUE(judged[3].clean());  // never judged, but vouched for
  EXPECT_FALSE(judged[0].resolved || judged[2].resolved || judged[4].resolved);
  Result<CleanPoint> point = NewestClean(judged);
  ASSERT_TRUE(point.has_value());
  EXPECT_EQ(point->index, 4u);
  EXPECT_EQ(point->flagged, std::nullopt);
  const std::string why = DescribeCleanPoint(judged, *point);
  EXPECT_THAT(why, ::testing::HasSubstr("none flagged"));
  EXPECT_THAT(why, ::testing::HasSubstr("1 older flagged snapshot(s) resolved: "));
  EXPECT_THAT(why, ::testing::HasSubstr(" vouched for snapshot " + Short(4)));
  EXPECT_THAT(why, ::testing::HasSubstr("the first infected snapshot " + Short(2)));

  // A new attack after the resolution binds again, bounded by the vouched snapshot.
  group[4] = Snap(5, std::nullopt, std::nullopt);
  group.push_back(Snap(6, Level::kInfected));
  judged = JudgedSnapshotsOf(group, marks);
  point = NewestClean(judged);
  ASSERT_TRUE(point.has_value());
  EXPECT_EQ(point->index, 3u);
  EXPECT_EQ(point->flagged, 5u);
  EXPECT_EQ(point->flagged_count, 1u);
  const std::string again = DescribeCleanPoint(judged, *point);
  EXPECT_THAT(again, ::testing::HasSubstr("the first infected snapshot " + Short(6)));
  EXPECT_THAT(again, ::testing::HasSubstr(" vouched for snapshot " + Short(4)));
}

// A resolution on a flagged snapshot (by its record, or flagged by a verdict given since) counts
// for nothing: everything binds as before.
TEST(PastTest, AResolutionOnAFlaggedSnapshotCountsForNothing) {
  const std::vector<Snapshot> group = {Snap(1, Level::kClean), Snap(2, Level::kInfected),
                                       Snap(3, Level::kClean)};
  for (const MarkSet& marks :
       {MarkSet({ResolutionMark("mark-1", 2)}),
        MarkSet({ResolutionMark("mark-1", 3), VerdictMark("mark-2", 3, Level::kSuspicious)})}) {
    const std::vector<JudgedSnapshot> judged = JudgedSnapshotsOf(group, marks);
    for (const JudgedSnapshot& s : judged) EXPECT_FALSE(s.resolved || s.resolution) << s.id;
    Result<CleanPoint> point = NewestClean(judged);
    ASSERT_TRUE(point.has_value());
    EXPECT_EQ(point->index, 0u);
    EXPECT_EQ(DescribeResolution(judged), "");
  }
}

}  // namespace
}  // namespace stormproof::detect
