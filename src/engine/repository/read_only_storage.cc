#include "engine/repository/internal/read_only_storage.h"

#include <cassert>
#include <utility>

namespace stormproof::repository {
namespace {

using backend::FileType;
using backend::Handle;

class ReadOnlyStorage final : public backend::Backend {
 public:
  ReadOnlyStorage(std::unique_ptr<backend::Backend> inner, Error why)
      : inner_(std::move(inner)), why_(std::move(why)) {}

  Status Save(const Handle& handle, ByteView data) override {
    if (handle.type != FileType::kLock) return why_;
    return inner_->Save(handle, data);
  }
  Result<Bytes> Load(const Handle& handle, uint64_t offset, uint64_t length) const override {
    return inner_->Load(handle, offset, length);
  }
  Result<uint64_t> Size(const Handle& handle) const override { return inner_->Size(handle); }
  Result<int64_t> ModifiedNs(const Handle& handle) const override {
    return inner_->ModifiedNs(handle);
  }
  Status Remove(const Handle& handle) override {
    if (handle.type != FileType::kLock) return why_;
    return inner_->Remove(handle);
  }
  Status List(FileType type,
              const std::function<void(const std::string&, uint64_t)>& each) const override {
    return inner_->List(type, each);
  }
  Status RemoveStaleTemporaries(FileType type, std::chrono::seconds min_age,
                                TemporaryFiles* stats) override {
    if (type != FileType::kLock) return why_;
    return inner_->RemoveStaleTemporaries(type, min_age, stats);
  }
  int ParallelSaves() const override { return inner_->ParallelSaves(); }
  std::string Location() const override { return inner_->Location(); }
  Status SetRetention(const backend::Retention&) override { return why_; }
  // What the storage can keep, not what this view lets be written.
  Result<bool> HoldsRetention() const override { return inner_->HoldsRetention(); }
  void SetRecordPlace(const RecordPlace& place) override { inner_->SetRecordPlace(place); }
  Status ExtendRetention(FileType type, RetentionUpkeep* stats) override {
    return inner_->ExtendRetention(type, stats);
  }
  Status SetUpkeepRetention(const backend::Retention& retention) {
    return inner_->SetRetention(retention);
  }

 private:
  std::unique_ptr<backend::Backend> inner_;
  const Error why_;
};

}  // namespace

std::unique_ptr<backend::Backend> RefuseWrites(std::unique_ptr<backend::Backend> inner, Error why) {
  return std::make_unique<ReadOnlyStorage>(std::move(inner), std::move(why));
}

Status SetUpkeepRetention(backend::Backend& refusing, const backend::Retention& retention) {
  auto* storage = dynamic_cast<ReadOnlyStorage*>(&refusing);
  assert(storage != nullptr);
  return storage->SetUpkeepRetention(retention);
}

}  // namespace stormproof::repository
