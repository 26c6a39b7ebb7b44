// Path walks over a snapshot's trees (walker.h): loading a tree, finding the entry at a path,
// visiting every entry with its path.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/text.h"
#include "engine/repository/tree_store.h"
#include "engine/walker/walker.h"

namespace stormproof::walker {
namespace {

using repository::Node;
using repository::NodeType;

const Node* FindChild(const repository::Tree& tree, const std::string& name) {
  auto it = std::lower_bound(tree.nodes.begin(), tree.nodes.end(), name,
                             [](const Node& node, const std::string& n) { return node.name < n; });
  if (it != tree.nodes.end() && it->name == name) return &*it;
  // Trees are sorted by contract; fall back to a scan rather than trust hostile input.
  auto found = std::find_if(tree.nodes.begin(), tree.nodes.end(),
                            [&](const Node& node) { return node.name == name; });
  return found == tree.nodes.end() ? nullptr : &*found;
}

// The names along `path`, split at '/', without empty names and ".": "/a//b/./c" gives a, b, c.
std::vector<std::string> NamesAlong(const std::string& path) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string name = path.substr(start, end - start);
    start = end + 1;
    if (!name.empty() && name != ".") names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

Result<repository::Tree> LoadTree(const repository::Repository& repo, const crypto::Id& id,
                                  std::vector<crypto::Id>* parts) {
  auto tree = repository::LoadTree(repo, id, parts);
  if (!tree) return tree.error().WithContext("tree " + id.ShortHex());
  return tree;
}

std::string ChildPath(const std::string& parent, const std::string& name) {
  return (parent == "/" ? parent : parent + "/") + name;
}

std::string NormalizePath(const std::string& path) {
  std::string out = "/";
  for (const std::string& name : NamesAlong(path)) out = ChildPath(out, name);
  return out;
}

Result<std::optional<Node>> FindEntry(const repository::Repository& repo, const crypto::Id& root,
                                      const std::string& path) {
  std::optional<Node> entry;
  crypto::Id tree_id = root;
  std::string walked = "/";
  for (const std::string& name : NamesAlong(path)) {
    if (entry && (entry->type != NodeType::kDir || !entry->subtree)) {
      return Error::NotFound(EscapeName(walked) + " is not a directory");
    }
    STORMPROOF_ASSIGN_OR_RETURN(repository::Tree tree, walker::LoadTree(repo, tree_id));
    const Node* child = FindChild(tree, name);
    walked = ChildPath(walked, name);
    if (child == nullptr) return Error::NotFound(EscapeName(walked) + ": not in the snapshot");
    entry = *child;
    if (child->subtree) tree_id = *child->subtree;
  }
  return entry;
}

Status WalkTree(const repository::Repository& repo, const crypto::Id& id, const std::string& path,
                const VisitFn& visit) {
  STORMPROOF_ASSIGN_OR_RETURN(repository::Tree tree, walker::LoadTree(repo, id));
  for (const Node& node : tree.nodes) {
    std::string child = ChildPath(path, node.name);
    bool descend = visit(child, node);
    if (descend && node.type == NodeType::kDir && node.subtree) {
      STORMPROOF_TRY(WalkTree(repo, *node.subtree, child, visit));
    }
  }
  return Ok();
}

}  // namespace stormproof::walker
