// SignalCollector: gathers a snapshot's ransomware signals (repository::SnapshotSignals) while it
// is backed up, from what the backup does anyway (issue 16 design, §1 "Where each is gathered"),
// or while `scan` walks a stored snapshot against its parent (engine/scan): the same counts and
// rules either way, so backup and scan give the same verdict on the same data.
//
// Two sources feed it. The walker thread (the scan's tree walk) reports every entry it keeps
// (totals, the extension histogram, ransom-note names, files still there from the parent), every
// file of the parent's directories that is gone, and asks for a FileProbe of each file it reads.
// The worker that stores a read file's last chunk (the scan's reader of its first chunk) reports
// the file (AddFile): its chunks' compressibility and header sample are judged there with
// detect::JudgeFile. Finish() pairs encrypted copies with deleted originals per directory, looks
// for deleted canaries and returns the signals.
//
// Thread-safety: AddFile may be called from any thread at any time; the walker-side methods
// (marked "walker thread") only from the one walker thread; Finish() once, after the walk and
// every AddFile (after Pipeline::Wait(), or the scan's readers' Wait()).
#ifndef STORMPROOF_ENGINE_DETECT_SIGNAL_COLLECTOR_H_
#define STORMPROOF_ENGINE_DETECT_SIGNAL_COLLECTOR_H_

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "engine/crypto/crypto.h"
#include "engine/detect/detect.h"
#include "engine/detect/verdict.h"
#include "engine/repository/repository.h"
#include "engine/repository/signals.h"
#include "engine/repository/tree.h"

namespace stormproof::detect {

// What a collector knows of a file it is about to be told about (AddFile): its place in the
// tree and, when the parent snapshot had a regular file at the same path, what that previous
// version looked like (from the parent's tree and the index; no file data is read for it).
// Made by SignalCollector::Probe. Plain data.
struct FileProbe {
  std::string dir;      // the directory's path as the walker names it ("" = "/")
  std::string name;     // the file's base name
  bool canary = false;  // the file's path is one of BackupOptions::canaries

  // The previous version (the parent snapshot's regular file at this path), if there was one.
  bool had_previous = false;
  int old_ratio = -1;        // its whole-file ratio in permille; -1 unknown
  int old_first_ratio = -1;  // its first chunk's ratio; -1 unknown
  int64_t old_mtime_ns = 0;
  std::vector<crypto::Id> old_content;  // its content ids, in file order
};

// What storing (backup) or looking up (scan) a file's content showed, for detection: per chunk in
// file order, and the file's first bytes. Plain data.
struct ContentFacts {
  std::vector<uint16_t> ratios;  // RatioPermille of each chunk's stored payload; 0 = unknown
  std::vector<uint32_t> sizes;   // each chunk's plaintext bytes
  std::vector<uint8_t> added;    // 1 = new to the repository with this snapshot, 0 = stored before
  // SampleHeader of the file's first min(size, 4 KiB) bytes (of its data: a later hole is left
  // out); unclassified (sampled 0) when the file was not read from offset 0 (a sparse file
  // starting with a hole) or detection is off.
  HeaderSample header;
};

// The compressibility in permille of an indexed data blob, from its index entry alone (sealed
// length less sealing overhead and payload marker, against raw_length: what a backup's
// RatioPermille(stored_payload, raw) gave when it stored the blob); *raw_length its plaintext
// length. 0 (and *raw_length 0) when the blob is not indexed.
uint16_t IndexedRatio(const repository::Repository& repo, const crypto::Id& id,
                      uint32_t* raw_length);

// What Finish() needs of the parent snapshot. `root` null: no parent (or it could not be loaded).
// Deletions are counted from the parent's trees (AddDeleted, AddDeletedDirectory), never from
// the counts its record claims: a planted parent record could claim any number (review R10-2b).
struct ParentFacts {
  const repository::Tree* root = nullptr;
};

// The most entries the collector keeps in each of its tables (extensions, note names and
// directories, deleted files and new random files per directory, new small files): memory stays
// bounded whatever a tree holds. Past it, files are still counted but no longer named, paired or
// histogrammed (review R10-9). A million entries is about 100-200 MiB at worst.
inline constexpr size_t kMaxTracked = size_t{1} << 20;

class SignalCollector {
 public:
  // `repo`, `history` and `canaries` (absolute paths) must outlive the collector. `has_parent`:
  // the backup has a parent snapshot whose root tree was loaded (Finish's `parent.root`).
  SignalCollector(const repository::Repository& repo, const detect::History& history,
                  const std::set<std::string>& canaries, bool has_parent);

  // ---- Walker thread ----
  // A directory kept in the snapshot.
  void CountDirectory() { ++walk_.dirs_total; }
  // A regular file kept in the snapshot (read or not) at `path` in directory `dir`; `previous`
  // is the parent's node at that path (any type), or null.
  void CountFile(const std::string& dir, const std::string& path, const repository::Node& node,
                 const repository::Node* previous);
  // A regular file of the parent's directory `dir` that is not in this snapshot's.
  void AddDeleted(const std::string& dir, const repository::Node& gone);
  // A directory of the parent's directory `dir` that is not in this snapshot's: every regular
  // file below it counts as deleted (Finish reads its subtree from the repository).
  void AddDeletedDirectory(const repository::Node& gone);
  // The parent's regular file `was` at `path`, still there but skipped
  // with an error by this backup (permission denied, locked, changed while read): counted as
  // unreadable, not deleted; a canary so skipped is a hit ("<path>: unreadable").
  void AddUnreadable(const std::string& path, const repository::Node& was);
  // The parent's directory `was`, still there but not listable by this backup: every regular
  // file below it in the parent counts as unreadable (Finish reads its subtree, as for
  // AddDeletedDirectory).
  void AddUnreadableDirectory(const repository::Node& was);
  // For a scan: the stored snapshot's skipped list (Snapshot::skipped, "<path>: <error>"), so
  // that a parent's file or directory it lists is counted as unreadable, not deleted.
  void SetSkipped(std::vector<std::string> skipped);
  // Whether SetSkipped's list has `path` skipped for a reason other than having vanished
  // ("… No such file or directory": deleted).
  bool SkippedUnreadable(const std::string& path) const;
  // What a file about to be read at `path` looked like before (one index lookup per chunk of
  // `previous`, when that is a regular file; nothing is read from the file or the repository).
  FileProbe Probe(const std::string& dir, const std::string& path, const repository::Node& node,
                  const repository::Node* previous) const;

  // ---- Any thread ----
  // A file read and stored: `node` with its content set, `facts` from its FileTask, `probe` as
  // Probe() made it. Judges it (detect::JudgeFile) and counts it. A file whose content equals
  // its previous version (only metadata changed) counts as neither new nor changed.
  void AddFile(const repository::Node& node, const ContentFacts& facts, const FileProbe& probe)
      EXCLUDES(mu_);

  // The signals, bounded as signals.h says (lists most telling first). REQUIRES: the walk is
  // over and every AddFile returned; called once.
  repository::SnapshotSignals Finish(const ParentFacts& parent) EXCLUDES(mu_);

 private:
  // A new random file without magic (an R4 candidate), kept per directory until Finish.
  struct Candidate {
    std::string name;
    uint64_t size = 0;
    bool suspect = false;  // already marked by another rule
  };
  struct Deleted {
    std::string name;
    std::vector<crypto::Id> content;
  };
  // Counted by the walker thread only.
  struct WalkCounts {
    uint64_t files_total = 0, dirs_total = 0, files_new = 0, emptied = 0;
    uint64_t files_from_parent = 0, bytes_from_parent = 0;
    // Deleted regular files seen by name, and the subtrees of deleted directories.
    uint64_t files_deleted = 0, bytes_deleted = 0;
    std::vector<crypto::Id> deleted_trees;
    // Files of the parent this backup could not read, and subtrees it could not list.
    uint64_t files_unreadable = 0, bytes_unreadable = 0;
    std::vector<crypto::Id> unreadable_trees;
    size_t deleted_kept = 0;  // entries in `deleted`
    std::unordered_map<std::string, uint64_t> extensions;
    std::map<std::string, uint32_t> notes;  // note name -> copies
    std::set<std::string> note_dirs;
    std::set<std::string> canaries_seen;        // and canaries found unreadable
    std::vector<std::string> canaries_emptied;  // truncated to nothing: not read, still a hit
    std::vector<std::string> canaries_unreadable;
    std::map<std::string, std::vector<Deleted>> deleted;  // by directory
  };

  detect::FileFacts FactsOf(const repository::Node& node, const ContentFacts& facts,
                            const FileProbe& probe, std::span<const uint8_t> chunk_changed) const;
  void CountContent(const repository::Node& node, const ContentFacts& facts, const FileProbe& probe,
                    bool all_chunks_known) REQUIRES(mu_);
  void CountMarks(const repository::Node& node, const FileProbe& probe,
                  const detect::FileMarks& marks, bool mtime_not_advanced) REQUIRES(mu_);
  void AddExample(int rank, std::string text) REQUIRES(mu_);
  int RatioOf(const std::vector<crypto::Id>& content) const;
  void PairCopies(repository::SnapshotSignals* s) REQUIRES(mu_);
  void AddDeletedCanaries(const ParentFacts& parent) REQUIRES(mu_);
  void CountParentTrees();
  void FinishNames(repository::SnapshotSignals* s) const REQUIRES(mu_);
  void FinishExtensions(repository::SnapshotSignals* s) const;

  const repository::Repository& repo_;
  const detect::History& history_;
  const std::set<std::string>& canaries_;
  const bool has_parent_;
  WalkCounts walk_;
  std::vector<std::string> skipped_;  // sorted (SetSkipped)

  Mutex mu_;
  repository::SnapshotSignals counts_ GUARDED_BY(mu_);                        // the per-file counts
  std::map<std::string, std::vector<Candidate>> candidates_ GUARDED_BY(mu_);  // by directory
  size_t candidates_kept_ GUARDED_BY(mu_) = 0;
  std::set<std::pair<int, std::string>> examples_ GUARDED_BY(mu_);  // (rank, text), ≤ 5 best
  // New small text files (name, content id) -> copies: a note of a family with an unknown name.
  std::map<std::pair<std::string, crypto::Id>, uint32_t> small_new_ GUARDED_BY(mu_);
  std::set<crypto::Id> known_first_ids_ GUARDED_BY(mu_);  // of new known-content files (canaries)
  std::vector<std::string> canary_hits_ GUARDED_BY(mu_);
};

}  // namespace stormproof::detect

#endif  // STORMPROOF_ENGINE_DETECT_SIGNAL_COLLECTOR_H_
