// archiver: turns files into a snapshot — walks the given paths, records every entry's metadata,
// chunks and stores changed file contents, writes directory trees bottom-up and finally the
// snapshot. Files unchanged since the parent snapshot (same size, mtime, ctime, inode) are not
// read at all. A file that vanishes, changes while read or cannot be read is reported through
// ErrorFn and skipped; the backup goes on and the snapshot lists it under `skipped`.
//
// Backup() uses both cores: reading+chunking, and hashing+compressing+encrypting run in a
// pipeline. Memory stays bounded by the pipeline's queue, not by file sizes. With a ProgressFn,
// a scanner thread counts what the backup covers (it only lists and stats), for the totals.
#ifndef STORMPROOF_ENGINE_ARCHIVER_ARCHIVER_H_
#define STORMPROOF_ENGINE_ARCHIVER_ARCHIVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/result.h"
#include "engine/detect/verdict.h"
#include "engine/repository/repository.h"

namespace stormproof::archiver {

struct BackupOptions {
  std::vector<std::string> paths;     // files or directories; must exist
  std::vector<std::string> excludes;  // glob patterns (fnmatch) on the full path or base name
  bool one_file_system = false;       // do not cross mount points below each path
  std::map<std::string, std::string> tags;
  std::optional<repository::Snapshot> parent;  // for change detection; none = read everything
  std::string hostname;                        // default: this host
  unsigned threads = 0;                        // 0 = number of cores

  // Ransomware detection (issue 16). On (the default), the snapshot carries `signals` (what
  // changed against the parent, gathered from what the backup reads anyway: engine/detect and
  // detect/signal_collector.h) and `verdict` = detect::Judge(signals, HistoryOf(history)).
  // Off: neither field is set and nothing is gathered.
  bool detect = true;
  // The same group's (host and paths) earlier snapshots, oldest first, as the caller knows them
  // (their effective verdicts): the system's usual churn and the extensions it had. Empty: only
  // absolute rules apply ("no history yet"), and no extension counts as new.
  std::vector<detect::PastSnapshot> history;
  // Decoy files (absolute paths, as in the snapshot): one whose content changed, or that was
  // deleted or renamed since the parent, is a canary hit (an infected verdict on its own).
  std::set<std::string> canaries;
};

// The snapshots of one group (host and paths; any order) a backup may take its parent and its
// history from, oldest first: all but those dated more than retention::kFutureTolerance after
// `now_ns`. A snapshot dated in the future (a clock that ran ahead, or one planted in the
// repository) would otherwise be the parent of every later backup, which would then compare
// with it and see nothing of what changed since, and sit in the history for ever.
std::vector<repository::Snapshot> BackupBasis(std::vector<repository::Snapshot> group,
                                              int64_t now_ns);

// The parent a backup compares with, from its basis (BackupBasis, oldest first): the newest
// snapshot; with detection on, the newest judged one when the basis has one, so that what a
// snapshot taken without detection (--no-detect) holds is judged by the next backup instead of
// becoming the baseline it is compared with. nullopt for an empty basis.
std::optional<repository::Snapshot> ParentOf(const std::vector<repository::Snapshot>& basis,
                                             bool detect);

// Called for each entry that could not be backed up; the backup continues.
using ErrorFn = std::function<void(const std::string& path, const Error& error)>;

// Progress (on the calling thread, at most every 100 ms and once at the end of the walk): the
// regular files and their bytes processed so far (kFiles, kBytes), `current` the path being
// read. Their totals are what the whole backup covers, from a scan that runs alongside it:
// `totals_growing` while the scan runs, complete after; only estimates when files change
// meanwhile. Without a ProgressFn no scan runs.
//
// Returns the saved snapshot (with id). Errors only for what stops the whole backup: a path
// given on the command line that does not exist, or a repository write failure (full disk).
// Interruption (core/interrupt.h) is checked before each entry and each read: the backup then
// stops, saves no snapshot, indexes the data already stored (the next backup reuses it) and
// returns kInterrupted, its message saying what was left ("interrupted by SIGTERM; no snapshot
// saved; the 208 MiB stored so far is indexed: ...").
Result<repository::Snapshot> Backup(repository::Repository& repo, const BackupOptions& options,
                                    const ProgressFn& progress, const ErrorFn& on_error);

}  // namespace stormproof::archiver

#endif  // STORMPROOF_ENGINE_ARCHIVER_ARCHIVER_H_
