// BlobStore: the blob half of a repository — packs blobs on the way in, finds and verifies
// them on the way out, and keeps the index (in memory and in index files).
//
// Writing: SaveBlob compresses outside any lock, seals straight into the open pack of its type
// under the mutex, and hands a completed pack (8 MiB) to the store's saver thread, which saves
// it under a random name, so that the threads compressing and sealing never wait for the disk
// (only for a free pack buffer, when kMaxPackBuffers are full or being saved). Only after a pack is
// saved do its blobs enter the index; a blob still in flight is tracked so that concurrent callers
// never store it twice. Index files are written every kPacksPerIndex saved packs and at Flush,
// always after the packs they name.
//
// Thread-safe.
#ifndef STORMPROOF_ENGINE_REPOSITORY_INTERNAL_BLOB_STORE_H_
#define STORMPROOF_ENGINE_REPOSITORY_INTERNAL_BLOB_STORE_H_

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/bytes.h"
#include "core/mutex.h"
#include "engine/backend/backend.h"
#include "core/result.h"
#include "engine/repository/index.h"
#include "engine/repository/index_files.h"
#include "engine/repository/repository.h"
#include "engine/repository/sealed_file.h"

namespace stormproof::repository {

// Packs of one type open or being saved at once, at most, with one saver (a local disk): bounds
// the memory of a backup to this many pack buffers per type, whatever the number of threads, and
// makes writers wait (back-pressure) when the disk falls behind. A backend that takes parallel
// saves (Backend::ParallelSaves, object storage) gets one more buffer per extra saver.
constexpr size_t kMaxPackBuffers = 3;

class BlobStore {
 public:
  struct Options {
    size_t pack_target = kPackTargetSize;     // close a pack before it would exceed this
    size_t packs_per_index = kPacksPerIndex;  // write an index file after this many packs
    // False: write no index files; the saved packs are handed out by TakeSavedPacks (repacking,
    // where the caller writes the index).
    bool write_index = true;
    // Called before every index file is written; an error stops the write (and is sticky like
    // a failed save). None: no check.
    std::function<Status()> verify_lock;
  };

  // REQUIRES: `backend` outlives this.
  BlobStore(backend::Backend& backend, const MasterKey& key, Options options);
  ~BlobStore();

  // Reads every index file into memory (at open), replacing the loaded index. An index file that
  // cannot be read is skipped and recorded (DamagedIndexFiles); errors only when the index files
  // cannot be listed. With `listing`, also lists every file and, per pack, what the files say
  // (for maintenance, from the same reads).
  // Packs this store saved whose index file is not yet written stay indexed in memory.
  Status LoadIndex(IndexListing* listing = nullptr);
  // LoadIndex when the index files differ from those loaded (and written) since the last
  // LoadIndex, or none was loaded yet; otherwise only lists them. Either way the index files are
  // listed once. Clears the packs relied on that the new index lacks.
  Status RefreshIndex();
  // Replaces the loaded index with exactly `packs` (after the index files were rewritten).
  void SetIndex(std::span<const IndexedPack> packs);
  // The index files the last LoadIndex skipped, sorted by name.
  std::vector<DamagedFile> DamagedIndexFiles() const;

  // Returns true when stored now, false when the repository already has (or is storing) it.
  // Errors: kInvalidArgument for a blob over kMaxBlobSize; the error of a failed pack save,
  // after which every further SaveBlob and Flush fails too (those blobs are lost). With `info`,
  // fills it: from the encoded payload when stored now, from the index entry when already
  // indexed, stored_payload 0 when in flight (Repository::SaveBlob, BlobSaveInfo).
  Result<bool> SaveBlob(BlobType type, const Id& id, ByteView plaintext,
                        BlobSaveInfo* info = nullptr);
  // True also for a blob still in flight (not yet in a saved pack).
  bool HasBlob(BlobType type, const Id& id) const;
  // Only blobs in saved packs. The first location (BlobIndex::Find).
  std::optional<BlobLocation> FindBlob(BlobType type, const Id& id) const;
  // Every location, first first (BlobIndex::FindAll); for a blob that lost locations to the
  // index's cap, then those the headers of its kept locations' packs list (AddHeaderLocations).
  std::vector<BlobLocation> FindBlobLocations(BlobType type, const Id& id) const;
  // Repository::LocateForRead. The copy chosen for a blob whose copies disagree is remembered
  // until the index is loaded again.
  std::optional<BlobLocation> LocateForRead(BlobType type, const Id& id) const;
  // Repository::IgnoredIndexLocations.
  IgnoredLocations IgnoredIndexLocations() const;
  // Repository::LoadBlob: tries each location in turn (LoadFirstGoodCopy).
  Result<Bytes> LoadBlob(BlobType type, const Id& id, IdCheck check = IdCheck::kRehash) const;
  // Repository::LoadBlobAt: reads only the copy at `at`.
  Result<Bytes> LoadBlobAt(BlobType type, const Id& id, const BlobLocation& at,
                           IdCheck check) const;
  // Repository::LoadBlobRun; a blob that fails in the run is tried at its other locations
  // unless `other_copies` is kNotTried.
  void LoadBlobRun(BlobType type, std::span<const std::pair<Id, BlobLocation>> blobs,
                   IdCheck check, const std::function<void(const Id&, Result<Bytes>)>& each,
                   OtherCopies other_copies = OtherCopies::kTried) const;
  // Saves the open packs, waits for packs other threads are saving, and writes an index file
  // for every saved pack not yet in one. Idempotent.
  Status Flush();

  // Confirms that every pack relied on since the index was last (re)loaded is on the backend:
  // packs holding blobs that HasBlob or SaveBlob found already stored, and packs saved here.
  // Errors: kFailedCheck naming a missing pack; the backend's error.
  Status ConfirmReliedPacks() const;

  // With Options::write_index false: the packs saved so far (call after Flush), forgotten here.
  std::vector<IndexedPack> TakeSavedPacks();

  // Visits a copy of the index taken at the call, so `each` may call back into this store:
  // every blob once, at its first location.
  void ForEachIndexedBlob(const std::function<void(const Id&, const BlobLocation&)>& each) const;
  // As ForEachIndexedBlob, but every location of every blob.
  void ForEachIndexedLocation(
      const std::function<void(const Id&, const BlobLocation&)>& each) const;
  size_t IndexedBlobCount() const;
  size_t IndexMemoryBytes() const;

 private:
  struct OpenPack;
  using PackList = std::vector<std::unique_ptr<OpenPack>>;

  // `listed`: the index files' names, when the caller listed them while counted in loading_.
  Status LoadIndexFiles(IndexListing* listing,
                        std::optional<std::vector<std::string>> listed = std::nullopt);
  Status RefreshIndexFiles();  // RefreshIndex's work. REQUIRES: counted in loading_.
  // Runs `load` counted in loading_ (index files written meanwhile are remembered for it).
  template <typename Load>
  Status WhileLoading(const Load& load) EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      ++loading_;
    }
    Status loaded = load();
    MutexLock lock(mu_);
    if (--loading_ == 0) {
      written_while_loading_.clear();
      files_written_while_loading_.clear();
    }
    return loaded;
  }
  // Returns the stored payload's size (BlobSaveInfo::stored_payload).
  Result<uint32_t> AddToPack(BlobType type, const Id& id, ByteView plaintext) EXCLUDES(mu_);
  OpenPack* PackWithRoom(BlobType type, size_t sealed_length, std::unique_ptr<OpenPack>* full)
      REQUIRES(mu_);
  std::unique_ptr<OpenPack> NewPack(BlobType type) REQUIRES(mu_);
  void SealInto(OpenPack& pack, BlobType type, const Id& id, ByteView payload, size_t raw_length)
      REQUIRES(mu_);
  Bytes TakeBuffer() REQUIRES(mu_);
  void RecycleBuffer(Bytes buffer) REQUIRES(mu_);
  Status FinishPack(OpenPack& pack);
  Status FinishPacks(const PackList& packs);
  void QueueForSaving(std::unique_ptr<OpenPack> pack);
  void SaveQueuedPacks();                             // the saver thread
  Status WriteIndex(std::vector<IndexedPack> packs);  // REQUIRES: counted in writes_pending_
  Result<crypto::Key> PackKey(const Id& pack, BlobType type) const;
  // Installs a committed index: resets what was derived from the old one.
  void ReplaceIndex(BlobIndex index) REQUIRES(mu_);
  // The first of `copies` (locations of one blob) that reads and verifies. When none does: the
  // error of a copy that failed for another reason than damage (it may read later), else of the
  // first copy; `failed`, when given, is the error of a copy tried before these.
  Result<Bytes> LoadFirstGoodCopy(BlobType type, const Id& id, std::span<const BlobLocation> copies,
                                  IdCheck check, std::optional<Error> failed) const;
  // Appends to `copies` (a blob's kept locations) the places the headers of their packs list
  // the blob at that `copies` lacks: a planted index that names a blob in more places than are
  // kept may push its true location out, the pack's authenticated header still lists it. Reads
  // one header per distinct pack (at most BlobIndex::kMaxLocationsPerBlob); unreadable ones are
  // skipped.
  void AddHeaderLocations(BlobType type, const Id& id, std::vector<BlobLocation>* copies) const;
  // Whether the index locates the blob anywhere else than `at`.
  bool HasOtherCopies(BlobType type, const Id& id, const BlobLocation& at) const;
  // LoadBlobRun's fallback for a blob that failed (`failed`) at `failed_at`: its other copies,
  // re-hashed (IdCheck::kRehash).
  Result<Bytes> LoadElsewhere(BlobType type, const Id& id, const BlobLocation& failed_at,
                              Error failed) const;

  backend::Backend& backend_;
  const MasterKey key_;
  const Options options_;

  mutable Mutex mu_;
  std::condition_variable_any packs_saved_;  // waits on mu_
  BlobIndex index_ GUARDED_BY(mu_);
  std::vector<DamagedFile> damaged_index_files_ GUARDED_BY(mu_);
  uint64_t index_generation_ GUARDED_BY(mu_) = 0;  // grows each time index_ is replaced
  // Per type: the copy LocateForRead chose for a blob whose copies disagree on its length.
  mutable std::array<std::unordered_map<Id, BlobLocation, crypto::IdHash>, 2> chosen_copies_
      GUARDED_BY(mu_);
  std::array<std::unordered_set<Id, crypto::IdHash>, 2> in_flight_ GUARDED_BY(mu_);
  std::array<std::unique_ptr<OpenPack>, 2> open_ GUARDED_BY(mu_);
  size_t writes_pending_ GUARDED_BY(mu_) = 0;  // packs closed and index files being saved
  std::array<size_t, 2> buffers_out_ GUARDED_BY(mu_) = {};  // per type: packs open or being saved
  std::vector<IndexedPack> unindexed_ GUARDED_BY(mu_);   // saved, not in an index file
  std::vector<IndexedPack> indexing_ GUARDED_BY(mu_);    // in an index file being written
  int loading_ GUARDED_BY(mu_) = 0;                      // LoadIndex calls under way
  // Index files written (and their packs) while a LoadIndex was under way, which its listing
  // may have missed.
  std::vector<IndexedPack> written_while_loading_ GUARDED_BY(mu_);
  std::vector<std::string> files_written_while_loading_ GUARDED_BY(mu_);
  // The index files index_ reflects (loaded or written here); none after SetIndex.
  std::optional<std::unordered_set<std::string>> index_files_ GUARDED_BY(mu_);
  // See ConfirmReliedPacks.
  mutable std::unordered_set<Id, crypto::IdHash> relied_packs_ GUARDED_BY(mu_);
  std::optional<Error> failure_ GUARDED_BY(mu_);          // sticky
  std::vector<Bytes> spare_buffers_ GUARDED_BY(mu_);      // empty pack buffers
  PackList save_queue_ GUARDED_BY(mu_);                   // closed packs for the saver thread
  std::condition_variable_any save_queued_;  // waits on mu_; signalled on save_queue_, stopping_
  bool stopping_ GUARDED_BY(mu_) = false;
  // Up to backend_.ParallelSaves() saver threads, started as packs are queued (under mu_).
  std::vector<std::thread> savers_ GUARDED_BY(mu_);
  const size_t parallel_saves_;
  const size_t max_pack_buffers_;  // kMaxPackBuffers + parallel_saves_ - 1

  mutable Mutex key_cache_mu_;
  mutable std::unordered_map<Id, crypto::Key, crypto::IdHash> key_cache_
      GUARDED_BY(key_cache_mu_);
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INTERNAL_BLOB_STORE_H_
