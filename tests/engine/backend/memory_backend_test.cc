#include <gtest/gtest.h>

#include "engine/backend/backend.h"
#include "tests/engine/backend/backend_conformance.h"
#include "tests/matchers.h"

namespace stormproof::backend {
namespace {

struct MemoryFactory {
  std::unique_ptr<Backend> Make() { return NewMemoryBackend(); }
};

}  // namespace
namespace conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, BackendConformanceTest, ::testing::Types<MemoryFactory>);
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

}  // namespace
}  // namespace stormproof::backend
