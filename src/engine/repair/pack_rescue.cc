#include "engine/repair/internal/pack_rescue.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace stormproof::repair {
namespace {

using repository::BlobLocation;
using repository::BlobType;
using repository::Id;
using repository::IndexedPack;
using repository::Repository;

using Located = std::pair<Id, BlobLocation>;

// The blobs the loaded index locates in each of `packs` (at any of their locations), in offset
// order (one pass through the index, however many packs are damaged).
std::vector<std::vector<Located>> IndexedIn(const Repository& repo,
                                            std::span<const UnreadablePack> packs) {
  std::unordered_map<Id, size_t, crypto::IdHash> position;
  for (size_t i = 0; i < packs.size(); ++i) position.emplace(packs[i].pack, i);
  std::vector<std::vector<Located>> located(packs.size());
  repo.ForEachIndexedLocation([&](const Id& id, const BlobLocation& at) {
    auto it = position.find(at.pack);
    if (it != position.end()) located[it->second].emplace_back(id, at);
  });
  for (std::vector<Located>& blobs : located) {
    std::sort(blobs.begin(), blobs.end(),
              [](const Located& a, const Located& b) { return a.second.offset < b.second.offset; });
  }
  return located;
}

// Which of the `located` blobs a readable pack lists too (sized by the damaged packs' blobs, not
// by the whole index).
std::array<std::unordered_set<Id, crypto::IdHash>, 2> HeldElsewhere(
    const std::vector<std::vector<Located>>& located, std::span<const IndexedPack> readable) {
  std::array<std::unordered_set<Id, crypto::IdHash>, 2> wanted, held;
  for (const auto& blobs : located) {
    for (const auto& [id, at] : blobs) wanted[static_cast<size_t>(at.type)].insert(id);
  }
  for (const IndexedPack& pack : readable) {
    for (const repository::PackEntry& e : pack.blobs) {
      size_t type = static_cast<size_t>(e.type);
      if (wanted[type].contains(e.id)) held[type].insert(e.id);
    }
  }
  return held;
}

// Reads and verifies one blob where the index locates it, in a pack of `pack_size` bytes: an
// empty string when it verifies, else why not. Errors: the blob cannot be read (not damage).
Result<std::string> Verify(const Repository& repo, const Id& id, const BlobLocation& at,
                           uint64_t pack_size) {
  if (at.offset < crypto::kSaltSize || uint64_t{at.offset} + at.length > pack_size) {
    // Reading it would fail as an I/O error ("truncated"), but the pack is simply too short.
    return std::string(at.type == BlobType::kTree ? "tree" : "data") + " blob " + id.Hex() +
           " in pack " + at.pack.Hex() + ": lies outside the pack's " + std::to_string(pack_size) +
           " bytes (truncated or damaged)";
  }
  auto plain = repo.LoadBlobAt(at.type, id, at, repository::IdCheck::kRehash);
  if (plain) return std::string();
  if (plain.error().SaysDamaged()) return plain.error().message();
  return plain.error();
}

}  // namespace

Result<Rescue> RescueBlobs(const Repository& repo, std::span<const UnreadablePack> unreadable,
                           std::span<const IndexedPack> readable) {
  Rescue rescue;
  if (unreadable.empty()) return rescue;
  std::vector<std::vector<Located>> located = IndexedIn(repo, unreadable);
  auto held = HeldElsewhere(located, readable);
  for (size_t i = 0; i < unreadable.size(); ++i) {
    DamagedPack& damaged = rescue.packs.emplace_back();
    damaged.pack = unreadable[i].pack.Hex();
    damaged.reason = unreadable[i].reason;
    for (const auto& [id, at] : located[i]) {
      ++damaged.blobs_indexed;
      if (held[static_cast<size_t>(at.type)].contains(id)) {
        ++damaged.blobs_kept;
        continue;
      }
      STORMPROOF_ASSIGN_OR_RETURN(std::string why, Verify(repo, id, at, unreadable[i].size));
      if (!why.empty()) {
        damaged.lost_blobs.push_back(std::move(why));
        continue;
      }
      ++damaged.blobs_kept;
      rescue.copy.push_back({at.type, id});
      rescue.copy_bytes += at.length;
    }
  }
  return rescue;
}

}  // namespace stormproof::repair
