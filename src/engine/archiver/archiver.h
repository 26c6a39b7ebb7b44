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
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/result.h"
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
};

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
