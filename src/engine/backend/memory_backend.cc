// The in-memory backend for tests: the same contract as a local directory (names validated the
// same way, config written once, truncated reads are errors), nothing on disk.
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "core/time.h"
#include "engine/backend/backend.h"
#include "engine/backend/internal/contract.h"

namespace stormproof::backend {
namespace {

using ListCallback = std::function<void(const std::string& name, uint64_t size)>;

// Thread-safe: files_ is guarded by mutex_. Stored contents are immutable and shared, so Save
// copies and Load slices outside the lock.
class MemoryBackend final : public Backend {
 public:
  explicit MemoryBackend(std::function<int64_t()> clock) : clock_(std::move(clock)) {}
  Status Save(const Handle& handle, ByteView data) override;
  Result<Bytes> Load(const Handle& handle, uint64_t offset, uint64_t length) const override;
  Result<uint64_t> Size(const Handle& handle) const override;
  Result<int64_t> ModifiedNs(const Handle& handle) const override;
  Status Remove(const Handle& handle) override;
  Status List(FileType type, const ListCallback& each) const override;
  std::string Location() const override { return "memory:"; }

 private:
  using Key = std::pair<FileType, std::string>;
  using Content = std::shared_ptr<const Bytes>;
  struct File {
    Content content;
    int64_t modified_ns = 0;
  };

  static Key KeyOf(const Handle& handle) {
    return {handle.type, handle.type == FileType::kConfig ? "config" : handle.name};
  }
  static std::string Describe(const Handle& handle) {
    return "memory:" + internal::RelativePath(handle);
  }
  // The file stored under `handle`, or kNotFound.
  Result<File> Find(const Handle& handle) const EXCLUDES(mutex_);

  const std::function<int64_t()> clock_;
  mutable Mutex mutex_;
  std::map<Key, File> files_ GUARDED_BY(mutex_);
};

Status MemoryBackend::Save(const Handle& handle, ByteView data) {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  File file{std::make_shared<const Bytes>(data.begin(), data.end()), clock_()};
  MutexLock lock(mutex_);
  auto [it, inserted] = files_.try_emplace(KeyOf(handle), file);
  if (inserted) return Ok();
  if (handle.type == FileType::kConfig) {
    return Error::InvalidArgument(Describe(handle) +
                                  ": already exists; a repository's config is written once");
  }
  it->second = std::move(file);
  return Ok();
}

Result<MemoryBackend::File> MemoryBackend::Find(const Handle& handle) const {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  MutexLock lock(mutex_);
  auto it = files_.find(KeyOf(handle));
  if (it == files_.end()) return Error::NotFound(Describe(handle) + ": no such file");
  return it->second;
}

Result<Bytes> MemoryBackend::Load(const Handle& handle, uint64_t offset, uint64_t length) const {
  STORMPROOF_ASSIGN_OR_RETURN(File file, Find(handle));
  const Content& content = file.content;
  STORMPROOF_ASSIGN_OR_RETURN(
      internal::ByteRange range,
      internal::ResolveRange(Describe(handle), content->size(), offset, length));
  auto begin = content->begin() + static_cast<std::ptrdiff_t>(range.offset);
  return Bytes(begin, begin + static_cast<std::ptrdiff_t>(range.length));
}

Result<uint64_t> MemoryBackend::Size(const Handle& handle) const {
  STORMPROOF_ASSIGN_OR_RETURN(File file, Find(handle));
  return static_cast<uint64_t>(file.content->size());
}

Result<int64_t> MemoryBackend::ModifiedNs(const Handle& handle) const {
  STORMPROOF_ASSIGN_OR_RETURN(File file, Find(handle));
  return file.modified_ns;
}

Status MemoryBackend::Remove(const Handle& handle) {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  MutexLock lock(mutex_);
  files_.erase(KeyOf(handle));
  return Ok();
}

Status MemoryBackend::List(FileType type, const ListCallback& each) const {
  std::vector<std::pair<std::string, uint64_t>> found;
  {
    MutexLock lock(mutex_);
    for (auto it = files_.lower_bound({type, ""}); it != files_.end() && it->first.first == type;
         ++it) {
      found.emplace_back(it->first.second, it->second.content->size());
    }
  }
  for (const auto& [name, size] : found) each(name, size);  // unlocked: `each` may call us
  return Ok();
}

}  // namespace

std::unique_ptr<Backend> NewMemoryBackend(std::function<int64_t()> clock) {
  return std::make_unique<MemoryBackend>(clock ? std::move(clock) : SystemNowNs);
}

}  // namespace stormproof::backend
