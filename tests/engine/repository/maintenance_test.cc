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

// ---- The retention upkeep first, then maintenance (prune, run's retention-only upkeep) ----

// What a refusal after the upkeep adds, for prune, its dry run and run alike: the figures of the
// upkeep that ran ("would be" for a dry run's count), the record's and the overwritten files
// where there are any; nothing when it read nothing.
TEST(WithRetentionKeptTest, SaysWhatTheUpkeepDidOrWouldDo) {
  const Error refused = Error::FailedCheck("refused");
  EXPECT_EQ(WithRetentionKept(refused, {}).message(), "refused");
  backend::Backend::RetentionUpkeep kept;
  kept.checked = 3;
  kept.extended = 1;
  EXPECT_EQ(WithRetentionKept(refused, kept).message(),
            "refused; the retention upkeep ran first: 1 of 3 file(s) extended");
  EXPECT_EQ(WithRetentionKept(refused, kept).code(), ErrorCode::kFailedCheck);
  kept.dry_run = true;
  EXPECT_EQ(WithRetentionKept(refused, kept).message(),
            "refused; the retention upkeep ran first: 1 of 3 file(s) would be extended");
  backend::Backend::RetentionUpkeep recorded;
  recorded.retained_as_recorded = 4;
  recorded.overwritten = 2;
  EXPECT_EQ(WithRetentionKept(refused, recorded).message(),
            "refused; the retention upkeep ran first: 0 of 0 file(s) extended, 4 known retained "
            "from the record of earlier upkeep, 2 file(s) were overwritten after they were "
            "written (an attack or a faulty tool: run 'stormproof check --read-data' and see "
            "'repair --as-of')");
}

// The work runs under the exclusive lock, after the upkeep; without work nothing is locked, so
// a lock someone holds stops only the work; a refusal before the lock stops the work too.
TEST_F(MaintenanceTest, KeepRetentionThenMaintainLocksOnlyForTheWork) {
  auto other = store_.Open();
  ASSERT_THAT(other, IsOk());
  int worked = 0;
  const MaintenanceWork work = [&](Maintenance& maintenance,
                                   const backend::Backend::RetentionUpkeep&) -> Status {
    ++worked;
    EXPECT_THAT((*other)->AcquireLock(Repository::LockKind::kShared),
                ErrorIs(ErrorCode::kLocked));  // held exclusively
    return maintenance.VerifyLock();
  };
  ASSERT_THAT(KeepRetentionThenMaintain(*repo_, {}, work), IsOk());
  EXPECT_EQ(worked, 1);
  EXPECT_TRUE(store_.Names(FileType::kLock).empty()) << "the lock was not given back";

  auto held = (*other)->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(held, IsOk());
  EXPECT_THAT(KeepRetentionThenMaintain(*repo_, {}, {}), IsOk());
  EXPECT_THAT(KeepRetentionThenMaintain(*repo_, {}, work), ErrorIs(ErrorCode::kLocked));
  held->reset();
  RetentionFirst refusing;
  refusing.may_maintain = [](const Repository&) -> Status {
    return Error::FailedCheck("the config does not match the plan");
  };
  EXPECT_THAT(KeepRetentionThenMaintain(*repo_, refusing, work),
              ErrorIs(ErrorCode::kFailedCheck, HasSubstr("does not match the plan")));
  EXPECT_THAT(KeepRetentionThenMaintain(*repo_, refusing, {}), ErrorIs(ErrorCode::kFailedCheck));
  EXPECT_EQ(worked, 1);
}

}  // namespace
}  // namespace stormproof::repository
