// What the copier knows of source ids and the destination ids they became: learnt by zipping an
// earlier copied snapshot with its copy (zip.h) and by copying (tree_copier.h). Kept in memory
// for one Copy call only; nothing is stored. Thread-compatible.
#ifndef STORMPROOF_ENGINE_COPIER_INTERNAL_ID_MAP_H_
#define STORMPROOF_ENGINE_COPIER_INTERNAL_ID_MAP_H_

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "engine/repository/repository.h"

namespace stormproof::copier::internal {

using repository::Id;

// The deepest directory level below a snapshot's root that is copied or zipped: the restorer's
// limit (restorer/internal/restore_plan.h), so that a copy holds nothing restore would refuse.
inline constexpr uint32_t kMaxDepth = 1024;

// A directory whose whole subtree is known in the destination.
struct MappedTree {
  Id destination;           // the directory's tree id in the destination
  uint64_t file_bytes = 0;  // the size of every file below it (progress)
  uint64_t blobs = 0;       // data blob references and trees below it, itself included
};

class IdMap {
 public:
  void AddData(const Id& source, const Id& destination) { data_[source] = destination; }
  // The destination id of data blob `source`, if known.
  std::optional<Id> Data(const Id& source) const;

  void AddTree(const Id& source, const MappedTree& tree) { trees_[source] = tree; }
  // The mapping of directory tree `source` (a split one's head), or null.
  const MappedTree* Tree(const Id& source) const;

  size_t data_count() const { return data_.size(); }
  size_t tree_count() const { return trees_.size(); }

 private:
  std::unordered_map<Id, Id, crypto::IdHash> data_;
  std::unordered_map<Id, MappedTree, crypto::IdHash> trees_;
};

}  // namespace stormproof::copier::internal

#endif  // STORMPROOF_ENGINE_COPIER_INTERNAL_ID_MAP_H_
