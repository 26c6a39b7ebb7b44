// The caching backend (cache.h): the inner backend's files, with snapshots, index files, marks
// and tree packs read from a local copy (internal/cache_files.h) when it checks.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <unordered_set>
#include <utility>

#include "core/mutex.h"
#include "engine/cache/cache.h"
#include "engine/cache/internal/cache_files.h"
#include "engine/crypto/crypto.h"

namespace stormproof::cache {
namespace {

using backend::FileType;
using backend::Handle;
using internal::CacheFiles;
using ListFn = std::function<void(const std::string& name, uint64_t size)>;

class CachingBackend final : public backend::Backend {
 public:
  CachingBackend(std::unique_ptr<backend::Backend> inner, CacheOptions options)
      : inner_(std::move(inner)), files_(options.directory), options_(std::move(options)) {
    created_here_ = !files_.Exists();
    if (Status prepared = files_.Prepare(); !prepared) {
      usable_ = false;
      StopWriting(prepared.error());
    }
  }

  ~CachingBackend() override {
    if (!options_.remove_when_done) {
      if (created_here_ && usable_) files_.RemoveIfEmpty();  // e.g. the bucket did not exist
      return;
    }
    std::error_code ignored;  // best effort: a folder left behind is only disk space
    std::filesystem::remove_all(options_.directory, ignored);
  }

  // Saved to the inner backend first; a copy is cached only once that succeeded.
  Status Save(const Handle& handle, ByteView data) override {
    STORMPROOF_TRY(inner_->Save(handle, data));
    if (Caches(handle) && (handle.type == FileType::kPack || IsNamedByContent(handle, data))) {
      Store(handle, data);
    }
    return Ok();
  }

  Result<Bytes> Load(const Handle& handle, uint64_t offset, uint64_t length) const override {
    if (!usable_ || !Caches(handle)) return inner_->Load(handle, offset, length);
    if (handle.type == FileType::kPack) return LoadPack(handle, offset, length);
    if (offset != 0 || length != 0) return inner_->Load(handle, offset, length);
    return LoadNamed(handle);
  }

  Result<uint64_t> Size(const Handle& handle) const override { return inner_->Size(handle); }
  Result<int64_t> ModifiedNs(const Handle& handle) const override {
    return inner_->ModifiedNs(handle);
  }

  Status Remove(const Handle& handle) override {
    Status removed = inner_->Remove(handle);
    if (usable_ && internal::IsCacheable(handle.type, handle.name)) {
      files_.Remove(handle.type, handle.name);
    }
    return removed;
  }

  // Always the inner listing; afterwards the cache forgets the files of `type` it lacks.
  Status List(FileType type, const ListFn& each) const override {
    if (!usable_ || !internal::IsCachedType(type)) return inner_->List(type, each);
    std::unordered_set<std::string> present;
    STORMPROOF_TRY(inner_->List(type, [&](const std::string& name, uint64_t size) {
      present.insert(name);
      each(name, size);
    }));
    files_.RemoveAllBut(type, present);
    return Ok();
  }

  Status RemoveStaleTemporaries(FileType type, std::chrono::seconds min_age,
                                TemporaryFiles* stats) override {
    return inner_->RemoveStaleTemporaries(type, min_age, stats);
  }

  std::string Location() const override { return inner_->Location(); }
  int ParallelSaves() const override { return inner_->ParallelSaves(); }
  Status SetRetention(const backend::Retention& retention) override {
    return inner_->SetRetention(retention);
  }
  Result<bool> HoldsRetention() const override { return inner_->HoldsRetention(); }
  // The record of earlier upkeep (RetentionUpkeep::record_folder) lives in this repository's
  // cache folder, under retention/: on this machine, private, never in the repository. None for
  // a fresh cache (removed when done) or one that cannot be used.
  Status ExtendRetention(FileType type, RetentionUpkeep* stats) override {
    if (KeepsRecords() && stats->record_folder.empty()) {
      stats->record_folder = MaintenanceRecordFolder(options_.directory);
    }
    return inner_->ExtendRetention(type, stats);
  }
  // The record of our own delete markers (Backend::SetRecordPlace) lives in the state folder
  // named after this cache folder (MarkerRecordFolder), not in the cache.
  void SetRecordPlace(const RecordPlace& place) override {
    RecordPlace filled = place;
    if (KeepsRecords() && filled.folder.empty()) {
      filled.folder = MarkerRecordFolder(options_.directory);
      if (filled.folder.empty()) {
        filled.none_because =
            "no state folder to keep it in: neither XDG_STATE_HOME (an "
            "absolute path) nor HOME is set; set one";
      }
    } else if (filled.folder.empty()) {
      filled.none_because =
          "the cache " + options_.directory +
          (options_.remove_when_done ? " is a fresh one, removed when done" : " cannot be used") +
          ": use a cache folder that is kept";
    }
    inner_->SetRecordPlace(filled);
  }
  // Hidden versions are not listed: nothing in the cache changes.
  Status PurgeExpiredVersions(HiddenVersions* stats) override {
    return inner_->PurgeExpiredVersions(stats);
  }

 private:
  // Whether this machine's records of the repository may live in the cache folder: one that is
  // kept (not a fresh cache, removed when done) and usable.
  bool KeepsRecords() const { return usable_ && writable_ && !options_.remove_when_done; }

  // Marks one pack as being downloaded by this thread; another thread that wants it waits until
  // the download is over, then finds it in the cache.
  class Download {
   public:
    Download(const CachingBackend& backend, std::string name)
        : backend_(backend), name_(std::move(name)) {
      MutexLock lock(backend_.mu_);
      while (backend_.downloading_.contains(name_)) {
        waited_ = true;
        backend_.download_done_.wait(backend_.mu_);
      }
      backend_.downloading_.insert(name_);
    }
    ~Download() {
      MutexLock lock(backend_.mu_);
      backend_.downloading_.erase(name_);
      backend_.download_done_.notify_all();
    }
    bool waited() const { return waited_; }

   private:
    const CachingBackend& backend_;
    const std::string name_;
    bool waited_ = false;
  };

  static bool Caches(const Handle& handle) {
    return internal::IsCacheable(handle.type, handle.name) &&
           (handle.type != FileType::kPack || handle.keep_whole);
  }
  static bool IsNamedByContent(const Handle& handle, ByteView data) {
    return crypto::Sha256(data).Hex() == internal::ContentHashOf(handle.type, handle.name);
  }

  // A snapshot, index file or mark, whole.
  Result<Bytes> LoadNamed(const Handle& handle) const {
    if (std::optional<Bytes> cached = files_.ReadNamed(handle.type, handle.name)) return *cached;
    STORMPROOF_ASSIGN_OR_RETURN(Bytes file, inner_->Load(handle));
    // A damaged file in the repository is handed on (the repository reports it), never cached.
    if (IsNamedByContent(handle, file)) Store(handle, file);
    return file;
  }

  // A range of a tree pack: from the cache, else the whole pack is downloaded once and cached.
  Result<Bytes> LoadPack(const Handle& handle, uint64_t offset, uint64_t length) const {
    if (auto range = files_.ReadPackRange(handle.name, offset, length)) return *range;
    if (!writable_) return inner_->Load(handle, offset, length);
    Download download(*this, handle.name);
    if (download.waited()) {
      if (auto range = files_.ReadPackRange(handle.name, offset, length)) return *range;
    }
    STORMPROOF_ASSIGN_OR_RETURN(Bytes pack, inner_->Load(handle));
    Store(handle, pack);
    if (offset > pack.size() || (length == 0 ? pack.size() - offset : length) >
                                    pack.size() - offset) {
      return inner_->Load(handle, offset, length);  // out of range: the inner backend's error
    }
    auto begin = pack.begin() + static_cast<ptrdiff_t>(offset);
    return Bytes(begin, length == 0 ? pack.end() : begin + static_cast<ptrdiff_t>(length));
  }

  // Keeps a copy; when the cache cannot be written, stops writing to it (one warning).
  void Store(const Handle& handle, ByteView data) const {
    if (!writable_) return;
    if (Status written = files_.Write(handle.type, handle.name, data); !written) {
      StopWriting(written.error());
    }
  }

  void StopWriting(const Error& why) const {
    writable_ = false;
    if (warned_.exchange(true)) return;
    std::string line = "cache " + files_.directory() + " cannot be written (" + why.message() +
                       "); going on without it";
    if (options_.on_warning) {
      options_.on_warning(line);
    } else {
      std::fprintf(stderr, "stormproof: warning: %s\n", line.c_str());
    }
  }

  const std::unique_ptr<backend::Backend> inner_;
  const CacheFiles files_;
  const CacheOptions options_;
  // False when the folder could not be prepared: then nothing in it is read, written or removed
  // (it may not exist, or belong to someone else).
  bool usable_ = true;
  bool created_here_ = false;  // the folder did not exist before this backend prepared it
  mutable std::atomic<bool> writable_{true};
  mutable std::atomic<bool> warned_{false};
  mutable Mutex mu_;
  mutable std::condition_variable_any download_done_;  // waits on mu_
  mutable std::unordered_set<std::string> downloading_ GUARDED_BY(mu_);
};

}  // namespace

Result<std::unique_ptr<backend::Backend>> NewCachingBackend(std::unique_ptr<backend::Backend> inner,
                                                            CacheOptions options) {
  if (options.directory.empty()) {
    return Error::InvalidArgument("cache: no folder given for " + inner->Location());
  }
  return std::unique_ptr<backend::Backend>(
      std::make_unique<CachingBackend>(std::move(inner), std::move(options)));
}

}  // namespace stormproof::cache
