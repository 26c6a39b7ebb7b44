// The totals scanner: it must count exactly what a backup of the same paths covers (same
// excludes, one_file_system, symlinks never followed), and stop when asked.
#include "engine/archiver/internal/scanner.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "tests/engine/archiver/archiver_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::archiver::testing {
namespace {

using internal::Scanner;
using internal::ScanTotals;

class ScannerTest : public ArchiverTest {
 protected:
  void TearDown() override {
    if (mounted_) ::umount2(Path("mnt").c_str(), MNT_DETACH);
    ArchiverTest::TearDown();
  }

  // The final totals of a scan with `options`' paths, excludes and one_file_system.
  static ScanTotals ScanToEnd(const BackupOptions& options) {
    Scanner scanner(options.paths, options.excludes, options.one_file_system);
    for (int i = 0; i < 1000 && !scanner.totals().done; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ScanTotals totals = scanner.totals();
    EXPECT_TRUE(totals.done) << "the scan did not finish within 10 s";
    return totals;
  }

  // Scans and backs up with `options`, and checks that both agree on files and bytes.
  ScanTotals ScanAndCompareWithBackup(const BackupOptions& options) {
    ScanTotals totals = ScanToEnd(options);
    Result<Snapshot> snapshot = Run(options);
    EXPECT_THAT(snapshot, IsOk());
    if (!snapshot.has_value()) return totals;
    const repository::SnapshotSummary& s = snapshot->summary;
    EXPECT_EQ(totals.files, s.files_new + s.files_changed + s.files_unmodified);
    EXPECT_EQ(totals.bytes, s.bytes_processed);
    return totals;
  }

  void MakeTree() {
    MakeDir("src");
    MakeDir("src/cache");
    MakeDir("build");
    MakeDir("empty");
    Write("src/main.cc", "int main() {}");               // 13
    Write("src/main.o", RandomData(3000, 1));            // 3000
    Write("src/cache/entry", "cached");                  // 6
    Write("build/out", RandomData(70000, 2));            // 70000
    Write("keep.txt", "kept");                           // 4
    Write("zero", "");                                   // 0
    ASSERT_EQ(::mkfifo(Path("fifo").c_str(), 0600), 0);  // not a regular file
  }

  bool mounted_ = false;
};

TEST_F(ScannerTest, CountsWhatTheBackupCovers) {
  MakeTree();
  ScanTotals totals = ScanAndCompareWithBackup(Options({root_}));
  EXPECT_EQ(totals.files, 6u);
  EXPECT_EQ(totals.bytes, 13u + 3000 + 6 + 70000 + 4);
  EXPECT_EQ(totals.dirs, 6u);  // /tmp on the way, root_, src, src/cache, build, empty
}

TEST_F(ScannerTest, RespectsExcludesLikeTheWalker) {
  MakeTree();
  BackupOptions options = Options({root_});
  options.excludes = {"*.o", "cache", Path("build") + "/"};
  ScanTotals totals = ScanAndCompareWithBackup(options);
  EXPECT_EQ(totals.files, 3u);  // src/main.cc, keep.txt, zero
  EXPECT_EQ(totals.bytes, 13u + 4);
}

TEST_F(ScannerTest, GivenPathsAreNotExcludedAndSeveralPathsAddUp) {
  MakeTree();
  BackupOptions options = Options({Path("src/main.o"), Path("build"), Path("keep.txt")});
  options.excludes = {"*.o", "*.txt"};
  ScanTotals totals = ScanAndCompareWithBackup(options);
  EXPECT_EQ(totals.files, 3u);  // given paths are backed up whatever the excludes say
  EXPECT_EQ(totals.bytes, 3000u + 70000 + 4);
}

TEST_F(ScannerTest, NeverFollowsSymlinks) {
  MakeDir("data");
  MakeDir("outside");
  Write("outside/big", RandomData(50000, 3));
  Write("data/small", "small");
  ASSERT_EQ(::symlink(Path("outside").c_str(), Path("data/to-dir").c_str()), 0);
  ASSERT_EQ(::symlink(Path("outside/big").c_str(), Path("data/to-file").c_str()), 0);
  ASSERT_EQ(::symlink(Path("outside").c_str(), Path("given-link").c_str()), 0);
  ScanTotals totals = ScanAndCompareWithBackup(Options({Path("data")}));
  EXPECT_EQ(totals.files, 1u);
  EXPECT_EQ(totals.bytes, 5u);
  ScanTotals link_only = ScanAndCompareWithBackup(Options({Path("given-link")}));
  EXPECT_EQ(link_only.files, 0u);
  EXPECT_EQ(link_only.bytes, 0u);
}

TEST_F(ScannerTest, OneFileSystemDoesNotCountBelowMountPoints) {
  MakeDir("mnt");
  Write("local", "local");
  if (::mount("tmpfs", Path("mnt").c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << strerror(errno);
  }
  mounted_ = true;
  Write("mnt/elsewhere", "on another file system");
  BackupOptions options = Options({root_});
  options.one_file_system = true;
  EXPECT_EQ(ScanAndCompareWithBackup(options).files, 1u);
  options.one_file_system = false;
  EXPECT_EQ(ScanAndCompareWithBackup(options).files, 2u);
}

TEST_F(ScannerTest, StopEndsALongScanEarly) {
  // Enough entries that the scan cannot finish between its start and Stop().
  constexpr int kDirs = 100, kFilesPerDir = 100;
  for (int d = 0; d < kDirs; ++d) {
    std::string dir = "d" + std::to_string(d);
    MakeDir(dir);
    for (int f = 0; f < kFilesPerDir; ++f) Write(dir + "/" + std::to_string(f), "x");
  }
  Scanner scanner({root_}, {}, false);
  scanner.Stop();
  ScanTotals stopped = scanner.totals();
  // On a starved machine the scan may still win the race; then only the rest can be checked.
  if (!stopped.done) {
    EXPECT_LT(stopped.files, static_cast<uint64_t>(kDirs * kFilesPerDir));
  }
  scanner.Stop();  // idempotent
  EXPECT_EQ(scanner.totals().files, stopped.files);
  EXPECT_EQ(ScanToEnd(Options({root_})).files, static_cast<uint64_t>(kDirs * kFilesPerDir));
}

TEST_F(ScannerTest, BackupProgressCarriesTheTotals) {
  MakeTree();
  ProgressEvent last;
  Result<Snapshot> snapshot =
      Backup(*repo_, Options({root_}), [&](const ProgressEvent& p) { last = p; }, {});
  ASSERT_THAT(snapshot, IsOk());
  // The last report comes at the end of the walk; the scan may or may not have finished by then.
  ASSERT_NE(last.Get(ProgressUnit::kFiles), std::nullopt);
  ASSERT_NE(last.Get(ProgressUnit::kBytes), std::nullopt);
  const ProgressCount& files = *last.Get(ProgressUnit::kFiles);
  const ProgressCount& bytes = *last.Get(ProgressUnit::kBytes);
  EXPECT_EQ(files.done, 6u);
  EXPECT_EQ(bytes.done, snapshot->summary.bytes_processed);
  EXPECT_LE(files.total.value_or(0), 6u);
  if (!last.totals_growing) {
    EXPECT_EQ(files.total, 6u);
    EXPECT_EQ(bytes.total, snapshot->summary.bytes_processed);
  }
}

}  // namespace
}  // namespace stormproof::archiver::testing
