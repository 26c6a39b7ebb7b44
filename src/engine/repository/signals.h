// Ransomware signals and verdicts: what a backup (or a later scan) saw change in a snapshot, and
// the judgement made from it. Plain vocabulary kept in the snapshot's record (Snapshot::signals,
// Snapshot::verdict; docs/repository-format.md, "Snapshots"); gathering and scoring live in
// engine/detect and engine/archiver, not here. Plain structs: not thread-safe to mutate.
//
// Bounds. A snapshot file is read back by every command that lists snapshots, so the lists and
// strings below are bounded: the writer (EncodeSnapshot) keeps the first kMax… entries of each
// list and cuts longer strings, so everything written can be read; the reader (DecodeSnapshot)
// refuses a file beyond the bounds (one no stormproof writes) with an error naming the field.
// Producers fill each list most important first, so what the writer keeps is what matters.
#ifndef STORMPROOF_ENGINE_REPOSITORY_SIGNALS_H_
#define STORMPROOF_ENGINE_REPOSITORY_SIGNALS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stormproof::repository {

inline constexpr size_t kMaxReasons = 16;         // Verdict::reasons
inline constexpr size_t kMaxExamples = 5;         // SnapshotSignals::examples
inline constexpr size_t kMaxCanaryHits = 64;      // SnapshotSignals::canary_hits
inline constexpr size_t kMaxNewExtensions = 10;   // SnapshotSignals::new_extensions
inline constexpr size_t kMaxExtensions = 512;     // SnapshotSignals::extensions (keys)
inline constexpr size_t kMaxSignalText = 8192;    // bytes of a reason, example, hit or name
inline constexpr size_t kMaxExtensionBytes = 64;  // bytes of an extension; longer ones are dropped
inline constexpr size_t kMaxModelBytes = 64;      // bytes of Verdict::model

// What changed in one snapshot against its parent, as counted while backing it up (or scanning
// it). Counts are of regular files unless said; bytes are plaintext bytes. "Suspect" files are
// those marked by one of the per-file rules (engine/detect); a file counts once in suspect_*.
// Extensions are as found in names, without the dot ("docx", "locked"); paths are absolute.
struct SnapshotSignals {
  int version = 1;  // of this record; a reader uses the fields it knows
  enum class Source { kBackup, kScan } source = Source::kBackup;
  bool has_parent = false;  // false: a first backup, judged by absolute rules only

  uint64_t files_total = 0, dirs_total = 0;  // in the whole snapshot
  uint64_t files_new = 0;                    // path not in the parent
  uint64_t files_changed = 0;                // same path, content differs from the parent's
  uint64_t files_deleted = 0;                // in the parent, not in this snapshot
  // In the parent, still there, but this backup could not read them (skipped with an error:
  // permission denied, locked, changed while read), counting the parent's files below a
  // directory that could not be listed; not counted in files_deleted. A scan counts those the
  // snapshot's `skipped` list names.
  uint64_t files_unreadable = 0, bytes_unreadable = 0;
  uint64_t files_known_content = 0;   // new files whose every chunk was already stored (renames)
  uint64_t bytes_deleted = 0;         // of the files deleted
  uint64_t bytes_changed = 0;         // in new chunks of new and changed files
  uint64_t bytes_incompressible = 0;  // of bytes_changed, in chunks zstd could not shrink (≥ 97%)
  uint64_t files_judged = 0;          // changed files whose previous compressibility was known

  // Files marked by each per-file rule (a file may be marked by several).
  uint64_t rewritten_high_entropy = 0;  // was compressible, now random
  uint64_t header_mismatch = 0;         // header no longer matches the file's type (magic)
  uint64_t intermittent = 0;            // random blocks between plain ones
  uint64_t encrypted_copies = 0;        // random new file beside a deleted original
  uint64_t new_extension_files = 0;     // random new or changed files, extension never seen (R5)
  uint64_t suspect_files = 0, suspect_bytes = 0;  // marked by any rule
  uint64_t suspect_mtime_kept = 0;    // suspect, changed, and mtime not after the previous one
  uint64_t archives_added_bytes = 0;  // new files starting with an archive's magic (zip, 7z, gz…)

  uint32_t note_dirs = 0, note_copies = 0;  // a known ransom note's name: directories, copies
  std::string note_name;                    // the commonest such name; "" when none
  uint32_t repeated_name_dirs = 0;  // directories where one new small text file name appeared
  std::string repeated_name;        // that name; "" when none

  // "<path>: changed" | "emptied" | "deleted" | "renamed" | "unreadable"
  std::vector<std::string> canary_hits;
  std::vector<std::string> examples;     // "<path>: was compressible, now random"
  std::vector<std::pair<std::string, uint64_t>> new_extensions;  // ext, files; most files first
  std::map<std::string, uint64_t> extensions;  // ext -> files in the snapshot (the commonest)

  bool operator==(const SnapshotSignals&) const = default;
};

// A snapshot's judgement: how likely it holds ransomware's work, and why in plain words.
struct Verdict {
  enum class Level { kClean, kSuspicious, kInfected } level = Level::kClean;
  int score = 0;                     // 0..100; higher is worse
  std::vector<std::string> reasons;  // plain words, most serious first ("212 copies of …")
  std::string model = "detect/1";    // the scoring's version, so old verdicts can be re-judged

  bool operator==(const Verdict&) const = default;
};

// "clean", "suspicious" or "infected": a level as the snapshot file and --json spell it.
constexpr std::string_view LevelName(Verdict::Level level) {
  switch (level) {
    case Verdict::Level::kSuspicious:
      return "suspicious";
    case Verdict::Level::kInfected:
      return "infected";
    case Verdict::Level::kClean:
      break;
  }
  return "clean";
}

// The level LevelName spells `name`; nullopt for any other text.
constexpr std::optional<Verdict::Level> LevelNamed(std::string_view name) {
  for (Verdict::Level level :
       {Verdict::Level::kClean, Verdict::Level::kSuspicious, Verdict::Level::kInfected}) {
    if (name == LevelName(level)) return level;
  }
  return std::nullopt;
}

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_SIGNALS_H_
