#include "engine/repository/index_files.h"

#include <algorithm>
#include <iterator>
#include <tuple>
#include <utility>

#include "engine/repository/sealed_file.h"

namespace stormproof::repository {
namespace {

// Appends to `into` the entries of `from` it does not list yet: only an entry equal in every
// field is merged, so entries that disagree (one offset or one blob, another length...) are all
// kept, for a reader of the pack to settle (IndexListing).
void MergeBlobs(std::vector<PackEntry>& from, std::vector<PackEntry>* into) {
  into->insert(into->end(), std::make_move_iterator(from.begin()),
               std::make_move_iterator(from.end()));
  auto key = [](const PackEntry& e) {
    return std::tie(e.offset, e.type, e.id, e.length, e.raw_length);
  };
  std::sort(into->begin(), into->end(),
            [&](const PackEntry& a, const PackEntry& b) { return key(a) < key(b); });
  into->erase(std::unique(into->begin(), into->end(),
                          [&](const PackEntry& a, const PackEntry& b) { return key(a) == key(b); }),
              into->end());
}

}  // namespace

Result<std::vector<IndexedPack>> LoadIndexFile(backend::Backend& backend, const crypto::Key& master,
                                               const std::string& name) {
  STORMPROOF_ASSIGN_OR_RETURN(Bytes file, backend.Load({backend::FileType::kIndex, name}));
  if (crypto::Sha256(file).Hex() != name) {
    return Error::Corrupt("content does not match its name (damaged)");
  }
  STORMPROOF_ASSIGN_OR_RETURN(Bytes plain, OpenSealedFile(master, file, kIndexKind));
  return DecodeIndex(plain);
}

Result<std::string> SaveIndexFile(backend::Backend& backend, const crypto::Key& master,
                                  std::span<const IndexedPack> packs) {
  Bytes file = SealFile(master, EncodeIndex(packs), kIndexKind);
  std::string name = crypto::Sha256(file).Hex();
  Status saved = backend.Save({backend::FileType::kIndex, name}, file);
  if (!saved) return saved.error().WithContext("saving index " + name);
  return name;
}

Status KeepOnlyExistingPacks(backend::Backend& backend, const crypto::Key& master,
                             const std::string& name, std::span<const IndexedPack> packs) {
  std::vector<IndexedPack> existing;
  for (const IndexedPack& pack : packs) {
    auto size = backend.Size({backend::FileType::kPack, pack.pack.Hex()});
    if (size) {
      existing.push_back(pack);
    } else if (size.error().code() != ErrorCode::kNotFound) {
      return size.error();
    }
  }
  if (existing.size() == packs.size()) return Ok();
  if (!existing.empty()) STORMPROOF_TRY(SaveIndexFile(backend, master, existing));
  return backend.Remove({backend::FileType::kIndex, name});
}

void IndexListingBuilder::AddFile(const std::string& name, std::vector<IndexedPack> packs) {
  listing_.files.push_back(name);
  for (IndexedPack& pack : packs) {
    auto [it, added] = position_.emplace(pack.pack, listing_.packs.size());
    if (added) {
      listing_.packs.push_back(std::move(pack));
    } else {
      MergeBlobs(pack.blobs, &listing_.packs[it->second].blobs);
    }
  }
}

}  // namespace stormproof::repository
