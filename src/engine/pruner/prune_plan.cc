#include "engine/pruner/internal/prune_plan.h"

#include <algorithm>
#include <numeric>
#include <unordered_set>

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

// Each blob in use is claimed by exactly one entry: packs holding the most bytes in use claim
// first, so that duplicates (a blob saved twice by concurrent backups) end up in packs that
// are otherwise unused or repacked.
std::vector<PackUse> ClaimBlobs(const std::vector<IndexedPack>& indexed, const UsedBlobs& used) {
  std::vector<std::pair<uint64_t, size_t>> order;
  for (size_t i = 0; i < indexed.size(); ++i) order.emplace_back(BytesInUse(indexed[i], used), i);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::array<std::unordered_set<Id, crypto::IdHash>, 2> claimed;
  std::vector<PackUse> uses(indexed.size());
  for (const auto& [bytes, i] : order) {
    PackUse& use = uses[i];
    use.pack = &indexed[i];
    use.claimed.assign(indexed[i].blobs.size(), false);
    for (size_t b = 0; b < indexed[i].blobs.size(); ++b) {
      const PackEntry& e = indexed[i].blobs[b];
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

void Decide(const PackUse& use, uint64_t size, const PruneOptions& options, PrunePlan* plan) {
  PruneStats& s = plan->stats;
  const IndexedPack& pack = *use.pack;
  uint64_t blob_bytes = use.used_bytes + use.unused_bytes;
  if (use.used_blobs == 0) {
    ++s.packs_unused;
  } else if (use.unused_bytes == 0 ||
             static_cast<double>(use.unused_bytes) < options.repack_threshold * blob_bytes) {
    ++s.packs_kept;
    s.bytes_unused_kept += use.unused_bytes;
    plan->keep.push_back(pack);
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

}  // namespace

PrunePlan MakePlan(const std::vector<IndexedPack>& indexed,
                   const std::map<Id, uint64_t>& packs_on_backend, size_t index_files,
                   const UsedBlobs& used, const PruneOptions& options) {
  PrunePlan plan;
  PruneStats& s = plan.stats;
  s.blobs_used = used.size();
  s.packs = packs_on_backend.size();
  s.index_files_before = index_files;
  for (const auto& [pack, size] : packs_on_backend) s.bytes_before += size;

  std::vector<PackUse> uses = ClaimBlobs(indexed, used);
  plan.missing_blobs = Unclaimed(uses, used);
  std::unordered_set<Id, crypto::IdHash> named;
  for (const PackUse& use : uses) {
    named.insert(use.pack->pack);
    auto on_backend = packs_on_backend.find(use.pack->pack);
    if (on_backend == packs_on_backend.end()) {
      plan.missing_packs.push_back(use.pack->pack);
      continue;
    }
    Decide(use, on_backend->second, options, &plan);
  }
  for (const auto& [pack, size] : packs_on_backend) {
    if (named.contains(pack)) continue;
    ++s.packs_orphaned;
    s.bytes_deleted += size;
    plan.remove.push_back(pack);
  }
  // Index files are consolidated too: one file per kPacksPerIndex packs is enough.
  size_t needed = (plan.keep.size() + repository::kPacksPerIndex - 1) / repository::kPacksPerIndex;
  if (index_files > std::max<size_t>(needed, 1)) plan.index_changes = true;
  s.index_files_after = plan.index_changes ? needed : index_files;
  return plan;
}

}  // namespace stormproof::pruner
