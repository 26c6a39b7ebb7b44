#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "engine/backend/backend.h"
#include "tests/engine/backend/backend_conformance.h"
#include "tests/matchers.h"

namespace stormproof::backend {
namespace {

namespace fs = std::filesystem;
using conformance::Id;
using conformance::Pattern;

// A fresh scratch directory under the system temporary directory, removed on destruction.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("stormproof-backend-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct LocalFactory {
  std::unique_ptr<Backend> Make() {
    auto backend = CreateLocalBackend((scratch.path() / "repo").string());
    EXPECT_THAT(backend, IsOk());
    return std::move(backend).value();
  }
  ScratchDirectory scratch;
};

}  // namespace
namespace conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(Local, BackendConformanceTest, ::testing::Types<LocalFactory>);
}  // namespace conformance
namespace {

// Every temporary file anywhere under `root`.
std::vector<fs::path> TemporaryFiles(const fs::path& root) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().filename().string().rfind(".tmp-", 0) == 0) found.push_back(entry.path());
  }
  return found;
}

void WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

class LocalBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = CreateLocalBackend(repo_.string());
    ASSERT_THAT(backend, IsOk());
    backend_ = std::move(backend).value();
  }
  void SaveOk(const Handle& handle, std::string_view content) {
    Status s = backend_->Save(handle, AsBytes(content));
    ASSERT_THAT(s, IsOk());
  }
  std::map<std::string, uint64_t> List(FileType type) {
    return conformance::ListAll(*backend_, type);
  }

  ScratchDirectory scratch_;
  fs::path repo_ = scratch_.path() / "repo";
  std::unique_ptr<Backend> backend_;
};

TEST_F(LocalBackendTest, CreateMakesTheDocumentedLayout) {
  for (const char* dir : {"keys", "locks", "snapshots", "index", "data"}) {
    EXPECT_TRUE(fs::is_directory(repo_ / dir)) << dir;
  }
  EXPECT_TRUE(fs::is_directory(repo_ / "data" / "00"));
  EXPECT_TRUE(fs::is_directory(repo_ / "data" / "ff"));
  EXPECT_EQ(std::distance(fs::directory_iterator(repo_ / "data"), fs::directory_iterator()), 256);
  EXPECT_EQ(backend_->Location(), repo_.string());
}

// A directory cannot keep a file undeletable: asked to, it says so in one line naming itself.
TEST_F(LocalBackendTest, RefusesToKeepFilesUnderRetention) {
  Status refused = backend_->SetRetention(Retention{Retention::Mode::kGovernance, 7});
  EXPECT_THAT(refused, ErrorIs(ErrorCode::kInvalidArgument,
                               repo_.string() +
                                   ": this storage cannot keep files under retention (Object "
                                   "Lock needs an s3: location on a bucket with Object Lock)"));
}

TEST(RetentionTest, ModeWordsRoundTrip) {
  for (Retention::Mode mode : {Retention::Mode::kGovernance, Retention::Mode::kCompliance}) {
    EXPECT_EQ(ParseRetentionMode(RetentionModeWord(mode)), mode);
  }
  EXPECT_STREQ(RetentionModeWord(Retention::Mode::kGovernance), "governance");
  EXPECT_STREQ(RetentionModeWord(Retention::Mode::kCompliance), "compliance");
  EXPECT_EQ(ParseRetentionMode("COMPLIANCE"), Retention::Mode::kCompliance);
  EXPECT_EQ(ParseRetentionMode("legal-hold"), std::nullopt);
  EXPECT_EQ(ParseRetentionMode(""), std::nullopt);
}

TEST_F(LocalBackendTest, FilesLandWhereTheLayoutSays) {
  std::string id = Id(3);
  SaveOk(Handle{FileType::kPack, id}, "pack");
  SaveOk(Handle{FileType::kSnapshot, id}, "snapshot");
  SaveOk(Handle{FileType::kConfig, ""}, "config");
  EXPECT_TRUE(fs::is_regular_file(repo_ / "data" / id.substr(0, 2) / id));
  EXPECT_TRUE(fs::is_regular_file(repo_ / "snapshots" / id));
  EXPECT_EQ(fs::file_size(repo_ / "config"), 6u);
  EXPECT_TRUE(TemporaryFiles(repo_).empty());
}

// Files of 1 MiB or more are written with O_DIRECT in aligned pieces and an unaligned tail
// through the page cache: every size around those boundaries must come back byte for byte.
TEST_F(LocalBackendTest, FilesAroundTheDirectWriteBoundariesRoundTrip) {
  constexpr size_t kMiB = 1 << 20;
  uint64_t seed = 0;
  for (size_t size : {kMiB - 1, kMiB, kMiB + 1, 2 * kMiB + 4095, 2 * kMiB + 4096, 9 * kMiB + 17}) {
    Handle pack{FileType::kPack, Id(++seed)};
    Bytes data = Pattern(size, seed);
    Status saved = backend_->Save(pack, data);
    ASSERT_THAT(saved, IsOk());
    Result<Bytes> loaded = backend_->Load(pack);
    ASSERT_THAT(loaded, IsOk());
    EXPECT_TRUE(*loaded == data) << size << " bytes";
    EXPECT_EQ(fs::file_size(repo_ / "data" / Id(seed).substr(0, 2) / Id(seed)), size);
  }
  EXPECT_TRUE(TemporaryFiles(repo_).empty());
}

// Whether `dir`'s file system accepts O_DIRECT (tmpfs before Linux 6.6 does not).
bool DirectIoWorks(const fs::path& dir) {
  fs::path probe = dir / "direct-probe";
  int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  fs::remove(probe);
  return fd >= 0;
}

// How many of `path`'s pages are in the page cache.
size_t CachedPages(const fs::path& path) {
  const size_t size = fs::file_size(path);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  EXPECT_NE(map, MAP_FAILED) << path;
  if (map == MAP_FAILED) return 0;
  std::vector<unsigned char> resident((size + page - 1) / page);
  EXPECT_EQ(::mincore(map, size, resident.data()), 0) << std::strerror(errno);
  ::munmap(map, size);
  return static_cast<size_t>(std::count_if(resident.begin(), resident.end(),
                                           [](unsigned char r) { return (r & 1) != 0; }));
}

// A backup never reads back the packs it writes: filling page-cache pages with them only costs
// CPU (19% of a first backup on a virtual machine) and pushes the client's data out of memory.
TEST_F(LocalBackendTest, PacksBypassThePageCacheWhereTheFileSystemAllows) {
  if (!DirectIoWorks(repo_)) GTEST_SKIP() << "this file system refuses O_DIRECT";
  std::string id = Id(5);
  SaveOk(Handle{FileType::kPack, id}, AsText(Pattern((4 << 20) + 100, 5)));
  // Only the last, partial page went through the cache.
  EXPECT_LE(CachedPages(repo_ / "data" / id.substr(0, 2) / id), 1u);
  // A small file (index, snapshot) still goes through it, to be read back soon.
  SaveOk(Handle{FileType::kIndex, id}, AsText(Pattern(64 << 10, 6)));
  EXPECT_EQ(CachedPages(repo_ / "index" / id), (64u << 10) / ::sysconf(_SC_PAGESIZE));
}

TEST_F(LocalBackendTest, AnotherInstanceOpeningTheDirectorySeesTheFiles) {
  SaveOk(Handle{FileType::kIndex, "ab12"}, "index");
  auto reopened = OpenLocalBackend(repo_.string() + "/");
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(AsText(*(*reopened)->Load(Handle{FileType::kIndex, "ab12"})), "index");
  EXPECT_EQ((*reopened)->Location(), repo_.string());
}

TEST_F(LocalBackendTest, CreateRefusesANonEmptyDirectoryAndLeavesItAlone) {
  fs::path victim = scratch_.path() / "client-data";
  fs::create_directories(victim);
  WriteFile(victim / "payroll.xlsx", "precious");
  auto backend = CreateLocalBackend(victim.string());
  ASSERT_FALSE(backend.has_value());
  EXPECT_THAT(backend, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(backend.error().message(),
            victim.string() + " is not empty; stormproof init refuses to overwrite it");
  EXPECT_EQ(std::distance(fs::directory_iterator(victim), fs::directory_iterator()), 1);
  EXPECT_FALSE(CreateLocalBackend(repo_.string()).has_value());  // an existing repository, too
}

TEST_F(LocalBackendTest, CreateAcceptsAnEmptyDirectoryAndMakesMissingParents) {
  fs::path empty = scratch_.path() / "empty";
  fs::create_directories(empty);
  EXPECT_THAT(CreateLocalBackend(empty.string()), IsOk());
  fs::path deep = scratch_.path() / "a" / "b" / "c";
  EXPECT_THAT(CreateLocalBackend(deep.string()), IsOk());
  EXPECT_TRUE(fs::is_directory(deep / "data" / "7f"));
}

TEST_F(LocalBackendTest, OpenOfAMissingDirectoryIsNotFound) {
  auto backend = OpenLocalBackend((scratch_.path() / "nope").string());
  ASSERT_FALSE(backend.has_value());
  EXPECT_THAT(backend, ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(backend.error().message(), HasSubstr("nope"));
}

TEST_F(LocalBackendTest, ATemporaryFileLeftByACrashIsIgnored) {
  std::string id = Id(8);
  fs::path pack_dir = repo_ / "data" / id.substr(0, 2);
  WriteFile(pack_dir / ".tmp-Xy12ab", "half a pack");
  WriteFile(repo_ / "snapshots" / ".tmp-000000", "half a snapshot");
  WriteFile(repo_ / ".tmp-c0nf1g", "half a config");
  EXPECT_TRUE(List(FileType::kPack).empty());
  EXPECT_TRUE(List(FileType::kSnapshot).empty());
  EXPECT_TRUE(List(FileType::kConfig).empty());
  SaveOk(Handle{FileType::kPack, id}, "whole pack");
  SaveOk(Handle{FileType::kConfig, ""}, "config");
  EXPECT_EQ(List(FileType::kPack), (std::map<std::string, uint64_t>{{id, 10}}));
  EXPECT_EQ(TemporaryFiles(repo_).size(), 3u);  // left for prune; never listed, never loaded
}

TEST_F(LocalBackendTest, StaleTemporaryFilesAreRemovedOnRequestFreshOnesStay) {
  std::string id = Id(9);
  fs::path pack_dir = repo_ / "data" / id.substr(0, 2);
  WriteFile(pack_dir / ".tmp-old111", "half a pack");                // 11 bytes
  WriteFile(repo_ / "index" / ".tmp-old222", "half an index");       // 13 bytes
  WriteFile(pack_dir / ".tmp-new333", "a pack being written now");   // fresh: stays
  WriteFile(repo_ / "locks" / ".tmp-old444", "a lock being taken");  // locks: never touched
  const auto two_hours_ago = fs::file_time_type::clock::now() - std::chrono::hours(2);
  fs::last_write_time(pack_dir / ".tmp-old111", two_hours_ago);
  fs::last_write_time(repo_ / "index" / ".tmp-old222", two_hours_ago);
  fs::last_write_time(repo_ / "locks" / ".tmp-old444", two_hours_ago);
  SaveOk(Handle{FileType::kPack, id}, "whole pack");
  Backend::TemporaryFiles removed;
  for (FileType type : {FileType::kPack, FileType::kIndex, FileType::kSnapshot}) {
    Status s = backend_->RemoveStaleTemporaries(type, std::chrono::hours(1), &removed);
    ASSERT_THAT(s, IsOk());
  }
  EXPECT_EQ(removed.files, 2u);
  EXPECT_EQ(removed.bytes, 24u);
  EXPECT_FALSE(fs::exists(pack_dir / ".tmp-old111"));
  EXPECT_FALSE(fs::exists(repo_ / "index" / ".tmp-old222"));
  EXPECT_TRUE(fs::exists(pack_dir / ".tmp-new333"));
  EXPECT_TRUE(fs::exists(repo_ / "locks" / ".tmp-old444"));
  EXPECT_EQ(List(FileType::kPack), (std::map<std::string, uint64_t>{{id, 10}}));
}

// evidence/ is made by the first evidence saved: before, evidence lists as none and has no
// temporaries to remove; afterwards a stale temporary there is removed like any other.
TEST_F(LocalBackendTest, EvidenceDirectoryIsMadeOnFirstUse) {
  ASSERT_FALSE(fs::exists(repo_ / "evidence"));
  EXPECT_TRUE(List(FileType::kEvidence).empty());
  Backend::TemporaryFiles removed;
  ASSERT_THAT(backend_->RemoveStaleTemporaries(FileType::kEvidence, std::chrono::hours(1),
                                               &removed),
              IsOk());
  std::string id = Id(4);
  SaveOk(Handle{FileType::kEvidence, id}, "sealed records");
  EXPECT_TRUE(fs::is_regular_file(repo_ / "evidence" / id));
  EXPECT_EQ(List(FileType::kEvidence), (std::map<std::string, uint64_t>{{id, 14}}));
  WriteFile(repo_ / "evidence" / ".tmp-old555", "half");
  fs::last_write_time(repo_ / "evidence" / ".tmp-old555",
                      fs::file_time_type::clock::now() - std::chrono::hours(2));
  ASSERT_THAT(backend_->RemoveStaleTemporaries(FileType::kEvidence, std::chrono::hours(1),
                                               &removed),
              IsOk());
  EXPECT_EQ(removed.files, 1u);
  EXPECT_FALSE(fs::exists(repo_ / "evidence" / ".tmp-old555"));
}

TEST_F(LocalBackendTest, ATruncatedFileOnDiskIsReportedWithItsSize) {
  std::string id = Id(4);
  SaveOk(Handle{FileType::kPack, id}, std::string(1000, 'x'));
  fs::resize_file(repo_ / "data" / id.substr(0, 2) / id, 600);
  Result<Bytes> data = backend_->Load(Handle{FileType::kPack, id}, 500, 200);
  ASSERT_FALSE(data.has_value());
  EXPECT_THAT(data, ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(data.error().message(), HasSubstr(id + ": truncated: wanted 200 bytes at offset 500, "
                                                     "file has 600"))
      << data.error().message();
}

TEST_F(LocalBackendTest, AFailedRenameRemovesTheTemporaryFile) {
  std::string id = Id(5);
  fs::path target = repo_ / "data" / id.substr(0, 2) / id;
  fs::create_directories(target / "child");  // a directory cannot be replaced by a file
  Status s = backend_->Save(Handle{FileType::kPack, id}, AsBytes("data"));
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s, ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(s.error().message(), HasSubstr(target.string())) << s.error().message();
  EXPECT_TRUE(TemporaryFiles(repo_).empty());
}

TEST_F(LocalBackendTest, ABrokenLayoutGivesIoErrorsNamingThePath) {
  // Root ignores permissions, so break the path instead: a file where a directory should be.
  fs::remove(repo_ / "snapshots");
  WriteFile(repo_ / "snapshots", "not a directory");
  Handle handle{FileType::kSnapshot, Id(6)};
  std::string path = (repo_ / "snapshots").string();
  for (const Error& e :
       {backend_->Save(handle, AsBytes("x")).error(), backend_->Load(handle).error(),
        backend_->Size(handle).error(), backend_->Remove(handle).error(),
        backend_->List(FileType::kSnapshot, [](auto&, auto) {}).error()}) {
    EXPECT_EQ(e.code(), ErrorCode::kIo) << e.message();
    EXPECT_THAT(e.message(), HasSubstr(path)) << e.message();
    EXPECT_THAT(e.message(), HasSubstr("Not a directory")) << e.message();
  }
}

TEST_F(LocalBackendTest, CreateBelowARegularFileIsAnIoErrorNamingThePath) {
  WriteFile(scratch_.path() / "plain-file", "x");
  std::string path = (scratch_.path() / "plain-file" / "repo").string();
  auto backend = CreateLocalBackend(path);
  ASSERT_FALSE(backend.has_value());
  EXPECT_THAT(backend, ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(backend.error().message(), HasSubstr(path)) << backend.error().message();
}

TEST_F(LocalBackendTest, TwoInstancesRacingToWriteTheConfigHaveOneWinner) {
  auto other = OpenLocalBackend(repo_.string());
  ASSERT_THAT(other, IsOk());
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    Backend* backend = t % 2 ? other->get() : backend_.get();
    threads.emplace_back([&winners, backend, t] {
      if (backend->Save(Handle{FileType::kConfig, ""}, Pattern(1000, t))) ++winners;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_TRUE(TemporaryFiles(repo_).empty());
}

// A small tmpfs stands in for a full disk.
class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = scratch_.path() / "small-disk";
    fs::create_directories(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=1m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
  }

  ScratchDirectory scratch_;
  fs::path mount_point_;
  bool mounted_ = false;
};

TEST_F(FullDiskTest, SavingMoreThanFitsFailsClearlyAndLeavesNothingBehind) {
  fs::path repo = mount_point_ / "repo";
  auto backend = CreateLocalBackend(repo.string());
  ASSERT_THAT(backend, IsOk());
  Handle pack{FileType::kPack, Id(1)};
  Status s = (*backend)->Save(pack, Pattern(2 << 20, 1));
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s, ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(s.error().message(), HasSubstr("no space left on device")) << s.error().message();
  EXPECT_THAT(s.error().message(), HasSubstr(Id(1))) << s.error().message();
  EXPECT_TRUE(TemporaryFiles(repo).empty());
  EXPECT_THAT((*backend)->Load(pack), ErrorIs(ErrorCode::kNotFound));
  // The space is given back: a file that fits is saved afterwards.
  EXPECT_THAT((*backend)->Save(pack, Pattern(100 << 10, 2)), IsOk());
}

}  // namespace
}  // namespace stormproof::backend
