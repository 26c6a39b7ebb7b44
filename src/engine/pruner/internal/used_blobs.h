// The blobs a set of snapshots references: their trees, recursively, and the data blobs of
// every file in them.
#ifndef STORMPROOF_ENGINE_PRUNER_INTERNAL_USED_BLOBS_H_
#define STORMPROOF_ENGINE_PRUNER_INTERNAL_USED_BLOBS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <unordered_set>
#include <vector>

#include "core/progress.h"
#include "core/result.h"
#include "engine/repository/repository.h"

namespace stormproof::pruner {

class UsedBlobs {
 public:
  void Add(repository::BlobType type, const repository::Id& id) { sets_[Index(type)].insert(id); }
  // Adds every id of `trees` as a tree blob (moving them in, without copying).
  void AddTrees(std::unordered_set<repository::Id, crypto::IdHash> trees) {
    sets_[Index(repository::BlobType::kTree)].merge(trees);
  }
  bool Contains(repository::BlobType type, const repository::Id& id) const {
    return sets_[Index(type)].contains(id);
  }
  uint64_t size() const { return sets_[0].size() + sets_[1].size(); }
  void ForEach(const std::function<void(repository::BlobType, const repository::Id&)>& each) const {
    for (size_t t = 0; t < sets_.size(); ++t) {
      for (const repository::Id& id : sets_[t]) each(static_cast<repository::BlobType>(t), id);
    }
  }

 private:
  static size_t Index(repository::BlobType type) { return static_cast<size_t>(type); }
  std::array<std::unordered_set<repository::Id, crypto::IdHash>, 2> sets_;
};

// Walks every tree of `snapshots` (each tree once: walker::DistinctTreeWalker, following every
// subtree a node names). Progress (calling thread): phase "reading trees", the trees read so far
// (kTrees; no total, the walk finds them).
// Errors: the first tree that cannot be loaded or decoded, naming it and a snapshot using it.
Result<UsedBlobs> FindUsedBlobs(const repository::Repository& repo,
                                const std::vector<repository::Snapshot>& snapshots,
                                const ProgressFn& progress);

}  // namespace stormproof::pruner

#endif  // STORMPROOF_ENGINE_PRUNER_INTERNAL_USED_BLOBS_H_
