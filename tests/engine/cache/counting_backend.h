// A backend that forwards every call to a shared target and counts the calls by file type, so a
// test can say how many requests an operation made of the storage behind a cache. It can also
// refuse saves (a failing inner backend). Thread-safe.
#ifndef STORMPROOF_TESTS_ENGINE_CACHE_COUNTING_BACKEND_H_
#define STORMPROOF_TESTS_ENGINE_CACHE_COUNTING_BACKEND_H_

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "engine/backend/backend.h"

namespace stormproof::cache::testing {

// Calls per file type (index: static_cast<size_t>(FileType)), shared by every view.
struct Counts {
  using PerType = std::array<std::atomic<int>, 16>;  // more slots than FileType has values
  PerType loads{}, sizes{}, lists{}, saves{};
  std::atomic<bool> fail_saves{false};
  // What the last SetRecordPlace gave (one thread at a time).
  backend::Backend::RecordPlace record_place = {};

  int Loads(backend::FileType type) const { return loads[static_cast<size_t>(type)]; }
  int Sizes(backend::FileType type) const { return sizes[static_cast<size_t>(type)]; }
  int Lists(backend::FileType type) const { return lists[static_cast<size_t>(type)]; }
  void Reset() {
    for (PerType* counts : {&loads, &sizes, &lists, &saves}) {
      for (std::atomic<int>& count : *counts) count = 0;
    }
  }
};

class CountingBackend final : public backend::Backend {
 public:
  CountingBackend(std::shared_ptr<backend::Backend> target, std::shared_ptr<Counts> counts)
      : target_(std::move(target)), counts_(std::move(counts)) {}

  Status Save(const backend::Handle& handle, ByteView data) override {
    ++counts_->saves[Index(handle.type)];
    if (counts_->fail_saves) return Error::Io(handle.name + ": no space left on device");
    return target_->Save(handle, data);
  }
  Result<Bytes> Load(const backend::Handle& handle, uint64_t offset,
                     uint64_t length) const override {
    ++counts_->loads[Index(handle.type)];
    return target_->Load(handle, offset, length);
  }
  Result<uint64_t> Size(const backend::Handle& handle) const override {
    ++counts_->sizes[Index(handle.type)];
    return target_->Size(handle);
  }
  Result<int64_t> ModifiedNs(const backend::Handle& handle) const override {
    return target_->ModifiedNs(handle);
  }
  Status Remove(const backend::Handle& handle) override { return target_->Remove(handle); }
  Status List(backend::FileType type,
              const std::function<void(const std::string&, uint64_t)>& each) const override {
    ++counts_->lists[Index(type)];
    return target_->List(type, each);
  }
  std::string Location() const override { return target_->Location(); }
  void SetRecordPlace(const RecordPlace& place) override { counts_->record_place = place; }

 private:
  static size_t Index(backend::FileType type) { return static_cast<size_t>(type); }

  std::shared_ptr<backend::Backend> target_;
  std::shared_ptr<Counts> counts_;
};

}  // namespace stormproof::cache::testing

#endif  // STORMPROOF_TESTS_ENGINE_CACHE_COUNTING_BACKEND_H_
