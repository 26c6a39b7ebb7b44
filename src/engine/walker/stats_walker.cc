#include "engine/walker/stats_walker.h"

namespace stormproof::walker {

using repository::BlobType;
using repository::Node;
using repository::NodeType;

Result<TreeTotals> StatsWalker::Walk(const crypto::Id& id) {
  STORMPROOF_TRY(walker_.Walk(id, [this](const TreeVisit& visit) { return Add(visit); }));
  auto it = trees_.find(id);
  return it == trees_.end() ? TreeTotals{} : it->second;
}

Status StatsWalker::Add(const TreeVisit& visit) {
  tree_parts_.insert(visit.parts.begin(), visit.parts.end());
  TreeTotals totals;
  for (const Node& node : visit.tree.nodes) {
    if (node.type == NodeType::kFile) {
      ++totals.files;
      totals.bytes += node.size;
      data_.insert(node.content.begin(), node.content.end());
    } else if (node.type == NodeType::kDir && node.subtree) {
      // Visited before this tree (children first); absent only for a tree containing itself.
      if (auto below = trees_.find(*node.subtree); below != trees_.end()) {
        totals.files += below->second.files;
        totals.bytes += below->second.bytes;
      }
    }
  }
  trees_[visit.id] = totals;
  return Ok();
}

BlobTotals StatsWalker::Data() const {
  BlobTotals totals;
  for (const crypto::Id& id : data_) Account(BlobType::kData, id, &totals);
  return totals;
}

BlobTotals StatsWalker::Trees() const {
  BlobTotals totals;
  for (const auto& [id, unused] : trees_) Account(BlobType::kTree, id, &totals);
  for (const crypto::Id& id : tree_parts_) {
    if (!trees_.contains(id)) Account(BlobType::kTree, id, &totals);  // once, if also a tree
  }
  return totals;
}

bool StatsWalker::References(BlobType type, const crypto::Id& id) const {
  return type == BlobType::kData ? data_.count(id) > 0
                                 : trees_.count(id) > 0 || tree_parts_.count(id) > 0;
}

void StatsWalker::Account(BlobType type, const crypto::Id& id, BlobTotals* totals) const {
  std::optional<repository::BlobLocation> where = repo_.FindBlob(type, id);
  if (!where) {
    ++totals->missing;
    return;
  }
  ++totals->count;
  totals->raw += where->raw_length;
  totals->stored += where->length;
}

}  // namespace stormproof::walker
