// stormproof snapshots: list the snapshots in the repository.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "apps/stormproof/context.h"
#include "apps/stormproof/entry_format.h"
#include "apps/stormproof/repo_access.h"
#include "apps/stormproof/verdict_output.h"
#include "engine/repository/signals.h"

namespace stormproof::cli {
namespace {

struct SnapshotsFlags {
  std::vector<std::string> tags, paths;
};

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

nlohmann::json CopiedFromJson(const repository::Snapshot& s);

nlohmann::json SnapshotJson(const repository::Snapshot& s) {
  return {{"id", s.id.Hex()},
          {"short_id", s.id.ShortHex()},
          {"time", FormatRfc3339Nanos(s.time_ns)},
          {"time_ns", s.time_ns},
          {"hostname", s.hostname},
          {"username", s.username},
          {"paths", s.paths},
          {"tags", s.tags},
          {"tree", s.tree.Hex()},
          {"parent", s.parent ? nlohmann::json(s.parent->Hex()) : nlohmann::json(nullptr)},
          {"skipped", s.skipped.size()},
          {"copied_from", CopiedFromJson(s)},
          {"verdict", VerdictJson(s.verdict)}};
}

// Where a copy came from (`stormproof copy`): null for a snapshot that is no copy.
nlohmann::json CopiedFromJson(const repository::Snapshot& s) {
  if (!s.copied_from) return nullptr;
  return {{"repository", s.copied_from->repository.Hex()},
          {"snapshot", s.copied_from->snapshot.Hex()}};
}

// "1a2b3c4d (repository 9f8e7d6c)"; "" for a snapshot that is no copy.
std::string CopiedFromText(const repository::Snapshot& s) {
  if (!s.copied_from) return "";
  return s.copied_from->snapshot.ShortHex() + " (repository " +
         s.copied_from->repository.ShortHex() + ")";
}

// How many columns `text` takes on a terminal: one per code point (EscapeName leaves only
// printable UTF-8; wide East Asian characters count as one).
size_t DisplayWidth(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// A table whose every column is as wide as its widest cell, columns two spaces apart; the last
// column is not padded and no line ends in spaces.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] + 2 - DisplayWidth(row[i]), ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

// What the marks add to a snapshot (engine/repository/marks.h): a verdict given later (a slow
// attack's earlier step, a scan), a false alarm a person accepted, standing holds.
void AddMarks(const repository::MarkSet& marks, const repository::Snapshot& s, nlohmann::json* j) {
  const repository::Mark* later = marks.WorstLaterVerdict(s.id);
  (*j)["later_verdict"] = later ? VerdictJson(later->verdict) : nlohmann::json(nullptr);
  (*j)["false_alarm"] = marks.AcceptedAsFalseAlarm(s.id);
  (*j)["held"] = marks.Held(s.id);
}

// The Verdict column: the record's verdict, or a worse one given later ("SUSPICIOUS 30
// (later)"), "clean (false alarm)" once a person accepted the flag; " held" under a hold.
std::string VerdictCell(const repository::MarkSet& marks, const repository::Snapshot& s) {
  std::string text = VerdictText(s.verdict);
  const repository::Mark* later = marks.WorstLaterVerdict(s.id);
  if (later && (!s.verdict || later->verdict->level > s.verdict->level)) {
    text = VerdictText(later->verdict) + " (later)";
  }
  if (marks.AcceptedAsFalseAlarm(s.id) && text != "clean" && text != "—") {
    text = "clean (false alarm)";
  }
  return marks.Held(s.id) ? text + " held" : text;
}

Outcome RunSnapshots(Context* context, const SnapshotsFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto snapshots = LoadSnapshotsOrWarn(*repo);
  if (!snapshots) return ReportEngineError(snapshots.error());
  auto marks = LoadMarksOrWarn(*repo);
  if (!marks) return ReportEngineError(marks.error());
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {
      {"ID", "Time", "Verdict", "Host", "Tags", "Paths", "Copied from"}};
  bool any_verdict = false, any_copy = false;
  for (const repository::Snapshot& s : *snapshots) {
    if (!SnapshotMatches(s, flags.tags, flags.paths)) continue;
    nlohmann::json j = SnapshotJson(s);
    AddMarks(*marks, s, &j);
    list.push_back(std::move(j));
    rows.push_back({s.id.ShortHex(), FormatUtc(s.time_ns), VerdictCell(*marks, s),
                    EscapeName(s.hostname), TagsText(s.tags), PathsText(s.paths),
                    CopiedFromText(s)});
    any_verdict =
        any_verdict || s.verdict.has_value() || marks->WorstLaterVerdict(s.id) || marks->Held(s.id);
    any_copy = any_copy || s.copied_from.has_value();
  }
  // The "Copied from" column only where some snapshot is a copy (`stormproof copy`), "Verdict"
  // only where some snapshot was judged (a repository from before detection shows none).
  for (auto& row : rows) {
    if (!any_copy) row.pop_back();
    if (!any_verdict) row.erase(row.begin() + 2);
  }
  if (context->json) {
    PrintJson(list);
    return Outcome::Ok();
  }
  fmt::print("{}{} snapshot(s)\n", FormatTable(rows), rows.size() - 1);
  return Outcome::Ok();
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
  cmd->callback([context, flags] { context->outcome = RunSnapshots(context, *flags); });
}

}  // namespace stormproof::cli
