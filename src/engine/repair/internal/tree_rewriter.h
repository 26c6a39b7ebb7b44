// TreeRewriter: a snapshot's tree with every lost entry removed, for `repair snapshots`.
//
// A file is lost when one of its data blobs is in no index or fails to verify (read with its id
// re-hashed); it is removed from its directory. A directory whose tree cannot be loaded (missing,
// damaged, malformed) becomes an empty directory. Every changed tree is saved as a new tree blob
// (nothing is saved in a dry run); unchanged trees keep their ids. Each tree and data blob is
// read at most once per TreeRewriter. Not thread-safe.
#ifndef STORMPROOF_ENGINE_REPAIR_INTERNAL_TREE_REWRITER_H_
#define STORMPROOF_ENGINE_REPAIR_INTERNAL_TREE_REWRITER_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"

namespace stormproof::repair {

class TreeRewriter {
 public:
  // Saves new trees through `maintenance`, or none when it is null (a dry run). REQUIRES: `repo`
  // and `maintenance` outlive this; `maintenance`, when given, is `repo`'s.
  TreeRewriter(const repository::Repository& repo, repository::Maintenance* maintenance)
      : repo_(repo), maintenance_(maintenance) {}

  // The id of the rewritten tree `root` (== root when nothing is lost); appends one
  // "path: reason" line per lost entry to `lost` (paths start with '/', the root is "/").
  // Errors: only saving a new tree blob fails (the backend's error).
  Result<repository::Id> Rewrite(const repository::Id& root, std::vector<std::string>* lost);

  uint64_t data_blobs_checked() const { return blob_usable_.size(); }
  uint64_t data_blobs_lost() const { return blobs_lost_; }

 private:
  struct Rewritten {
    repository::Id id;
    std::vector<std::pair<std::string, std::string>> lost;  // path relative to the tree, reason
  };

  Result<const Rewritten*> RewriteTree(const repository::Id& tree);
  // Empty when every blob of `content` is usable, else the reason.
  std::string LostReason(const std::vector<repository::Id>& content);
  // Saves `tree` (split when large); in a dry run only computes its id.
  Result<repository::Id> SaveTree(const repository::Tree& tree);

  const repository::Repository& repo_;
  repository::Maintenance* const maintenance_;  // null: a dry run
  std::unordered_map<repository::Id, Rewritten, crypto::IdHash> trees_;
  std::unordered_map<repository::Id, std::string, crypto::IdHash> blob_usable_;  // "" = usable
  uint64_t blobs_lost_ = 0;
};

}  // namespace stormproof::repair

#endif  // STORMPROOF_ENGINE_REPAIR_INTERNAL_TREE_REWRITER_H_
