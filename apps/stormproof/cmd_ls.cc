// stormproof ls: list what a snapshot holds, like `ls -l`, names escaped.
#include <fmt/format.h>

#include "apps/stormproof/context.h"
#include "apps/stormproof/entry_format.h"
#include "apps/stormproof/repo_access.h"
#include "engine/walker/walker.h"

namespace stormproof::cli {
namespace {

using repository::Node;
using repository::NodeType;
using walker::FindEntry;
using walker::NormalizePath;
using walker::WalkTree;

struct LsFlags {
  std::string snapshot;  // id prefix or latest
  std::string path;      // inside the snapshot; "" = everything
  bool recursive = false;
  std::vector<std::string> tags, paths;
};

nlohmann::json NodeJson(const std::string& path, const Node& node) {
  nlohmann::json j = {{"message_type", "node"}, {"type", TypeName(node.type)}};
  PutName(&j, "path", path);
  j["mode"] = node.mode;
  j["permissions"] = ModeString(node);
  j["uid"] = node.uid;
  j["gid"] = node.gid;
  PutName(&j, "user", node.user);
  PutName(&j, "group", node.group);
  j["size"] = node.size;
  j["mtime_ns"] = node.mtime_ns;
  if (node.type == NodeType::kSymlink) PutName(&j, "link_target", node.link_target);
  return j;
}

void PrintEntry(const Context& context, const std::string& path, const Node& node) {
  if (context.json) return PrintJson(NodeJson(path, node));
  std::string target = node.type == NodeType::kSymlink ? " -> " + EscapeName(node.link_target) : "";
  fmt::print("{} {:<8} {:<8} {:>12} {} {}{}\n", ModeString(node), OwnerText(node.user, node.uid),
             OwnerText(node.group, node.gid), node.size, FormatUtc(node.mtime_ns), EscapeName(path),
             target);
}

// Lists the directory tree `id` at `path`: every entry below it, or only its children.
Result<uint64_t> ListDirectory(const Context& context, const repository::Repository& repo,
                               const crypto::Id& id, const std::string& path, bool recursive) {
  uint64_t entries = 0;
  STORMPROOF_TRY(WalkTree(repo, id, path, [&](const std::string& p, const Node& node) {
    PrintEntry(context, p, node);
    ++entries;
    return recursive;
  }));
  return entries;
}

// What `ls` prints for the chosen path; returns the number of entries.
Result<uint64_t> List(const Context& context, const repository::Repository& repo,
                      const repository::Snapshot& snapshot, const LsFlags& flags) {
  if (flags.path.empty()) return ListDirectory(context, repo, snapshot.tree, "/", true);
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<Node> entry,
                              FindEntry(repo, snapshot.tree, flags.path));
  if (!entry) return ListDirectory(context, repo, snapshot.tree, "/", flags.recursive);
  std::string path = NormalizePath(flags.path);
  if (entry->type != NodeType::kDir || !entry->subtree) {
    PrintEntry(context, path, *entry);
    return 1;
  }
  return ListDirectory(context, repo, *entry->subtree, path, flags.recursive);
}

Outcome RunLs(Context* context, const LsFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto snapshot = FindSnapshot(*repo, flags.snapshot, flags.tags, flags.paths);
  if (!snapshot) return ReportEngineError(snapshot.error());
  if (context->json) {
    PrintJson({{"message_type", "snapshot"},
               {"id", snapshot->id.Hex()},
               {"time", FormatRfc3339Nanos(snapshot->time_ns)},
               {"time_ns", snapshot->time_ns},
               {"hostname", snapshot->hostname},
               {"paths", snapshot->paths}});
  }
  auto entries = List(*context, *repo, *snapshot, flags);
  std::fflush(stdout);
  if (!entries) return ReportEngineError(entries.error());
  if (context->json) PrintJson({{"message_type", "summary"}, {"entries", *entries}});
  return Outcome::Ok();
}

}  // namespace

void AddLsCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<LsFlags>();
  CLI::App* cmd = app->add_subcommand(
      "ls",
      "List the entries of SNAPSHOT (an id prefix or 'latest'): type and mode, owner, group, "
      "size, modification time and path, like 'ls -l'. Without PATH everything is listed; with "
      "PATH, that directory's entries (all below it with --recursive) or that one entry. Bytes "
      "that are not printable UTF-8 are shown as \\xNN and a backslash as \\\\. With --json: "
      "one JSON object per line.");
  cmd->add_option("snapshot", flags->snapshot, "Snapshot id prefix or latest")->required();
  cmd->add_option("path", flags->path, "Path inside the snapshot, e.g. /home/ann/docs");
  cmd->add_flag("-R,--recursive", flags->recursive, "With PATH: list everything below it");
  cmd->add_option("--tag", flags->tags, "With 'latest': only snapshots with this tag")
      ->type_name("K=V");
  cmd->add_option("--path", flags->paths, "With 'latest': only snapshots of this path")
      ->type_name("PATH");
  cmd->callback([context, flags] { context->outcome = RunLs(context, *flags); });
}

}  // namespace stormproof::cli
