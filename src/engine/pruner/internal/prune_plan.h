// What prune will do, decided from the index, the packs on the backend and the blobs in use.
// Pure: reads and changes nothing, so every decision is testable on its own.
#ifndef STORMPROOF_ENGINE_PRUNER_INTERNAL_PRUNE_PLAN_H_
#define STORMPROOF_ENGINE_PRUNER_INTERNAL_PRUNE_PLAN_H_

#include <cstdint>
#include <map>
#include <vector>

#include "engine/pruner/pruner.h"
#include "engine/pruner/internal/used_blobs.h"
#include "engine/repository/index.h"

namespace stormproof::pruner {

struct PrunePlan {
  std::vector<repository::IndexedPack> keep;  // named by the new index, with all their blobs
  std::vector<repository::BlobRef> repack;    // blobs in use to copy out of repacked packs
  std::vector<repository::Id> remove;         // packs to delete once the index no longer names them
  std::vector<repository::Id> missing_packs;  // named by the index, absent from the backend
  std::vector<repository::BlobRef> missing_blobs;  // in use, named by no index (first few)
  bool index_changes = false;                      // the index must be rewritten
  PruneStats stats;  // what carrying out the plan does (no new packs yet)
};

// `packs_on_backend`: every pack file's name (id) and size. `index_files`: how many there are.
PrunePlan MakePlan(const std::vector<repository::IndexedPack>& indexed,
                   const std::map<repository::Id, uint64_t>& packs_on_backend, size_t index_files,
                   const UsedBlobs& used, const PruneOptions& options);

}  // namespace stormproof::pruner

#endif  // STORMPROOF_ENGINE_PRUNER_INTERNAL_PRUNE_PLAN_H_
