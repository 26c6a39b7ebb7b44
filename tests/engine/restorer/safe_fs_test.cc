#include "engine/restorer/internal/safe_fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/matchers.h"

namespace stormproof::restorer {
namespace {

namespace fs = std::filesystem;

TEST(CheckEntryNameTest, RefusesUnsafeComponents) {
  const std::string refused[] = {
      "", ".", "..", "/", "a/b", "/etc", std::string("a\0b", 3), std::string(1, '\0')};
  for (const std::string& name : refused) {
    Status s = CheckEntryName(name);
    ASSERT_FALSE(s) << name;
    EXPECT_THAT(s, ErrorIs(ErrorCode::kInvalidArgument));
  }
  for (const std::string name : {"a", "...", ".hidden", "..x", "caf\xe9", "\\"}) {
    EXPECT_TRUE(CheckEntryName(name)) << name;
  }
}

class SafeFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stormproof-safe-fs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "target");
    fs::create_directories(root_ / "outside");
    std::ofstream(root_ / "outside" / "victim") << "original";
    dir_ = UniqueFd(::open((root_ / "target").c_str(), O_RDONLY | O_DIRECTORY));
    ASSERT_TRUE(dir_.valid());
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  UniqueFd dir_;
};

TEST_F(SafeFsTest, OpenDirectoryRefusesSymlinks) {
  fs::create_directory_symlink(root_ / "outside", root_ / "target" / "link");
  auto opened = OpenDirectoryAt(dir_.get(), "link");
  ASSERT_FALSE(opened);
  EXPECT_THAT(opened.error().message(), HasSubstr("refusing to follow"));
}

TEST_F(SafeFsTest, MakeDirectoryReplacesASymlinkNotItsTarget) {
  fs::create_directory_symlink(root_ / "outside", root_ / "target" / "d");
  auto made = MakeDirectoryAt(dir_.get(), "d");
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_FALSE(fs::is_symlink(root_ / "target" / "d"));
  EXPECT_TRUE(fs::is_directory(root_ / "target" / "d"));
  EXPECT_TRUE(fs::exists(root_ / "outside" / "victim"));
  auto again = MakeDirectoryAt(dir_.get(), "d");  // reused
  EXPECT_TRUE(again);
}

TEST_F(SafeFsTest, CreateRegularFileHandlesWhatIsThere) {
  auto fresh = CreateRegularFileAt(dir_.get(), "new");
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(fresh->is_temporary);
  EXPECT_EQ(fresh->disk_name, "new");

  auto existing = CreateRegularFileAt(dir_.get(), "new");
  ASSERT_TRUE(existing);
  EXPECT_TRUE(existing->is_temporary);
  EXPECT_NE(existing->disk_name, "new");

  fs::create_symlink(root_ / "outside" / "victim", root_ / "target" / "link");
  auto over_link = CreateRegularFileAt(dir_.get(), "link");
  ASSERT_TRUE(over_link);
  EXPECT_FALSE(over_link->is_temporary);
  EXPECT_FALSE(fs::is_symlink(root_ / "target" / "link"));
  EXPECT_EQ(fs::file_size(root_ / "outside" / "victim"), 8u);

  fs::create_directory(root_ / "target" / "dir");
  auto over_dir = CreateRegularFileAt(dir_.get(), "dir");
  ASSERT_FALSE(over_dir);
  EXPECT_THAT(over_dir.error().message(), HasSubstr("is a directory"));
}

TEST_F(SafeFsTest, OpenRegularFileRefusesSymlinksAndFifos) {
  fs::create_symlink(root_ / "outside" / "victim", root_ / "target" / "link");
  ASSERT_EQ(::mkfifo((root_ / "target" / "fifo").c_str(), 0600), 0);
  EXPECT_FALSE(OpenRegularFileAt(dir_.get(), "link"));
  EXPECT_FALSE(OpenRegularFileAt(dir_.get(), "fifo"));
}

TEST_F(SafeFsTest, SymlinksAndLinksReplaceNonDirectories) {
  std::ofstream(root_ / "target" / "s") << "file";
  ASSERT_TRUE(CreateSymlinkAt(dir_.get(), "s", "/"));
  EXPECT_EQ(fs::read_symlink(root_ / "target" / "s"), "/");
  std::ofstream(root_ / "target" / "a") << "a";
  ASSERT_TRUE(LinkAt(dir_.get(), "a", dir_.get(), "s"));
  EXPECT_EQ(fs::hard_link_count(root_ / "target" / "a"), 2u);
  EXPECT_FALSE(LinkAt(dir_.get(), "missing", dir_.get(), "t"));
}

}  // namespace
}  // namespace stormproof::restorer
