// The record of stormproof's own delete markers (internal/marker_record.h), in the file format
// it shares with the record of earlier upkeep (internal/record_file.h).
#include "engine/s3/internal/marker_record.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

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
  std::string Bytes() const {
    std::ifstream in(Path(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  const RecordBinding binding_{std::string(64, 'a'), "s3:http://h/b/repo", "repo/"};
  std::filesystem::path folder_;
};

TEST_F(MarkerRecordTest, RecordsWhyEachMarkerWasPlacedAndForgetsTheOnesGone) {
  MarkerRecord first(Path(), binding_);
  EXPECT_THAT(first.note(), HasSubstr("no record of stormproof's delete markers at " + Path()));
  EXPECT_THAT(first.note(), HasSubstr("every delete marker counts as someone else's"));
  first.Add("repo/snapshots/aa", "m1", RecordedMarker{});
  first.Add("repo/data/ab/ab01", "m2", {RecordedMarker::Kind::kHiddenByRepair, 1234});
  first.Add("repo/index/cc", "m3", RecordedMarker{});
  ASSERT_THAT(first.Save(), IsOk());
  MarkerRecord second(Path(), binding_);
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
  MarkerRecord third(Path(), binding_);
  EXPECT_EQ(third.size(), 2u);
  EXPECT_FALSE(third.Find("repo/index/cc", "m3").has_value());
}

// Another repository, location or prefix, or a flipped byte: the record reads as empty (every
// marker someone else's: the safe side), with a line saying why.
TEST_F(MarkerRecordTest, ADamagedOrForeignRecordCountsAsEmptyAndSaysWhy) {
  MarkerRecord other(Path(), {std::string(64, 'b'), binding_.location, binding_.prefix});
  other.Add("repo/snapshots/aa", "m1", RecordedMarker{});
  ASSERT_THAT(other.Save(), IsOk());
  MarkerRecord foreign(Path(), binding_);
  EXPECT_EQ(foreign.size(), 0u);
  EXPECT_THAT(foreign.note(), HasSubstr("belongs to another repository, location or prefix"));
  std::filesystem::remove(Path());
  MarkerRecord ours(Path(), binding_);
  ours.Add("repo/snapshots/aa", "m1", RecordedMarker{});
  ASSERT_THAT(ours.Save(), IsOk());
  std::string bytes;
  {
    std::ifstream in(Path(), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  bytes[bytes.size() - 40] ^= 1;
  std::ofstream(Path(), std::ios::binary | std::ios::trunc) << bytes;
  MarkerRecord damaged(Path(), binding_);
  EXPECT_FALSE(damaged.Find("repo/snapshots/aa", "m1").has_value());
  EXPECT_THAT(damaged.note(), HasSubstr("record of stormproof's delete markers " + Path() +
                                        " is damaged"));
}

// A record that is there but cannot be read (damaged, another repository's, a newer format) is
// never written over: the next removal or purge would lose every entry, repair's hides among
// them. Save and Writable refuse, naming the file and what to do; the file stays as it was.
TEST_F(MarkerRecordTest, ARecordThatCannotBeReadIsNeverWrittenOver) {
  MarkerRecord first(Path(), binding_);
  EXPECT_THAT(first.Writable(), IsOk());  // missing: a first run
  first.Add("repo/snapshots/aa", "m1", {RecordedMarker::Kind::kHiddenByRepair, 1234});
  ASSERT_THAT(first.Save(), IsOk());
  std::string bytes = Bytes();
  bytes[bytes.size() - 40] ^= 1;
  std::ofstream(Path(), std::ios::binary | std::ios::trunc) << bytes;
  MarkerRecord damaged(Path(), binding_);
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

}  // namespace
}  // namespace stormproof::s3::internal
