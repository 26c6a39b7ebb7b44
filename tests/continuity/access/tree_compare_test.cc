#include "continuity/access/internal/tree_compare.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/matchers.h"

namespace stormproof::access {
namespace {

namespace fs = std::filesystem;

class TreeCompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("stormproof-tree-" + std::to_string(getpid()))).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_ + "/srv/x");
    std::ofstream(dir_ + "/srv/x/file") << "12345";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(TreeCompareTest, MapsListedPathsUnderTheTarget) {
  EXPECT_EQ(RestoredPath("/t", "/srv/x"), "/t/srv/x");
  EXPECT_EQ(RestoredPath("/t", "srv/x"), "/t/srv/x");
  EXPECT_EQ(RestoredPath("/t", "D:/EXACT"), "/t/D/EXACT");
  EXPECT_EQ(RestoredPath("/t", "/srv/../../etc/passwd"), "");
  EXPECT_EQ(RestoredPath("/t", "/"), "");
}

TEST_F(TreeCompareTest, ReportsEachKindOfDifference) {
  TreeComparison comparison(dir_, "snapshot");
  comparison.Check({"/srv/x/file", EntryType::kFile, 5, ""});
  comparison.Check({"/srv/x", EntryType::kDirectory, std::nullopt, ""});
  comparison.Check({"/srv/x/file", EntryType::kFile, 7, ""});
  comparison.Check({"/srv/x/gone", EntryType::kFile, 1, ""});
  comparison.Check({"/srv/x", EntryType::kSymlink, std::nullopt, ""});
  comparison.Check({"/srv/x/file", EntryType::kFile, std::nullopt, "damaged"});
  comparison.Check({"../escape", EntryType::kFile, 1, ""});
  DataCheck check = comparison.Finish();
  EXPECT_EQ(check.files_checked, 5u);
  EXPECT_EQ(check.problems, (std::vector<std::string>{
                                "/srv/x/file: size 7 in the snapshot, 5 restored",
                                "/srv/x/gone: missing",
                                "/srv/x: not a symbolic link",
                                "/srv/x/file: damaged",
                                "../escape: not a path inside the restore directory",
                            }));
}

TEST_F(TreeCompareTest, CapsTheProblemList) {
  TreeComparison comparison(dir_, "archive");
  for (int i = 0; i < 250; ++i) {
    comparison.Check({"/missing/" + std::to_string(i), EntryType::kFile, 1, ""});
  }
  DataCheck check = comparison.Finish();
  EXPECT_EQ(check.files_checked, 250u);
  ASSERT_EQ(check.problems.size(), TreeComparison::kMaxProblems + 1);
  EXPECT_EQ(check.problems.back(), "... and 150 more");
}

TEST_F(TreeCompareTest, CountsRegularFilesWithoutFollowingLinks) {
  fs::create_symlink(dir_ + "/srv", dir_ + "/srv/x/loop");
  std::ofstream(dir_ + "/srv/empty");
  Result<FileCount> count = CountRegularFiles(dir_);
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(count->files, 2u);
  EXPECT_EQ(count->bytes, 5u);
}

}  // namespace
}  // namespace stormproof::access
