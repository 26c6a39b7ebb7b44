#include "engine/restorer/internal/planner.h"

#include <fnmatch.h>

#include <algorithm>
#include <numeric>

#include "engine/restorer/internal/safe_fs.h"

namespace stormproof::restorer {

using repository::Node;
using repository::NodeType;
using repository::Tree;

namespace {

// Indexes of `nodes` in bytewise name order (stable, so the first of equal names comes first).
std::vector<uint32_t> SortedByName(const std::vector<Node>& nodes) {
  std::vector<uint32_t> order(nodes.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return nodes[a].name < nodes[b].name; });
  return order;
}

bool IsKnownType(NodeType type) {
  return static_cast<uint8_t>(type) <= static_cast<uint8_t>(NodeType::kSocket);
}

}  // namespace

Planner::Planner(const TreeSource& source, const std::vector<std::string>& includes,
                 Reporter& reporter, RestorePlan& plan)
    : source_(source), includes_(includes), reporter_(reporter), plan_(plan) {}

bool Planner::AddTreeEntries(Tree tree, uint32_t dir, const std::string& path, bool included) {
  bool added = false, added_any_name = false;
  std::string previous;  // the last name added; equal names are adjacent in sorted order
  for (uint32_t i : SortedByName(tree.nodes)) {
    Node& node = tree.nodes[i];
    std::string node_path = path + "/" + node.name;
    if (Status safe = CheckEntryName(node.name); !safe) {
      reporter_.Report(node_path, safe.error());
      continue;
    }
    if (added_any_name && previous == node.name) {
      reporter_.Report(node_path, Error::FailedCheck("duplicate name in one directory: skipped"));
      continue;
    }
    previous = node.name;
    added_any_name = true;
    added |= AddNode(std::move(node), dir, node_path, included);
  }
  return added;
}

bool Planner::AddNode(Node node, uint32_t parent, const std::string& path, bool included) {
  if (plan_.entries.size() >= kMaxEntries) {
    reporter_.ReportOnce("too many entries", path,
                         Error::FailedCheck("more than " + std::to_string(kMaxEntries) +
                                            " entries: the rest is not restored"));
    return false;
  }
  if (!IsKnownType(node.type)) {
    reporter_.Report(path, Error::FailedCheck("inconsistent node: unknown entry type"));
    return false;
  }
  included = included || Matches(path);
  if (node.type == NodeType::kDir) return AddDirectory(std::move(node), parent, path, included);
  if (!included) return false;
  if (node.type == NodeType::kFile) return AddFile(std::move(node), parent, path);
  Push(std::move(node), parent);
  return true;
}

bool Planner::AddDirectory(Node node, uint32_t parent, const std::string& path, bool included) {
  if (!node.subtree) {
    reporter_.Report(path, Error::FailedCheck("inconsistent node: directory without a tree"));
    return false;
  }
  const crypto::Id subtree = *node.subtree;
  if (ancestors_.count(subtree) != 0) {
    reporter_.Report(path, Error::FailedCheck("cycle: directory tree " + subtree.ShortHex() +
                                              " contains itself; skipped"));
    return false;
  }
  uint32_t depth = plan_.dirs[parent].depth + 1;
  if (depth > kMaxDepth) {
    reporter_.Report(path, Error::FailedCheck("nested deeper than " + std::to_string(kMaxDepth) +
                                              " directories; skipped"));
    return false;
  }
  size_t entry_mark = plan_.entries.size(), dir_mark = plan_.dirs.size();
  uint32_t dir = static_cast<uint32_t>(dir_mark);
  plan_.dirs.push_back({parent, depth, static_cast<uint32_t>(entry_mark)});
  Push(std::move(node), parent);
  plan_.entries.back().dir = dir;
  bool added = AddSubtree(subtree, dir, path, included);
  if (added || included) return true;
  plan_.entries.resize(entry_mark);  // nothing below was wanted: do not create it either
  plan_.dirs.resize(dir_mark);
  return false;
}

bool Planner::AddSubtree(const crypto::Id& tree, uint32_t dir, const std::string& path,
                         bool included) {
  Result<Tree> loaded = source_.LoadTree(tree);
  if (!loaded) {
    reporter_.Report(path,
                     loaded.error().WithContext("cannot read directory tree " + tree.ShortHex()));
    return false;
  }
  ancestors_.insert(tree);
  bool added = AddTreeEntries(std::move(loaded).value(), dir, path, included);
  ancestors_.erase(tree);
  return added;
}

bool Planner::AddFile(Node node, uint32_t parent, const std::string& path) {
  Result<FileLayout> layout = LayoutOf(node);
  if (!layout) {
    reporter_.Report(path, layout.error());
    return false;
  }
  Push(std::move(node), parent, std::move(layout).value());
  return true;
}

Result<FileLayout> Planner::LayoutOf(const Node& node) const {
  uint64_t content_bytes = 0;
  for (const crypto::Id& id : node.content) {
    std::optional<uint64_t> length = source_.DataBlobLength(id);
    if (!length) return Error::NotFound("data blob " + id.ShortHex() + " is not in the index");
    if (__builtin_add_overflow(content_bytes, *length, &content_bytes)) {
      return Error::FailedCheck("inconsistent node: content length overflows");
    }
  }
  return FileLayout::Build(node.size, node.holes, content_bytes);
}

void Planner::Push(Node node, uint32_t parent, FileLayout layout) {
  PlannedEntry entry;
  entry.parent = parent;
  entry.node = std::move(node);
  entry.node.holes = {};  // now in `layout`
  entry.layout = std::move(layout);
  plan_.entries.push_back(std::move(entry));
}

bool Planner::Matches(const std::string& path) const {
  if (includes_.empty()) return true;
  std::string_view relative = std::string_view(path).substr(1);
  std::string base(path.substr(path.rfind('/') + 1));
  std::string rel(relative);
  return std::any_of(includes_.begin(), includes_.end(), [&](const std::string& pattern) {
    return ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0 ||
           ::fnmatch(pattern.c_str(), rel.c_str(), 0) == 0 ||
           ::fnmatch(pattern.c_str(), base.c_str(), 0) == 0;
  });
}

}  // namespace stormproof::restorer
