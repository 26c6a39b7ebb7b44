#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/detect/verdict.h"
#include "engine/repository/marks.h"
#include "engine/repository/signals.h"

namespace stormproof::detect {
namespace {

using Level = repository::Verdict::Level;
using ::testing::HasSubstr;

constexpr int64_t kDay = int64_t{86400} * 1000 * 1000 * 1000;
constexpr int64_t kDec1 = int64_t{1796083200} * 1000 * 1000 * 1000;  // 2026-12-01 00:00 UTC

// One letter a snapshot: c clean, s suspicious, i infected, a suspicious but accepted as a false
// alarm, u never judged. Ids "0a0a0a0a…", "1b1b…" by position; one a day from 2026-12-01.
std::vector<JudgedSnapshot> Group(std::string_view levels) {
  std::vector<JudgedSnapshot> group;
  for (size_t i = 0; i < levels.size(); ++i) {
    JudgedSnapshot s;
    s.id = std::string(32, static_cast<char>('0' + i));
    s.time_ns = kDec1 + static_cast<int64_t>(i) * kDay;
    switch (levels[i]) {
      case 'c':
        s.level = Level::kClean;
        break;
      case 's':
        s.level = Level::kSuspicious;
        break;
      case 'i':
        s.level = Level::kInfected;
        break;
      case 'a':
        s.level = Level::kSuspicious;
        s.accepted = true;
        break;
      default:
        break;
    }
    group.push_back(s);
  }
  return group;
}

struct PointCase {
  std::string_view levels;
  size_t index;
  std::optional<size_t> flagged;
  size_t flagged_count, unjudged_skipped;
};

TEST(CleanPointTest, NewestCleanBeforeTheFirstFlaggedSnapshot) {
  const PointCase cases[] = {
      {"ccc", 2, std::nullopt, 0, 0},  // none flagged: the newest
      {"ccu", 2, std::nullopt, 0, 0},  // none flagged: the newest, even unjudged
      {"uuu", 2, std::nullopt, 0, 0},  // snapshots taken before detection existed
      {"ccic", 1, 2, 1, 0},            // flagged in the middle: newer clean ones do not count
      {"ccsii", 1, 2, 3, 0},           // the first flagged one decides, whatever its level
      {"cacic", 2, 3, 1, 0},           // an accepted false alarm is no longer flagged
      {"cac", 2, std::nullopt, 0, 0},  // …so with it alone, the newest is fine
      {"cai", 1, 2, 1, 0},             // …and it may itself be the clean point
      {"cuui", 0, 3, 1, 2},            // never-judged snapshots are skipped, not clean
  };
  for (const PointCase& c : cases) {
    const std::vector<JudgedSnapshot> group = Group(c.levels);
    const Result<CleanPoint> point = NewestClean(group);
    ASSERT_TRUE(point.has_value()) << c.levels << ": " << point.error().message();
    EXPECT_EQ(point->index, c.index) << c.levels;
    EXPECT_EQ(point->flagged, c.flagged) << c.levels;
    EXPECT_EQ(point->flagged_count, c.flagged_count) << c.levels;
    EXPECT_EQ(point->unjudged_skipped, c.unjudged_skipped) << c.levels;
  }
}

TEST(CleanPointTest, NoCleanPointIsAnErrorThatSaysWhatToDo) {
  const struct {
    std::string_view levels;
    std::string_view message;
  } cases[] = {
      {"", "no snapshots to restore from"},
      {"ic", "no snapshot before infected snapshot 00000000 (2026-12-01 00:00:00 UTC)"},
      {"uus",
       "no judged snapshot before suspicious snapshot 22222222 (2026-12-03 00:00:00 UTC): the "
       "older ones were taken without detection; restore one by its id"},
  };
  for (const auto& c : cases) {
    const std::vector<JudgedSnapshot> group = Group(c.levels);
    const Result<CleanPoint> point = NewestClean(group);
    ASSERT_FALSE(point.has_value()) << c.levels;
    EXPECT_EQ(point.error().code(), ErrorCode::kNotFound) << c.levels;
    EXPECT_EQ(point.error().message(), c.message) << c.levels;
  }
}

TEST(CleanPointTest, DescribesWhyThatPoint) {
  const std::vector<JudgedSnapshot> flagged = Group("cuuisi");
  const Result<CleanPoint> point = NewestClean(flagged);
  ASSERT_TRUE(point.has_value());
  EXPECT_EQ(DescribeCleanPoint(flagged, *point),
            "newest clean snapshot; 3 newer flagged, the first infected snapshot 33333333 "
            "(2026-12-04 00:00:00 UTC); 2 newer never judged (taken without detection)");
  const std::vector<JudgedSnapshot> quiet = Group("cc");
  EXPECT_THAT(DescribeCleanPoint(quiet, *NewestClean(quiet)), HasSubstr("none flagged"));
}

// Review R12-1: the flagged snapshot was removed (a forget), so nothing in the group is flagged;
// the clean points its holds name still bound the point, or the newest, encrypted, snapshot
// would count as clean. 'h': clean, held because of a flagged snapshot no longer there.
std::vector<JudgedSnapshot> WithRemovedFlag(std::string_view levels) {
  std::vector<JudgedSnapshot> group = Group(levels);
  for (size_t i = 0; i < levels.size(); ++i) {
    if (levels[i] != 'h') continue;
    group[i].level = Level::kClean;
    group[i].removed_flag = std::string(64, 'f');
  }
  return group;
}

TEST(CleanPointTest, HoldsBecauseOfARemovedFlagBoundThePoint) {
  const struct {
    std::string_view levels;
    size_t index;
    std::optional<size_t> bound, flagged;
  } cases[] = {
      {"hhhcc", 2, 2, std::nullopt},  // the flagged one between 2 and 3 was removed
      {"hhhccic", 2, 2, 5},           // a later attack: the removed one is older, it decides
      {"chuch", 4, std::nullopt, std::nullopt},  // the newest held one is the newest: no bound
      {"hcic", 0, 0, 2},              // the removed one may be newer than 1: kept to the held
      {"chhcci", 2, 2, 5},
  };
  for (const auto& c : cases) {
    const std::vector<JudgedSnapshot> group = WithRemovedFlag(c.levels);
    const Result<CleanPoint> point = NewestClean(group);
    ASSERT_TRUE(point.has_value()) << c.levels << ": " << point.error().message();
    EXPECT_EQ(point->index, c.index) << c.levels;
    EXPECT_EQ(point->removed_flag_bound, c.bound) << c.levels;
    EXPECT_EQ(point->flagged, c.flagged) << c.levels;
  }
  const std::vector<JudgedSnapshot> group = WithRemovedFlag("chhcc");
  EXPECT_EQ(DescribeCleanPoint(group, *NewestClean(group)),
            "newest clean snapshot up to 22222222, held because of flagged snapshot ffffffff, "
            "which was removed: the newer ones may hold what that attack encrypted; 2 newer "
            "snapshot(s) passed over");
  // A person vouched for a snapshot after it (`hold resolve`): that attack is over.
  std::vector<JudgedSnapshot> resolved = WithRemovedFlag("hhcc");
  resolved[3].resolution = true;
  EXPECT_EQ(NewestClean(resolved)->index, 3u);
  // Held but never judged (a person's hold carried, an old snapshot): no clean point there.
  std::vector<JudgedSnapshot> unjudged = Group("uc");
  unjudged[0].removed_flag = std::string(64, 'f');
  const Result<CleanPoint> none = NewestClean(unjudged);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().message(),
            "no clean snapshot at or before 00000000, held because of flagged snapshot ffffffff "
            "(removed)");
}

TEST(CleanPointTest, NoteRemovedFlagsNamesOnlyFlagsNoLongerInTheGroup) {
  std::vector<repository::Snapshot> snapshots(3);
  for (size_t i = 0; i < snapshots.size(); ++i) {
    snapshots[i].id.bytes.fill(static_cast<uint8_t>(i + 1));
    snapshots[i].time_ns = kDec1 + static_cast<int64_t>(i) * kDay;
  }
  repository::Id gone;
  gone.bytes.fill(0xee);
  auto hold = [](std::string name, const repository::Id& on,
                 std::optional<repository::Id> because) {
    repository::Mark m;
    m.kind = repository::Mark::Kind::kHold;
    m.snapshot = on;
    m.because = because;
    m.reason = "hold";
    return repository::NamedMark{std::move(name), std::move(m)};
  };
  const repository::MarkSet marks({hold("mark-1", snapshots[0].id, gone),
                                   hold("mark-2", snapshots[1].id, snapshots[2].id),
                                   hold("mark-3", snapshots[2].id, std::nullopt)});
  std::vector<JudgedSnapshot> judged = JudgedSnapshotsOf(snapshots, marks);
  NoteRemovedFlags(snapshots, marks, judged);
  EXPECT_EQ(judged[0].removed_flag, gone.Hex());
  EXPECT_EQ(judged[1].removed_flag, "") << "its flag is still there";
  EXPECT_EQ(judged[2].removed_flag, "") << "a person's hold names no flag";
}

}  // namespace
}  // namespace stormproof::detect
