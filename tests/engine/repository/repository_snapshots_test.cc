#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/time.h"
#include "engine/repository/repository.h"
#include "engine/repository/sealed_file.h"
#include "engine/repository/snapshot_file.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/engine/repository/retaining_store.h"
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

TEST(RepositorySnapshotsTest, CopiedFromRoundTripsAndIsAbsentWhenUnset) {
  Store store;
  auto repo = store.Init();
  Snapshot copy = Example(7);
  copy.copied_from = Snapshot::CopyOrigin{crypto::Sha256(AsBytes("source repository")),
                                          crypto::Sha256(AsBytes("source snapshot"))};
  std::string text = EncodeSnapshot(copy);
  EXPECT_NE(text.find("\"copied_from\":{\"repository\":\"" + copy.copied_from->repository.Hex() +
                      "\",\"snapshot\":\"" + copy.copied_from->snapshot.Hex() + "\"}"),
            std::string::npos)
      << text;
  auto loaded = repo->LoadSnapshot(*repo->SaveSnapshot(copy));
  ASSERT_THAT(loaded, IsOk());
  ASSERT_TRUE(loaded->copied_from.has_value());
  EXPECT_EQ(loaded->copied_from->repository, copy.copied_from->repository);
  EXPECT_EQ(loaded->copied_from->snapshot, copy.copied_from->snapshot);

  Snapshot plain = Example(8);
  EXPECT_EQ(EncodeSnapshot(plain).find("copied_from"), std::string::npos);
  auto plain_loaded = repo->LoadSnapshot(*repo->SaveSnapshot(plain));
  ASSERT_THAT(plain_loaded, IsOk());
  EXPECT_FALSE(plain_loaded->copied_from.has_value());
}

TEST(RepositorySnapshotsTest, MalformedCopiedFromIsRefused) {
  std::string text = EncodeSnapshot(Example(9));
  text.insert(text.size() - 1, ",\"copied_from\":{\"repository\":\"zz\",\"snapshot\":\"\"}");
  auto decoded = DecodeSnapshot(AsBytes(text));
  EXPECT_FALSE(decoded.has_value());
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

// Loses the repository's lock (its file removed) as a snapshot is saved, as a prune that judged
// it stale would; may refuse to remove snapshot files, as upload-only credentials do.
class LosesTheLockOnSnapshotSave final : public testing::ForwardingBackend {
 public:
  LosesTheLockOnSnapshotSave(backend::Backend& target, bool may_delete)
      : ForwardingBackend(target), may_delete_(may_delete) {}
  Status Save(const backend::Handle& h, ByteView d) override {
    STORMPROOF_TRY(target.Save(h, d));
    if (h.type != FileType::kSnapshot) return Ok();
    std::vector<std::string> locks;
    STORMPROOF_TRY(target.List(FileType::kLock,
                               [&](const std::string& n, uint64_t) { locks.push_back(n); }));
    for (const std::string& name : locks) STORMPROOF_TRY(target.Remove({FileType::kLock, name}));
    return Ok();
  }
  Status Remove(const backend::Handle& h) override {
    if (h.type == FileType::kSnapshot && !may_delete_) {
      return Error::PermissionDenied("snapshots/" + h.name + ": access denied (AccessDenied)");
    }
    return target.Remove(h);
  }

 private:
  bool may_delete_;
};

Result<Id> SaveWhileTheLockIsLost(backend::Backend& storage, bool may_delete) {
  auto repo = Repository::Open(std::make_unique<LosesTheLockOnSnapshotSave>(storage, may_delete),
                               testing::kPassword);
  if (!repo) return repo.error();
  auto lock = (*repo)->AcquireLock(Repository::LockKind::kShared);
  if (!lock) return lock.error();
  return (*repo)->SaveSnapshot(Example(7));
}

size_t SnapshotFiles(const backend::Backend& storage) {
  size_t n = 0;
  EXPECT_TRUE(storage.List(FileType::kSnapshot, [&](const std::string&, uint64_t) { ++n; }));
  return n;
}

TEST(RepositorySnapshotsTest, ASnapshotSavedAfterTheLockWasLostIsWithdrawn) {
  Store store;
  store.Init();
  Result<Id> saved = SaveWhileTheLockIsLost(store.raw(), /*may_delete=*/true);
  ASSERT_THAT(saved, ErrorIs(ErrorCode::kLocked));
  EXPECT_THAT(saved.error().message(), ::testing::HasSubstr("withdrawn"));
  EXPECT_EQ(SnapshotFiles(store.raw()), 0u);
}

TEST(RepositorySnapshotsTest, ASnapshotThatCannotBeWithdrawnIsSaidToBeThere) {
  Store store;
  store.Init();
  Result<Id> saved = SaveWhileTheLockIsLost(store.raw(), /*may_delete=*/false);
  ASSERT_THAT(saved, ErrorIs(ErrorCode::kLocked));
  const std::string& message = saved.error().message();
  EXPECT_THAT(message, ::testing::HasSubstr("could not be withdrawn (snapshots/"));
  EXPECT_THAT(message, ::testing::HasSubstr("run 'stormproof check'"));
  EXPECT_THAT(message, ::testing::Not(::testing::HasSubstr(" withdrawn:"))) << message;
  EXPECT_EQ(SnapshotFiles(store.raw()), 1u);
}

// A copy's snapshot (kSameContentSameFile): the same snapshot saved twice is one file with one
// id, and it reads back like any other; the default gives a new file each time.
TEST(RepositorySnapshotsTest, SameContentSameFileSealingSavesOneFile) {
  Store store;
  auto repo = store.Init();
  using Sealing = Repository::Sealing;
  auto first = repo->SaveSnapshot(Example(9), Sealing::kSameContentSameFile);
  auto again = repo->SaveSnapshot(Example(9), Sealing::kSameContentSameFile);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*first, *again);
  EXPECT_EQ(SnapshotFiles(store.raw()), 1u);
  auto loaded = store.Open().value()->LoadSnapshot(*first);
  ASSERT_THAT(loaded, IsOk());
  ExpectSame(*loaded, Example(9));
  auto other = repo->SaveSnapshot(Example(10), Sealing::kSameContentSameFile);
  ASSERT_THAT(other, IsOk());
  EXPECT_NE(*other, *first);
  ASSERT_THAT(repo->SaveSnapshot(Example(9)), IsOk());
  EXPECT_EQ(SnapshotFiles(store.raw()), 3u) << "a fresh salt gives a new file";
}

// The same plaintext under another kind or another master key is another file.
TEST(RepositorySnapshotsTest, DeterministicSealingDependsOnKeyKindAndPlaintext) {
  crypto::Key one = crypto::RandomKey(), two = crypto::RandomKey();
  Bytes a = SealFileDeterministically(one, AsBytes("{}"), kSnapshotKind);
  EXPECT_EQ(a, SealFileDeterministically(one, AsBytes("{}"), kSnapshotKind));
  EXPECT_NE(a, SealFileDeterministically(two, AsBytes("{}"), kSnapshotKind));
  EXPECT_NE(a, SealFileDeterministically(one, AsBytes("{}"), kIndexKind));
  Bytes b = SealFileDeterministically(one, AsBytes("[]"), kSnapshotKind);
  EXPECT_FALSE(std::equal(a.begin(), a.begin() + crypto::kSaltSize, b.begin()))
      << "two plaintexts share a salt, so a subkey";
  auto opened = OpenSealedFile(one, a, kSnapshotKind);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(AsText(*opened), "{}");
  EXPECT_FALSE(OpenSealedFile(one, a, kIndexKind).has_value());
}

// A copy's snapshot that another copy saved too is never taken back when our lock turns out
// lost: it is not only ours.
TEST(RepositorySnapshotsTest, ASameContentSnapshotThereBeforeIsNotWithdrawn) {
  Store store;
  auto first = store.Init();
  ASSERT_THAT(first->SaveSnapshot(Example(7), Repository::Sealing::kSameContentSameFile), IsOk());
  auto repo = Repository::Open(std::make_unique<LosesTheLockOnSnapshotSave>(store.raw(), true),
                               testing::kPassword);
  ASSERT_THAT(repo, IsOk());
  auto lock = (*repo)->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(lock, IsOk());
  auto saved = (*repo)->SaveSnapshot(Example(7), Repository::Sealing::kSameContentSameFile);
  ASSERT_THAT(saved, ErrorIs(ErrorCode::kLocked, HasSubstr("(saved before by another writer too) "
                                                           "left as it was")));
  EXPECT_EQ(SnapshotFiles(store.raw()), 1u);
}

// A copy's snapshot (kSameContentSameFile) saved after the lock was lost, not there before:
// what `whole` says, asked under a fresh lock, decides. `answer` is its answer.
Result<Id> SaveSameContentWhileTheLockIsLost(backend::Backend& storage, Status answer,
                                             bool* locked_while_asked) {
  auto repo =
      Repository::Open(std::make_unique<LosesTheLockOnSnapshotSave>(storage, true),
                       testing::kPassword);
  if (!repo) return repo.error();
  auto lock = (*repo)->AcquireLock(Repository::LockKind::kShared);
  if (!lock) return lock.error();
  return (*repo)->SaveSnapshot(Example(7), Repository::Sealing::kSameContentSameFile,
                               [&](const Snapshot& snapshot) -> Status {
                                 size_t locks = 0;
                                 EXPECT_TRUE(storage.List(FileType::kLock,
                                                          [&](const std::string&, uint64_t) {
                                                            ++locks;
                                                          }));
                                 *locked_while_asked = locks == 1 && snapshot.id != Id{};
                                 return answer;
                               });
}

TEST(RepositorySnapshotsTest, AWholeSameContentSnapshotIsLeftInPlaceWhenTheLockIsLost) {
  Store store;
  store.Init();
  bool locked = false;
  Result<Id> saved = SaveSameContentWhileTheLockIsLost(store.raw(), Ok(), &locked);
  ASSERT_THAT(saved, ErrorIs(ErrorCode::kLocked, HasSubstr("left in place: it is whole")));
  EXPECT_TRUE(locked) << "asked without a fresh lock";
  EXPECT_EQ(SnapshotFiles(store.raw()), 1u);
  EXPECT_TRUE(store.Names(FileType::kLock).empty()) << "the fresh lock was not released";
}

TEST(RepositorySnapshotsTest, ASameContentSnapshotMissingDataIsWithdrawnWhenTheLockIsLost) {
  Store store;
  store.Init();
  bool locked = false;
  Result<Id> saved = SaveSameContentWhileTheLockIsLost(
      store.raw(), Error::NotFound("pack 12ab: gone"), &locked);
  ASSERT_THAT(saved,
              ErrorIs(ErrorCode::kLocked, HasSubstr("withdrawn (not whole: pack 12ab: gone)")));
  EXPECT_EQ(SnapshotFiles(store.raw()), 0u);
}

TEST(RepositorySnapshotsTest, ASameContentSnapshotNotKnownWholeIsLeftForCheck) {
  Store store;
  store.Init();
  bool locked = false;
  Result<Id> saved = SaveSameContentWhileTheLockIsLost(
      store.raw(), Error::Io("data/12ab: connection reset"), &locked);
  ASSERT_THAT(saved, ErrorIs(ErrorCode::kLocked,
                             HasSubstr("could not be told (data/12ab: connection reset)")));
  EXPECT_THAT(saved.error().message(), HasSubstr("run 'stormproof check'"));
  EXPECT_EQ(SnapshotFiles(store.raw()), 1u);
}


// ---- Retention upkeep before the lock (Repository::KeepRetention) ----

class KeepRetentionTest : public ::testing::Test {
 protected:
  static constexpr backend::Retention kThirtyDays{backend::Retention::Mode::kGovernance, 30};

  // A repository under `retention` with one snapshot, written now.
  void Create(const backend::Retention& retention) {
    auto repo = Repository::Init(store_.View(), testing::kPassword, {.retention = retention});
    ASSERT_THAT(repo, IsOk());
    auto saved = (*repo)->SaveSnapshot(Example(1));
    ASSERT_THAT(saved, IsOk());
    snapshot_ = backend::Handle{.type = FileType::kSnapshot, .name = saved->Hex()};
  }
  std::unique_ptr<Repository> Open() {
    auto repo = Repository::Open(store_.View(), testing::kPassword);
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }
  // Whether the config and the snapshot stay retained at least `days` days from now.
  bool RetainedFor(int days) const {
    const int64_t needed = store_.now_ns() + int64_t{days} * kNsPerDay;
    return store_.RetainedUntilNs({FileType::kConfig, ""}) >= needed &&
           store_.RetainedUntilNs(snapshot_) >= needed;
  }

  stormproof::testing::RetainingStore store_;
  backend::Handle snapshot_;
};

// Someone without the master key rewrote the config (fewer days, say): Open makes the
// repository read-only, and the upkeep still keeps what is there retained the days it trusts,
// never the rewritten config's; nothing else is written.
TEST_F(KeepRetentionTest, KeepsUpARepositoryWhoseConfigWasRewrittenWithTheTrustedDays) {
  ASSERT_NO_FATAL_FAILURE(Create(kThirtyDays));
  store_.PassDays(20);  // saved with 30 + 7 days: 17 left, fewer than 30
  store_.RewriteConfig([](nlohmann::json& doc) { doc["object_lock"]["days"] = 1; });
  std::unique_ptr<Repository> repo = Open();
  ASSERT_NE(repo, nullptr);
  ASSERT_TRUE(repo->read_only_reason().has_value());
  backend::Backend::RetentionUpkeep kept;
  ASSERT_THAT(repo->KeepRetention(kThirtyDays, &kept), IsOk());
  EXPECT_GE(kept.extended, 3u);  // config, key, snapshot (and the index)
  EXPECT_TRUE(RetainedFor(30)) << "a read-only repository's retention was not kept up";
  EXPECT_THAT(repo->SaveSnapshot(Example(2)),
              ErrorIs(ErrorCode::kCorrupt, HasSubstr("config mac does not match")));
}

// Without days it can trust, the upkeep of a rewritten config says so and changes nothing:
// the rewritten days (1) are never what it asks for.
TEST_F(KeepRetentionTest, NeverTakesItsDaysFromAConfigThatDoesNotVerify) {
  ASSERT_NO_FATAL_FAILURE(Create(kThirtyDays));
  store_.PassDays(20);
  const int64_t before = store_.RetainedUntilNs(snapshot_);
  store_.RewriteConfig([](nlohmann::json& doc) { doc["object_lock"]["days"] = 1; });
  std::unique_ptr<Repository> repo = Open();
  ASSERT_NE(repo, nullptr);
  backend::Backend::RetentionUpkeep kept;
  EXPECT_THAT(repo->KeepRetention(std::nullopt, &kept),
              ErrorIs(ErrorCode::kCorrupt,
                      HasSubstr("/config: config mac does not match (altered): the retention "
                                "upkeep does not take its days from it")));
  EXPECT_EQ(kept.extended, 0u);
  EXPECT_EQ(store_.RetainedUntilNs(snapshot_), before);
}

// A config that verifies but records fewer days than the caller knows the repository has (one
// rewritten by a holder of the key): the stronger days are kept, and later writes keep them too.
TEST_F(KeepRetentionTest, KeepsTheStrongerOfTheTrustedDaysAndTheConfigs) {
  ASSERT_NO_FATAL_FAILURE(Create(backend::Retention{backend::Retention::Mode::kGovernance, 8}));
  store_.PassDays(8);  // saved with 8 + 2 days: 2 left
  std::unique_ptr<Repository> repo = Open();
  ASSERT_NE(repo, nullptr);
  backend::Backend::RetentionUpkeep kept;
  ASSERT_THAT(repo->KeepRetention(kThirtyDays, &kept), IsOk());
  EXPECT_TRUE(RetainedFor(30));
  auto saved = repo->SaveSnapshot(Example(2));
  ASSERT_THAT(saved, IsOk());
  EXPECT_GE(store_.RetainedUntilNs({FileType::kSnapshot, saved->Hex()}),
            store_.now_ns() + int64_t{30} * kNsPerDay);
  // And the config's own days when they are the stronger.
  store_.PassDays(25);
  backend::Backend::RetentionUpkeep again;
  ASSERT_THAT(repo->KeepRetention(backend::Retention{{}, 1}, &again), IsOk());
  EXPECT_TRUE(RetainedFor(30));
}

// Every backup host holds the key, so a config that verifies may still have been rewritten
// (fewer days, say). When the storage shows it stored more than once with different content,
// the upkeep never takes its days from it, neither fewer nor more: without trusted days it
// says so and changes nothing; with them it keeps exactly those.
TEST_F(KeepRetentionTest, NeverTakesItsDaysFromARewrittenConfigThatVerifies) {
  ASSERT_NO_FATAL_FAILURE(Create(backend::Retention{backend::Retention::Mode::kGovernance, 8}));
  store_.PassDays(8);  // saved with 8 + 2 days: 2 left
  store_.ShowSigns({.config_rewritten = true});
  const int64_t before = store_.RetainedUntilNs(snapshot_);
  std::unique_ptr<Repository> repo = Open();
  ASSERT_NE(repo, nullptr);
  ASSERT_FALSE(repo->read_only_reason().has_value());  // its mac verifies
  backend::Backend::RetentionUpkeep kept;
  EXPECT_THAT(repo->KeepRetention(std::nullopt, &kept),
              ErrorIs(ErrorCode::kCorrupt,
                      HasSubstr("/config: rewritten since the repository was created")));
  EXPECT_EQ(kept.extended, 0u);
  EXPECT_EQ(store_.RetainedUntilNs(snapshot_), before);
  ASSERT_THAT(repo->KeepRetention(kThirtyDays, &kept), IsOk());
  EXPECT_TRUE(RetainedFor(30));
}

TEST_F(KeepRetentionTest, KeepsTheTrustedDaysNotMoreOfARewrittenConfig) {
  ASSERT_NO_FATAL_FAILURE(Create(backend::Retention{backend::Retention::Mode::kGovernance, 60}));
  store_.PassDays(45);  // fewer than 30 days left
  store_.ShowSigns({.config_rewritten = true});
  std::unique_ptr<Repository> repo = Open();
  ASSERT_NE(repo, nullptr);
  backend::Backend::RetentionUpkeep kept;
  ASSERT_THAT(repo->KeepRetention(kThirtyDays, &kept), IsOk());
  EXPECT_TRUE(RetainedFor(30));
  EXPECT_LT(store_.RetainedUntilNs(snapshot_), store_.now_ns() + int64_t{60} * kNsPerDay);
}

}  // namespace
}  // namespace stormproof::repository
