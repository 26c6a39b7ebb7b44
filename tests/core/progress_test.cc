#include "core/progress.h"

#include <gtest/gtest.h>

namespace stormproof {
namespace {

TEST(ProgressTest, UnitsAreNamedInTheirOwnWords) {
  EXPECT_EQ(ProgressUnitName(ProgressUnit::kFiles), "files");
  EXPECT_EQ(ProgressUnitName(ProgressUnit::kPacks), "packs");
  EXPECT_EQ(ProgressUnitName(ProgressUnit::kTrees), "trees");
  EXPECT_EQ(ProgressUnitName(ProgressUnit::kSnapshots), "snapshots");
  EXPECT_EQ(ProgressUnitName(ProgressUnit::kBytes), "bytes");
}

TEST(ProgressTest, AbsentCountsAreAbsentNotZero) {
  ProgressEvent event;
  event.Count(ProgressUnit::kPacks, 3, 10);
  ASSERT_NE(event.Get(ProgressUnit::kPacks), std::nullopt);
  EXPECT_EQ(event.Get(ProgressUnit::kPacks)->done, 3u);
  EXPECT_EQ(event.Get(ProgressUnit::kPacks)->total, 10u);
  EXPECT_FALSE(event.Get(ProgressUnit::kBytes).has_value());
  EXPECT_FALSE(event.Get(ProgressUnit::kFiles).has_value());
}

TEST(ProgressTest, PercentIsMeasuredByBytesFirstThenTheFirstKnownTotal) {
  ProgressEvent backup;
  backup.Count(ProgressUnit::kFiles, 1, 4).Count(ProgressUnit::kBytes, 250, 1000);
  EXPECT_EQ(MeasuredUnit(backup), ProgressUnit::kBytes);
  EXPECT_DOUBLE_EQ(*PercentDone(backup), 25.0);

  ProgressEvent empty_files;  // bytes total 0: files measure
  empty_files.Count(ProgressUnit::kFiles, 1, 4).Count(ProgressUnit::kBytes, 0, 0);
  EXPECT_EQ(MeasuredUnit(empty_files), ProgressUnit::kFiles);
  EXPECT_DOUBLE_EQ(*PercentDone(empty_files), 25.0);

  ProgressEvent check;
  check.Count(ProgressUnit::kPacks, 3, 4);
  EXPECT_EQ(MeasuredUnit(check), ProgressUnit::kPacks);
  EXPECT_DOUBLE_EQ(*PercentDone(check), 75.0);
}

TEST(ProgressTest, NoPercentWithoutATotalOrWhileTotalsGrow) {
  ProgressEvent trees;
  trees.Count(ProgressUnit::kTrees, 12);
  EXPECT_FALSE(MeasuredUnit(trees).has_value());
  EXPECT_FALSE(PercentDone(trees).has_value());
  EXPECT_FALSE(SecondsRemaining(trees, 5).has_value());

  ProgressEvent scanning;
  scanning.Count(ProgressUnit::kBytes, 10, 100).totals_growing = true;
  EXPECT_FALSE(PercentDone(scanning).has_value());
}

TEST(ProgressTest, SecondsRemainingFollowTheMeasuredCountsRate) {
  ProgressEvent check;
  check.Count(ProgressUnit::kPacks, 10, 40);
  EXPECT_EQ(SecondsRemaining(check, 5), 15u);  // 2 packs/s, 30 left
  check.Count(ProgressUnit::kPacks, 40, 40);
  EXPECT_FALSE(SecondsRemaining(check, 5).has_value());  // nothing left
  check.Count(ProgressUnit::kPacks, 0, 40);
  EXPECT_FALSE(SecondsRemaining(check, 5).has_value());  // no rate yet
}

TEST(ProgressTest, PercentNeverExceedsAHundred) {
  ProgressEvent grown;
  grown.Count(ProgressUnit::kBytes, 120, 100);  // files grew since the scan
  EXPECT_DOUBLE_EQ(*PercentDone(grown), 100.0);
}

}  // namespace
}  // namespace stormproof
