// The in-memory backend for tests: the same contract as a local directory (names validated the
// same way, config written once, truncated reads are errors), nothing on disk. The retaining
// variant also keeps S3 Object Lock's semantics: retain-until dates, hidden versions, expiry.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
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
  enum class Retaining { kNo, kYes };
  MemoryBackend(std::function<int64_t()> clock, Retaining retaining)
      : clock_(std::move(clock)), retaining_(retaining) {}
  Status Save(const Handle& handle, ByteView data) override;
  Result<Bytes> Load(const Handle& handle, uint64_t offset, uint64_t length) const override;
  Result<uint64_t> Size(const Handle& handle) const override;
  Result<int64_t> ModifiedNs(const Handle& handle) const override;
  Status Remove(const Handle& handle) override;
  Status List(FileType type, const ListCallback& each) const override;
  std::string Location() const override { return "memory:"; }
  Status SetRetention(const Retention& retention) override;
  Status ExtendRetention(FileType type, RetentionUpkeep* stats) override;
  Status PurgeExpiredVersions(HiddenVersions* stats) override;
  // The latest retain-until date of a version of `handle`, current or hidden (0: none
  // retained); kNotFound when no version is stored.
  Result<int64_t> RetainedUntilNs(const Handle& handle) const EXCLUDES(mutex_);

 private:
  using Key = std::pair<FileType, std::string>;
  using Content = std::shared_ptr<const Bytes>;
  struct File {
    Content content;
    int64_t modified_ns = 0;
    int64_t retain_until_ns = 0;  // 0: not retained
  };
  // A version Remove or a Save over it hid (S3: noncurrent, behind a delete marker).
  struct Hidden {
    Key key;
    uint64_t size = 0;
    int64_t retain_until_ns = 0;
  };

  static Key KeyOf(const Handle& handle) {
    return {handle.type, handle.type == FileType::kConfig ? "config" : handle.name};
  }
  static std::string Describe(const Handle& handle) {
    return "memory:" + internal::RelativePath(handle);
  }
  // The file stored under `handle`, or kNotFound.
  Result<File> Find(const Handle& handle) const EXCLUDES(mutex_);
  // Keeps `file`'s version, under retention, among the hidden ones (versioned storage).
  void Hide(const Key& key, const File& file) REQUIRES(mutex_);

  const std::function<int64_t()> clock_;
  const Retaining retaining_;
  mutable Mutex mutex_;
  std::map<Key, File> files_ GUARDED_BY(mutex_);
  std::optional<Retention> retention_ GUARDED_BY(mutex_);
  std::vector<Hidden> hidden_ GUARDED_BY(mutex_);
};

Status MemoryBackend::SetRetention(const Retention& retention) {
  if (retaining_ == Retaining::kNo) return Backend::SetRetention(retention);
  if (retention.days < 1) {
    return Error::InvalidArgument("memory:: an Object Lock retention needs at least 1 day");
  }
  MutexLock lock(mutex_);
  retention_ = retention;
  return Ok();
}

void MemoryBackend::Hide(const Key& key, const File& file) {
  if (retention_) hidden_.push_back(Hidden{key, file.content->size(), file.retain_until_ns});
}

Status MemoryBackend::ExtendRetention(FileType type, RetentionUpkeep* stats) {
  MutexLock lock(mutex_);
  if (!retention_) return Ok();
  const int64_t now = clock_();
  const int64_t spare = int64_t{RetentionSpareDays(*retention_)} * kNsPerDay;
  const int64_t needed = now + int64_t{retention_->days} * kNsPerDay;
  for (auto it = files_.lower_bound({type, ""}); it != files_.end() && it->first.first == type;
       ++it) {
    File& file = it->second;
    if (file.modified_ns >= now - spare) continue;  // saved with days + E: enough (S3 alike)
    ++stats->checked;
    if (file.retain_until_ns >= needed) continue;
    if (!stats->dry_run) file.retain_until_ns = needed + spare;
    ++stats->extended;
  }
  return Ok();
}

Status MemoryBackend::PurgeExpiredVersions(HiddenVersions* stats) {
  MutexLock lock(mutex_);
  const int64_t now = clock_();
  std::erase_if(hidden_, [&](const Hidden& h) {
    if (h.retain_until_ns <= now) {
      ++stats->purged_files;
      stats->purged_bytes += h.size;
      return true;
    }
    ++stats->retained_files;
    stats->retained_bytes += h.size;
    if (stats->earliest_release_ns == 0 || h.retain_until_ns < stats->earliest_release_ns) {
      stats->earliest_release_ns = h.retain_until_ns;
    }
    return false;
  });
  return Ok();
}

Result<int64_t> MemoryBackend::RetainedUntilNs(const Handle& handle) const {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  const Key key = KeyOf(handle);
  MutexLock lock(mutex_);
  std::optional<int64_t> latest;
  if (auto it = files_.find(key); it != files_.end()) latest = it->second.retain_until_ns;
  for (const Hidden& h : hidden_) {
    if (h.key == key) latest = std::max(latest.value_or(0), h.retain_until_ns);
  }
  if (!latest) return Error::NotFound(Describe(handle) + ": no version stored");
  return *latest;
}

Status MemoryBackend::Save(const Handle& handle, ByteView data) {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  File file{std::make_shared<const Bytes>(data.begin(), data.end()), clock_()};
  MutexLock lock(mutex_);
  if (retention_ && handle.type != FileType::kLock) {
    int days = retention_->days + RetentionSpareDays(*retention_);
    file.retain_until_ns = file.modified_ns + int64_t{days} * kNsPerDay;
  }
  auto [it, inserted] = files_.try_emplace(KeyOf(handle), file);
  if (inserted) return Ok();
  if (handle.type == FileType::kConfig) {
    return Error::InvalidArgument(Describe(handle) +
                                  ": already exists; a repository's config is written once");
  }
  it->second = std::move(file);  // replaced: S3 keeps the old version, never purged (unmodelled)
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
  auto it = files_.find(KeyOf(handle));
  if (it == files_.end()) return Ok();
  Hide(it->first, it->second);
  files_.erase(it);
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
  return std::make_unique<MemoryBackend>(clock ? std::move(clock) : SystemNowNs,
                                         MemoryBackend::Retaining::kNo);
}

std::unique_ptr<Backend> NewRetainingMemoryBackend(std::function<int64_t()> clock) {
  return std::make_unique<MemoryBackend>(clock ? std::move(clock) : SystemNowNs,
                                         MemoryBackend::Retaining::kYes);
}

Result<int64_t> RetainedUntilNsForTesting(const Backend& retaining_memory_backend,
                                          const Handle& handle) {
  const auto* memory = dynamic_cast<const MemoryBackend*>(&retaining_memory_backend);
  if (memory == nullptr) return Error::InvalidArgument("not a memory backend");
  return memory->RetainedUntilNs(handle);
}

}  // namespace stormproof::backend
