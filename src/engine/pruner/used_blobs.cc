#include "engine/pruner/used_blobs.h"

#include <vector>

#include "core/interrupt.h"
#include "engine/repository/tree_store.h"

namespace stormproof::pruner {

using repository::BlobType;

Result<UsedBlobs> FindUsedBlobs(const repository::Repository& repo,
                                const std::vector<repository::Snapshot>& snapshots,
                                const std::function<void(uint64_t trees)>& progress) {
  UsedBlobs used;
  uint64_t trees = 0;
  for (const repository::Snapshot& snapshot : snapshots) {
    std::vector<repository::Id> stack = {snapshot.tree};
    while (!stack.empty()) {
      STORMPROOF_TRY(CheckInterrupted());
      repository::Id id = stack.back();
      stack.pop_back();
      if (used.Contains(BlobType::kTree, id)) continue;
      used.Add(BlobType::kTree, id);
      auto where = [&] { return "tree " + id.Hex() + " of snapshot " + snapshot.id.ShortHex(); };
      std::vector<repository::Id> parts;
      auto tree = repository::LoadTree(repo, id, &parts);
      if (!tree) return tree.error().WithContext(where());
      for (const repository::Id& part : parts) used.Add(BlobType::kTree, part);
      for (const repository::Node& node : tree->nodes) {
        for (const repository::Id& data : node.content) used.Add(BlobType::kData, data);
        if (node.subtree) stack.push_back(*node.subtree);
      }
      if (progress) progress(++trees);
    }
  }
  return used;
}

}  // namespace stormproof::pruner
