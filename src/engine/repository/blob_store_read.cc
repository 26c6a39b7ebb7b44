// BlobStore's read path: loading the index, finding and verifying blobs.
#include <algorithm>
#include <optional>
#include <span>
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

bool SameLocation(const BlobLocation& a, const BlobLocation& b) {
  return a.pack == b.pack && a.offset == b.offset && a.length == b.length;
}

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
  ReplaceIndex(std::move(index));
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
  ReplaceIndex(std::move(index));
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

void BlobStore::ReplaceIndex(BlobIndex index) {
  index_ = std::move(index);
  ++index_generation_;
  for (auto& chosen : chosen_copies_) chosen.clear();
}

IgnoredLocations BlobStore::IgnoredIndexLocations() const {
  MutexLock lock(mu_);
  return {index_.DroppedLocations(), index_.BlobsWithDroppedLocations()};
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

std::vector<BlobLocation> BlobStore::FindBlobLocations(BlobType type, const Id& id) const {
  std::vector<BlobLocation> copies;
  {
    MutexLock lock(mu_);
    copies = index_.FindAll(type, id);
    if (!index_.LostLocations(type, id)) return copies;
  }
  AddHeaderLocations(type, id, &copies);
  return copies;
}

void BlobStore::AddHeaderLocations(BlobType type, const Id& id,
                                   std::vector<BlobLocation>* copies) const {
  std::vector<Id> packs;
  for (const BlobLocation& at : *copies) {
    if (std::find(packs.begin(), packs.end(), at.pack) == packs.end()) packs.push_back(at.pack);
  }
  for (const Id& pack : packs) {
    auto header = ReadPackHeader(backend_, key_.encryption, pack);
    if (!header) continue;  // a missing or damaged pack: its indexed copies fail as such
    for (const PackEntry& e : *header) {
      BlobLocation at{pack, e.offset, e.length, e.raw_length, type};
      if (e.id != id || e.type != type ||
          std::any_of(copies->begin(), copies->end(), [&](const BlobLocation& known) {
            return SameLocation(known, at) && known.raw_length == at.raw_length;
          })) {
        continue;
      }
      copies->push_back(at);
    }
  }
}

std::optional<BlobLocation> BlobStore::LocateForRead(BlobType type, const Id& id) const {
  uint64_t generation = 0;
  {
    MutexLock lock(mu_);
    auto& chosen = chosen_copies_[static_cast<size_t>(type)];
    if (auto it = chosen.find(id); it != chosen.end()) return it->second;
    generation = index_generation_;
  }
  std::vector<BlobLocation> copies = FindBlobLocations(type, id);
  if (copies.empty()) return std::nullopt;
  if (std::all_of(copies.begin(), copies.end(), [&](const BlobLocation& at) {
        return at.raw_length == copies.front().raw_length;
      })) {
    return copies.front();
  }
  // The copies disagree: read them (at most BlobIndex::kMaxLocationsPerBlob) once per index
  // load, not once per caller.
  BlobLocation found = copies.front();
  for (const BlobLocation& at : copies) {
    if (LoadBlobAt(type, id, at, IdCheck::kRehash)) {
      found = at;
      break;
    }
  }
  MutexLock lock(mu_);
  if (generation == index_generation_) chosen_copies_[static_cast<size_t>(type)][id] = found;
  return found;
}

Result<Bytes> BlobStore::LoadBlob(BlobType type, const Id& id, IdCheck check) const {
  std::vector<BlobLocation> copies = FindBlobLocations(type, id);
  if (copies.empty()) {
    return Error::NotFound(std::string(TypeName(type)) + " blob " + id.Hex() +
                           " is not in the index");
  }
  if (copies.size() > 1) check = IdCheck::kRehash;  // only the hash tells a forged copy
  return LoadFirstGoodCopy(type, id, copies, check, std::nullopt);
}

Result<Bytes> BlobStore::LoadFirstGoodCopy(BlobType type, const Id& id,
                                           std::span<const BlobLocation> copies, IdCheck check,
                                           std::optional<Error> failed) const {
  for (const BlobLocation& at : copies) {
    auto plain = LoadBlobAt(type, id, at, check);
    if (plain || plain.error().code() == ErrorCode::kInterrupted) return plain;
    // An error that may pass (I/O) is told rather than damage: the blob may read later.
    if (!failed || (failed->SaysDamagedOrMissing() && !plain.error().SaysDamagedOrMissing())) {
      failed = plain.error();
    }
  }
  if (!failed) return Error::Internal("no copy of " + id.Hex() + " to load");
  return *failed;
}

Result<Bytes> BlobStore::LoadBlobAt(BlobType type, const Id& id, const BlobLocation& at,
                                    IdCheck check) const {
  std::string where =
      std::string(TypeName(type)) + " blob " + id.Hex() + " in pack " + at.pack.Hex();
  auto key = PackKey(at.pack, type);
  if (!key) return key.error().WithContext(where);
  // A tree pack may be kept whole by a caching backend (Handle::keep_whole).
  backend::Handle handle{backend::FileType::kPack, at.pack.Hex(), type == BlobType::kTree};
  auto sealed = backend_.Load(handle, at.offset, at.length);
  if (!sealed) return sealed.error().WithContext(where);
  PackEntry entry{type, id, at.offset, at.length, at.raw_length};
  auto plain = OpenBlob(*key, key_.id, entry, *sealed, check);
  if (!plain) return plain.error().WithContext(where);
  return plain;
}

void BlobStore::LoadBlobRun(BlobType type, std::span<const std::pair<Id, BlobLocation>> blobs,
                            IdCheck check,
                            const std::function<void(const Id&, Result<Bytes>)>& each,
                            OtherCopies other_copies) const {
  if (blobs.empty()) return;
  const Id& pack = blobs.front().second.pack;
  const uint64_t start = blobs.front().second.offset;
  // In 64 bits: a hostile index's offset + length may pass 2^32 (never wrap, never read past
  // the bytes loaded).
  const uint64_t end = uint64_t{blobs.back().second.offset} + blobs.back().second.length;
  auto where = [&](const Id& id) {
    return std::string(TypeName(type)) + " blob " + id.Hex() + " in pack " + pack.Hex();
  };
  if (!std::all_of(blobs.begin(), blobs.end(), [&](const auto& blob) {
        return blob.second.pack == pack && blob.second.offset >= start &&
               uint64_t{blob.second.offset} + blob.second.length <= end;
      })) {
    // Malformed locations (a caller's bug or a hostile index): refused, nothing read.
    for (const auto& [id, at] : blobs) {
      each(id, Error::FailedCheck("blobs not sorted by offset in one pack").WithContext(where(id)));
    }
    return;
  }
  auto key = PackKey(pack, type);
  Result<Bytes> run =
      key ? backend_.Load({backend::FileType::kPack, pack.Hex(), type == BlobType::kTree}, start,
                          end - start)
          : Result<Bytes>(key.error());
  for (const auto& [id, at] : blobs) {
    PackEntry entry{type, id, at.offset, at.length, at.raw_length};
    // Only the hash tells a forged copy from the genuine one.
    IdCheck blob_check =
        check == IdCheck::kSkip && HasOtherCopies(type, id, at) ? IdCheck::kRehash : check;
    Result<Bytes> plain =
        run ? OpenBlob(*key, key_.id, entry, ByteView(run->data() + (at.offset - start), at.length),
                       blob_check)
            : Result<Bytes>(run.error());
    if (!plain) plain = plain.error().WithContext(where(id));
    if (!plain && other_copies == OtherCopies::kTried) {
      plain = LoadElsewhere(type, id, at, plain.error());
    }
    each(id, std::move(plain));
  }
}

bool BlobStore::HasOtherCopies(BlobType type, const Id& id, const BlobLocation& at) const {
  std::vector<BlobLocation> copies = FindBlobLocations(type, id);
  return std::any_of(copies.begin(), copies.end(),
                     [&](const BlobLocation& other) { return !SameLocation(other, at); });
}

Result<Bytes> BlobStore::LoadElsewhere(BlobType type, const Id& id, const BlobLocation& failed_at,
                                       Error failed) const {
  if (failed.code() == ErrorCode::kInterrupted) return failed;
  std::vector<BlobLocation> others = FindBlobLocations(type, id);
  std::erase_if(others, [&](const BlobLocation& at) { return SameLocation(at, failed_at); });
  if (others.empty()) return failed;
  return LoadFirstGoodCopy(type, id, others, IdCheck::kRehash, std::move(failed));
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

void BlobStore::ForEachIndexedLocation(
    const std::function<void(const Id&, const BlobLocation&)>& each) const {
  BlobIndex copy;
  {
    MutexLock lock(mu_);
    copy = index_;
  }
  copy.ForEachLocation(each);
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
