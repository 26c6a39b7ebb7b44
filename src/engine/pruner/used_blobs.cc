#include "engine/pruner/internal/used_blobs.h"

#include <vector>

#include "core/interrupt.h"
#include "engine/walker/walker.h"

namespace stormproof::pruner {

using repository::BlobType;

Result<UsedBlobs> FindUsedBlobs(const repository::Repository& repo,
                                const std::vector<repository::Snapshot>& snapshots,
                                const ProgressFn& progress) {
  UsedBlobs used;
  uint64_t trees = 0;
  walker::DistinctTreeWalker walker(repo, walker::Follow::kEverySubtree);
  for (const repository::Snapshot& snapshot : snapshots) {
    STORMPROOF_TRY(CheckInterrupted());
    auto visit = [&](const walker::TreeVisit& tree) -> Status {
      STORMPROOF_TRY(CheckInterrupted());
      for (const repository::Id& part : tree.parts) used.Add(BlobType::kTree, part);
      for (const repository::Node& node : tree.tree.nodes) {
        for (const repository::Id& data : node.content) used.Add(BlobType::kData, data);
      }
      if (progress) {
        progress(ProgressEvent{.phase = "reading trees"}.Count(ProgressUnit::kTrees, ++trees));
      }
      return Ok();
    };
    auto where = [&](const repository::Id& id) {
      return "tree " + id.Hex() + " of snapshot " + snapshot.id.ShortHex();
    };
    STORMPROOF_TRY(walker.Walk(snapshot.tree, visit, where));
  }
  used.AddTrees(walker.TakeReached());
  return used;
}

}  // namespace stormproof::pruner
