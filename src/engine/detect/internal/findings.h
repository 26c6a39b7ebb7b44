// What the per-snapshot rules found (score.cc), on its way to plain words (reasons.cc).
// Internal to engine/detect. Plain structs and pure functions: thread-safe.
#ifndef STORMPROOF_ENGINE_DETECT_INTERNAL_FINDINGS_H_
#define STORMPROOF_ENGINE_DETECT_INTERNAL_FINDINGS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/detect/verdict.h"
#include "engine/repository/signals.h"

namespace stormproof::detect::internal {

// Hex digits of a snapshot id in plain words (as repository::Id::ShortHex).
inline constexpr size_t kShortId = 8;

// A snapshot-level rule that fired, with its score.
struct Finding {
  enum class Rule {
    kCanary,
    kEncryption,
    kNotesWithEncryption,
    kNotes,
    kRepeatedName,
    kSlowAttack,
    kMassDeletion,
    kUnreadable,
  } rule;
  int score = 0;
};

// The numbers a slow attack's reason quotes: suspect files of the snapshots it spans (this one
// included) and when the oldest of them was taken.
struct SlowAttack {
  uint64_t suspect_files = 0;
  size_t backups = 0;
  int64_t since_ns = 0;
};

// Deletions not explained by renames (files_deleted − files_known_content), and the parent's
// file count (unreadable files included), derived from the signals.
uint64_t UnexplainedDeletions(const repository::SnapshotSignals& signals);
uint64_t ParentFiles(const repository::SnapshotSignals& signals);

// The reasons for `findings` (ordered most serious first): one headline each, then, when one
// involves encryption, the details behind it (which per-file rules, the share of incompressible
// bytes, an example). At most repository::kMaxReasons.
std::vector<std::string> Reasons(const repository::SnapshotSignals& signals, const History& history,
                                 std::span<const Finding> findings, const SlowAttack& slow);

// 3412 → "3,412".
std::string WithThousands(uint64_t n);

}  // namespace stormproof::detect::internal

#endif  // STORMPROOF_ENGINE_DETECT_INTERNAL_FINDINGS_H_
