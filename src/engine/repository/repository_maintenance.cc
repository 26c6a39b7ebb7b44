// Repository maintenance: listing and rewriting the index, copying blobs into new packs.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/repository/blob_store.h"
#include "engine/repository/index_files.h"
#include "engine/repository/repository.h"
#include "engine/repository/repository_impl.h"

namespace stormproof::repository {
namespace {

// Copies blobs from `from` into `to` on several threads; the first error stops the copy.
class BlobCopier {
 public:
  BlobCopier(const BlobStore& from, BlobStore& to, std::span<const BlobRef> blobs,
             const std::function<void(uint64_t)>& progress)
      : from_(from), to_(to), blobs_(blobs), progress_(progress) {}

  Status Run() {
    unsigned threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), 4));
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) workers.emplace_back([this] { Work(); });
    Work();
    for (std::thread& w : workers) w.join();
    if (error_) return *error_;
    return Ok();
  }

 private:
  void Work() {
    for (size_t i = next_++; i < blobs_.size() && !failed_; i = next_++) {
      Status copied = Copy(blobs_[i]);
      if (!copied) {
        std::lock_guard lock(mu_);
        if (!error_) error_ = copied.error();
        failed_ = true;
      }
    }
  }

  Status Copy(const BlobRef& blob) {
    STORMPROOF_ASSIGN_OR_RETURN(Bytes plain, from_.LoadBlob(blob.type, blob.id, IdCheck::kRehash));
    STORMPROOF_TRY(to_.SaveBlob(blob.type, blob.id, plain));
    std::lock_guard lock(mu_);
    bytes_ += plain.size();
    if (progress_) progress_(bytes_);
    return Ok();
  }

  const BlobStore& from_;
  BlobStore& to_;
  std::span<const BlobRef> blobs_;
  const std::function<void(uint64_t)>& progress_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::optional<Error> error_;  // guarded by mu_
  uint64_t bytes_ = 0;          // guarded by mu_
};

}  // namespace

Status Repository::ReloadIndex() { return impl_->blobs.LoadIndex(); }

std::vector<DamagedFile> Repository::DamagedIndexFiles() const {
  return impl_->blobs.DamagedIndexFiles();
}

Result<IndexListing> Repository::ListIndex() {
  IndexListing listing;
  STORMPROOF_TRY(impl_->blobs.LoadIndex(&listing));
  std::vector<DamagedFile> damaged = impl_->blobs.DamagedIndexFiles();
  if (!damaged.empty()) {
    return Error::FailedCheck("index " + damaged.front().name + ": " + damaged.front().reason);
  }
  return listing;
}

Result<std::vector<IndexedPack>> Repository::CopyBlobsToNewPacks(
    std::span<const BlobRef> blobs, const std::function<void(uint64_t bytes)>& progress) {
  BlobStore::Options options;
  options.write_index = false;
  BlobStore target(*backend_, impl_->master, options);
  STORMPROOF_TRY(BlobCopier(impl_->blobs, target, blobs, progress).Run());
  STORMPROOF_TRY(target.Flush());
  return target.TakeSavedPacks();
}

Status Repository::RewriteIndex(std::span<const IndexedPack> packs,
                                std::span<const std::string> replaced) {
  std::vector<std::string> written;
  for (size_t begin = 0; begin < packs.size(); begin += kPacksPerIndex) {
    size_t count = std::min(kPacksPerIndex, packs.size() - begin);
    STORMPROOF_TRY(VerifyLocks());
    STORMPROOF_ASSIGN_OR_RETURN(std::string name, SaveIndexFile(*backend_, impl_->master.encryption,
                                                                packs.subspan(begin, count)));
    written.push_back(std::move(name));
    Status held = VerifyLocks();
    if (!held && held.error().code() == ErrorCode::kLocked) {
      // Lost while writing: stop before removing anything. Others may already rely on what we
      // wrote; keep what names existing packs (the old index files all remain).
      for (size_t i = 0; i < written.size(); ++i) {
        size_t first = i * kPacksPerIndex;
        (void)KeepOnlyExistingPacks(
            *backend_, impl_->master.encryption, written[i],
            packs.subspan(first, std::min(kPacksPerIndex, packs.size() - first)));
      }
      return held.error();
    }
  }
  for (const std::string& name : replaced) {
    // An identical file just rewritten has the same name: keep it.
    if (std::find(written.begin(), written.end(), name) != written.end()) continue;
    STORMPROOF_TRY(VerifyLocks());
    Status removed = backend_->Remove({backend::FileType::kIndex, name});
    if (!removed) return removed.error().WithContext("removing index " + name);
  }
  impl_->blobs.SetIndex(packs);
  return Ok();
}

}  // namespace stormproof::repository
