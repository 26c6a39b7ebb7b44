// detect/verdict.h: the judgements built on detect.h's primitives. Per file, the rules R1–R5
// that mark a changed or new file as looking encrypted; per snapshot, a score against the same
// system's own history (its usual churn) with the reasons in plain words; per group of
// snapshots, the newest clean restore point. Design: issue 16, §2 and §4.
//
// Everything here is a pure function of its arguments (no I/O, no clock): thread-safe. The
// archiver's signal collector is to call JudgeFile per file and PairEncryptedCopies per
// directory, then Judge per snapshot; restore latest-clean, drill --clean and the holds
// NewestClean.
#ifndef STORMPROOF_ENGINE_DETECT_VERDICT_H_
#define STORMPROOF_ENGINE_DETECT_VERDICT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "engine/detect/detect.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"
#include "engine/repository/signals.h"

namespace stormproof::detect {

// ---- Per-file rules (file_judge.cc) -----------------------------------------------------------

// Compressibility classes of a ratio in permille (RatioPermille): a text, office or database
// file compresses to ≤ 800; encrypted or compressed data stays ≥ 970.
inline constexpr int kCompressibleRatio = 800;
inline constexpr int kIncompressibleRatio = 970;
inline constexpr int kRandomWholeFileRatio = 950;  // R1: the whole file "now random"

// What the backup knows about one new or content-changed regular file. Ratios are permille
// (RatioPermille); in the spans 0 means unknown (a chunk still in flight), in the ints -1 does.
struct FileFacts {
  enum class Change { kNew, kContentChanged } change = Change::kNew;
  std::string_view name;             // base name: its extension decides R2 and R5
  int old_ratio = -1;                // the previous version's whole-file ratio (WholeFileRatio)
  int old_first_ratio = -1;          // the previous version's first chunk's ratio
  std::span<const uint16_t> ratios;  // this version's chunks, in file order
  std::span<const uint32_t> sizes;   // their plaintext bytes; empty: chunks weigh alike
  std::span<const uint8_t> chunk_changed;  // 1 = not in the previous version; empty: all new
  bool all_chunks_known = false;           // every chunk was already stored: a rename or a copy
  HeaderSample header;              // of the first ≤ 4 KiB; unclassified when fewer than 512
  bool extension_new = false;       // the system never had this extension (History::KnowsExtension)
  bool mtime_not_advanced = false;  // mtime ≤ the previous version's (counts; marks nothing)
};

// The rules a file fired. R4 (encrypted copy beside a deleted original) needs the directory's
// deletions: JudgeFile only says whether the file may be one (r4_candidate); the collector pairs
// candidates with PairEncryptedCopies and counts a paired candidate as suspect.
struct FileMarks {
  bool r1 = false;  // rewritten high-entropy: compressible before, random now, same path
  bool r2 = false;  // header mismatch: its extension promises a magic, it starts with random bytes
  bool r3 = false;  // intermittent: random blocks (or a random header) in a file that was plain
  bool r5 = false;  // new extension: random content under an extension the system never had
  bool r4_candidate = false;  // new, random, no magic: an encrypted copy if an original went

  bool suspect() const { return r1 || r2 || r3 || r5; }  // R4 is added by the collector
};

// Judges one file (rules in file_judge.cc's comments and the design's §2). A new file whose
// every chunk was already stored (all_chunks_known) is never marked: renames and copies stay
// clean. A changed file is judged even so.
FileMarks JudgeFile(const FileFacts& facts);

// The whole-file ratio of chunks: their ratios weighted by `sizes` (or alike when `sizes` is
// empty or of another length), skipping unknown (0) ratios; -1 when none is known.
int WholeFileRatio(std::span<const uint16_t> ratios, std::span<const uint32_t> sizes);

// True for extensions of split archive volumes ("001", "z01", "r00"): new ones appear whenever
// someone splits an archive, and their parts start with no magic. R5 ignores them.
bool IsVolumeExtension(std::string_view extension);

// A file that went from a directory in this snapshot.
struct DeletedFile {
  std::string_view name;  // base name
  int ratio = -1;         // its whole-file ratio from the index, -1 unknown
};

// Pairs R4 candidates (new random files of one directory) with that directory's deleted files:
// a candidate pairs with an original whose name is a prefix of it followed by a non-alphanumeric
// byte ("a.docx" → "a.docx.lockd") or whose stem (name without extension) is the same ("a.docx"
// → "a.enc"), provided the original was compressible or its extension promised a magic. Each
// candidate and each original pairs at most once; a prefix match is preferred. Returns (candidate
// index, deleted index) pairs, ordered by candidate.
std::vector<std::pair<size_t, size_t>> PairEncryptedCopies(
    std::span<const DeletedFile> deleted, std::span<const std::string_view> candidates);

// ---- Per-snapshot score (score.cc, reasons.cc) ------------------------------------------------

// An earlier snapshot of the same group (host and paths) as the judge needs it.
struct PastSnapshot {
  std::string id;  // as the caller names it (hex); returned by SlowAttackMembers
  int64_t time_ns = 0;
  repository::SnapshotSignals signals;
  // Its effective level (the record's verdict, or a newer verdict mark; an accepted false alarm
  // is kClean). Only clean snapshots enter the history; nullopt (never judged) does not.
  std::optional<repository::Verdict::Level> level;
};

// A quantity's usual values over the history: median and MAD (median absolute deviation), and
// the smallest and largest seen. All zero when fewer than kMinHistory records.
struct Usual {
  double median = 0, mad = 0;
  uint64_t low = 0, high = 0;
};

inline constexpr size_t kMinHistory = 3;   // fewer: fixed thresholds alone, "no history yet"
inline constexpr size_t kMaxHistory = 30;  // records kept, newest
inline constexpr size_t kSlowWindow = 6;   // earlier records a slow attack may spread over
inline constexpr int kSuspiciousScore = 30;
inline constexpr int kInfectedScore = 70;

// A system's normal, from its recent clean snapshots.
struct History {
  struct Record {
    std::string id;
    int64_t time_ns = 0;
    uint64_t suspect_files = 0;
  };
  std::vector<Record> records;  // the last ≤ kMaxHistory clean snapshots, oldest first
  Usual suspect_files, note_dirs, deletions;  // deletions: files_deleted − files_known_content
  Usual unreadable;                           // files_unreadable
  std::set<std::string> extensions;           // every extension of the records' snapshots

  bool has_baseline() const { return records.size() >= kMinHistory; }
  // True when a record's snapshot had files with this extension; true for any extension when
  // there are no records (a first backup has no "new" extension).
  bool KnowsExtension(std::string_view extension) const;
};

// The history of `snapshots` (the group's earlier snapshots, oldest first, any number): the last
// kMaxHistory of them whose level is clean.
History HistoryOf(std::span<const PastSnapshot> snapshots);

// Scores a snapshot's signals against its system's history: the score is the highest of the
// rules that fire (canary 100; encryption 30–99; notes with encryption 90; notes alone 40 or 75;
// a repeated note-like name 60; a slow attack 75; files made unreadable 40; a mass deletion 35),
// the level follows from it (clean < 30 ≤ suspicious < 70 ≤ infected) and the reasons name
// every rule that fired, most serious first, with the details behind them. A clean verdict has
// no reasons.
repository::Verdict Judge(const repository::SnapshotSignals& signals, const History& history);

// The earlier snapshots (ids, oldest first) a slow attack ending in `signals` spread over: the
// records of the last kSlowWindow whose suspect files exceeded the usual median by 2 σ or more,
// when together with this snapshot they add up to an attack (the slow-attack rule fires: ≥ 8 σ
// and ≥ max(3, 0.25 %) files beyond the median); empty otherwise. The
// caller marks those that were clean as "suspicious: part of a slow attack".
std::vector<std::string> SlowAttackMembers(const History& history,
                                           const repository::SnapshotSignals& signals);

// The history input of a group's snapshots, oldest first, from their records and the
// repository's marks (past.cc): the level is the record's raised by any verdict mark (a slow
// attack's earlier step, a scan), and kClean for a false alarm a person accepted; a snapshot
// with neither signals and a verdict in its record nor a scan's mark (taken before detection, or
// with it off) keeps no signals and no level, so it never enters the history.
std::vector<PastSnapshot> PastSnapshotsOf(std::span<const repository::Snapshot> oldest_first,
                                          const repository::MarkSet& marks);

// ---- Newest clean restore point (clean_point.cc) ----------------------------------------------

// A snapshot of one group as the restore-point rule sees it.
struct JudgedSnapshot {
  std::string id;
  int64_t time_ns = 0;
  std::optional<repository::Verdict::Level> level;  // effective; nullopt: never judged
  bool accepted = false;  // flagged, but a person released it as a false alarm
  // The id (hex) of a flagged snapshot no longer in the group (removed) that a standing hold on
  // this one was placed because of (NoteRemovedFlags); empty when none. The clean point is at or
  // before the newest such snapshot: newer ones may hold what that attack encrypted.
  std::string removed_flag{};
  // Flagged, but older than a snapshot a person vouched for after the attack (`resolution`):
  // the attack is over, so it no longer binds the clean restore point.
  bool resolved = false;
  // A person vouched that the group's attack was over by this snapshot (`hold resolve`): it
  // counts as clean, and the flagged snapshots older than it are `resolved`.
  bool resolution = false;
  // Who wrote that resolution and when, as its mark says ("ops@central on 2026-12-09 10:00:00
  // UTC"; unauthenticated: anyone holding the key writes marks); empty when not known.
  std::string resolution_by{};

  // Suspicious or infected, and neither accepted as a false alarm nor resolved.
  bool flagged() const {
    return level.has_value() && *level != repository::Verdict::Level::kClean && !accepted &&
           !resolved;
  }
  // Judged clean, accepted as a false alarm, or vouched for (`resolution`). Never-judged
  // snapshots are none of these.
  bool clean() const {
    return resolution ||
           (level.has_value() && (*level == repository::Verdict::Level::kClean || accepted));
  }
};

// "infected snapshot 9a8b7c6d (2026-12-05 10:00:00 UTC)". REQUIRES: s.level.
std::string DescribeJudged(const JudgedSnapshot& s);

// Where to restore from.
struct CleanPoint {
  size_t index = 0;               // of the restore point in the snapshots given
  std::optional<size_t> flagged;  // the oldest unaccepted flagged snapshot, when there is one
  size_t flagged_count = 0;       // unaccepted flagged snapshots in all
  size_t unjudged_skipped = 0;    // never-judged snapshots between the point and `flagged`
  // The newest snapshot with a removed_flag, when it (not `flagged`) bounds the point.
  std::optional<size_t> removed_flag_bound;
};

// A group's snapshots as NewestClean sees them (past.cc): each level is the record's raised by
// any verdict mark (PastSnapshotsOf); a flagged snapshot a person accepted as a false alarm
// (`hold release --false-alarm`) is `accepted`. The newest snapshot with a resolution mark
// (`hold resolve`) that is not itself flagged is the `resolution`, and every flagged snapshot
// older than it is `resolved`; a resolution on a snapshot flagged since counts for nothing.
std::vector<JudgedSnapshot> JudgedSnapshotsOf(std::span<const repository::Snapshot> oldest_first,
                                              const repository::MarkSet& marks);

// The resolution step of JudgedSnapshotsOf, for a time line built elsewhere (the catalog's):
// the newest of `oldest_first` whose id is in `resolved_at` and that is not flagged becomes the
// `resolution`, and the flagged snapshots older than it `resolved`.
void ApplyResolutions(std::span<JudgedSnapshot> oldest_first,
                      const std::set<std::string>& resolved_at);

// What a person's resolution changed, for DescribeCleanPoint: "1 older flagged snapshot
// resolved: a person vouched for snapshot 5b2d7e01 (2026-12-09 10:00:00 UTC) after the attack
// (the first infected snapshot 9a8b7c6d (2026-12-05 10:00:00 UTC))"; empty when no snapshot of
// `oldest_first` is `resolved`.
std::string DescribeResolution(std::span<const JudgedSnapshot> oldest_first);

// Notes on each of `judged` (JudgedSnapshotsOf(oldest_first, marks), same order) the flagged
// snapshot a standing hold on it was placed because of, when that snapshot is not among
// `oldest_first` (removed: a forget, or a person's release and then a forget).
void NoteRemovedFlags(std::span<const repository::Snapshot> oldest_first,
                      const repository::MarkSet& marks, std::span<JudgedSnapshot> judged);

// The newest clean restore point of a group given oldest first: with no unaccepted suspicious or
// infected snapshot, the newest snapshot (judged or not); else the newest snapshot older than
// the oldest such one whose level is clean (accepted false alarms count as clean; never-judged
// snapshots do not and are skipped). A snapshot held because of a flagged snapshot since removed
// (removed_flag) bounds it too: the point is the newest clean one at or before the newest such
// snapshot, whatever is newer. Errors (kNotFound): no snapshots; "no snapshot before
// infected snapshot 9a8b7c6d (2026-12-05 10:00:00 UTC)"; "no judged snapshot before …: the
// older ones were taken without detection; ..." when the older ones were never judged; "no clean
// snapshot at or before 1a2b3c4d, held because of flagged snapshot 9a8b7c6d (removed)".
Result<CleanPoint> NewestClean(std::span<const JudgedSnapshot> oldest_first);

// What "latest-clean" names among `oldest_first` (restore, drill --clean): NewestClean's point
// and DescribeCleanPoint's reason. Errors (kNotFound): `none_judged` when no snapshot was ever
// judged (NewestClean would offer the newest, unjudged); NewestClean's, with "latest-clean: ".
struct LatestClean {
  size_t index = 0;
  std::string reason;
};
Result<LatestClean> ChooseLatestClean(std::span<const JudgedSnapshot> oldest_first,
                                      const std::string& none_judged);

// Why that point, in plain words: "newest snapshot (none flagged)" or "newest clean snapshot;
// 2 newer flagged, the first infected snapshot 9a8b7c6d (2026-12-05 10:00:00 UTC)"; either
// followed by DescribeResolution's text when a person resolved an earlier attack.
std::string DescribeCleanPoint(std::span<const JudgedSnapshot> oldest_first,
                               const CleanPoint& point);

}  // namespace stormproof::detect

#endif  // STORMPROOF_ENGINE_DETECT_VERDICT_H_
