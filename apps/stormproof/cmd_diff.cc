// stormproof diff: what changed between two snapshots. Both trees are walked together in name
// order and a subtree whose id is the same on both sides is skipped without being read, so
// comparing two snapshots of a mostly unchanged tree reads only the changed directories.
#include <fmt/format.h>

#include "apps/stormproof/context.h"
#include "apps/stormproof/entry_format.h"
#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "engine/walker/walker.h"

namespace stormproof::cli {
namespace {

using repository::Node;
using repository::NodeType;
using walker::ChildPath;
using walker::WalkTree;

struct DiffFlags {
  std::string first, second;
};

struct DiffCounts {
  uint64_t files_added = 0, files_removed = 0, files_modified = 0;
  uint64_t dirs_added = 0, dirs_removed = 0;
  uint64_t others_added = 0, others_removed = 0;
  uint64_t metadata_only = 0, type_changed = 0;
  uint64_t bytes_added = 0, bytes_removed = 0;  // sizes of added/removed files; both sides of M
};

bool SameContent(const Node& a, const Node& b) {
  return a.content == b.content && a.holes == b.holes && a.size == b.size &&
         a.link_target == b.link_target && a.rdev == b.rdev;
}

bool SameXattrs(const Node& a, const Node& b) {
  if (a.xattrs.size() != b.xattrs.size()) return false;
  for (size_t i = 0; i < a.xattrs.size(); ++i) {
    if (a.xattrs[i].name != b.xattrs[i].name || a.xattrs[i].value != b.xattrs[i].value) {
      return false;
    }
  }
  return true;
}

// Metadata a restore sets; access/change times, inode and device are not compared.
bool SameMetadata(const Node& a, const Node& b) {
  return a.mode == b.mode && a.uid == b.uid && a.gid == b.gid && a.user == b.user &&
         a.group == b.group && a.mtime_ns == b.mtime_ns && SameXattrs(a, b);
}

// Walks two trees and reports each change as it is found. Not thread-safe.
class Differ {
 public:
  Differ(const repository::Repository& repo, const Context& context)
      : repo_(repo), context_(context) {}

  // Compares trees `a` and `b` at `path`.
  Status CompareTrees(const crypto::Id& a, const crypto::Id& b, const std::string& path);
  const DiffCounts& counts() const { return counts_; }

 private:
  Status CompareNodes(const std::string& path, const Node& a, const Node& b);
  // Reports `node` (and everything below it) as added ('+') or removed ('-').
  Status AddedOrRemoved(char modifier, const std::string& path, const Node& node);
  // Reports only what is below `node` when it is a directory.
  Status ContentsAddedOrRemoved(char modifier, const std::string& path, const Node& node);
  void Count(char modifier, const Node& node);
  void Print(char modifier, const std::string& path, const Node& node);

  const repository::Repository& repo_;
  const Context& context_;
  DiffCounts counts_;
};

Status Differ::CompareTrees(const crypto::Id& a, const crypto::Id& b, const std::string& path) {
  if (a == b) return Ok();
  STORMPROOF_ASSIGN_OR_RETURN(repository::Tree left, walker::LoadTree(repo_, a));
  STORMPROOF_ASSIGN_OR_RETURN(repository::Tree right, walker::LoadTree(repo_, b));
  size_t i = 0, j = 0;
  while (i < left.nodes.size() || j < right.nodes.size()) {
    int order = i == left.nodes.size()    ? 1
                : j == right.nodes.size() ? -1
                                          : left.nodes[i].name.compare(right.nodes[j].name);
    if (order < 0) {
      STORMPROOF_TRY(AddedOrRemoved('-', ChildPath(path, left.nodes[i].name), left.nodes[i]));
      ++i;
    } else if (order > 0) {
      STORMPROOF_TRY(AddedOrRemoved('+', ChildPath(path, right.nodes[j].name), right.nodes[j]));
      ++j;
    } else {
      STORMPROOF_TRY(
          CompareNodes(ChildPath(path, left.nodes[i].name), left.nodes[i], right.nodes[j]));
      ++i, ++j;
    }
  }
  return Ok();
}

Status Differ::CompareNodes(const std::string& path, const Node& a, const Node& b) {
  if (a.type != b.type) {
    Print('T', path, b);
    ++counts_.type_changed;
    STORMPROOF_TRY(ContentsAddedOrRemoved('-', path, a));
    return ContentsAddedOrRemoved('+', path, b);
  }
  if (a.type == NodeType::kDir) {
    if (!SameMetadata(a, b)) {
      Print('U', path, b);
      ++counts_.metadata_only;
    }
    if (a.subtree && b.subtree) return CompareTrees(*a.subtree, *b.subtree, path);
    return Ok();
  }
  if (!SameContent(a, b)) {
    Print('M', path, b);
    ++counts_.files_modified;
    counts_.bytes_removed += a.type == NodeType::kFile ? a.size : 0;
    counts_.bytes_added += b.type == NodeType::kFile ? b.size : 0;
  } else if (!SameMetadata(a, b)) {
    Print('U', path, b);
    ++counts_.metadata_only;
  }
  return Ok();
}

Status Differ::AddedOrRemoved(char modifier, const std::string& path, const Node& node) {
  Print(modifier, path, node);
  Count(modifier, node);
  return ContentsAddedOrRemoved(modifier, path, node);
}

Status Differ::ContentsAddedOrRemoved(char modifier, const std::string& path, const Node& node) {
  if (node.type != NodeType::kDir || !node.subtree) return Ok();
  return WalkTree(repo_, *node.subtree, path, [&](const std::string& p, const Node& child) {
    Print(modifier, p, child);
    Count(modifier, child);
    return true;
  });
}

void Differ::Count(char modifier, const Node& node) {
  bool added = modifier == '+';
  if (node.type == NodeType::kFile) {
    ++(added ? counts_.files_added : counts_.files_removed);
    (added ? counts_.bytes_added : counts_.bytes_removed) += node.size;
  } else if (node.type == NodeType::kDir) {
    ++(added ? counts_.dirs_added : counts_.dirs_removed);
  } else {
    ++(added ? counts_.others_added : counts_.others_removed);
  }
}

void Differ::Print(char modifier, const std::string& path, const Node& node) {
  std::string shown = path + (node.type == NodeType::kDir ? "/" : "");
  if (context_.json) {
    nlohmann::json j = {{"message_type", "change"}, {"modifier", std::string(1, modifier)}};
    PutName(&j, "path", shown);
    return PrintJson(j);
  }
  fmt::print("{}    {}\n", modifier, EscapeName(shown));
}

void PrintSummary(const Context& context, const DiffCounts& c, const repository::Snapshot& a,
                  const repository::Snapshot& b) {
  if (context.json) {
    PrintJson({{"message_type", "summary"},
               {"snapshot1", a.id.Hex()},
               {"snapshot2", b.id.Hex()},
               {"files_added", c.files_added},
               {"files_removed", c.files_removed},
               {"files_modified", c.files_modified},
               {"dirs_added", c.dirs_added},
               {"dirs_removed", c.dirs_removed},
               {"others_added", c.others_added},
               {"others_removed", c.others_removed},
               {"metadata_only", c.metadata_only},
               {"type_changed", c.type_changed},
               {"bytes_added", c.bytes_added},
               {"bytes_removed", c.bytes_removed}});
    return;
  }
  fmt::print(
      "\nfiles: {} added, {} removed, {} modified\ndirs: {} added, {} removed\n"
      "others: {} added, {} removed\nmetadata only: {}, type changed: {}\n"
      "added: {}, removed: {}\n",
      c.files_added, c.files_removed, c.files_modified, c.dirs_added, c.dirs_removed,
      c.others_added, c.others_removed, c.metadata_only, c.type_changed, HumanBytes(c.bytes_added),
      HumanBytes(c.bytes_removed));
}

Outcome RunDiff(Context* context, const DiffFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto first = FindSnapshot(*repo, flags.first, {}, {});
  if (!first) return ReportEngineError(first.error());
  auto second = FindSnapshot(*repo, flags.second, {}, {});
  if (!second) return ReportEngineError(second.error());
  Differ differ(*repo, *context);
  Status compared = differ.CompareTrees(first->tree, second->tree, "/");
  std::fflush(stdout);
  if (!compared) return ReportEngineError(compared.error());
  PrintSummary(*context, differ.counts(), *first, *second);
  return Outcome::Ok();
}

}  // namespace

void AddDiffCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<DiffFlags>();
  CLI::App* cmd = app->add_subcommand(
      "diff",
      "Show what changed from SNAP1 to SNAP2 (id prefixes or 'latest'): '+' added, '-' removed, "
      "'M' content modified, 'U' metadata only (mode, owner, mtime, xattrs), 'T' type changed; "
      "then counts and bytes. Directories end in '/'. Unchanged subtrees are skipped unread.");
  cmd->add_option("snapshot1", flags->first, "The older snapshot")->required();
  cmd->add_option("snapshot2", flags->second, "The newer snapshot")->required();
  cmd->callback([context, flags] { context->outcome = RunDiff(context, *flags); });
}

}  // namespace stormproof::cli
