#include "engine/repository/maintenance.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "engine/repository/internal/blob_store.h"
#include "engine/repository/index.h"
#include "engine/repository/lock.h"
#include "engine/repository/internal/repository_impl.h"

namespace stormproof::repository {
namespace {

using backend::FileType;

// Copies blobs from `from` into `to` on several threads; the first error stops the copy.
class BlobCopier {
 public:
  BlobCopier(const BlobStore& from, BlobStore& to, std::span<const BlobRef> blobs,
             const ProgressFn& progress)
      : from_(from), to_(to), blobs_(blobs), progress_(progress) {}

  Status Run() EXCLUDES(mu_) {
    unsigned threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), 4));
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) workers.emplace_back([this] { Work(); });
    Work();
    for (std::thread& w : workers) w.join();
    MutexLock lock(mu_);
    if (error_) return *error_;
    return Ok();
  }

 private:
  void Work() EXCLUDES(mu_) {
    for (size_t i = next_++; i < blobs_.size() && !failed_; i = next_++) {
      Status copied = Copy(blobs_[i]);
      if (!copied) {
        MutexLock lock(mu_);
        if (!error_) error_ = copied.error();
        failed_ = true;
      }
    }
  }

  Status Copy(const BlobRef& blob) EXCLUDES(mu_) {
    STORMPROOF_ASSIGN_OR_RETURN(Bytes plain, from_.LoadBlob(blob.type, blob.id, IdCheck::kRehash));
    STORMPROOF_TRY(to_.SaveBlob(blob.type, blob.id, plain));
    MutexLock lock(mu_);
    bytes_ += plain.size();
    if (progress_) progress_(ProgressEvent().Count(ProgressUnit::kBytes, bytes_));
    return Ok();
  }

  const BlobStore& from_;
  BlobStore& to_;
  std::span<const BlobRef> blobs_;
  const ProgressFn& progress_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  Mutex mu_;
  std::optional<Error> error_ GUARDED_BY(mu_);
  uint64_t bytes_ GUARDED_BY(mu_) = 0;
};

}  // namespace

Result<std::unique_ptr<Maintenance>> Maintenance::Begin(Repository& repo,
                                                        std::chrono::milliseconds wait,
                                                        const Repository::LockWaitFn& on_wait) {
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<Lock> lock,
                              repo.AcquireLock(Repository::LockKind::kExclusive, wait, on_wait));
  // Before anything is changed: credentials that may not delete (a backup host's) stop here.
  STORMPROOF_TRY(repo.CheckMayDelete());
  return std::unique_ptr<Maintenance>(new Maintenance(repo, std::move(lock)));
}

Maintenance::Maintenance(Repository& repo, std::unique_ptr<Lock> lock)
    : repo_(repo), lock_(std::move(lock)) {}

Maintenance::~Maintenance() = default;

Status Maintenance::VerifyLock() { return lock_->Verify(); }

Result<std::vector<IndexedPack>> Maintenance::CopyBlobsToNewPacks(std::span<const BlobRef> blobs,
                                                                  const ProgressFn& progress) {
  BlobStore::Options options;
  options.write_index = false;
  BlobStore target(*repo_.backend_, repo_.impl_->master, options);
  STORMPROOF_TRY(BlobCopier(repo_.impl_->blobs, target, blobs, progress).Run());
  STORMPROOF_TRY(target.Flush());
  return target.TakeSavedPacks();
}

Status Maintenance::RewriteIndex(std::span<const IndexedPack> packs,
                                 std::span<const std::string> replaced) {
  STORMPROOF_TRY(VerifyLock());  // never rewrite the index on a lock that was lost
  backend::Backend& backend = *repo_.backend_;
  const crypto::Key& master = repo_.impl_->master.encryption;
  std::vector<std::string> written;
  for (size_t begin = 0; begin < packs.size(); begin += kPacksPerIndex) {
    size_t count = std::min(kPacksPerIndex, packs.size() - begin);
    STORMPROOF_TRY(repo_.VerifyLocks());
    STORMPROOF_ASSIGN_OR_RETURN(std::string name,
                                SaveIndexFile(backend, master, packs.subspan(begin, count)));
    written.push_back(std::move(name));
    Status held = repo_.VerifyLocks();
    if (!held && held.error().code() == ErrorCode::kLocked) {
      // Lost while writing: stop before removing anything. Others may already rely on what we
      // wrote; keep what names existing packs (the old index files all remain).
      for (size_t i = 0; i < written.size(); ++i) {
        size_t first = i * kPacksPerIndex;
        (void)KeepOnlyExistingPacks(
            backend, master, written[i],
            packs.subspan(first, std::min(kPacksPerIndex, packs.size() - first)));
      }
      return held.error();
    }
  }
  for (const std::string& name : replaced) {
    // An identical file just rewritten has the same name: keep it.
    if (std::find(written.begin(), written.end(), name) != written.end()) continue;
    STORMPROOF_TRY(repo_.VerifyLocks());
    Status removed = backend.Remove({FileType::kIndex, name});
    if (!removed) return removed.error().WithContext("removing index " + name);
  }
  repo_.impl_->blobs.SetIndex(packs);
  return Ok();
}

Status Maintenance::RemovePack(const Id& pack) {
  STORMPROOF_TRY(VerifyLock());
  Status removed = repo_.backend_->Remove({FileType::kPack, pack.Hex()});
  if (!removed) return removed.error().WithContext("deleting pack " + pack.Hex());
  return removed;
}

Status Maintenance::RemoveSnapshot(const Id& id) { return repo_.RemoveSnapshot(id); }

Status Maintenance::RemoveSnapshotFile(const std::string& name) {
  return repo_.backend_->Remove({FileType::kSnapshot, name});
}

Result<uint64_t> Maintenance::RemoveReleasedLocks() {
  return repository::RemoveReleasedLocks(*repo_.backend_);
}

Status Maintenance::RemoveStaleTemporaries(std::chrono::seconds min_age,
                                           backend::Backend::TemporaryFiles* removed) {
  for (FileType type :
       {FileType::kPack, FileType::kIndex, FileType::kSnapshot, FileType::kEvidence}) {
    STORMPROOF_TRY(repo_.backend_->RemoveStaleTemporaries(type, min_age, removed));
  }
  return Ok();
}

Status Maintenance::ExtendRetention(backend::Backend::RetentionUpkeep* stats) {
  STORMPROOF_TRY(VerifyLock());
  return repo_.ExtendRetention(stats);
}

Status Maintenance::PurgeExpiredVersions(backend::Backend::HiddenVersions* stats) {
  STORMPROOF_TRY(VerifyLock());
  return repo_.backend_->PurgeExpiredVersions(stats);
}

Error WithRetentionKept(const Error& error, const backend::Backend::RetentionUpkeep& kept) {
  if (kept.checked == 0 && kept.retained_as_recorded == 0 && kept.overwritten == 0) return error;
  std::string done = "; the retention upkeep ran first: " + std::to_string(kept.extended) + " of " +
                     std::to_string(kept.checked) + " file(s) " +
                     (kept.dry_run ? "would be extended" : "extended");
  if (kept.retained_as_recorded > 0) {
    done += ", " + std::to_string(kept.retained_as_recorded) +
            " known retained from the record of earlier upkeep";
  }
  if (kept.overwritten > 0) {
    done += ", " + std::to_string(kept.overwritten) +
            " file(s) were overwritten after they were written (an attack or a faulty tool: run "
            "'stormproof check --read-data' and see 'repair --as-of')";
  }
  return Error(error.code(), error.message() + done);
}

Result<backend::Backend::RetentionUpkeep> KeepRetentionThenMaintain(Repository& repo,
                                                                    const RetentionFirst& first,
                                                                    const MaintenanceWork& work) {
  backend::Backend::RetentionUpkeep kept;
  STORMPROOF_TRY(repo.KeepRetention(first.trusted, &kept));
  if (first.may_maintain) {
    if (Status may = first.may_maintain(repo); !may) return WithRetentionKept(may.error(), kept);
  }
  if (const std::optional<Error>& why = repo.read_only_reason()) {
    return WithRetentionKept(*why, kept);
  }
  if (!work) return kept;
  auto maintenance = Maintenance::Begin(repo, first.wait, first.on_wait);
  if (!maintenance) return WithRetentionKept(maintenance.error(), kept);
  STORMPROOF_TRY(work(**maintenance, kept));
  return kept;
}

}  // namespace stormproof::repository
