#include "apps/stormproof/verdict_output.h"

#include <fmt/format.h>

#include "core/text.h"
#include "core/time.h"
#include "engine/detect/verdict.h"

namespace stormproof::cli {

using Level = repository::Verdict::Level;

nlohmann::json VerdictJson(const std::optional<repository::Verdict>& verdict) {
  if (!verdict) return nullptr;
  return {{"level", std::string(repository::LevelName(verdict->level))},
          {"score", verdict->score},
          {"reasons", verdict->reasons}};
}

std::string VerdictText(const std::optional<repository::Verdict>& verdict) {
  if (!verdict) return "—";
  if (verdict->level == Level::kClean) return "clean";
  return fmt::format("{} {}", verdict->level == Level::kInfected ? "INFECTED" : "SUSPICIOUS",
                     verdict->score);
}

std::vector<std::string> AlarmLines(const repository::Snapshot& snapshot,
                                    std::span<const repository::Snapshot> group,
                                    const repository::MarkSet& marks) {
  if (!snapshot.verdict || snapshot.verdict->level == Level::kClean) return {};
  std::vector<std::string> lines{
      fmt::format("snapshot {} is {} (score {}): {}", snapshot.id.ShortHex(),
                  snapshot.verdict->level == Level::kInfected ? "INFECTED" : "SUSPICIOUS",
                  snapshot.verdict->score, EscapeControls(Join(snapshot.verdict->reasons, "; ")))};
  std::vector<detect::JudgedSnapshot> judged = detect::JudgedSnapshotsOf(group, marks);
  Result<detect::CleanPoint> point = detect::NewestClean(judged);
  if (!point) {
    lines.push_back("no clean restore point: " + point.error().message());
  } else {
    const detect::JudgedSnapshot& clean = judged[point->index];
    lines.push_back(fmt::format("newest clean restore point: snapshot {} ({}): {}",
                                clean.id.substr(0, 8), FormatUtc(clean.time_ns),
                                detect::DescribeCleanPoint(judged, *point)));
  }
  return lines;
}

std::vector<std::string> MarkLines(std::span<const repository::NamedMark> marks) {
  std::vector<std::string> lines;
  for (const repository::NamedMark& named : marks) {
    const repository::Mark& mark = named.mark;
    std::string reason = EscapeControls(mark.reason);
    if (mark.kind == repository::Mark::Kind::kHold) {
      lines.push_back(fmt::format("held snapshot {}: {}", mark.snapshot.ShortHex(), reason));
    } else if (mark.kind == repository::Mark::Kind::kVerdict && mark.verdict) {
      lines.push_back(fmt::format("marked snapshot {} {}: {}", mark.snapshot.ShortHex(),
                                  repository::LevelName(mark.verdict->level), reason));
    }
  }
  return lines;
}

nlohmann::json MarksJson(std::span<const repository::NamedMark> marks) {
  nlohmann::json list = nlohmann::json::array();
  for (const repository::NamedMark& named : marks) {
    const repository::Mark& mark = named.mark;
    nlohmann::json j = {{"name", named.name},
                        {"kind", std::string(repository::MarkKindName(mark.kind))},
                        {"snapshot", mark.snapshot.Hex()},
                        {"reason", mark.reason}};
    if (mark.verdict) j["level"] = std::string(repository::LevelName(mark.verdict->level));
    list.push_back(std::move(j));
  }
  return list;
}

}  // namespace stormproof::cli
