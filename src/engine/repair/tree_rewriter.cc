#include "engine/repair/internal/tree_rewriter.h"

#include "engine/repository/tree_store.h"

namespace stormproof::repair {

using repository::BlobType;
using repository::Id;

Result<Id> TreeRewriter::Rewrite(const Id& root, std::vector<std::string>* lost) {
  STORMPROOF_ASSIGN_OR_RETURN(const Rewritten* done, RewriteTree(root));
  for (const auto& [path, reason] : done->lost) {
    lost->push_back((path.empty() ? std::string("/") : path) + ": " + reason);
  }
  return done->id;
}

Result<const TreeRewriter::Rewritten*> TreeRewriter::RewriteTree(const Id& tree_id) {
  if (auto it = trees_.find(tree_id); it != trees_.end()) return &it->second;
  Rewritten out{tree_id, {}};
  std::vector<std::string> unreadable;
  auto tree = repository::LoadTreeKeepingReadableParts(
      [this](const Id& blob) {
        return repo_.LoadBlob(BlobType::kTree, blob, repository::IdCheck::kRehash);
      },
      tree_id, &unreadable);
  if (!tree) {
    STORMPROOF_ASSIGN_OR_RETURN(out.id, SaveTree({}));
    out.lost.push_back({"", "directory lost, restored empty (" + tree.error().message() + ")"});
    return &trees_.emplace(tree_id, std::move(out)).first->second;
  }
  // A split directory keeps the entries of the parts that can still be read.
  bool changed = !unreadable.empty();
  for (const std::string& why : unreadable) {
    out.lost.push_back({"", "entries lost, the others kept (" + why + ")"});
  }
  std::vector<repository::Node> kept;
  kept.reserve(tree->nodes.size());
  for (repository::Node& node : tree->nodes) {
    std::string path = "/" + node.name;
    if (std::string why = LostReason(node.content); !why.empty()) {
      out.lost.push_back({path, why});
      changed = true;
      continue;
    }
    if (node.subtree) {
      STORMPROOF_ASSIGN_OR_RETURN(const Rewritten* sub, RewriteTree(*node.subtree));
      for (const auto& [sub_path, reason] : sub->lost)
        out.lost.push_back({path + sub_path, reason});
      if (sub->id != *node.subtree) {
        node.subtree = sub->id;
        changed = true;
      }
    }
    kept.push_back(std::move(node));
  }
  if (changed) {
    tree->nodes = std::move(kept);
    STORMPROOF_ASSIGN_OR_RETURN(out.id, SaveTree(*tree));
  }
  return &trees_.emplace(tree_id, std::move(out)).first->second;
}

std::string TreeRewriter::LostReason(const std::vector<Id>& content) {
  for (const Id& blob : content) {
    auto [it, added] = blob_usable_.try_emplace(blob);
    if (added) {
      auto data = repo_.LoadBlob(BlobType::kData, blob, repository::IdCheck::kRehash);
      if (!data) {
        it->second = data.error().message();
        ++blobs_lost_;
      }
    }
    if (!it->second.empty()) return "file lost (" + it->second + ")";
  }
  return "";
}

Result<Id> TreeRewriter::SaveTree(const repository::Tree& tree) {
  return repository::SaveTree(tree, [this](Bytes encoded) -> Result<Id> {
    Id id = repo_.BlobId(encoded);
    if (maintenance_ == nullptr) return id;
    auto saved = maintenance_->writer().SaveBlob(BlobType::kTree, id, encoded);
    if (!saved) return saved.error().WithContext("saving repaired tree " + id.Hex());
    return id;
  });
}

}  // namespace stormproof::repair
