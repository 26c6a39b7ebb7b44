// The history ScanGroup builds as it goes (src/engine/scan/group_history.cc, review R12-12) is
// the one detect::PastSnapshotsOf and HistoryOf give over all earlier snapshots and all marks,
// as marks are added on the way: a scan's verdicts, a slow attack's earlier steps, holds.
#include "engine/scan/internal/group_history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/detect/verdict.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"

namespace stormproof::scan::internal {
namespace {

using repository::Mark;
using repository::NamedMark;
using repository::Snapshot;
using repository::Verdict;

crypto::Id IdOf(int n) {
  crypto::Id id;
  id.bytes[0] = static_cast<uint8_t>(n);
  id.bytes[1] = static_cast<uint8_t>(n >> 8);
  return id;
}

repository::SnapshotSignals SignalsOf(int n) {
  repository::SnapshotSignals signals;
  signals.files_total = 100;
  signals.suspect_files = static_cast<uint64_t>(n % 7);
  signals.extensions["ext" + std::to_string(n % 40)] = 1;
  return signals;
}

// 80 snapshots: every third judged by its backup (clean, or infected each 11th), the others not.
std::vector<Snapshot> Group() {
  std::vector<Snapshot> group;
  for (int n = 0; n < 80; ++n) {
    Snapshot s;
    s.id = IdOf(n + 1);
    s.time_ns = n;
    if (n % 3 == 0) {
      s.signals = SignalsOf(n);
      s.verdict = Verdict{};
      if (n % 11 == 0) s.verdict->level = Verdict::Level::kInfected;
    }
    group.push_back(std::move(s));
  }
  return group;
}

NamedMark VerdictMark(int name, const crypto::Id& snapshot, Verdict::Level level, bool signals) {
  Mark mark;
  mark.kind = Mark::Kind::kVerdict;
  mark.snapshot = snapshot;
  mark.reason = "test";
  mark.verdict = Verdict{};
  mark.verdict->level = level;
  if (signals) mark.signals = SignalsOf(name);
  return {"mark-" + std::to_string(1000 + name), std::move(mark)};
}

void ExpectSameHistory(const detect::History& got, const detect::History& want) {
  ASSERT_EQ(got.records.size(), want.records.size());
  for (size_t i = 0; i < got.records.size(); ++i) EXPECT_EQ(got.records[i].id, want.records[i].id);
  EXPECT_EQ(got.extensions, want.extensions);
  EXPECT_EQ(got.suspect_files.median, want.suspect_files.median);
  EXPECT_EQ(got.suspect_files.mad, want.suspect_files.mad);
}

TEST(GroupHistoryTest, IsTheHistoryOfEveryEarlierSnapshotAsMarksAreAdded) {
  const std::vector<Snapshot> group = Group();
  // Given: an accepted false alarm on snapshot 33 (infected), a scan's verdict on 1.
  std::vector<NamedMark> all = {VerdictMark(1, group[1].id, Verdict::Level::kClean, true)};
  all.push_back(VerdictMark(2, group[33].id, Verdict::Level::kClean, false));
  all.back().mark.false_alarm = true;
  GroupHistory history(group, repository::MarkSet(all));
  int name = 10;
  for (size_t i = 0; i < group.size(); ++i) {
    SCOPED_TRACE("snapshot " + std::to_string(i));
    ASSERT_EQ(history.passed(), i);
    const std::vector<detect::PastSnapshot> past =
        detect::PastSnapshotsOf(std::span(group).first(i), repository::MarkSet(all));
    ExpectSameHistory(detect::HistoryOf(history.Recent()), detect::HistoryOf(past));
    EXPECT_LE(history.Recent().size(), detect::kMaxHistory);
    // As a scan does: a verdict on this one (each 5th suspicious), and each 13th marks the
    // snapshot two before it suspicious, as a slow attack's earlier step.
    const Verdict::Level level = i % 5 == 4 ? Verdict::Level::kSuspicious : Verdict::Level::kClean;
    all.push_back(VerdictMark(++name, group[i].id, level, true));
    history.AddMark(all.back());
    if (i % 13 == 12) {
      all.push_back(VerdictMark(++name, group[i - 2].id, Verdict::Level::kSuspicious, false));
      history.AddMark(all.back());
    }
    history.PassNext();
  }
  const repository::MarkSet marks = history.GroupMarks();
  EXPECT_EQ(marks.all().size(), all.size());
}

// Whether an attack is ongoing follows the newest judged snapshot passed, including a verdict
// given to it after it was passed.
TEST(GroupHistoryTest, AnAttackIsOngoingAfterAFlaggedSnapshot) {
  std::vector<Snapshot> group = Group();
  group.resize(4);  // judged: 0 (infected), 3 (clean)
  GroupHistory history(group, repository::MarkSet());
  history.PassNext();
  EXPECT_TRUE(history.AttackOngoing());
  history.PassNext();  // 1: never judged, changes nothing
  EXPECT_TRUE(history.AttackOngoing());
  history.PassNext();
  history.PassNext();
  EXPECT_FALSE(history.AttackOngoing());
  history.AddMark(VerdictMark(1, group[3].id, Verdict::Level::kSuspicious, false));
  EXPECT_TRUE(history.AttackOngoing());
}

}  // namespace
}  // namespace stormproof::scan::internal
