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

}  // namespace
}  // namespace stormproof::detect
