// stormproof snapshots: list the snapshots in the repository.
#include <fmt/format.h>

#include <ctime>

#include "context.h"
#include "entry_format.h"
#include "repo_access.h"

namespace stormproof::cli {
namespace {

struct SnapshotsFlags {
  std::vector<std::string> tags, paths;
};

std::string FormatTime(int64_t ns) {
  std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  ::localtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// Tags and paths come from the repository: escaped as `ls` escapes names.
std::string TagsText(const std::map<std::string, std::string>& tags) {
  std::string out;
  for (const auto& [k, v] : tags) {
    out += (out.empty() ? "" : ",") + EscapeName(k) + (v.empty() ? "" : "=" + EscapeName(v));
  }
  return out;
}

std::string PathsText(const std::vector<std::string>& paths) {
  std::string out;
  for (const std::string& path : paths) out += (out.empty() ? "" : " ") + EscapeName(path);
  return out;
}

nlohmann::json SnapshotJson(const repository::Snapshot& s) {
  return {{"id", s.id.Hex()},
          {"short_id", s.id.ShortHex()},
          {"time_ns", s.time_ns},
          {"hostname", s.hostname},
          {"username", s.username},
          {"paths", s.paths},
          {"tags", s.tags},
          {"tree", s.tree.Hex()},
          {"parent", s.parent ? nlohmann::json(s.parent->Hex()) : nlohmann::json(nullptr)},
          {"skipped", s.skipped.size()}};
}

void RunSnapshots(Context* context, const SnapshotsFlags& flags) {
  auto repo = OpenRepositoryOrReport(context);
  if (!repo) return;
  auto snapshots = LoadSnapshotsOrWarn(*repo);
  if (!snapshots) return ReportEngineError(context, snapshots.error());
  nlohmann::json list = nlohmann::json::array();
  std::string text =
      fmt::format("{:<10}{:<21}{:<16}{:<20}{}\n", "ID", "Time", "Host", "Tags", "Paths");
  size_t shown = 0;
  for (const repository::Snapshot& s : *snapshots) {
    if (!SnapshotMatches(s, flags.tags, flags.paths)) continue;
    ++shown;
    list.push_back(SnapshotJson(s));
    text += fmt::format("{:<10}{:<21}{:<16}{:<20}{}\n", s.id.ShortHex(), FormatTime(s.time_ns),
                        EscapeName(s.hostname), TagsText(s.tags), PathsText(s.paths));
  }
  if (context->json) return PrintJson(list);
  fmt::print("{}{} snapshot(s)\n", text, shown);
}

}  // namespace

void AddSnapshotsCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<SnapshotsFlags>();
  CLI::App* cmd = app->add_subcommand(
      "snapshots",
      "List snapshots, oldest first. Host names, tags and paths are shown escaped as 'ls' shows "
      "names (bytes that are not printable UTF-8 as \\xNN, a backslash as \\\\); --json gives "
      "the raw values.");
  cmd->add_option("--tag", flags->tags, "Only snapshots with this tag (K=V or K), repeatable")
      ->type_name("K=V");
  cmd->add_option("--path", flags->paths, "Only snapshots that include this path, repeatable")
      ->type_name("PATH");
  cmd->callback([context, flags] { RunSnapshots(context, *flags); });
}

}  // namespace stormproof::cli
