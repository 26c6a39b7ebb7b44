// The "signals" and "verdict" objects of a snapshot file (docs/repository-format.md,
// "Snapshots"; the structs and their bounds are signals.h). Internal to the repository library;
// pure functions (thread-safe).
#ifndef STORMPROOF_ENGINE_REPOSITORY_INTERNAL_SIGNALS_JSON_H_
#define STORMPROOF_ENGINE_REPOSITORY_INTERNAL_SIGNALS_JSON_H_

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "engine/repository/signals.h"

namespace stormproof::repository {

// Within the bounds of signals.h: lists keep their first kMax… entries, longer texts are cut (at
// a UTF-8 boundary), extensions longer than kMaxExtensionBytes are left out, the score is
// clamped to 0..100. Names and paths are byte strings (ByteStringToJson).
nlohmann::json SignalsToJson(const SnapshotSignals& signals);
nlohmann::json VerdictToJson(const Verdict& verdict);

// A field missing from "signals" keeps its default (a record from an older writer); unknown
// fields are ignored. Errors: kFailedCheck naming the field ("signals.examples: 6 entries, more
// than the 5 a snapshot may hold") for a wrong type or a list or text beyond the bounds.
Result<SnapshotSignals> SignalsFromJson(const nlohmann::json& json);
// "level" and "score" are required, "reasons" and "model" optional (model "" when missing).
// Errors: kFailedCheck naming the field, e.g. "verdict.level: \"bad\" is not clean, suspicious or
// infected", "verdict.score: 101 is outside 0..100", or a list or text beyond the bounds.
Result<Verdict> VerdictFromJson(const nlohmann::json& json);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INTERNAL_SIGNALS_JSON_H_
