// The record of stormproof's own delete markers (internal/marker_record.h), in the file format
// it shares with the record of earlier upkeep (internal/record_file.h).
#include "engine/s3/internal/marker_record.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/time.h"
#include "tests/matchers.h"

namespace stormproof::s3::internal {
namespace {

using ::testing::HasSubstr;

class MarkerRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              ("stormproof-marker-record-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }
  // In a folder not made yet (the state folder's parents may be missing on a first run).
  std::string Path() const {
    return (folder_ / "state" / "stormproof" / "abc" / MarkerRecordName(binding_.repository_id))
        .string();
  }
  // The record at Path(), read under its lock (released once read: these tests only read,
  // change and save it in turn).
  MarkerRecord Load(const RecordBinding& binding) const {
    RecordFileLock lock(Path());
    return MarkerRecord(Path(), binding, lock);
  }
  MarkerRecord Load() const { return Load(binding_); }
  std::string Bytes() const {
    std::ifstream in(Path(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  const RecordBinding binding_{std::string(64, 'a'), "s3:http://h/b/repo", "repo/"};
  std::filesystem::path folder_;
};

TEST_F(MarkerRecordTest, RecordsWhyEachMarkerWasPlacedAndForgetsTheOnesGone) {
  MarkerRecord first = Load();
  EXPECT_THAT(first.note(), HasSubstr("no record of stormproof's delete markers at " + Path()));
  EXPECT_THAT(first.note(), HasSubstr("every delete marker counts as someone else's"));
  first.Add("repo/snapshots/aa", "m1", RecordedMarker{});
  first.Add("repo/data/ab/ab01", "m2", {RecordedMarker::Kind::kHiddenByRepair, 1234});
  first.Add("repo/index/cc", "m3", RecordedMarker{});
  ASSERT_THAT(first.Save(), IsOk());
  MarkerRecord second = Load();
  EXPECT_EQ(second.note(), "");
  ASSERT_TRUE(second.Find("repo/snapshots/aa", "m1").has_value());
  EXPECT_EQ(second.Find("repo/snapshots/aa", "m1")->kind, RecordedMarker::Kind::kRemoved);
  auto repaired = second.Find("repo/data/ab/ab01", "m2");
  ASSERT_TRUE(repaired.has_value());
  EXPECT_EQ(repaired->kind, RecordedMarker::Kind::kHiddenByRepair);
  EXPECT_EQ(repaired->repair_as_of_ns, 1234);
  EXPECT_FALSE(second.Find("repo/snapshots/aa", "m9").has_value());  // another marker on it
  EXPECT_FALSE(second.Find("repo/snapshots/bb", "m1").has_value());
  second.KeepOnly({{"repo/snapshots/aa", "m1"}, {"repo/data/ab/ab01", "m2"}, {"x", "y"}});
  ASSERT_THAT(second.Save(), IsOk());
  MarkerRecord third = Load();
  EXPECT_EQ(third.size(), 2u);
  EXPECT_FALSE(third.Find("repo/index/cc", "m3").has_value());
}

// Another repository, location or prefix, or a flipped byte: the record reads as empty (every
// marker someone else's: the safe side), with a line saying why.
TEST_F(MarkerRecordTest, ADamagedOrForeignRecordCountsAsEmptyAndSaysWhy) {
  MarkerRecord other = Load({std::string(64, 'b'), binding_.location, binding_.prefix});
  other.Add("repo/snapshots/aa", "m1", RecordedMarker{});
  ASSERT_THAT(other.Save(), IsOk());
  MarkerRecord foreign = Load();
  EXPECT_EQ(foreign.size(), 0u);
  EXPECT_THAT(foreign.note(), HasSubstr("belongs to another repository, location or prefix"));
  std::filesystem::remove(Path());
  MarkerRecord ours = Load();
  ours.Add("repo/snapshots/aa", "m1", RecordedMarker{});
  ASSERT_THAT(ours.Save(), IsOk());
  std::string bytes;
  {
    std::ifstream in(Path(), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  bytes[bytes.size() - 40] ^= 1;
  std::ofstream(Path(), std::ios::binary | std::ios::trunc) << bytes;
  MarkerRecord damaged = Load();
  EXPECT_FALSE(damaged.Find("repo/snapshots/aa", "m1").has_value());
  EXPECT_THAT(damaged.note(), HasSubstr("record of stormproof's delete markers " + Path() +
                                        " is damaged"));
}

// A record that is there but cannot be read (damaged, another repository's, a newer format) is
// never written over: the next removal or purge would lose every entry, repair's hides among
// them. Save and Writable refuse, naming the file and what to do; the file stays as it was.
TEST_F(MarkerRecordTest, ARecordThatCannotBeReadIsNeverWrittenOver) {
  MarkerRecord first = Load();
  EXPECT_THAT(first.Writable(), IsOk());  // missing: a first run
  first.Add("repo/snapshots/aa", "m1", {RecordedMarker::Kind::kHiddenByRepair, 1234});
  ASSERT_THAT(first.Save(), IsOk());
  std::string bytes = Bytes();
  bytes[bytes.size() - 40] ^= 1;
  std::ofstream(Path(), std::ios::binary | std::ios::trunc) << bytes;
  MarkerRecord damaged = Load();
  damaged.Add("repo/data/ab/ab01", "m2", RecordedMarker{});
  EXPECT_THAT(damaged.Writable(),
              ErrorIs(ErrorCode::kFailedCheck, HasSubstr("not written over")));
  EXPECT_THAT(damaged.Save(), ErrorIs(ErrorCode::kFailedCheck, HasSubstr(Path())));
  EXPECT_EQ(Bytes(), bytes);
  const RecordBinding newer_id{std::string(64, 'b'), binding_.location, binding_.prefix};
  EXPECT_NE(MarkerRecordName(newer_id.repository_id), MarkerRecordName(binding_.repository_id))
      << "a config rewritten with another id must find another file";
}

// Two processes on one machine that change the record take turns: while a RecordFileLock lives,
// another open file of the lock cannot take it; once it is gone, it can.
TEST_F(MarkerRecordTest, TheRecordsFileLockIsHeldWhileItLives) {
  auto try_lock = [&] {
    const int fd = ::open((Path() + ".lock").c_str(), O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    const bool taken = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return taken;
  };
  {
    RecordFileLock held(Path());  // creates the folder and the lock file
    EXPECT_FALSE(try_lock());
  }
  EXPECT_TRUE(try_lock());
}

// When the record was begun bounds adoption (prune --adopt-hidden-before): a record not there
// yet is begun when loaded, and keeps that time in its begun line across saves.
TEST_F(MarkerRecordTest, KeepsWhenItWasBegunAcrossSaves) {
  const int64_t before = SystemNowNs();
  MarkerRecord first = Load();
  const int64_t begun = first.begun_ns();
  EXPECT_GE(begun, before);
  EXPECT_LE(begun, SystemNowNs());
  first.Add("repo/snapshots/aa", "m1", RecordedMarker{});
  ASSERT_THAT(first.Save(), IsOk());
  EXPECT_TRUE(Bytes().starts_with("stormproof delete-marker record 2\n"));
  EXPECT_THAT(Bytes(), HasSubstr("\nbegun " + std::to_string(begun) + "\n"));
  MarkerRecord second = Load();
  EXPECT_EQ(second.note(), "");
  EXPECT_EQ(second.begun_ns(), begun);
  second.KeepOnly({});
  ASSERT_THAT(second.Save(), IsOk());
  EXPECT_EQ(Load().begun_ns(), begun) << "an emptied record keeps when it was begun";
}

// A record of version 1 (no begun line, written by an older build) still loads, with its
// entries; when it was begun is taken from its lock file (made before its first save, never
// written since), and kept once it is saved as version 2.
TEST_F(MarkerRecordTest, AVersionOneRecordLoadsAndIsBegunWhenItsLockFileWasMade) {
  const RecordFormat version1{"stormproof delete-marker record 1\n",
                              "record of stormproof's delete markers", "every marker"};
  { RecordFileLock lock(Path()); }  // an older build made the lock file first
  ASSERT_THAT(
      WriteRecordFile(Path(), version1, binding_, {{RecordHashOf("repo/snapshots/aa", "m1"), 0}}),
      IsOk());
  const int64_t lock_made = int64_t{1'700'000'000} * 1'000'000'000 + 123;
  const timespec times[2] = {{1'700'000'000, 123}, {1'700'000'000, 123}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (Path() + ".lock").c_str(), times, 0), 0);
  MarkerRecord old = Load();
  EXPECT_EQ(old.note(), "");
  EXPECT_TRUE(old.Find("repo/snapshots/aa", "m1").has_value());
  EXPECT_EQ(old.begun_ns(), lock_made);
  EXPECT_THAT(old.Writable(), IsOk());
  ASSERT_THAT(old.Save(), IsOk());
  EXPECT_TRUE(Bytes().starts_with("stormproof delete-marker record 2\n"));
  std::filesystem::remove(Path() + ".lock");  // its time is now in the record
  MarkerRecord upgraded = Load();
  EXPECT_EQ(upgraded.begun_ns(), lock_made);
  EXPECT_TRUE(upgraded.Find("repo/snapshots/aa", "m1").has_value());
}

// A lock that cannot be taken is not carried on without: the record refuses to be written,
// naming the lock file and why (here: a folder stands where the lock file goes).
TEST_F(MarkerRecordTest, ALockThatCannotBeTakenRefusesEveryWrite) {
  std::filesystem::create_directories(Path() + ".lock");
  RecordFileLock lock(Path());
  EXPECT_THAT(lock.status(),
              ErrorIs(ErrorCode::kIo, HasSubstr(Path() + ".lock: cannot be opened "
                                                         "to lock the record: Is a directory")));
  MarkerRecord record(Path(), binding_, lock);
  record.Add("repo/snapshots/aa", "m1", RecordedMarker{});
  EXPECT_THAT(record.Writable(), ErrorIs(ErrorCode::kIo, HasSubstr(Path() + ".lock")));
  EXPECT_THAT(record.Save(), ErrorIs(ErrorCode::kIo, HasSubstr(Path() + ".lock")));
  EXPECT_FALSE(std::filesystem::exists(Path()));
}

// Root (sudo keeping HOME) must not write into a user's state folder: later runs as that user
// could not write the record and would refuse every removal. A record folder, record file or
// lock file of another user, or a folder to be made inside another user's, is refused in one
// line naming the path and both uids; nothing is made.
TEST_F(MarkerRecordTest, RefusesAFolderOrFileOfAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give files to another uid";
  const uid_t other = 54321;
  const std::filesystem::path folder = std::filesystem::path(Path()).parent_path();
  const std::string owned_by = ": owned by uid 54321, not by this user (uid 0)";
  // A folder to be made inside another user's (its state folder, never written to).
  std::filesystem::create_directories(folder.parent_path());
  ASSERT_EQ(::chown(folder.parent_path().c_str(), other, other), 0);
  {
    RecordFileLock lock(Path());
    EXPECT_THAT(lock.status(), ErrorIs(ErrorCode::kPermissionDenied,
                                       HasSubstr(folder.parent_path().string() + owned_by)));
    EXPECT_THAT(MarkerRecord(Path(), binding_, lock).Writable(),
                ErrorIs(ErrorCode::kPermissionDenied, HasSubstr(owned_by)));
  }
  EXPECT_FALSE(std::filesystem::exists(folder)) << "nothing made in another user's folder";
  // The record's own folder of another user.
  std::filesystem::create_directories(folder);
  ASSERT_EQ(::chown(folder.c_str(), other, other), 0);
  EXPECT_THAT(RecordFileLock(Path()).status(),
              ErrorIs(ErrorCode::kPermissionDenied, HasSubstr(folder.string() + owned_by)));
  EXPECT_FALSE(std::filesystem::exists(Path() + ".lock"));
  // Our folder, with a record file or a lock file of another user in it.
  ASSERT_EQ(::chown(folder.c_str(), 0, 0), 0);
  for (const std::string& file : {Path(), Path() + ".lock"}) {
    std::ofstream(file) << "x";
    ASSERT_EQ(::chown(file.c_str(), other, other), 0);
    EXPECT_THAT(RecordFileLock(Path()).status(),
                ErrorIs(ErrorCode::kPermissionDenied, HasSubstr(file + owned_by)));
    std::filesystem::remove(file);
  }
  EXPECT_THAT(RecordFileLock(Path()).status(), IsOk());
}

}  // namespace
}  // namespace stormproof::s3::internal
