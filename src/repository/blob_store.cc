// BlobStore's write path: SaveBlob, packing, Flush.
#include "repository/blob_store.h"

#include <algorithm>
#include <string>
#include <utility>

#include "repository/compress.h"
#include "repository/pack.h"

namespace stormproof::repository {
namespace {

constexpr size_t kKeepScratch = 8u << 20;  // a thread keeps at most this much scratch

// Pack buffers are reused (pages already mapped): this many are kept, of this capacity.
constexpr size_t kSpareBuffers = 2;
constexpr size_t kPackBufferSize = kPackTargetSize + (64u << 10);

size_t TypeIndex(BlobType type) { return static_cast<size_t>(type); }

}  // namespace

struct BlobStore::OpenPack {
  BlobType type = BlobType::kData;
  crypto::Key key;
  Bytes buffer;  // salt || sealed blobs appended so far
  std::vector<PackEntry> entries;
  size_t reserved = 0;  // bytes promised to writers, including those appended
  int writers = 0;      // reservations not yet appended
  bool closed = false;  // takes no more reservations; saved when writers == 0
};

BlobStore::BlobStore(backend::Backend& backend, const MasterKey& key, Options options)
    : backend_(backend), key_(key), options_(options) {}

BlobStore::~BlobStore() = default;

Result<bool> BlobStore::SaveBlob(BlobType type, const Id& id, ByteView plaintext) {
  if (plaintext.size() > kMaxBlobSize) {
    return Error::InvalidArgument("blob " + id.Hex() + " has " + std::to_string(plaintext.size()) +
                                  " bytes, more than the limit of " +
                                  std::to_string(kMaxBlobSize >> 20) + " MiB");
  }
  {
    std::lock_guard lock(mu_);
    if (failure_) return *failure_;
    if (index_.Find(type, id) || !in_flight_[TypeIndex(type)].insert(id).second) return false;
  }
  PackList finish;
  AddToPack(type, id, plaintext, &finish);
  STORMPROOF_TRY(FinishPacks(finish));
  return true;
}

// Compresses and seals outside the mutex; only reserving space and appending take it.
void BlobStore::AddToPack(BlobType type, const Id& id, ByteView plaintext, PackList* finish) {
  thread_local Bytes payload, sealed;  // scratch, reused to avoid page faults
  EncodePayload(plaintext, &payload);
  std::shared_ptr<OpenPack> pack = Reserve(type, payload.size() + crypto::kSealOverhead, finish);
  sealed.clear();
  crypto::SealAppend(pack->key, payload, BlobAssociatedData(type, id), &sealed);
  PackEntry entry{type, id, 0, static_cast<uint32_t>(sealed.size()),
                  static_cast<uint32_t>(plaintext.size())};
  Append(pack, entry, sealed, finish);
  for (Bytes* scratch : {&payload, &sealed}) {
    if (scratch->capacity() > kKeepScratch) Bytes().swap(*scratch);
  }
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

// Picks the open pack of `type` for a sealed blob of `sealed_length` bytes, closing the
// current one first when the blob would push it past the pack target size.
std::shared_ptr<BlobStore::OpenPack> BlobStore::Reserve(BlobType type, size_t sealed_length,
                                                        PackList* finish) {
  std::lock_guard lock(mu_);
  std::shared_ptr<OpenPack>& open = open_[TypeIndex(type)];
  if (open && open->reserved > crypto::kSaltSize &&
      open->reserved + sealed_length > options_.pack_target) {
    Close(std::move(open), finish);
    open = nullptr;
  }
  if (!open) {
    open = std::make_shared<OpenPack>();
    open->type = type;
    open->buffer = TakeBuffer();
    open->buffer.resize(crypto::kSaltSize);
    crypto::RandomBytes(open->buffer.data(), crypto::kSaltSize);
    open->key = crypto::DeriveSubkey(key_.encryption, open->buffer);
    open->reserved = crypto::kSaltSize;
  }
  open->reserved += sealed_length;
  ++open->writers;
  return open;
}

// REQUIRES: mu_ held.
Bytes BlobStore::TakeBuffer() {
  if (!spare_buffers_.empty()) {
    Bytes buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
    return buffer;
  }
  Bytes buffer;
  buffer.reserve(std::min(kPackBufferSize, options_.pack_target + (64u << 10)));
  return buffer;
}

void BlobStore::Append(const std::shared_ptr<OpenPack>& pack, PackEntry entry, ByteView sealed,
                       PackList* finish) {
  std::lock_guard lock(mu_);
  entry.offset = static_cast<uint32_t>(pack->buffer.size());
  pack->buffer.insert(pack->buffer.end(), sealed.begin(), sealed.end());
  pack->entries.push_back(entry);
  if (--pack->writers == 0 && pack->closed) finish->push_back(pack);
}

void BlobStore::Close(std::shared_ptr<OpenPack> pack, PackList* finish) {
  pack->closed = true;
  ++writes_pending_;
  if (pack->writers == 0) finish->push_back(std::move(pack));
}

// Seals the header, saves the pack under its hash and indexes its blobs. REQUIRES: the pack is
// closed with no writers left (this thread owns it) and is counted in writes_pending_.
Status BlobStore::FinishPack(OpenPack& pack) {
  AppendPackHeader(pack.key, pack.entries, &pack.buffer);
  Id name = crypto::Sha256(pack.buffer);
  Status saved = backend_.Save({backend::FileType::kPack, name.Hex()}, pack.buffer);
  std::vector<IndexedPack> index_now;
  {
    std::lock_guard lock(mu_);
    --writes_pending_;
    RecycleBuffer(std::move(pack.buffer));
    for (const PackEntry& e : pack.entries) in_flight_[TypeIndex(e.type)].erase(e.id);
    if (!saved) {
      if (!failure_) failure_ = saved.error().WithContext("saving pack " + name.Hex());
      packs_saved_.notify_all();
      return *failure_;
    }
    index_.Add(name, pack.entries);
    unindexed_.push_back({name, std::move(pack.entries)});
    if (unindexed_.size() >= options_.packs_per_index) {
      index_now.swap(unindexed_);
      ++writes_pending_;
    }
    packs_saved_.notify_all();
  }
  if (index_now.empty()) return Ok();
  return WriteIndex(std::move(index_now));
}

// REQUIRES: mu_ held.
void BlobStore::RecycleBuffer(Bytes buffer) {
  if (spare_buffers_.size() < kSpareBuffers && buffer.capacity() <= kPackBufferSize) {
    buffer.clear();
    spare_buffers_.push_back(std::move(buffer));
  }
}

Status BlobStore::WriteIndex(std::vector<IndexedPack> packs) {
  Bytes file = SealFile(key_.encryption, EncodeIndex(packs), kIndexKind);
  Id name = crypto::Sha256(file);
  Status saved = backend_.Save({backend::FileType::kIndex, name.Hex()}, file);
  std::lock_guard lock(mu_);
  --writes_pending_;
  packs_saved_.notify_all();
  if (saved) return Ok();
  // Keep the entries for the next Flush to retry.
  for (IndexedPack& p : packs) unindexed_.push_back(std::move(p));
  return saved.error().WithContext("saving index " + name.Hex());
}

Status BlobStore::Flush() {
  PackList finish;
  {
    std::lock_guard lock(mu_);
    if (failure_) return *failure_;
    for (auto& open : open_) {
      if (open) Close(std::move(open), &finish);
      open = nullptr;
    }
  }
  STORMPROOF_TRY(FinishPacks(finish));
  std::vector<IndexedPack> packs;
  {
    std::unique_lock lock(mu_);
    packs_saved_.wait(lock, [this] { return writes_pending_ == 0; });
    if (failure_) return *failure_;
    if (unindexed_.empty()) return Ok();
    packs.swap(unindexed_);
    ++writes_pending_;
  }
  return WriteIndex(std::move(packs));
}

}  // namespace stormproof::repository
