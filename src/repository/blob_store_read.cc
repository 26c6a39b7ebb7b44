// BlobStore's read path: loading the index, finding and verifying blobs.
#include <algorithm>
#include <string>
#include <vector>

#include "repository/blob_store.h"
#include "repository/index_files.h"
#include "repository/pack.h"

namespace stormproof::repository {
namespace {

constexpr size_t kMaxCachedPackKeys = 4096;

const char* TypeName(BlobType type) { return type == BlobType::kTree ? "tree" : "data"; }

}  // namespace

Status BlobStore::LoadIndex(IndexListing* listing) {
  std::vector<std::string> names;
  STORMPROOF_TRY(backend_.List(backend::FileType::kIndex,
                               [&](const std::string& name, uint64_t) { names.push_back(name); }));
  std::sort(names.begin(), names.end());
  BlobIndex index;
  std::vector<DamagedFile> damaged;
  IndexListingBuilder builder;
  for (const std::string& name : names) {
    auto packs = LoadIndexFile(backend_, key_.encryption, name);
    if (!packs) {
      // Tolerated: the other files still name their packs; check reports it, repair index fixes
      // it, and prune refuses to run while it is damaged.
      damaged.push_back({name, packs.error().message()});
      if (listing) builder.AddFile(name, {});
      continue;
    }
    for (const IndexedPack& pack : *packs) index.BulkAdd(pack.pack, pack.blobs);
    if (listing) builder.AddFile(name, std::move(packs).value());
  }
  index.Commit();
  if (listing) *listing = builder.Take();
  std::lock_guard lock(mu_);
  index_ = std::move(index);
  damaged_index_files_ = std::move(damaged);
  return Ok();
}

void BlobStore::SetIndex(std::span<const IndexedPack> packs) {
  BlobIndex index;
  for (const IndexedPack& pack : packs) index.BulkAdd(pack.pack, pack.blobs);
  index.Commit();
  std::lock_guard lock(mu_);
  index_ = std::move(index);
  damaged_index_files_.clear();
}

std::vector<DamagedFile> BlobStore::DamagedIndexFiles() const {
  std::lock_guard lock(mu_);
  return damaged_index_files_;
}

bool BlobStore::HasBlob(BlobType type, const Id& id) const {
  std::lock_guard lock(mu_);
  return index_.Find(type, id).has_value() || in_flight_[static_cast<size_t>(type)].contains(id);
}

std::optional<BlobLocation> BlobStore::FindBlob(BlobType type, const Id& id) const {
  std::lock_guard lock(mu_);
  return index_.Find(type, id);
}

Result<crypto::Key> BlobStore::PackKey(const Id& pack) const {
  {
    std::lock_guard lock(key_cache_mu_);
    auto it = key_cache_.find(pack);
    if (it != key_cache_.end()) return it->second;
  }
  STORMPROOF_ASSIGN_OR_RETURN(crypto::Key key, ReadPackKey(backend_, key_.encryption, pack));
  std::lock_guard lock(key_cache_mu_);
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
  auto key = PackKey(at->pack);
  if (!key) return key.error().WithContext(where);
  auto sealed = backend_.Load({backend::FileType::kPack, at->pack.Hex()}, at->offset, at->length);
  if (!sealed) return sealed.error().WithContext(where);
  PackEntry entry{type, id, at->offset, at->length, at->raw_length};
  auto plain = OpenBlob(*key, key_.id, entry, *sealed, check);
  if (!plain) return plain.error().WithContext(where);
  return plain;
}

void BlobStore::ForEachIndexedBlob(
    const std::function<void(const Id&, const BlobLocation&)>& each) const {
  BlobIndex copy;
  {
    std::lock_guard lock(mu_);
    copy = index_;
  }
  copy.ForEach(each);
}

size_t BlobStore::IndexedBlobCount() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

size_t BlobStore::IndexMemoryBytes() const {
  std::lock_guard lock(mu_);
  return index_.MemoryBytes();
}

}  // namespace stormproof::repository
