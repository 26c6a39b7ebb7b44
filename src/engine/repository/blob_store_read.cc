// BlobStore's read path: loading the index, finding and verifying blobs.
#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/repository/index_files.h"
#include "engine/repository/internal/blob_store.h"
#include "engine/repository/pack.h"

namespace stormproof::repository {
namespace {

constexpr size_t kMaxCachedPackKeys = 4096;

const char* TypeName(BlobType type) { return type == BlobType::kTree ? "tree" : "data"; }

}  // namespace

namespace {

Result<std::vector<std::string>> IndexFileNames(backend::Backend& backend) {
  std::vector<std::string> names;
  STORMPROOF_TRY(backend.List(backend::FileType::kIndex,
                              [&](const std::string& name, uint64_t) { names.push_back(name); }));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Status BlobStore::LoadIndex(IndexListing* listing) {
  return WhileLoading([&] { return LoadIndexFiles(listing); });
}

// LoadIndex's work. REQUIRES: counted in loading_.
Status BlobStore::LoadIndexFiles(IndexListing* listing,
                                 std::optional<std::vector<std::string>> listed) {
  if (!listed) {
    STORMPROOF_ASSIGN_OR_RETURN(listed, IndexFileNames(backend_));
  }
  std::vector<std::string> names = std::move(*listed);
  BlobIndex index;
  std::unordered_set<Id, crypto::IdHash> packs;
  std::vector<DamagedFile> damaged;
  IndexListingBuilder builder;
  for (const std::string& name : names) {
    auto file = LoadIndexFile(backend_, key_.encryption, name);
    // Gone since the listing: withdrawn by a writer that lost its lock, not damage.
    if (!file && file.error().code() == ErrorCode::kNotFound) continue;
    if (!file) {
      // Tolerated: the other files still name their packs; check reports it, repair index fixes
      // it, and prune refuses to run while it is damaged.
      damaged.push_back({name, file.error().message()});
      if (listing) builder.AddFile(name, {});
      continue;
    }
    for (const IndexedPack& pack : *file) {
      index.BulkAdd(pack.pack, pack.blobs);
      packs.insert(pack.pack);
    }
    if (listing) builder.AddFile(name, std::move(file).value());
  }
  if (listing) *listing = builder.Take();
  MutexLock lock(mu_);
  // Packs saved here whose index file is not written yet (or was written after the listing) are
  // still ours to find.
  names.insert(names.end(), files_written_while_loading_.begin(),
               files_written_while_loading_.end());
  for (const auto* own : {&unindexed_, &indexing_, &written_while_loading_}) {
    for (const IndexedPack& pack : *own) {
      index.BulkAdd(pack.pack, pack.blobs);
      packs.insert(pack.pack);
    }
  }
  index.Commit();
  index_ = std::move(index);
  damaged_index_files_ = std::move(damaged);
  index_files_.emplace(names.begin(), names.end());
  std::erase_if(relied_packs_, [&](const Id& pack) { return packs.count(pack) == 0; });
  return Ok();
}

Status BlobStore::RefreshIndex() {
  return WhileLoading([&] { return RefreshIndexFiles(); });
}

Status BlobStore::RefreshIndexFiles() {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<std::string> names, IndexFileNames(backend_));
  {
    MutexLock lock(mu_);
    bool unchanged = index_files_ && index_files_->size() == names.size();
    for (size_t i = 0; unchanged && i < names.size(); ++i) {
      unchanged = index_files_->count(names[i]) > 0;
    }
    if (unchanged) return Ok();
  }
  // Listed while counted in loading_: index files this store writes meanwhile are kept.
  return LoadIndexFiles(nullptr, std::move(names));
}

void BlobStore::SetIndex(std::span<const IndexedPack> packs) {
  BlobIndex index;
  for (const IndexedPack& pack : packs) index.BulkAdd(pack.pack, pack.blobs);
  index.Commit();
  MutexLock lock(mu_);
  index_ = std::move(index);
  damaged_index_files_.clear();
  index_files_.reset();
  relied_packs_.clear();
}

Status BlobStore::ConfirmReliedPacks() const {
  std::unordered_set<Id, crypto::IdHash> relied;
  {
    MutexLock lock(mu_);
    relied = relied_packs_;
  }
  if (relied.empty()) return Ok();
  std::unordered_set<Id, crypto::IdHash> present;
  STORMPROOF_TRY(backend_.List(backend::FileType::kPack, [&](const std::string& name, uint64_t) {
    if (auto id = Id::FromHex(name); id && relied.count(*id)) present.insert(*id);
  }));
  for (const Id& pack : relied) {
    if (!present.count(pack)) {
      return Error::FailedCheck("pack " + pack.Hex() +
                                ", which holds data this snapshot uses, is no longer in " +
                                backend_.Location() + " (removed by a prune meanwhile?)");
    }
  }
  return Ok();
}

std::vector<DamagedFile> BlobStore::DamagedIndexFiles() const {
  MutexLock lock(mu_);
  return damaged_index_files_;
}

bool BlobStore::HasBlob(BlobType type, const Id& id) const {
  MutexLock lock(mu_);
  if (auto at = index_.Find(type, id)) {
    relied_packs_.insert(at->pack);
    return true;
  }
  return in_flight_[static_cast<size_t>(type)].contains(id);
}

std::optional<BlobLocation> BlobStore::FindBlob(BlobType type, const Id& id) const {
  MutexLock lock(mu_);
  return index_.Find(type, id);
}

Result<crypto::Key> BlobStore::PackKey(const Id& pack, BlobType type) const {
  {
    MutexLock lock(key_cache_mu_);
    auto it = key_cache_.find(pack);
    if (it != key_cache_.end()) return it->second;
  }
  STORMPROOF_ASSIGN_OR_RETURN(crypto::Key key, ReadPackKey(backend_, key_.encryption, pack, type));
  MutexLock lock(key_cache_mu_);
  if (key_cache_.size() >= kMaxCachedPackKeys) key_cache_.clear();
  key_cache_.emplace(pack, key);
  return key;
}

Result<Bytes> BlobStore::LoadBlob(BlobType type, const Id& id, IdCheck check) const {
  std::optional<BlobLocation> at = FindBlob(type, id);
  if (!at) {
    return Error::NotFound(std::string(TypeName(type)) + " blob " + id.Hex() +
                           " is not in the index");
  }
  std::string where =
      std::string(TypeName(type)) + " blob " + id.Hex() + " in pack " + at->pack.Hex();
  auto key = PackKey(at->pack, type);
  if (!key) return key.error().WithContext(where);
  // A tree pack may be kept whole by a caching backend (Handle::keep_whole).
  backend::Handle handle{backend::FileType::kPack, at->pack.Hex(), type == BlobType::kTree};
  auto sealed = backend_.Load(handle, at->offset, at->length);
  if (!sealed) return sealed.error().WithContext(where);
  PackEntry entry{type, id, at->offset, at->length, at->raw_length};
  auto plain = OpenBlob(*key, key_.id, entry, *sealed, check);
  if (!plain) return plain.error().WithContext(where);
  return plain;
}

void BlobStore::LoadBlobRun(BlobType type, std::span<const std::pair<Id, BlobLocation>> blobs,
                            IdCheck check,
                            const std::function<void(const Id&, Result<Bytes>)>& each) const {
  if (blobs.empty()) return;
  const Id& pack = blobs.front().second.pack;
  const uint64_t start = blobs.front().second.offset;
  // In 64 bits: a hostile index's offset + length may pass 2^32 (never wrap, never read past
  // the bytes loaded).
  const uint64_t end = uint64_t{blobs.back().second.offset} + blobs.back().second.length;
  const std::string where = "pack " + pack.Hex();
  Result<Bytes> run = Error::FailedCheck("blobs not sorted by offset in one pack");
  if (std::all_of(blobs.begin(), blobs.end(), [&](const auto& blob) {
        return blob.second.pack == pack && blob.second.offset >= start &&
               uint64_t{blob.second.offset} + blob.second.length <= end;
      })) {
    auto key = PackKey(pack, type);
    run = key ? backend_.Load({backend::FileType::kPack, pack.Hex(), type == BlobType::kTree},
                              start, end - start)
              : Result<Bytes>(key.error());
    if (run && key) {
      for (const auto& [id, at] : blobs) {
        PackEntry entry{type, id, at.offset, at.length, at.raw_length};
        auto plain = OpenBlob(*key, key_.id, entry,
                              ByteView(run->data() + (at.offset - start), at.length), check);
        if (!plain)
          plain = plain.error().WithContext(std::string(TypeName(type)) + " blob " + id.Hex() +
                                            " in " + where);
        each(id, std::move(plain));
      }
      return;
    }
  }
  for (const auto& [id, at] : blobs) {
    each(id, run.error().WithContext(std::string(TypeName(type)) + " blob " + id.Hex() + " in " +
                                     where));
  }
}

void BlobStore::ForEachIndexedBlob(
    const std::function<void(const Id&, const BlobLocation&)>& each) const {
  BlobIndex copy;
  {
    MutexLock lock(mu_);
    copy = index_;
  }
  copy.ForEach(each);
}

size_t BlobStore::IndexedBlobCount() const {
  MutexLock lock(mu_);
  return index_.size();
}

size_t BlobStore::IndexMemoryBytes() const {
  MutexLock lock(mu_);
  return index_.MemoryBytes();
}

}  // namespace stormproof::repository
