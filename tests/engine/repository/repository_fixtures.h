// Shared by the repository tests: a fast KDF, a backend several Repository objects can share
// (and that can fail on demand), repository snapshots for crash simulation, and test data.
#ifndef STORMPROOF_TESTS_ENGINE_REPOSITORY_REPOSITORY_FIXTURES_H_
#define STORMPROOF_TESTS_ENGINE_REPOSITORY_REPOSITORY_FIXTURES_H_

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "tests/matchers.h"
#include "tests/support/generated_data.h"

namespace stormproof::repository::testing {

// Argon2id at its minimum cost, for every test binary that includes this header.
inline const bool kFastKdf = (setenv("STORMPROOF_KDF_TEST", "1", 1), true);

inline constexpr char kPassword[] = "correct horse battery staple";

// Faults a SharedBackend injects; shared by every view of one store.
struct Faults {
  std::atomic<bool> fail_pack_saves{false};
  std::atomic<bool> fail_index_saves{false};
  std::atomic<int> pack_saves{0};
};

// Every call passed on to `target`: a test backend derives from it and overrides only the calls it
// changes (counts, delays, fails).
class ForwardingBackend : public backend::Backend {
 public:
  explicit ForwardingBackend(backend::Backend& target) : target(target) {}
  Status Save(const backend::Handle& h, ByteView d) override { return target.Save(h, d); }
  Result<Bytes> Load(const backend::Handle& h, uint64_t o, uint64_t l) const override {
    return target.Load(h, o, l);
  }
  Result<uint64_t> Size(const backend::Handle& h) const override { return target.Size(h); }
  Result<int64_t> ModifiedNs(const backend::Handle& h) const override {
    return target.ModifiedNs(h);
  }
  Status Remove(const backend::Handle& h) override { return target.Remove(h); }
  Status List(backend::FileType t,
              const std::function<void(const std::string&, uint64_t)>& e) const override {
    return target.List(t, e);
  }
  std::string Location() const override { return target.Location(); }
  Status SetRetention(const backend::Retention& r) override { return target.SetRetention(r); }

  backend::Backend& target;
};

// A view of a shared backend: Repository owns its backend, so tests hand each Repository a view.
class SharedBackend final : public backend::Backend {
 public:
  SharedBackend(std::shared_ptr<backend::Backend> target, std::shared_ptr<Faults> faults)
      : target_(std::move(target)), faults_(std::move(faults)) {}

  Status Save(const backend::Handle& handle, ByteView data) override {
    if (handle.type == backend::FileType::kPack) {
      if (faults_->fail_pack_saves)
        return Error::Io("data/" + handle.name + ": no space left on device");
      ++faults_->pack_saves;
    }
    if (handle.type == backend::FileType::kIndex && faults_->fail_index_saves) {
      return Error::Io("index/" + handle.name + ": no space left on device");
    }
    return target_->Save(handle, data);
  }
  Result<Bytes> Load(const backend::Handle& handle, uint64_t offset,
                     uint64_t length) const override {
    return target_->Load(handle, offset, length);
  }
  Result<uint64_t> Size(const backend::Handle& handle) const override {
    return target_->Size(handle);
  }
  Result<int64_t> ModifiedNs(const backend::Handle& handle) const override {
    return target_->ModifiedNs(handle);
  }
  Status Remove(const backend::Handle& handle) override { return target_->Remove(handle); }
  Status List(backend::FileType type,
              const std::function<void(const std::string&, uint64_t)>& each) const override {
    return target_->List(type, each);
  }
  std::string Location() const override { return target_->Location(); }

 private:
  std::shared_ptr<backend::Backend> target_;
  std::shared_ptr<Faults> faults_;
};

// The clock that stamps files in every Store (the system clock plus an offset): a test lets
// time pass for what ages by the storage's clock (stale locks, prune's grace for packs no index
// names) with PassStorageTime.
inline std::atomic<int64_t>& StorageClockOffset() {
  static std::atomic<int64_t> offset{0};
  return offset;
}
inline void PassStorageTime(std::chrono::nanoseconds elapsed) {
  StorageClockOffset() += elapsed.count();
}
inline int64_t StorageNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         StorageClockOffset().load();
}

// One in-memory repository store that tests open, close and reopen.
class Store {
 public:
  Store() : Store(std::shared_ptr<backend::Backend>(backend::NewMemoryBackend(StorageNow))) {}
  explicit Store(std::shared_ptr<backend::Backend> target)
      : target_(std::move(target)), faults_(std::make_shared<Faults>()) {}

  std::unique_ptr<backend::Backend> View() const {
    return std::make_unique<SharedBackend>(target_, faults_);
  }
  backend::Backend& raw() const { return *target_; }
  Faults& faults() const { return *faults_; }

  std::unique_ptr<Repository> Init(std::string_view password = kPassword) const {
    auto repo = Repository::Init(View(), password);
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }
  Result<std::unique_ptr<Repository>> Open(std::string_view password = kPassword) const {
    return Repository::Open(View(), password);
  }

  // A new store holding a copy of every file of `types` in this one: what a crash at this
  // instant would leave behind.
  Store CopyFiles(std::vector<backend::FileType> types = AllTypes()) const {
    Store copy;
    for (backend::FileType type : types) {
      std::vector<std::string> names;
      EXPECT_TRUE(target_->List(type, [&](const std::string& n, uint64_t) { names.push_back(n); }));
      for (const std::string& name : names) {
        auto data = target_->Load({type, name});
        EXPECT_THAT(data, IsOk());
        if (data) {
          EXPECT_TRUE(copy.raw().Save({type, name}, *data));
        }
      }
    }
    return copy;
  }

  std::vector<std::string> Names(backend::FileType type) const {
    std::vector<std::string> names;
    EXPECT_TRUE(target_->List(type, [&](const std::string& n, uint64_t) { names.push_back(n); }));
    return names;
  }

  // The names of every pack, index and snapshot file: what a repository-changing operation
  // changes.
  std::set<std::string> ContentNames() const {
    std::set<std::string> all;
    for (backend::FileType type :
         {backend::FileType::kPack, backend::FileType::kIndex, backend::FileType::kSnapshot}) {
      for (const std::string& name : Names(type)) all.insert(name);
    }
    return all;
  }

  // Replaces a stored file with `edit` applied to its bytes.
  template <typename Edit>
  void Rewrite(const backend::Handle& handle, Edit edit) const {
    auto data = target_->Load(handle);
    ASSERT_THAT(data, IsOk());
    Bytes bytes = *data;
    edit(bytes);
    ASSERT_TRUE(target_->Save(handle, bytes));
  }

  static std::vector<backend::FileType> AllTypes() {
    using backend::FileType;
    return {FileType::kConfig,   FileType::kKey,   FileType::kLock,
            FileType::kSnapshot, FileType::kIndex, FileType::kPack};
  }

 private:
  std::shared_ptr<backend::Backend> target_;
  std::shared_ptr<Faults> faults_;
};

using stormproof::testing::RandomData;
using stormproof::testing::TextData;

}  // namespace stormproof::repository::testing

#endif  // STORMPROOF_TESTS_ENGINE_REPOSITORY_REPOSITORY_FIXTURES_H_
