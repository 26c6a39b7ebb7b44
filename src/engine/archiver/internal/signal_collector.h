// SignalCollector: gathers a snapshot's ransomware signals (repository::SnapshotSignals) while it
// is backed up, from what the backup does anyway (issue 16 design, §1 "Where each is gathered").
//
// Two sources feed it. The walker thread reports every entry it keeps (totals, the extension
// histogram, ransom-note names, files still there from the parent), every file of the parent's
// directories that is gone, and asks for a FileProbe of each file it reads. The worker that
// stores a read file's last chunk reports the file (AddFile): its chunks' compressibility and
// header sample are judged there with detect::JudgeFile. Finish() pairs encrypted copies with
// deleted originals per directory, looks for deleted canaries and returns the signals.
//
// Thread-safety: AddFile may be called from any thread at any time; the walker-side methods
// (marked "walker thread") only from the one walker thread; Finish() once, after the walk and
// every AddFile (after Pipeline::Wait()).
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_SIGNAL_COLLECTOR_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_SIGNAL_COLLECTOR_H_

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
#include "engine/archiver/internal/file_probe.h"
#include "engine/archiver/internal/pipeline.h"
#include "engine/detect/verdict.h"
#include "engine/repository/repository.h"
#include "engine/repository/signals.h"
#include "engine/repository/tree.h"

namespace stormproof::archiver::internal {

// What Finish() needs of the parent snapshot. `root` null: no parent (or it could not be loaded).
struct ParentFacts {
  const repository::Tree* root = nullptr;
  uint64_t files = 0;  // its regular files (signals.files_total, else the summary's counts)
  uint64_t bytes = 0;  // their bytes (summary.bytes_processed)
};

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
    std::unordered_map<std::string, uint64_t> extensions;
    std::map<std::string, uint32_t> notes;  // note name -> copies
    std::set<std::string> note_dirs;
    std::set<std::string> canaries_seen;
    std::vector<std::string> canaries_emptied;  // truncated to nothing: not read, still a hit
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
  void FinishNames(repository::SnapshotSignals* s) const REQUIRES(mu_);
  void FinishExtensions(repository::SnapshotSignals* s) const;

  const repository::Repository& repo_;
  const detect::History& history_;
  const std::set<std::string>& canaries_;
  const bool has_parent_;
  WalkCounts walk_;

  Mutex mu_;
  repository::SnapshotSignals counts_ GUARDED_BY(mu_);                        // the per-file counts
  std::map<std::string, std::vector<Candidate>> candidates_ GUARDED_BY(mu_);  // by directory
  std::set<std::pair<int, std::string>> examples_ GUARDED_BY(mu_);  // (rank, text), ≤ 5 best
  // New small text files (name, content id) -> copies: a note of a family with an unknown name.
  std::map<std::pair<std::string, crypto::Id>, uint32_t> small_new_ GUARDED_BY(mu_);
  std::set<crypto::Id> known_first_ids_ GUARDED_BY(mu_);  // of new known-content files (canaries)
  std::vector<std::string> canary_hits_ GUARDED_BY(mu_);
};

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_SIGNAL_COLLECTOR_H_
