#include "engine/pruner/internal/prune_plan.h"

#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <set>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/crypto/crypto.h"
#include "engine/repository/pack.h"

namespace stormproof::pruner {
namespace {

using repository::BlobRef;
using repository::BlobType;
using repository::Id;
using repository::IndexedPack;
using repository::PackEntry;

constexpr size_t kMaxMissingListed = 20;

// Which entries of a pack hold the copy of a blob in use that prune keeps.
struct PackUse {
  const IndexedPack* pack = nullptr;
  std::vector<bool> claimed;  // per entry
  uint64_t used_bytes = 0, unused_bytes = 0;
  size_t used_blobs = 0;
};

uint64_t BytesInUse(const IndexedPack& pack, const UsedBlobs& used) {
  uint64_t bytes = 0;
  for (const PackEntry& e : pack.blobs) {
    if (used.Contains(e.type, e.id)) bytes += e.length;
  }
  return bytes;
}

bool Distrusts(const Distrusted& distrusted, const Id& pack, const PackEntry& e) {
  return !distrusted.empty() && distrusted.contains(RefTo(pack, e));
}

// The order in which packs claim the blobs in use (positions in `indexed`): those holding the
// most bytes in use first, so that duplicates (a blob saved twice by concurrent backups) end up
// in packs that are otherwise unused or repacked. Distrusting entries does not change it.
std::vector<size_t> ClaimOrder(const std::vector<IndexedPack>& indexed, const UsedBlobs& used) {
  std::vector<std::pair<uint64_t, size_t>> by_bytes;
  for (size_t i = 0; i < indexed.size(); ++i) {
    by_bytes.emplace_back(BytesInUse(indexed[i], used), i);
  }
  std::stable_sort(by_bytes.begin(), by_bytes.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<size_t> order;
  for (const auto& [bytes, i] : by_bytes) order.push_back(i);
  return order;
}

// Whether prune may keep a blob by entry `e` of `pack`: the pack is on the backend and the entry
// not distrusted.
bool MayKeep(const std::map<Id, uint64_t>& packs_on_backend, const Distrusted& distrusted,
             const Id& pack, const PackEntry& e) {
  return packs_on_backend.contains(pack) && !Distrusts(distrusted, pack, e);
}

// Each blob in use is claimed by exactly one entry, the first in `order` that may be kept.
std::vector<PackUse> ClaimBlobs(const std::vector<IndexedPack>& indexed,
                                const std::map<Id, uint64_t>& packs_on_backend,
                                const UsedBlobs& used, const Distrusted& distrusted,
                                const std::vector<size_t>& order) {
  std::array<std::unordered_set<Id, crypto::IdHash>, 2> claimed;
  std::vector<PackUse> uses(indexed.size());
  for (size_t i : order) {
    PackUse& use = uses[i];
    use.pack = &indexed[i];
    use.claimed.assign(indexed[i].blobs.size(), false);
    for (size_t b = 0; b < indexed[i].blobs.size(); ++b) {
      const PackEntry& e = indexed[i].blobs[b];
      // A distrusted entry's bytes are not the pack's: they count neither way, so a lie cannot
      // make a pack look mostly unused and be repacked (read whole). A missing pack holds nothing.
      if (!MayKeep(packs_on_backend, distrusted, indexed[i].pack, e)) continue;
      bool take =
          used.Contains(e.type, e.id) && claimed[static_cast<size_t>(e.type)].insert(e.id).second;
      use.claimed[b] = take;
      (take ? use.used_bytes : use.unused_bytes) += e.length;
      use.used_blobs += take ? 1 : 0;
    }
  }
  return uses;
}

// Blobs in use that no pack entry claimed (at most kMaxMissingListed).
std::vector<BlobRef> Unclaimed(const std::vector<PackUse>& uses, const UsedBlobs& used) {
  uint64_t claimed = std::accumulate(uses.begin(), uses.end(), uint64_t{0},
                                     [](uint64_t n, const PackUse& u) { return n + u.used_blobs; });
  if (claimed == used.size()) return {};
  UsedBlobs found;
  for (const PackUse& use : uses) {
    for (size_t b = 0; b < use.claimed.size(); ++b) {
      if (use.claimed[b]) found.Add(use.pack->blobs[b].type, use.pack->blobs[b].id);
    }
  }
  std::vector<BlobRef> missing;
  used.ForEach([&](BlobType type, const Id& id) {
    if (missing.size() < kMaxMissingListed && !found.Contains(type, id)) {
      missing.push_back({type, id});
    }
  });
  return missing;
}

// `pack` without its distrusted entries, which are counted as removed from the index.
IndexedPack Trusted(const IndexedPack& pack, const Distrusted& distrusted, PrunePlan* plan) {
  IndexedPack kept = pack;
  size_t dropped = std::erase_if(
      kept.blobs, [&](const PackEntry& e) { return Distrusts(distrusted, pack.pack, e); });
  if (dropped > 0) {
    plan->stats.blobs_removed += dropped;
    plan->index_changes = true;
  }
  return kept;
}

// `unsettled`: the pack's unused bytes are unproven (MakePlan), so it is not repacked.
void Decide(const PackUse& use, uint64_t size, const PruneOptions& options,
            const Distrusted& distrusted, bool unsettled, PrunePlan* plan) {
  PruneStats& s = plan->stats;
  const IndexedPack& pack = *use.pack;
  uint64_t blob_bytes = use.used_bytes + use.unused_bytes;
  if (use.used_blobs == 0) {
    ++s.packs_unused;
  } else if (use.unused_bytes == 0 || unsettled ||
             static_cast<double>(use.unused_bytes) < options.repack_threshold * blob_bytes) {
    ++s.packs_kept;
    s.bytes_unused_kept += use.unused_bytes;
    plan->keep.push_back(Trusted(pack, distrusted, plan));
    return;
  } else {
    ++s.packs_repacked;
    for (size_t b = 0; b < pack.blobs.size(); ++b) {
      if (use.claimed[b]) plan->repack.push_back({pack.blobs[b].type, pack.blobs[b].id});
    }
    s.blobs_repacked += use.used_blobs;
  }
  s.blobs_removed += pack.blobs.size() - use.used_blobs;
  s.bytes_deleted += size;
  plan->remove.push_back(pack.pack);
  plan->index_changes = true;
}

// The blobs in use that have a copy about to go: an entry that claimed nothing in a pack `plan`
// deletes or repacks, a distrusted one, or one of a missing pack (its entries leave the index).
// The last matters where the genuine pack was lost and a key holder planted a copy of the same
// length with other bytes: kept unread, that copy would become the only one the index names.
// (A planted index naming a missing pack can so make one prune read the blobs in use it names;
// the next finds the entries gone.)
UsedBlobs DoubtedBlobs(const std::vector<PackUse>& uses, const UsedBlobs& used,
                       const Distrusted& distrusted, const PrunePlan& plan) {
  std::unordered_set<Id, crypto::IdHash> removed(plan.remove.begin(), plan.remove.end());
  removed.insert(plan.missing_packs.begin(), plan.missing_packs.end());
  UsedBlobs doubted;
  for (const auto& [entry, why] : distrusted) {
    if (used.Contains(entry.type, entry.id)) doubted.Add(entry.type, entry.id);
  }
  for (const PackUse& use : uses) {
    if (!removed.contains(use.pack->pack)) continue;
    for (size_t b = 0; b < use.claimed.size(); ++b) {
      const PackEntry& e = use.pack->blobs[b];
      if (!use.claimed[b] && used.Contains(e.type, e.id)) doubted.Add(e.type, e.id);
    }
  }
  return doubted;
}

// Every copy of each of `doubted` that may be kept, in claiming order (ClaimBlobs): the first is
// the claiming one.
std::map<BlobKey, std::vector<EntryRef>> CopiesByPreference(
    const std::vector<IndexedPack>& indexed, const std::map<Id, uint64_t>& packs_on_backend,
    const Distrusted& distrusted, const std::vector<size_t>& order, const UsedBlobs& doubted) {
  std::map<BlobKey, std::vector<EntryRef>> copies;
  for (size_t i : order) {
    for (const PackEntry& e : indexed[i].blobs) {
      if (doubted.Contains(e.type, e.id) &&
          MayKeep(packs_on_backend, distrusted, indexed[i].pack, e)) {
        copies[{e.type, e.id}].push_back(RefTo(indexed[i].pack, e));
      }
    }
  }
  return copies;
}

bool ByTypeThenOffset(const PackEntry& a, const PackEntry& b) {
  return std::tie(a.type, a.offset) < std::tie(b.type, b.offset);
}

// The claiming copies of `doubted` (DoubtedBlobs), grouped by the claiming pack.
std::vector<KeptCopies> CopiesToConfirm(const std::vector<PackUse>& uses,
                                        const std::map<Id, uint64_t>& packs_on_backend,
                                        const UsedBlobs& doubted) {
  std::vector<KeptCopies> confirm;
  if (doubted.size() == 0) return confirm;
  for (const PackUse& use : uses) {
    auto on_backend = packs_on_backend.find(use.pack->pack);
    if (on_backend == packs_on_backend.end()) continue;  // missing: claims nothing
    KeptCopies copies{use.pack->pack, on_backend->second, {}};
    for (size_t b = 0; b < use.claimed.size(); ++b) {
      const PackEntry& e = use.pack->blobs[b];
      if (use.claimed[b] && doubted.Contains(e.type, e.id)) copies.entries.push_back(e);
    }
    if (copies.entries.empty()) continue;
    std::sort(copies.entries.begin(), copies.entries.end(), ByTypeThenOffset);
    confirm.push_back(std::move(copies));
  }
  return confirm;
}

bool SameEntry(const PackEntry& a, const PackEntry& b) {
  return std::tie(a.type, a.id, a.offset, a.length, a.raw_length) ==
         std::tie(b.type, b.id, b.offset, b.length, b.raw_length);
}

// Marks in *disagreeing the entries of `blobs` that share key(entry) with a different entry.
template <typename KeyFn>
void MarkDisagreeing(const std::vector<PackEntry>& blobs, KeyFn key,
                     std::vector<bool>* disagreeing) {
  std::vector<size_t> order(blobs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return key(blobs[a]) < key(blobs[b]); });
  for (size_t first = 0, end = 0; first < order.size(); first = end) {
    bool differ = false;
    for (end = first + 1; end < order.size() && key(blobs[order[end]]) == key(blobs[order[first]]);
         ++end) {
      differ = differ || !SameEntry(blobs[order[end]], blobs[order[first]]);
    }
    for (size_t i = first; differ && i < end; ++i) (*disagreeing)[order[i]] = true;
  }
}

// Whether `entries` tile a pack of `size` bytes as it is written (pack.h): back to back from the
// salt on, the last ending where the header listing them all begins. Entries equal in every
// field count once.
bool Tiles(std::vector<PackEntry> entries, uint64_t size) {
  std::sort(entries.begin(), entries.end(), [](const PackEntry& a, const PackEntry& b) {
    return std::tie(a.offset, a.type, a.id, a.length, a.raw_length) <
           std::tie(b.offset, b.type, b.id, b.length, b.raw_length);
  });
  entries.erase(std::unique(entries.begin(), entries.end(), SameEntry), entries.end());
  uint64_t end = crypto::kSaltSize;
  for (const PackEntry& e : entries) {
    if (e.offset != end) return false;
    end += e.length;
  }
  return end + repository::PackTrailerSize(entries.size()) == size;
}

// Leaves the entries of `pack`, missing from the backend, out of the new index.
void DropMissing(const IndexedPack& pack, PrunePlan* plan) {
  PruneStats& s = plan->stats;
  if (plan->missing_packs.empty()) s.first_missing_pack = pack.pack.Hex();
  plan->missing_packs.push_back(pack.pack);
  ++s.packs_missing;
  s.entries_for_missing_packs += pack.blobs.size();
  s.blobs_removed += pack.blobs.size();
  plan->index_changes = true;
}

}  // namespace

std::vector<KeptCopies> DisagreeingEntries(const std::vector<IndexedPack>& indexed,
                                           const std::map<Id, uint64_t>& packs_on_backend) {
  std::vector<KeptCopies> found;
  for (const IndexedPack& pack : indexed) {
    auto on_backend = packs_on_backend.find(pack.pack);
    if (on_backend == packs_on_backend.end()) continue;
    std::vector<bool> disagreeing(pack.blobs.size(), false);
    MarkDisagreeing(
        pack.blobs, [](const PackEntry& e) { return e.offset; }, &disagreeing);
    MarkDisagreeing(
        pack.blobs, [](const PackEntry& e) { return std::tie(e.type, e.id); }, &disagreeing);
    KeptCopies copies{pack.pack, on_backend->second, {}};
    for (size_t b = 0; b < pack.blobs.size(); ++b) {
      if (disagreeing[b]) copies.entries.push_back(pack.blobs[b]);
    }
    if (copies.entries.empty()) continue;
    std::sort(copies.entries.begin(), copies.entries.end(),
              [](const PackEntry& a, const PackEntry& b) {
                return std::tie(a.type, a.offset, a.id, a.length, a.raw_length) <
                       std::tie(b.type, b.offset, b.id, b.length, b.raw_length);
              });
    copies.entries.erase(std::unique(copies.entries.begin(), copies.entries.end(), SameEntry),
                         copies.entries.end());
    found.push_back(std::move(copies));
  }
  return found;
}

std::vector<EntryRef> EntriesPastTheirPack(const std::vector<IndexedPack>& indexed,
                                           const std::map<Id, uint64_t>& packs_on_backend) {
  std::vector<EntryRef> past;
  for (const IndexedPack& pack : indexed) {
    auto on_backend = packs_on_backend.find(pack.pack);
    if (on_backend == packs_on_backend.end()) continue;
    for (const PackEntry& e : pack.blobs) {
      if (uint64_t{e.offset} + e.length > on_backend->second) past.push_back(RefTo(pack.pack, e));
    }
  }
  return past;
}

std::vector<KeptCopies> UntiledPacks(const std::vector<IndexedPack>& indexed,
                                     const std::map<Id, uint64_t>& packs_on_backend,
                                     const Distrusted& distrusted) {
  std::vector<KeptCopies> untiled;
  for (const IndexedPack& pack : indexed) {
    auto on_backend = packs_on_backend.find(pack.pack);
    if (on_backend == packs_on_backend.end()) continue;
    KeptCopies copies{pack.pack, on_backend->second, {}};
    for (const PackEntry& e : pack.blobs) {
      if (!Distrusts(distrusted, pack.pack, e)) copies.entries.push_back(e);
    }
    if (copies.entries.empty() || Tiles(copies.entries, copies.stored_size)) continue;
    std::sort(copies.entries.begin(), copies.entries.end(), ByTypeThenOffset);
    untiled.push_back(std::move(copies));
  }
  return untiled;
}

uint64_t PackSize(const IndexedPack& pack) {
  uint64_t end = 0;
  for (const PackEntry& e : pack.blobs)
    end = std::max<uint64_t>(end, uint64_t{e.offset} + e.length);
  return end + repository::PackTrailerSize(pack.blobs.size());
}

PrunePlan MakePlan(const std::vector<IndexedPack>& indexed,
                   const std::map<Id, uint64_t>& packs_on_backend, size_t index_files,
                   const UsedBlobs& used, const PruneOptions& options,
                   const Distrusted& distrusted, const std::set<Id>& unsettled) {
  PrunePlan plan;
  PruneStats& s = plan.stats;
  s.blobs_used = used.size();
  s.packs = packs_on_backend.size();
  s.index_files_before = index_files;
  for (const auto& [pack, size] : packs_on_backend) s.bytes_before += size;

  const std::vector<size_t> order = ClaimOrder(indexed, used);
  std::vector<PackUse> uses = ClaimBlobs(indexed, packs_on_backend, used, distrusted, order);
  plan.missing_blobs = Unclaimed(uses, used);
  std::unordered_set<Id, crypto::IdHash> named;
  for (const PackUse& use : uses) {
    named.insert(use.pack->pack);
    auto on_backend = packs_on_backend.find(use.pack->pack);
    if (on_backend == packs_on_backend.end()) {
      DropMissing(*use.pack, &plan);
      continue;
    }
    Decide(use, on_backend->second, options, distrusted, unsettled.contains(use.pack->pack),
           &plan);
  }
  for (const auto& [pack, size] : packs_on_backend) {
    if (named.contains(pack)) continue;
    ++s.packs_orphaned;
    s.bytes_deleted += size;
    plan.remove.push_back(pack);
  }
  const UsedBlobs doubted = DoubtedBlobs(uses, used, distrusted, plan);
  plan.confirm = CopiesToConfirm(uses, packs_on_backend, doubted);
  plan.copies_by_preference =
      CopiesByPreference(indexed, packs_on_backend, distrusted, order, doubted);
  // Index files are consolidated too: one file per kPacksPerIndex packs is enough.
  size_t needed = (plan.keep.size() + repository::kPacksPerIndex - 1) / repository::kPacksPerIndex;
  if (index_files > std::max<size_t>(needed, 1)) plan.index_changes = true;
  s.index_files_after = plan.index_changes ? needed : index_files;
  return plan;
}

}  // namespace stormproof::pruner
