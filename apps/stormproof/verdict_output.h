// How the command line shows a snapshot's ransomware verdict (engine/repository/signals.h):
// `snapshots` in its table and --json, `backup` after saving a snapshot (docs/cli.md).
#ifndef STORMPROOF_APPS_STORMPROOF_VERDICT_OUTPUT_H_
#define STORMPROOF_APPS_STORMPROOF_VERDICT_OUTPUT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include "engine/repository/repository.h"

namespace stormproof::cli {

// {"level": "infected", "score": 97, "reasons": [...]}; null for a snapshot judged by nobody.
nlohmann::json VerdictJson(const std::optional<repository::Verdict>& verdict);

// "clean", "SUSPICIOUS 45", "INFECTED 97"; "—" for a snapshot judged by nobody.
std::string VerdictText(const std::optional<repository::Verdict>& verdict);

// For a snapshot `backup` just saved whose verdict is not clean: what to tell the person, one
// line per item. The first says "snapshot 1a2b3c4d is INFECTED (score 97): <reasons>"; the second
// names the newest clean restore point of `group` (the snapshot's group, oldest first, the
// snapshot last; levels as `marks` make them) or says why there is none. Empty for a clean or
// unjudged snapshot.
std::vector<std::string> AlarmLines(const repository::Snapshot& snapshot,
                                    std::span<const repository::Snapshot> group,
                                    const repository::MarkSet& marks);

// One line per mark a backup made after a flag (holds::ActOnFlag): "held snapshot 1a2b3c4d:
// newest clean restore point before …", "marked snapshot 5e6f7a8b suspicious: part of a slow
// attack …".
std::vector<std::string> MarkLines(std::span<const repository::NamedMark> marks);

// {"name", "kind", "snapshot", "reason"} (+ "level" for a verdict) per mark, for --json.
nlohmann::json MarksJson(std::span<const repository::NamedMark> marks);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_VERDICT_OUTPUT_H_
