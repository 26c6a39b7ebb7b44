// The repository on a real directory (the local backend), including two writers at once.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "engine/repository/repository.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

namespace fs = std::filesystem;
using testing::kPassword;
using testing::RandomData;
using testing::TextData;

class RepositoryLocalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stormproof-repo-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/repo";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Repository> Init() {
    auto backend = backend::CreateLocalBackend(path_);
    EXPECT_THAT(backend, IsOk());
    auto repo = Repository::Init(std::move(backend).value(), kPassword);
    EXPECT_THAT(repo, IsOk());
    return std::move(repo).value();
  }
  Result<std::unique_ptr<Repository>> Open(std::string_view password = kPassword) {
    auto backend = backend::OpenLocalBackend(path_);
    if (!backend) return backend.error();
    return Repository::Open(std::move(backend).value(), password);
  }
  static Id Save(Repository& repo, const Bytes& data, BlobType type = BlobType::kData) {
    Id id = repo.BlobId(data);
    auto saved = repo.SaveBlob(type, id, data);
    EXPECT_THAT(saved, IsOk());
    return id;
  }

  std::string dir_, path_;
};

TEST_F(RepositoryLocalTest, BackupSizedRoundTrip) {
  std::vector<Id> ids;
  Id snapshot;
  {
    auto repo = Init();
    for (int i = 0; i < 24; ++i) ids.push_back(Save(*repo, RandomData(1u << 20, i)));
    for (int i = 0; i < 24; ++i) ids.push_back(Save(*repo, TextData(1u << 20, i)));
    Snapshot s;
    s.tree = Save(*repo, TextData(3000, 99), BlobType::kTree);
    snapshot = *repo->SaveSnapshot(s);
  }
  auto repo = Open();
  ASSERT_THAT(repo, IsOk());
  EXPECT_EQ((*repo)->LoadSnapshots()->at(0).id, snapshot);
  for (int i = 0; i < 48; ++i) {
    auto loaded = (*repo)->LoadBlob(BlobType::kData, ids[i]);
    ASSERT_THAT(loaded, IsOk());
    EXPECT_EQ(*loaded, i < 24 ? RandomData(1u << 20, i) : TextData(1u << 20, i - 24));
  }
}

TEST_F(RepositoryLocalTest, WrongPasswordNamesTheKeysDirectory) {
  Init();
  auto repo = Open("nope");
  ASSERT_FALSE(repo.has_value());
  EXPECT_EQ(repo.error().message(), "wrong password: no key in " + path_ + "/keys opens with it");
}

TEST_F(RepositoryLocalTest, TruncatedPackFileIsNamed) {
  Id id;
  {
    auto repo = Init();
    id = Save(*repo, RandomData(300000, 1));
    ASSERT_TRUE(repo->Flush());
  }
  auto repo = std::move(Open()).value();
  Id pack = repo->FindBlob(BlobType::kData, id)->pack;
  std::string file = path_ + "/data/" + pack.Hex().substr(0, 2) + "/" + pack.Hex();
  ASSERT_TRUE(fs::exists(file));
  fs::resize_file(file, 1000);
  auto header = repo->ReadPackHeader(pack);
  ASSERT_FALSE(header.has_value());
  EXPECT_THAT(header.error().message(), HasSubstr(pack.Hex()));
  auto loaded = repo->LoadBlob(BlobType::kData, id);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_THAT(loaded.error().message(), HasSubstr("blob " + id.Hex() + " in pack " + pack.Hex()))
      << loaded.error().message();
}

TEST_F(RepositoryLocalTest, TwoBackupsAtOnceBothSucceed) {
  Init();
  auto backup = [&](int who, Id* snapshot) {
    auto repo = std::move(Open()).value();
    auto lock = repo->AcquireLock(Repository::LockKind::kShared);
    ASSERT_THAT(lock, IsOk());
    Snapshot s;
    for (int i = 0; i < 20; ++i) Save(*repo, RandomData(1u << 20, i % 10 + who * 5));
    s.tree = Save(*repo, TextData(1000, who), BlobType::kTree);
    s.hostname = "writer-" + std::to_string(who);
    auto id = repo->SaveSnapshot(s);
    ASSERT_THAT(id, IsOk());
    *snapshot = *id;
  };
  Id first, second;
  std::thread a(backup, 0, &first), b(backup, 1, &second);
  a.join();
  b.join();
  auto repo = std::move(Open()).value();
  auto snapshots = repo->LoadSnapshots();
  ASSERT_THAT(snapshots, IsOk());
  EXPECT_EQ(snapshots->size(), 2u);
  for (int i = 0; i < 15; ++i) {
    EXPECT_THAT(repo->LoadBlob(BlobType::kData, repo->BlobId(RandomData(1u << 20, i))), IsOk())
        << i;
  }
}

}  // namespace
}  // namespace stormproof::repository
