// Who may write, checked twice: at compile time (a const Repository reaches only a const
// Backend, which cannot save or remove; a Maintenance cannot be made without taking the
// exclusive lock) and at run time (Begin takes and holds the exclusive lock; removals stop once
// it is lost).
#include "engine/repository/maintenance.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/repository/lock.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using testing::RandomData;
using testing::Store;

// ---- The read-only view: what a `const Repository&` (check, drill, restore, ...) can reach. ----
static_assert(
    std::is_same_v<decltype(std::declval<const Repository&>().backend()), const backend::Backend&>,
    "a const Repository hands out its files read-only");
template <typename B>
concept CanRemoveFiles = requires(B& b) {
  b.Remove(backend::Handle{});
};
template <typename B>
concept CanSaveFiles = requires(B& b) {
  b.Save(backend::Handle{}, ByteView{});
};
static_assert(CanRemoveFiles<backend::Backend> && CanSaveFiles<backend::Backend>);
static_assert(!CanRemoveFiles<const backend::Backend> && !CanSaveFiles<const backend::Backend>,
              "a const Backend can read, never change");
template <typename R>
concept CanRemoveSnapshots = requires(R& r) {
  r.RemoveSnapshot(Id());
};
template <typename R>
concept CanSaveBlobs = requires(R& r) {
  r.SaveBlob(BlobType::kData, Id(), ByteView{});
};
static_assert(CanRemoveSnapshots<Repository> && CanSaveBlobs<Repository>);
static_assert(!CanRemoveSnapshots<const Repository> && !CanSaveBlobs<const Repository>,
              "the read-only view has no writer path");
template <typename R>
concept CanRewriteIndex = requires(R& r) {
  r.RewriteIndex({}, {});
};
template <typename R>
concept CanRemovePacks = requires(R& r) {
  r.RemovePack(Id());
};
static_assert(CanRewriteIndex<Maintenance> && CanRemovePacks<Maintenance>);
static_assert(!CanRewriteIndex<Repository> && !CanRemovePacks<Repository>,
              "removing data and rewriting the index belong to Maintenance alone");

// ---- A Maintenance exists only through Begin, which takes the exclusive lock. ----
static_assert(!std::is_default_constructible_v<Maintenance>);
static_assert(!std::is_constructible_v<Maintenance, Repository&>);
static_assert(!std::is_constructible_v<Maintenance, Repository&, std::unique_ptr<Lock>>,
              "not even from a lock the caller took: only Begin decides its kind");
static_assert(!std::is_copy_constructible_v<Maintenance> &&
              !std::is_move_constructible_v<Maintenance>);

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = store_.Init();
    Bytes data = RandomData(4000, 7);
    Id id = repo_->BlobId(data);
    ASSERT_THAT(repo_->SaveBlob(BlobType::kData, id, data), IsOk());
    ASSERT_TRUE(repo_->Flush());
    pack_ = repo_->FindBlob(BlobType::kData, id)->pack;
  }

  bool PackExists() const { return store_.raw().Size({FileType::kPack, pack_.Hex()}).has_value(); }

  Store store_;
  std::unique_ptr<Repository> repo_;
  Id pack_;
};

TEST_F(MaintenanceTest, HoldsTheExclusiveLockForItsWholeLife) {
  auto other = store_.Open();
  ASSERT_THAT(other, IsOk());
  {
    auto maintenance = Maintenance::Begin(*repo_);
    ASSERT_THAT(maintenance, IsOk());
    auto shared = (*other)->AcquireLock(Repository::LockKind::kShared);
    ASSERT_FALSE(shared.has_value());
    EXPECT_THAT(shared, ErrorIs(ErrorCode::kLocked)) << shared.error().message();
  }
  EXPECT_THAT((*other)->AcquireLock(Repository::LockKind::kShared), IsOk());
}

TEST_F(MaintenanceTest, CannotBeginBesideAnotherLock) {
  auto other = store_.Open();
  ASSERT_THAT(other, IsOk());
  auto shared = (*other)->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(shared, IsOk());
  auto maintenance = Maintenance::Begin(*repo_);
  ASSERT_FALSE(maintenance.has_value());
  EXPECT_THAT(maintenance, ErrorIs(ErrorCode::kLocked)) << maintenance.error().message();
}

TEST_F(MaintenanceTest, RemovesAPackOnlyWhileItsLockHolds) {
  auto maintenance = Maintenance::Begin(*repo_);
  ASSERT_THAT(maintenance, IsOk());
  auto listing = (*maintenance)->repository().ListIndex();
  ASSERT_THAT(listing, IsOk());
  // Another process judged our lock stale and removed it: nothing more may change.
  for (const std::string& lock : store_.Names(FileType::kLock)) {
    ASSERT_TRUE(store_.raw().Remove({FileType::kLock, lock}));
  }
  Status removed = (*maintenance)->RemovePack(pack_);
  ASSERT_FALSE(removed);
  EXPECT_THAT(removed, ErrorIs(ErrorCode::kLocked)) << removed.error().message();
  EXPECT_TRUE(PackExists());
  Status rewritten = (*maintenance)->RewriteIndex({}, listing->files);
  ASSERT_FALSE(rewritten);
  EXPECT_THAT(rewritten, ErrorIs(ErrorCode::kLocked));
  std::vector<std::string> kept = store_.Names(FileType::kIndex);
  EXPECT_EQ(std::set<std::string>(kept.begin(), kept.end()),
            std::set<std::string>(listing->files.begin(), listing->files.end()));
}

TEST_F(MaintenanceTest, RewritesTheIndexThenRemovesThePackItNoLongerNames) {
  auto maintenance = Maintenance::Begin(*repo_);
  ASSERT_THAT(maintenance, IsOk());
  auto listing = (*maintenance)->repository().ListIndex();
  ASSERT_THAT(listing, IsOk());
  ASSERT_TRUE((*maintenance)->RewriteIndex({}, listing->files));
  EXPECT_TRUE(store_.Names(FileType::kIndex).empty());
  ASSERT_TRUE((*maintenance)->RemovePack(pack_));
  EXPECT_FALSE(PackExists());
  EXPECT_EQ(repo_->IndexedBlobCount(), 0u);
}

}  // namespace
}  // namespace stormproof::repository
