// Backup options that change what is walked: excludes and --one-file-system.
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "tests/engine/archiver/archiver_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::archiver::testing {
namespace {

class OptionsTest : public ArchiverTest {
 protected:
  void TearDown() override {
    if (mounted_) ::umount2(Path("mnt").c_str(), MNT_DETACH);
    ArchiverTest::TearDown();
  }
  bool mounted_ = false;
};

TEST_F(OptionsTest, ExcludesMatchBaseNamesAndFullPaths) {
  MakeDir("src");
  MakeDir("src/cache");
  MakeDir("build");
  Write("src/main.cc", "int main() {}");
  Write("src/main.o", "object");
  Write("src/cache/entry", "cached");
  Write("build/out", "binary");
  Write("keep.txt", "kept");
  BackupOptions options = Options({root_});
  options.excludes = {"*.o", "cache", Path("build") + "/"};
  Result<Snapshot> snapshot = Run(options);
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_TRUE(FindRelative(*snapshot, "src/main.cc").has_value());
  EXPECT_TRUE(FindRelative(*snapshot, "keep.txt").has_value());
  EXPECT_FALSE(FindRelative(*snapshot, "src/main.o").has_value());
  EXPECT_FALSE(FindRelative(*snapshot, "src/cache").has_value());
  EXPECT_FALSE(FindRelative(*snapshot, "build").has_value());
  EXPECT_TRUE(snapshot->skipped.empty());  // excluded is not skipped
  EXPECT_EQ(snapshot->summary.files_new, 2u);
}

TEST_F(OptionsTest, StarInAPatternSpansDirectories) {
  MakeDir("home");
  MakeDir("home/ann");
  MakeDir("home/ann/logs");
  Write("home/ann/logs/today", "log");
  Write("home/ann/notes", "notes");
  BackupOptions options = Options({root_});
  options.excludes = {root_ + "/*/logs"};
  Result<Snapshot> snapshot = Run(options);
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_FALSE(FindRelative(*snapshot, "home/ann/logs").has_value());
  EXPECT_TRUE(FindRelative(*snapshot, "home/ann/notes").has_value());
}

TEST_F(OptionsTest, GivenPathsAreNotExcluded) {
  Write("report.tmp", "explicitly asked for");
  BackupOptions options = Options({Path("report.tmp")});
  options.excludes = {"*.tmp"};
  Result<Snapshot> snapshot = Run(options);
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_TRUE(FindRelative(*snapshot, "report.tmp").has_value());
}

TEST_F(OptionsTest, TheFileSystemRootCanBeGivenAsAPath) {
  // Everything below "/" is excluded, so this walks "/" without reading the whole machine.
  BackupOptions options = Options({"/", root_});
  options.excludes = {"/*"};
  Result<Snapshot> snapshot = Run(options);
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_EQ(snapshot->paths, (std::vector<std::string>{"/", root_}));
  EXPECT_TRUE(LoadTree(snapshot->tree).nodes.empty());
  EXPECT_TRUE(errors_.empty());
}

TEST_F(OptionsTest, OneFileSystemRecordsMountPointsEmpty) {
  MakeDir("mnt");
  Write("local", "on the same file system");
  if (::mount("tmpfs", Path("mnt").c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << strerror(errno);
  }
  mounted_ = true;
  Write("mnt/elsewhere", "on another file system");

  BackupOptions options = Options({root_});
  options.one_file_system = true;
  Result<Snapshot> snapshot = Run(options);
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> mount_point = FindRelative(*snapshot, "mnt");
  ASSERT_TRUE(mount_point.has_value());
  EXPECT_EQ(mount_point->type, NodeType::kDir);
  ASSERT_TRUE(mount_point->subtree.has_value());
  EXPECT_TRUE(LoadTree(*mount_point->subtree).nodes.empty());
  EXPECT_TRUE(FindRelative(*snapshot, "local").has_value());

  options.one_file_system = false;
  Result<Snapshot> crossing = Run(options);
  ASSERT_THAT(crossing, IsOk());
  EXPECT_TRUE(FindRelative(*crossing, "mnt/elsewhere").has_value());
}

TEST_F(OptionsTest, OneFileSystemStillBacksUpAGivenPathOnAnotherFileSystem) {
  MakeDir("mnt");
  if (::mount("tmpfs", Path("mnt").c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << strerror(errno);
  }
  mounted_ = true;
  Write("mnt/elsewhere", "on another file system");
  BackupOptions options = Options({Path("mnt")});
  options.one_file_system = true;
  Result<Snapshot> snapshot = Run(options);
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_TRUE(FindRelative(*snapshot, "mnt/elsewhere").has_value());
}

}  // namespace
}  // namespace stormproof::archiver::testing
