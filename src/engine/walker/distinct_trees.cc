// DistinctTreeWalker (walker.h): every distinct tree once, children before their parent, with an
// explicit stack instead of recursion.
#include <optional>
#include <utility>

#include "engine/repository/tree_store.h"
#include "engine/walker/walker.h"

namespace stormproof::walker {
namespace {

using repository::Node;

// A tree on the current path: read, with the index of the next entry to look at.
struct Frame {
  crypto::Id id;
  repository::Tree tree;
  std::vector<crypto::Id> parts;
  size_t next = 0;
};

bool Follows(Follow follow, const Node& node) {
  if (!node.subtree) return false;
  return follow == Follow::kEverySubtree || node.type == repository::NodeType::kDir;
}

}  // namespace

Status DistinctTreeWalker::Walk(const crypto::Id& root, const TreeVisitFn& visit,
                                const TreeContextFn& context) {
  std::vector<Frame> path;
  // Marks `id` reached, reads it and puts it on the path.
  auto enter = [&](const crypto::Id& id) -> Status {
    reached_.insert(id);
    Frame frame{id, {}, {}, 0};
    auto tree = repository::LoadTree(repo_, id, &frame.parts);
    if (!tree) return tree.error().WithContext(context ? context(id) : "tree " + id.ShortHex());
    frame.tree = std::move(tree).value();
    path.push_back(std::move(frame));
    return Ok();
  };
  if (reached_.contains(root)) return Ok();
  STORMPROOF_TRY(enter(root));
  while (!path.empty()) {
    Frame& top = path.back();
    std::optional<crypto::Id> child;
    while (!child && top.next < top.tree.nodes.size()) {
      const Node& node = top.tree.nodes[top.next++];
      if (Follows(follow_, node) && !reached_.contains(*node.subtree)) child = *node.subtree;
    }
    if (child) {
      STORMPROOF_TRY(enter(*child));  // `top` may dangle from here on
      continue;
    }
    STORMPROOF_TRY(visit(TreeVisit{top.id, top.tree, top.parts}));
    path.pop_back();
  }
  return Ok();
}

std::unordered_set<crypto::Id, crypto::IdHash> DistinctTreeWalker::TakeReached() {
  std::unordered_set<crypto::Id, crypto::IdHash> reached = std::move(reached_);
  reached_.clear();
  return reached;
}

}  // namespace stormproof::walker
