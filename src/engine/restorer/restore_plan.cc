#include "engine/restorer/internal/restore_plan.h"

#include <algorithm>

#include "engine/repository/tree_store.h"
#include "engine/restorer/internal/planner.h"

namespace stormproof::restorer {

using repository::Node;
using repository::NodeType;
using repository::Tree;

namespace {

class RepositoryTreeSource : public TreeSource {
 public:
  explicit RepositoryTreeSource(const repository::Repository& repo) : repo_(repo) {}

  Result<Tree> LoadTree(const crypto::Id& id) const override {
    return repository::LoadTree(repo_, id);
  }
  std::optional<uint64_t> DataBlobLength(const crypto::Id& id) const override {
    // From a copy that verifies when the copies disagree (a damaged or forged one).
    auto location = repo_.LocateForRead(repository::BlobType::kData, id);
    if (!location) return std::nullopt;
    return location->raw_length;
  }

 private:
  const repository::Repository& repo_;
};

// The components of a subpath; "" and "." components are dropped.
Result<std::vector<std::string>> SplitSubpath(const std::string& subpath) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= subpath.size()) {
    size_t end = std::min(subpath.find('/', start), subpath.size());
    std::string part = subpath.substr(start, end - start);
    if (part == "..") return Error::InvalidArgument("subpath '" + subpath + "' contains '..'");
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    start = end + 1;
  }
  return parts;
}

Result<Tree> LoadTreeOrFail(const TreeSource& source, const crypto::Id& id,
                            const std::string& what) {
  Result<Tree> tree = source.LoadTree(id);
  if (!tree) return tree.error().WithContext("cannot read " + what + " " + id.ShortHex());
  return tree;
}

// Follows `parts` but the last from the root tree; returns the tree that holds the last part.
Result<Tree> DescendSubpath(const TreeSource& source, Tree tree,
                            const std::vector<std::string>& parts, Planner& planner,
                            std::string& path) {
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto it = std::find_if(tree.nodes.begin(), tree.nodes.end(),
                           [&](const Node& n) { return n.name == parts[i]; });
    path += "/" + parts[i];
    if (it == tree.nodes.end()) return Error::NotFound(path + ": not in the snapshot");
    if (it->type != NodeType::kDir || !it->subtree) {
      return Error::NotFound(path + ": not a directory in the snapshot");
    }
    planner.EnterTree(*it->subtree);
    crypto::Id id = *it->subtree;
    STORMPROOF_ASSIGN_OR_RETURN(tree, LoadTreeOrFail(source, id, "the tree of " + path));
  }
  return tree;
}

// Plans the subpath's last component `name` found in `tree` (the snapshot path of which is
// `path`).
Status PlanSubpathEntry(const TreeSource& source, Tree tree, const std::string& name,
                        const std::string& path, Planner& planner, RestorePlan& plan) {
  auto it = std::find_if(tree.nodes.begin(), tree.nodes.end(),
                         [&](const Node& n) { return n.name == name; });
  std::string full = path + "/" + name;
  if (it == tree.nodes.end()) return Error::NotFound(full + ": not in the snapshot");
  if (it->type != NodeType::kDir) {
    plan.root_path = path;
    planner.AddNode(std::move(*it), 0, full, false);
    return Ok();
  }
  if (!it->subtree) return Error::NotFound(full + ": a directory without a tree");
  plan.root_path = full;
  crypto::Id id = *it->subtree;
  planner.EnterTree(id);
  STORMPROOF_ASSIGN_OR_RETURN(Tree contents, LoadTreeOrFail(source, id, "the tree of " + full));
  planner.AddTreeEntries(std::move(contents), 0, full, false);
  return Ok();
}

}  // namespace

std::unique_ptr<TreeSource> NewRepositoryTreeSource(const repository::Repository& repo) {
  return std::make_unique<RepositoryTreeSource>(repo);
}

std::string RestorePlan::DirPath(uint32_t dir) const {
  std::vector<uint32_t> chain;
  for (uint32_t d = dir; d != 0; d = dirs[d].parent) chain.push_back(d);
  std::string path = root_path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) path += "/" + DirName(*it);
  return path;
}

std::string RestorePlan::EntryPath(uint32_t entry) const {
  return DirPath(entries[entry].parent) + "/" + entries[entry].node.name;
}

Result<RestorePlan> BuildPlan(const TreeSource& source, const crypto::Id& root,
                              const std::string& subpath, const std::vector<std::string>& includes,
                              Reporter& reporter) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitSubpath(subpath));
  RestorePlan plan;
  plan.dirs.push_back({});
  Planner planner(source, includes, reporter, plan);
  planner.EnterTree(root);
  STORMPROOF_ASSIGN_OR_RETURN(Tree tree, LoadTreeOrFail(source, root, "the root tree"));
  if (parts.empty()) {
    planner.AddTreeEntries(std::move(tree), 0, "", false);
    return plan;
  }
  std::string path;
  STORMPROOF_ASSIGN_OR_RETURN(tree, DescendSubpath(source, std::move(tree), parts, planner, path));
  STORMPROOF_TRY(PlanSubpathEntry(source, std::move(tree), parts.back(), path, planner, plan));
  return plan;
}

}  // namespace stormproof::restorer
