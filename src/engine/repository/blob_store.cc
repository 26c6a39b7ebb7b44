// BlobStore's write path: SaveBlob, packing, Flush.
#include "engine/repository/internal/blob_store.h"

#include <algorithm>
#include <string>
#include <utility>

#include "engine/repository/compress.h"
#include "engine/repository/index_files.h"
#include "engine/repository/pack.h"

namespace stormproof::repository {
namespace {

// A thread keeps at most this much compression scratch: a default chunk (1 MiB) fits; a larger
// tree blob gets a buffer of its own.
constexpr size_t kKeepScratch = 2u << 20;

// Pack buffers are reused (pages already mapped): this many are kept, of this capacity.
constexpr size_t kSpareBuffers = 2;
constexpr size_t kPackBufferSize = kPackTargetSize;

size_t TypeIndex(BlobType type) { return static_cast<size_t>(type); }

// The stored payload size (BlobSaveInfo) an index entry implies: its sealed length without the
// sealing overhead and the payload's marker byte; 0 for an entry too short to hold them.
uint32_t StoredPayloadOf(const BlobLocation& at) {
  constexpr size_t kOverhead = crypto::kSealOverhead + 1;
  return at.length > kOverhead ? static_cast<uint32_t>(at.length - kOverhead) : 0;
}

}  // namespace

struct BlobStore::OpenPack {
  BlobType type = BlobType::kData;
  crypto::Key key;
  Bytes buffer;  // salt || sealed blobs appended so far
  std::vector<PackEntry> entries;
};

BlobStore::BlobStore(backend::Backend& backend, const MasterKey& key, Options options)
    : backend_(backend),
      key_(key),
      options_(options),
      parallel_saves_(static_cast<size_t>(std::max(1, backend.ParallelSaves()))),
      max_pack_buffers_(kMaxPackBuffers + parallel_saves_ - 1) {}

// Packs still queued are saved (they become orphans unless Flush indexes them; prune removes
// those) before the saver threads end.
BlobStore::~BlobStore() {
  std::vector<std::thread> savers;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    savers.swap(savers_);
  }
  save_queued_.notify_all();
  for (std::thread& saver : savers) saver.join();
}

Result<bool> BlobStore::SaveBlob(BlobType type, const Id& id, ByteView plaintext,
                                 BlobSaveInfo* info) {
  BlobSaveInfo ignored;
  if (info == nullptr) info = &ignored;
  *info = {};
  if (plaintext.size() > kMaxBlobSize) {
    return Error::InvalidArgument("blob " + id.Hex() + " has " + std::to_string(plaintext.size()) +
                                  " bytes, more than the limit of " +
                                  std::to_string(kMaxBlobSize >> 20) + " MiB");
  }
  {
    MutexLock lock(mu_);
    if (failure_) return *failure_;
    if (auto at = index_.Find(type, id)) {
      relied_packs_.insert(at->pack);
      info->stored_payload = StoredPayloadOf(*at);
      return false;
    }
    if (!in_flight_[TypeIndex(type)].insert(id).second) return false;
  }
  STORMPROOF_ASSIGN_OR_RETURN(info->stored_payload, AddToPack(type, id, plaintext));
  info->added = true;
  return true;
}

// Compresses outside the mutex, then seals straight into the open pack under it: AES-GCM runs
// at several GB/s (about 50 us for a 256 KiB blob), and sealing in place saves a scratch buffer
// per thread and a copy of every byte. A thread that closes a full pack queues it for the saver
// thread and retries; threads waiting for a pack buffer never hold one, so this cannot deadlock.
Result<uint32_t> BlobStore::AddToPack(BlobType type, const Id& id, ByteView plaintext) {
  thread_local Bytes payload;  // scratch, reused to avoid page faults
  EncodePayload(plaintext, &payload);
  const auto stored_payload = static_cast<uint32_t>(payload.size() - 1);  // without the marker
  const size_t sealed_length = payload.size() + crypto::kSealOverhead;
  for (;;) {
    std::unique_ptr<OpenPack> full;
    {
      MutexLock lock(mu_);
      OpenPack* pack = PackWithRoom(type, sealed_length, &full);
      if (pack != nullptr) {
        SealInto(*pack, type, id, payload, plaintext.size());
        break;
      }
    }
    QueueForSaving(std::move(full));
  }
  if (payload.capacity() > kKeepScratch) Bytes().swap(payload);
  return stored_payload;
}

// REQUIRES: `pack` is closed and counted in writes_pending_.
void BlobStore::QueueForSaving(std::unique_ptr<OpenPack> pack) {
  {
    MutexLock lock(mu_);
    save_queue_.push_back(std::move(pack));
    if (savers_.size() < parallel_saves_) savers_.emplace_back([this] { SaveQueuedPacks(); });
  }
  save_queued_.notify_one();
}

// A saver thread: saves queued packs, oldest first, until the store is destroyed and the queue
// is empty. A failed save is recorded in failure_ by FinishPack (which is thread-safe: several
// savers and Flush may finish packs at once).
void BlobStore::SaveQueuedPacks() {
  for (;;) {
    std::unique_ptr<OpenPack> pack;
    {
      MutexLock lock(mu_);
      while (!stopping_ && save_queue_.empty()) save_queued_.wait(mu_);
      if (save_queue_.empty()) return;
      pack = std::move(save_queue_.front());
      save_queue_.erase(save_queue_.begin());
    }
    (void)FinishPack(*pack);
  }
}

// The open pack of `type` if it has room for `sealed_length` more bytes and one more header
// entry within the pack target size (or is empty, whatever the blob's size), opening
// one when there is none, after waiting while kMaxPackBuffers packs of the type are open or
// being saved. Returns null with the full open pack closed into *full (for the caller to save)
// when it has no room. Waiting releases mu_ meanwhile.
BlobStore::OpenPack* BlobStore::PackWithRoom(BlobType type, size_t sealed_length,
                                             std::unique_ptr<OpenPack>* full) {
  const size_t t = TypeIndex(type);
  for (;;) {
    std::unique_ptr<OpenPack>& open = open_[t];
    if (open && (open->entries.empty() ||
                 open->buffer.size() + sealed_length + PackTrailerSize(open->entries.size() + 1) <=
                     options_.pack_target)) {
      return open.get();
    }
    if (open) {
      ++writes_pending_;
      *full = std::move(open);
      return nullptr;
    }
    if (buffers_out_[t] < max_pack_buffers_) {
      open = NewPack(type);
      return open.get();
    }
    packs_saved_.wait(mu_);
  }
}

std::unique_ptr<BlobStore::OpenPack> BlobStore::NewPack(BlobType type) {
  auto pack = std::make_unique<OpenPack>();
  pack->type = type;
  pack->buffer = TakeBuffer();
  ++buffers_out_[TypeIndex(type)];
  pack->buffer.resize(crypto::kSaltSize);
  crypto::RandomBytes(pack->buffer.data(), crypto::kSaltSize);
  pack->key = crypto::DeriveSubkey(key_.encryption, pack->buffer);
  return pack;
}

// Appends `payload` sealed for blob `id` to `pack`.
void BlobStore::SealInto(OpenPack& pack, BlobType type, const Id& id, ByteView payload,
                         size_t raw_length) {
  const size_t offset = pack.buffer.size();
  crypto::SealAppend(pack.key, payload, BlobAssociatedData(type, id), &pack.buffer);
  pack.entries.push_back({type, id, static_cast<uint32_t>(offset),
                          static_cast<uint32_t>(pack.buffer.size() - offset),
                          static_cast<uint32_t>(raw_length)});
}

// Finishes every pack in `packs` (even after a failure); returns the first error.
Status BlobStore::FinishPacks(const PackList& packs) {
  Status status = Ok();
  for (const auto& p : packs) {
    Status finished = FinishPack(*p);
    if (!finished && status) status = finished;
  }
  return status;
}

Bytes BlobStore::TakeBuffer() {
  if (!spare_buffers_.empty()) {
    Bytes buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
    return buffer;
  }
  Bytes buffer;
  buffer.reserve(std::min(kPackBufferSize, options_.pack_target));
  return buffer;
}

// Seals the header, saves the pack under a random name and indexes its blobs. REQUIRES: the
// pack is closed (this thread owns it) and is counted in writes_pending_.
Status BlobStore::FinishPack(OpenPack& pack) {
  AppendPackHeader(pack.key, pack.entries, &pack.buffer);
  Id name;
  crypto::RandomBytes(name.bytes.data(), name.bytes.size());
  Status saved = backend_.Save({backend::FileType::kPack, name.Hex(), pack.type == BlobType::kTree},
                               pack.buffer);
  std::vector<IndexedPack> index_now;
  {
    MutexLock lock(mu_);
    --writes_pending_;
    --buffers_out_[TypeIndex(pack.type)];
    RecycleBuffer(std::move(pack.buffer));
    for (const PackEntry& e : pack.entries) in_flight_[TypeIndex(e.type)].erase(e.id);
    if (!saved) {
      if (!failure_) failure_ = saved.error().WithContext("saving pack " + name.Hex());
      packs_saved_.notify_all();
      return *failure_;
    }
    index_.Add(name, pack.entries);
    relied_packs_.insert(name);
    unindexed_.push_back({name, std::move(pack.entries)});
    if (options_.write_index && unindexed_.size() >= options_.packs_per_index) {
      index_now.swap(unindexed_);
      indexing_.insert(indexing_.end(), index_now.begin(), index_now.end());
      ++writes_pending_;
    }
    packs_saved_.notify_all();
  }
  if (index_now.empty()) return Ok();
  return WriteIndex(std::move(index_now));
}

void BlobStore::RecycleBuffer(Bytes buffer) {
  if (spare_buffers_.size() < kSpareBuffers && buffer.capacity() <= kPackBufferSize) {
    buffer.clear();
    spare_buffers_.push_back(std::move(buffer));
  }
}

// Writes one index file for `packs` (already in indexing_), after verifying the lock.
Status BlobStore::WriteIndex(std::vector<IndexedPack> packs) {
  Status allowed = options_.verify_lock ? options_.verify_lock() : Ok();
  Result<std::string> saved = allowed ? SaveIndexFile(backend_, key_.encryption, packs)
                                      : Result<std::string>(allowed.error());
  if (saved && options_.verify_lock) {
    // Lost while writing: a prune may have removed some of its packs meanwhile. (An error that
    // only says the lock could not be read keeps the file: it names saved packs.)
    allowed = options_.verify_lock();
    if (!allowed && allowed.error().code() == ErrorCode::kLocked) {
      // Others may already rely on it: keep what names existing packs.
      (void)KeepOnlyExistingPacks(backend_, key_.encryption, *saved, packs);
      saved = allowed.error();
    } else {
      allowed = Ok();
    }
  }
  MutexLock lock(mu_);
  --writes_pending_;
  packs_saved_.notify_all();
  std::unordered_set<Id, crypto::IdHash> written;
  for (const IndexedPack& p : packs) written.insert(p.pack);
  std::erase_if(indexing_, [&](const IndexedPack& p) { return written.count(p.pack) > 0; });
  if (saved) {
    if (index_files_) index_files_->insert(*saved);
    if (loading_ > 0) {
      written_while_loading_.insert(written_while_loading_.end(), packs.begin(), packs.end());
      files_written_while_loading_.push_back(*saved);
    }
    return Ok();
  }
  if (!allowed && allowed.error().code() == ErrorCode::kLocked) {
    // Written under a lost lock: a prune may have deleted them. Forget them here (they are
    // orphans a later prune removes) and re-read the index under the next lock.
    index_files_.reset();
    return saved.error();
  }
  // Keep the entries for the next Flush to retry.
  for (IndexedPack& p : packs) unindexed_.push_back(std::move(p));
  return saved.error();
}

std::vector<IndexedPack> BlobStore::TakeSavedPacks() {
  MutexLock lock(mu_);
  std::vector<IndexedPack> packs;
  packs.swap(unindexed_);
  return packs;
}

Status BlobStore::Flush() {
  PackList finish;
  {
    MutexLock lock(mu_);
    if (failure_) return *failure_;
    for (auto& open : open_) {
      if (!open) continue;
      ++writes_pending_;
      finish.push_back(std::move(open));
    }
  }
  STORMPROOF_TRY(FinishPacks(finish));
  std::vector<IndexedPack> packs;
  {
    MutexLock lock(mu_);
    while (writes_pending_ != 0) packs_saved_.wait(mu_);
    if (failure_) return *failure_;
    if (unindexed_.empty() || !options_.write_index) return Ok();
    packs.swap(unindexed_);
    indexing_.insert(indexing_.end(), packs.begin(), packs.end());
    ++writes_pending_;
  }
  return WriteIndex(std::move(packs));
}

}  // namespace stormproof::repository
