// The walk behind `stormproof stats`: the logical size of snapshots (files and bytes as a
// restore would produce them) and the distinct blobs they reference, with their indexed sizes.
// Every distinct tree is read once (DistinctTreeWalker): totals of a subtree seen before, in
// this or another snapshot, are reused, so the cost grows with the unique trees, not the
// snapshots. Not thread-safe.
#ifndef STORMPROOF_ENGINE_WALKER_STATS_WALKER_H_
#define STORMPROOF_ENGINE_WALKER_STATS_WALKER_H_

#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "core/result.h"
#include "engine/repository/repository.h"
#include "engine/walker/walker.h"

namespace stormproof::walker {

// Regular files under a tree and the sum of their sizes.
struct TreeTotals {
  uint64_t files = 0, bytes = 0;
};

// Distinct blobs of one type: how many are indexed, their raw and stored bytes, and how many
// are referenced but missing from the index.
struct BlobTotals {
  uint64_t count = 0, raw = 0, stored = 0, missing = 0;
};

// Collects the distinct blobs and logical totals of snapshot trees. Follows directories only
// (kDir nodes with a subtree), as a restore does.
class StatsWalker {
 public:
  explicit StatsWalker(const repository::Repository& repo)
      : repo_(repo), walker_(repo, Follow::kDirectories) {}

  // Totals of tree `id` and everything below it; records the blobs it references. Errors: the
  // first tree that cannot be loaded ("tree <short id>: ..."); after an error the totals of the
  // trees it cut short are unknown, so the walker is not used again.
  Result<TreeTotals> Walk(const crypto::Id& id);
  // The distinct data blobs of the files walked so far.
  BlobTotals Data() const;
  // The distinct trees walked so far, and the parts of split ones (each counted once).
  BlobTotals Trees() const;
  // Whether a walked tree references blob `id` of `type`.
  bool References(repository::BlobType type, const crypto::Id& id) const;

 private:
  // Records tree `visit` (whose subtrees were visited before it) and its totals.
  Status Add(const TreeVisit& visit);
  // Adds blob `id`'s indexed sizes to `totals` (or counts it missing).
  void Account(repository::BlobType type, const crypto::Id& id, BlobTotals* totals) const;

  const repository::Repository& repo_;
  DistinctTreeWalker walker_;
  std::unordered_map<crypto::Id, TreeTotals, crypto::IdHash> trees_;
  std::unordered_set<crypto::Id, crypto::IdHash> data_;
  std::unordered_set<crypto::Id, crypto::IdHash> tree_parts_;  // of split directories
};

}  // namespace stormproof::walker

#endif  // STORMPROOF_ENGINE_WALKER_STATS_WALKER_H_
