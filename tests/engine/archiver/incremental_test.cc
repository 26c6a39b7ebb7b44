// Backups with a parent snapshot: unchanged files are not read, changed ones store only the
// chunks that changed.
#include <sys/stat.h>

#include <set>

#include "tests/engine/archiver/archiver_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::archiver::testing {
namespace {

class IncrementalTest : public ArchiverTest {
 protected:
  // Counts the files the archiver opens.
  void CountOpens() {
    opened_.clear();
    internal::SetReadHooksForTesting(
        {[this](const std::string& path) { opened_.push_back(path); }, {}});
  }
  std::vector<std::string> opened_;
};

TEST_F(IncrementalTest, ReadsOnlyTheFilesThatChanged) {
  MakeDir("data");
  MakeDir("data/sub");
  for (int i = 0; i < 10; ++i) Write("data/sub/f" + std::to_string(i), TextData(10000, i));
  Write("data/big", RandomData(6 << 20, 1));
  Result<Snapshot> first = Run(Options({Path("data")}));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->summary.files_new, 11u);

  Write("data/sub/f3", TextData(10001, 99));  // changed
  Write("data/sub/new", "new file");          // new
  BackupOptions options = Options({Path("data")});
  options.parent = *first;
  CountOpens();
  Result<Snapshot> second = Run(options);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(std::set<std::string>(opened_.begin(), opened_.end()),
            (std::set<std::string>{Path("data/sub/f3"), Path("data/sub/new")}));
  EXPECT_EQ(second->summary.files_unmodified, 10u);
  EXPECT_EQ(second->summary.files_changed, 1u);
  EXPECT_EQ(second->summary.files_new, 1u);
  EXPECT_EQ(second->parent, first->id);
  EXPECT_EQ(second->summary.bytes_processed, first->summary.bytes_processed + 1 + 8);

  // Unchanged files keep their content list; the changed one has its new content.
  EXPECT_EQ(FindRelative(*second, "data/big")->content, FindRelative(*first, "data/big")->content);
  EXPECT_EQ(Content(*FindRelative(*second, "data/sub/f3")), TextData(10001, 99));

  // A third backup of an unchanged tree reads nothing and stores no data.
  options.parent = *second;
  CountOpens();
  Result<Snapshot> third = Run(options);
  ASSERT_THAT(third, IsOk());
  EXPECT_TRUE(opened_.empty());
  EXPECT_EQ(third->summary.files_unmodified, 12u);
  EXPECT_EQ(third->summary.data_blobs_added, 0u);
  EXPECT_EQ(FindRelative(*third, "data")->subtree, FindRelative(*second, "data")->subtree);
}

TEST_F(IncrementalTest, ReplacedFileWithSameSizeAndMtimeIsRead) {
  Write("f", "version one");
  Result<Snapshot> first = Run(Options({Path("f")}));
  ASSERT_THAT(first, IsOk());
  struct stat st {};
  ASSERT_EQ(::stat(Path("f").c_str(), &st), 0);
  // Replace the file with another of the same size and mtime (new inode and ctime).
  Write("f.tmp", "version two");
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, Path("f.tmp").c_str(), times, 0), 0);
  ASSERT_EQ(::rename(Path("f.tmp").c_str(), Path("f").c_str()), 0);

  BackupOptions options = Options({Path("f")});
  options.parent = *first;
  Result<Snapshot> second = Run(options);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->summary.files_changed, 1u);
  EXPECT_EQ(AsText(Content(*FindRelative(*second, "f"))), "version two");
}

TEST_F(IncrementalTest, InsertionInTheMiddleStoresOnlyAFewNewChunks) {
  Bytes data = RandomData(24 << 20, 7);
  Write("disk.img", data);
  Result<Snapshot> first = Run(Options({Path("disk.img")}));
  ASSERT_THAT(first, IsOk());
  const size_t chunks = FindRelative(*first, "disk.img")->content.size();
  ASSERT_GE(chunks, 8u);  // ~1 MiB average chunks

  Bytes inserted = RandomData(100, 8);
  data.insert(data.begin() + (12 << 20), inserted.begin(), inserted.end());
  Write("disk.img", data);
  BackupOptions options = Options({Path("disk.img")});
  options.parent = *first;
  Result<Snapshot> second = Run(options);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->summary.files_changed, 1u);
  EXPECT_LE(second->summary.data_blobs_added, 2u) << "of " << chunks << " chunks";
  EXPECT_GE(second->summary.data_blobs_added, 1u);
  EXPECT_EQ(Content(*FindRelative(*second, "disk.img")), data);
}

TEST_F(IncrementalTest, ParentWithDifferentPathsStillMatchesByLocation) {
  MakeDir("a");
  MakeDir("b");
  Write("a/x", RandomData(100000, 1));
  Write("b/y", RandomData(100000, 2));
  Result<Snapshot> first = Run(Options({Path("a")}));
  ASSERT_THAT(first, IsOk());
  BackupOptions options = Options({Path("a"), Path("b")});
  options.parent = *first;
  Result<Snapshot> second = Run(options);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->summary.files_unmodified, 1u);
  EXPECT_EQ(second->summary.files_new, 1u);
}

TEST_F(IncrementalTest, ParentWhoseTreeIsUnreadableMeansReadingEverything) {
  Write("f", "content");
  Result<Snapshot> first = Run(Options({Path("f")}));
  ASSERT_THAT(first, IsOk());
  Snapshot broken = *first;
  broken.tree.bytes.fill(0xab);  // names no tree in the repository
  BackupOptions options = Options({Path("f")});
  options.parent = broken;
  Result<Snapshot> second = Run(options);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->summary.files_new, 1u);
  EXPECT_EQ(second->summary.files_unmodified, 0u);
}

}  // namespace
}  // namespace stormproof::archiver::testing
