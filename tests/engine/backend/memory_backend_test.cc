#include <gtest/gtest.h>

#include <atomic>

#include "core/time.h"
#include "engine/backend/backend.h"
#include "tests/engine/backend/backend_conformance.h"
#include "tests/matchers.h"

namespace stormproof::backend {
namespace {

struct MemoryFactory {
  std::unique_ptr<Backend> Make() { return NewMemoryBackend(); }
};
struct RetainingMemoryFactory {
  std::unique_ptr<Backend> Make() { return NewRetainingMemoryBackend(); }
};

}  // namespace
namespace conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, BackendConformanceTest, ::testing::Types<MemoryFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(RetainingMemory, BackendConformanceTest,
                               ::testing::Types<RetainingMemoryFactory>);
}  // namespace conformance
namespace {

TEST(MemoryBackendTest, InstancesShareNothing) {
  auto first = NewMemoryBackend();
  auto second = NewMemoryBackend();
  ASSERT_THAT(first->Save(Handle{FileType::kConfig, ""}, AsBytes("one")), IsOk());
  EXPECT_THAT(second->Save(Handle{FileType::kConfig, ""}, AsBytes("two")), IsOk());
  EXPECT_THAT(second->Load(Handle{FileType::kSnapshot, "ab"}), ErrorIs(ErrorCode::kNotFound));
}

TEST(MemoryBackendTest, ErrorsNameTheFileLikeTheLocalLayout) {
  auto backend = NewMemoryBackend();
  std::string id = conformance::Id(1);
  Result<Bytes> missing = backend->Load(Handle{FileType::kPack, id});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message(),
            "memory:data/" + id.substr(0, 2) + "/" + id + ": no such file");
}

TEST(MemoryBackendTest, LoadedBytesAreACopy) {
  auto backend = NewMemoryBackend();
  Handle handle{FileType::kIndex, "abc"};
  ASSERT_THAT(backend->Save(handle, AsBytes("hello")), IsOk());
  Result<Bytes> first = backend->Load(handle);
  ASSERT_THAT(first, IsOk());
  (*first)[0] = 'J';
  EXPECT_EQ(AsText(*backend->Load(handle)), "hello");
}

// The retaining variant, under a clock the test moves: N = 8 days, so E = 2 days.
class RetainingMemoryBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(backend_->SetRetention({Retention::Mode::kCompliance, 8}), IsOk());
  }
  int64_t Until(const Handle& handle) {
    Result<int64_t> until = RetainedUntilNsForTesting(*backend_, handle);
    EXPECT_THAT(until, IsOk());
    return until ? *until : 0;
  }

  std::atomic<int64_t> now_{1'000 * kNsPerDay};
  std::unique_ptr<Backend> backend_ = NewRetainingMemoryBackend([this] { return now_.load(); });
  const Handle pack_{FileType::kPack, conformance::Id(1)};
};

TEST_F(RetainingMemoryBackendTest, SavesForNPlusEDaysButLocksNotAtAll) {
  ASSERT_THAT(backend_->Save(pack_, AsBytes("data")), IsOk());
  EXPECT_EQ(Until(pack_), now_ + 10 * kNsPerDay);
  Handle lock{FileType::kLock, conformance::Id(2)};
  ASSERT_THAT(backend_->Save(lock, AsBytes("lock")), IsOk());
  EXPECT_EQ(Until(lock), 0);
}

TEST_F(RetainingMemoryBackendTest, RemoveHidesTheVersionUntilItsRetentionEnds) {
  ASSERT_THAT(backend_->Save(pack_, AsBytes("data")), IsOk());
  ASSERT_THAT(backend_->Remove(pack_), IsOk());
  EXPECT_THAT(backend_->Load(pack_), ErrorIs(ErrorCode::kNotFound));
  Backend::HiddenVersions early;
  now_ += 10 * kNsPerDay - 1;
  ASSERT_THAT(backend_->PurgeExpiredVersions(&early), IsOk());
  EXPECT_EQ(early.purged_files, 0u);
  EXPECT_EQ(early.retained_files, 1u);
  EXPECT_EQ(early.retained_bytes, 4u);
  EXPECT_EQ(early.earliest_release_ns, now_ + 1);
  EXPECT_EQ(Until(pack_), now_ + 1);  // still stored
  Backend::HiddenVersions expired;
  now_ += 1;
  ASSERT_THAT(backend_->PurgeExpiredVersions(&expired), IsOk());
  EXPECT_EQ(expired.purged_files, 1u);
  EXPECT_EQ(expired.retained_files, 0u);
  EXPECT_THAT(RetainedUntilNsForTesting(*backend_, pack_), ErrorIs(ErrorCode::kNotFound));
}

TEST_F(RetainingMemoryBackendTest, ExtendsOnlyFilesOlderThanEWhoseRetentionEndsWithinN) {
  ASSERT_THAT(backend_->Save(pack_, AsBytes("data")), IsOk());
  Backend::RetentionUpkeep young;
  now_ += 2 * kNsPerDay;  // exactly E: saved with N + E, enough
  ASSERT_THAT(backend_->ExtendRetention(FileType::kPack, &young), IsOk());
  EXPECT_EQ(young.checked, 0u);
  Backend::RetentionUpkeep old;
  now_ += 1;
  ASSERT_THAT(backend_->ExtendRetention(FileType::kPack, &old), IsOk());
  EXPECT_EQ(old.checked, 1u);
  EXPECT_EQ(old.extended, 1u);
  EXPECT_EQ(Until(pack_), now_ + 10 * kNsPerDay);
  Backend::RetentionUpkeep next_day;
  now_ += kNsPerDay;  // retained 9 more days: no request needed
  ASSERT_THAT(backend_->ExtendRetention(FileType::kPack, &next_day), IsOk());
  EXPECT_EQ(next_day.checked, 1u);
  EXPECT_EQ(next_day.extended, 0u);
}

TEST(MemoryBackendTest, PlainMemoryStorageCannotKeepFilesUnderRetention) {
  auto backend = NewMemoryBackend();
  EXPECT_THAT(backend->SetRetention({Retention::Mode::kGovernance, 7}),
              ErrorIs(ErrorCode::kInvalidArgument, ::testing::HasSubstr("cannot keep files")));
  Backend::RetentionUpkeep upkeep;
  EXPECT_THAT(backend->ExtendRetention(FileType::kPack, &upkeep), IsOk());
  EXPECT_EQ(upkeep.checked, 0u);
}

}  // namespace
}  // namespace stormproof::backend
