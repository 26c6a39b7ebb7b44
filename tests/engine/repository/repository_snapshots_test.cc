#include <gtest/gtest.h>

#include "engine/repository/repository.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using testing::Store;

Snapshot Example(int64_t time_ns) {
  Snapshot s;
  s.time_ns = time_ns;
  s.hostname = "fileserver-01";
  s.username = "backup";
  s.paths = {"/srv/data", std::string("/srv/odd\xff\xfe name")};
  s.tags = {{"client", "acme"}, {std::string("k\x80"), "v"}};
  s.tree = crypto::Sha256(AsBytes("tree"));
  s.parent = crypto::Sha256(AsBytes("parent"));
  s.skipped = {"/srv/data/locked.db: permission denied"};
  s.summary = {1, 2, 3, 4, 5, 6, 7, 8, 9.5};
  s.program_version = "stormproof 0.1.0";
  return s;
}

void ExpectSame(const Snapshot& a, const Snapshot& b) {
  EXPECT_EQ(a.time_ns, b.time_ns);
  EXPECT_EQ(a.hostname, b.hostname);
  EXPECT_EQ(a.username, b.username);
  EXPECT_EQ(a.paths, b.paths);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.tree, b.tree);
  EXPECT_EQ(a.parent, b.parent);
  EXPECT_EQ(a.skipped, b.skipped);
  EXPECT_EQ(a.summary.files_new, b.summary.files_new);
  EXPECT_EQ(a.summary.tree_blobs_added, b.summary.tree_blobs_added);
  EXPECT_EQ(a.summary.seconds, b.summary.seconds);
  EXPECT_EQ(a.program_version, b.program_version);
}

TEST(RepositorySnapshotsTest, SaveThenLoadRoundTripsEveryField) {
  Store store;
  auto repo = store.Init();
  Snapshot saved = Example(1'764'000'000'123'456'789);
  auto id = repo->SaveSnapshot(saved);
  ASSERT_THAT(id, IsOk());
  auto loaded = store.Open().value()->LoadSnapshot(*id);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->id, *id);
  ExpectSame(*loaded, saved);
}

TEST(RepositorySnapshotsTest, WithoutParentLoadsWithoutParent) {
  Store store;
  auto repo = store.Init();
  Snapshot s = Example(5);
  s.parent.reset();
  auto loaded = repo->LoadSnapshot(*repo->SaveSnapshot(s));
  ASSERT_THAT(loaded, IsOk());
  EXPECT_FALSE(loaded->parent.has_value());
}

TEST(RepositorySnapshotsTest, LoadSnapshotsSortsByTime) {
  Store store;
  auto repo = store.Init();
  for (int64_t t : {30, -10, 20, 10}) ASSERT_THAT(repo->SaveSnapshot(Example(t)), IsOk());
  auto all = repo->LoadSnapshots();
  ASSERT_THAT(all, IsOk());
  std::vector<int64_t> times;
  for (const Snapshot& s : *all) times.push_back(s.time_ns);
  EXPECT_EQ(times, (std::vector<int64_t>{-10, 10, 20, 30}));
}

TEST(RepositorySnapshotsTest, RemoveSnapshot) {
  Store store;
  auto repo = store.Init();
  Id keep = *repo->SaveSnapshot(Example(1));
  Id drop = *repo->SaveSnapshot(Example(2));
  ASSERT_TRUE(repo->RemoveSnapshot(drop));
  auto all = *repo->LoadSnapshots();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, keep);
  auto gone = repo->LoadSnapshot(drop);
  ASSERT_FALSE(gone.has_value());
  EXPECT_THAT(gone, ErrorIs(ErrorCode::kNotFound));
}

TEST(RepositorySnapshotsTest, DamagedSnapshotIsNamed) {
  Store store;
  auto repo = store.Init();
  Id id = *repo->SaveSnapshot(Example(1));
  store.Rewrite({FileType::kSnapshot, id.Hex()}, [](Bytes& b) { b.back() ^= 1; });
  auto all = repo->LoadSnapshots();
  ASSERT_FALSE(all.has_value());
  EXPECT_THAT(all, ErrorIs(ErrorCode::kFailedCheck));
  EXPECT_THAT(all.error().message(), HasSubstr("snapshot " + id.Hex()));
}

TEST(RepositorySnapshotsTest, SavingASnapshotFlushesItsBlobsFirst) {
  Store store;
  auto repo = store.Init();
  Bytes tree = testing::TextData(700, 1);
  Id tree_id = repo->BlobId(tree);
  ASSERT_THAT(repo->SaveBlob(BlobType::kTree, tree_id, tree), IsOk());
  Snapshot s = Example(1);
  s.tree = tree_id;
  ASSERT_THAT(repo->SaveSnapshot(s), IsOk());
  Store crashed = store.CopyFiles();  // no explicit Flush
  auto reopened = crashed.Open();
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(*(*reopened)->LoadBlob(BlobType::kTree, tree_id), tree);
}

}  // namespace
}  // namespace stormproof::repository
