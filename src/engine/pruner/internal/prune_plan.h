// What prune will do, decided from the index, the packs on the backend and the blobs in use.
// Pure: reads and changes nothing, so every decision is testable on its own.
#ifndef STORMPROOF_ENGINE_PRUNER_INTERNAL_PRUNE_PLAN_H_
#define STORMPROOF_ENGINE_PRUNER_INTERNAL_PRUNE_PLAN_H_

#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/pruner/pruner.h"
#include "engine/pruner/internal/used_blobs.h"
#include "engine/repository/index.h"

namespace stormproof::pruner {

// Copies of blobs in use that one pack holds, says the index, and that prune keeps while another
// copy of each goes (a duplicate in a pack it deletes or repacks, or an entry it drops as
// unverified). An index file can lie (a backup host holds the password and may add files), so
// these are read and re-hashed before anything is removed (pruner.cc): a healthy repository has
// few or none, since duplicates only come from backups that ran at once.
struct KeptCopies {
  repository::Id pack;
  uint64_t stored_size = 0;                    // the pack file's size on the backend
  std::vector<repository::PackEntry> entries;  // sorted by type, then offset
};

// One index entry: the copy of blob (type, id) the index places in `pack` at `offset`, with its
// lengths (entries that differ only there are different claims: IndexListing).
struct EntryRef {
  repository::Id pack;
  repository::BlobType type = repository::BlobType::kData;
  repository::Id id;
  uint32_t offset = 0;
  uint32_t length = 0;
  uint32_t raw_length = 0;
  auto operator<=>(const EntryRef&) const = default;
};
inline EntryRef RefTo(const repository::Id& pack, const repository::PackEntry& e) {
  return EntryRef{pack, e.type, e.id, e.offset, e.length, e.raw_length};
}
// Index entries found not to hold what they say, each with why (one line naming the pack and
// blob): never chosen as the copy kept, and left out of the new index.
using Distrusted = std::map<EntryRef, std::string>;
// A blob: its type and id.
using BlobKey = std::pair<repository::BlobType, repository::Id>;

struct PrunePlan {
  // Named by the new index, with all their blobs but distrusted ones.
  std::vector<repository::IndexedPack> keep;
  std::vector<repository::BlobRef> repack;    // blobs in use to copy out of repacked packs
  std::vector<repository::Id> remove;         // packs to delete once the index no longer names them
  // Named by the index, absent from the backend: no copy is kept by them, and their entries
  // leave the index (stats.packs_missing, entries_for_missing_packs); the blobs in use they name
  // are in `confirm` like those of removed packs.
  std::vector<repository::Id> missing_packs;
  // In use, with no copy the index names that may be kept (none at all, or only distrusted
  // ones or ones in missing packs; the first few).
  std::vector<repository::BlobRef> missing_blobs;
  bool index_changes = false;                      // the index must be rewritten
  // By pack: copies to read before removing their duplicates (or the entries of a missing pack
  // for the same blob).
  std::vector<KeptCopies> confirm;
  // For each blob of `confirm`: every copy of it that may be kept (in a pack on the backend, not
  // distrusted), in the order the plan prefers them; the first is the one in `confirm`. Should
  // it not verify, the plan made without it would keep the next.
  std::map<BlobKey, std::vector<EntryRef>> copies_by_preference;
  PruneStats stats;  // what carrying out the plan does (no new packs yet)
};

// The index entries of each pack on the backend that disagree with another of its entries: for
// the same offset, or for the same blob (type and id), some field differs (IndexListing keeps
// both). One may be planted, so all are read and re-hashed before the index is rewritten
// (pruner.cc); a healthy repository has none. By pack, each's entries sorted by type, then
// offset; packs not on the backend are left out (the plan drops their entries).
std::vector<KeptCopies> DisagreeingEntries(
    const std::vector<repository::IndexedPack>& indexed,
    const std::map<repository::Id, uint64_t>& packs_on_backend);

// The index entries ending past their pack's size on the backend: a pack cannot hold them, so
// they are distrusted unread. Packs not on the backend are left out.
std::vector<EntryRef> EntriesPastTheirPack(
    const std::vector<repository::IndexedPack>& indexed,
    const std::map<repository::Id, uint64_t>& packs_on_backend);

// The packs on the backend whose index entries, but `distrusted` ones, do not tile them as a pack
// is written (pack.h: blobs back to back from the salt on, then the header listing them all):
// two overlap, one leaves a gap or reaches into the header, or the last does not end where the
// header listing them would begin. Unused bytes an entry claims are then no proof: a planted
// entry (a backup host holds the password) could make the pack look unused and be repacked, so
// the pack's header settles its entries first (pruner.cc). By pack, with all those entries
// sorted by type, then offset; a healthy repository has none.
std::vector<KeptCopies> UntiledPacks(const std::vector<repository::IndexedPack>& indexed,
                                     const std::map<repository::Id, uint64_t>& packs_on_backend,
                                     const Distrusted& distrusted);

// The size of a pack holding `pack.blobs`, by its layout (pack.h): its last blob's end plus the
// header listing every entry.
uint64_t PackSize(const repository::IndexedPack& pack);

// `packs_on_backend`: every pack file's name (id) and size. `index_files`: how many there are.
// `distrusted`: entries that did not verify, which the plan neither keeps a blob by nor indexes.
// `unsettled`: packs of UntiledPacks whose header did not verify either (damaged): their unused
// bytes are unproven, so they are never repacked (kept whole while they hold a blob in use).
PrunePlan MakePlan(const std::vector<repository::IndexedPack>& indexed,
                   const std::map<repository::Id, uint64_t>& packs_on_backend, size_t index_files,
                   const UsedBlobs& used, const PruneOptions& options,
                   const Distrusted& distrusted = {},
                   const std::set<repository::Id>& unsettled = {});

}  // namespace stormproof::pruner

#endif  // STORMPROOF_ENGINE_PRUNER_INTERNAL_PRUNE_PLAN_H_
