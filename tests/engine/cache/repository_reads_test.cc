// What the cache saves a real repository: requests to the storage, counted by a backend between
// the cache and the store, for the reads that repeat on every run (index, snapshots, trees) and
// for an unchanged backup.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "engine/archiver/archiver.h"
#include "engine/cache/cache.h"
#include "engine/repository/marks.h"
#include "engine/walker/walker.h"
#include "tests/engine/cache/cache_fixtures.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::cache {
namespace {

using backend::FileType;
using repository::Repository;
using repository::Snapshot;
using repository::testing::kPassword;

class RepositoryReadsTest : public testing::CacheTest {
 protected:
  void SetUp() override {
    files_ = scratch_.path() + "/files";
    for (int dir = 0; dir < 12; ++dir) {
      std::string path = files_ + "/dir" + std::to_string(dir) + "/sub";
      ASSERT_TRUE(std::filesystem::create_directories(path));
      for (int file = 0; file < 25; ++file) {
        Bytes data = repository::testing::RandomData(200 + file * 13, dir * 100 + file);
        WriteFile(path + "/file" + std::to_string(file), data);
      }
    }
    auto repo = Repository::Init(Uncached(), kPassword);
    ASSERT_THAT(repo, IsOk());
  }

  static void WriteFile(const std::string& path, ByteView data) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ::close(fd);
  }

  std::unique_ptr<Repository> Open(std::unique_ptr<backend::Backend> backend) const {
    auto repo = Repository::Open(std::move(backend), kPassword);
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }

  Result<Snapshot> Backup(Repository& repo, std::optional<Snapshot> parent) const {
    archiver::BackupOptions options;
    options.paths = {files_};
    options.threads = 2;
    options.parent = std::move(parent);
    return archiver::Backup(repo, options, nullptr, [](const std::string&, const Error&) {});
  }

  // Loads every snapshot and reads every tree they reference; returns the number of trees.
  static int ReadAllTrees(const Repository& repo) {
    auto snapshots = repo.LoadSnapshots();
    EXPECT_THAT(snapshots, IsOk());
    walker::DistinctTreeWalker walker(repo, walker::Follow::kEverySubtree);
    int trees = 0;
    for (const Snapshot& snapshot : snapshots ? *snapshots : std::vector<Snapshot>{}) {
      EXPECT_THAT(walker.Walk(snapshot.tree, [&](const walker::TreeVisit&) {
        ++trees;
        return Ok();
      }),
                  IsOk());
    }
    return trees;
  }

  void Report(const std::string& what) const {
    std::cout << what << ": loads of snapshots " << counts_->Loads(FileType::kSnapshot)
              << ", index " << counts_->Loads(FileType::kIndex) << ", packs "
              << counts_->Loads(FileType::kPack) << "; lists of packs "
              << counts_->Lists(FileType::kPack) << "\n";
  }

  std::string files_;
};

TEST_F(RepositoryReadsTest, SecondReadOfIndexSnapshotsAndTreesLoadsNothingFromTheRepository) {
  {
    auto repo = Open(Uncached());
    ASSERT_THAT(Backup(*repo, std::nullopt), IsOk());
    ASSERT_THAT(Backup(*repo, std::nullopt), IsOk());
  }
  counts_->Reset();
  int trees = ReadAllTrees(*Open(Cached()));  // cold cache
  Report("cold cache");
  EXPECT_GT(trees, 12);
  EXPECT_GT(counts_->Loads(FileType::kPack), 0);

  counts_->Reset();
  EXPECT_EQ(ReadAllTrees(*Open(Cached())), trees);  // warm cache, a new process
  Report("warm cache");
  EXPECT_EQ(counts_->Loads(FileType::kSnapshot), 0);
  EXPECT_EQ(counts_->Loads(FileType::kIndex), 0);
  EXPECT_EQ(counts_->Loads(FileType::kPack), 0);
}

TEST_F(RepositoryReadsTest, UnchangedBackupWithAWarmCacheLoadsNoPack) {
  // The first backup through the cache fills it; the next (a new process) reads nothing.
  {
    auto repo = Open(Cached());
    ASSERT_THAT(Backup(*repo, std::nullopt), IsOk());
  }
  counts_->Reset();
  {
    auto repo = Open(Cached());
    auto parent = repo->LoadSnapshots();
    ASSERT_THAT(parent, IsOk());
    Result<Snapshot> unchanged = Backup(*repo, parent->back());
    ASSERT_THAT(unchanged, IsOk());
    Report("unchanged backup, warm cache");
    EXPECT_EQ(unchanged->summary.files_unmodified, 300u);
    EXPECT_EQ(counts_->Loads(FileType::kPack), 0);
    EXPECT_EQ(counts_->Loads(FileType::kIndex), 0);
    EXPECT_EQ(counts_->Loads(FileType::kSnapshot), 0);
  }
  // Without the cache, for comparison: the parent's trees come from the repository.
  counts_->Reset();
  auto repo = Open(Uncached());
  auto parent = repo->LoadSnapshots();
  ASSERT_THAT(parent, IsOk());
  ASSERT_THAT(Backup(*repo, parent->back()), IsOk());
  Report("unchanged backup, no cache");
  EXPECT_GT(counts_->Loads(FileType::kPack), 0);
}

// R11-6: every command that lists snapshots with their verdicts reads every mark. With a warm
// cache an unchanged set of marks is read with no download at all; a mark removed from the
// repository is no longer read, and leaves the cache.
TEST_F(RepositoryReadsTest, SecondLoadOfMarksLoadsNoMarkFromTheRepository) {
  constexpr int kMarks = 50;
  std::vector<std::string> names;
  {
    auto repo = Open(Uncached());  // written by another host: this cache holds none of them
    for (int i = 0; i < kMarks; ++i) {
      repository::Mark hold;
      hold.snapshot.bytes.fill(static_cast<uint8_t>(i));
      hold.reason = "legal hold " + std::to_string(i);
      auto name = repo->SaveMark(hold);
      ASSERT_THAT(name, IsOk());
      names.push_back(*name);
    }
  }
  counts_->Reset();
  auto cold = Open(Cached())->LoadMarks();
  ASSERT_THAT(cold, IsOk());
  EXPECT_EQ(cold->all().size(), static_cast<size_t>(kMarks));
  EXPECT_EQ(counts_->Loads(FileType::kEvidence), kMarks);

  counts_->Reset();
  std::vector<repository::DamagedFile> damaged;
  auto warm = Open(Cached())->LoadMarks(&damaged);  // a new process
  ASSERT_THAT(warm, IsOk());
  EXPECT_EQ(warm->all().size(), static_cast<size_t>(kMarks));
  EXPECT_TRUE(damaged.empty());
  EXPECT_EQ(counts_->Loads(FileType::kEvidence), 0);
  EXPECT_EQ(counts_->Lists(FileType::kEvidence), 1);

  ASSERT_THAT(target_->Remove({FileType::kEvidence, names.front()}), IsOk());
  auto after_removal = Open(Cached())->LoadMarks(&damaged);
  ASSERT_THAT(after_removal, IsOk());
  EXPECT_EQ(after_removal->all().size(), static_cast<size_t>(kMarks - 1));
  crypto::Id first_held;  // the snapshot of mark 0, the one removed
  first_held.bytes.fill(0);
  EXPECT_FALSE(after_removal->Held(first_held));
  EXPECT_TRUE(damaged.empty());
  EXPECT_FALSE(std::filesystem::exists(CachePath("marks/" + names.front())));
  EXPECT_EQ(counts_->Loads(FileType::kEvidence), 0);
}

TEST_F(RepositoryReadsTest, FileDataIsReadFromTheRepositoryEveryTime) {
  auto repo = Open(Cached());
  auto snapshot = Backup(*repo, std::nullopt);
  ASSERT_THAT(snapshot, IsOk());
  std::vector<crypto::Id> data;
  repo->ForEachIndexedBlob([&](const crypto::Id& id, const repository::BlobLocation& at) {
    if (at.type == repository::BlobType::kData && data.size() < 5) data.push_back(id);
  });
  ASSERT_EQ(data.size(), 5u);
  counts_->Reset();
  for (int round = 0; round < 2; ++round) {
    for (const crypto::Id& id : data) {
      EXPECT_THAT(repo->LoadBlob(repository::BlobType::kData, id), IsOk());
    }
  }
  EXPECT_GE(counts_->Loads(FileType::kPack), 10) << "data packs must never be cached";
}

}  // namespace
}  // namespace stormproof::cache
