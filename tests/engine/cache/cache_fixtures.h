// Shared by the cache tests: a scratch folder, an in-memory repository store behind a counting
// backend, and caching backends over it that all use one cache folder (like successive
// processes on one machine).
#ifndef STORMPROOF_TESTS_ENGINE_CACHE_CACHE_FIXTURES_H_
#define STORMPROOF_TESTS_ENGINE_CACHE_CACHE_FIXTURES_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "engine/backend/backend.h"
#include "engine/cache/cache.h"
#include "tests/engine/cache/counting_backend.h"
#include "tests/matchers.h"

namespace stormproof::cache::testing {

// A fresh folder under /tmp, removed with everything in it on destruction.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    char dir[] = "/tmp/stormproof-cache-XXXXXX";
    if (::mkdtemp(dir) != nullptr) path_ = dir;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class CacheTest : public ::testing::Test {
 protected:
  // A new caching backend (a new process, as far as the cache knows) over the shared store.
  std::unique_ptr<backend::Backend> Cached() const {
    auto made = NewCachingBackend(std::make_unique<CountingBackend>(target_, counts_),
                                  {CachePath("")});
    EXPECT_THAT(made, IsOk());
    return made ? std::move(made).value() : nullptr;
  }
  // The store without a cache, still counted.
  std::unique_ptr<backend::Backend> Uncached() const {
    return std::make_unique<CountingBackend>(target_, counts_);
  }
  std::string CachePath(const std::string& relative) const {
    return scratch_.path() + "/cache/" + relative;
  }
  static Bytes LoadOk(const backend::Backend& backend, const backend::Handle& handle,
                      uint64_t offset = 0, uint64_t length = 0) {
    Result<Bytes> loaded = backend.Load(handle, offset, length);
    EXPECT_THAT(loaded, IsOk());
    return loaded ? std::move(loaded).value() : Bytes{};
  }

  ScratchDirectory scratch_;
  std::shared_ptr<backend::Backend> target_ = backend::NewMemoryBackend();
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
};

}  // namespace stormproof::cache::testing

#endif  // STORMPROOF_TESTS_ENGINE_CACHE_CACHE_FIXTURES_H_
