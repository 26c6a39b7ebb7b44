// archiver: turns files into a snapshot — walks the given paths, records every entry's metadata,
// chunks and stores changed file contents, writes directory trees bottom-up and finally the
// snapshot. Files unchanged since the parent snapshot (same size, mtime, ctime, inode) are not
// read at all. A file that vanishes, changes while read or cannot be read is reported through
// ErrorFn and skipped; the backup goes on and the snapshot lists it under `skipped`.
//
// Backup() uses both cores: reading+chunking, and hashing+compressing+encrypting run in a
// pipeline. Memory stays bounded by the pipeline's queue, not by file sizes. With a ProgressFn,
// a scanner thread counts what the backup covers (it only lists and stats), for Progress totals.
#ifndef STORMPROOF_ENGINE_ARCHIVER_ARCHIVER_H_
#define STORMPROOF_ENGINE_ARCHIVER_ARCHIVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

struct Progress {
  uint64_t files = 0, dirs = 0, bytes = 0;  // processed so far
  uint64_t bytes_added = 0;                 // newly stored
  std::string current;                      // path being read
  // What the whole backup covers (regular files and their sizes, as `files` and `bytes` count
  // them), from a scan that runs alongside the backup: growing while the scan runs, complete
  // once `totals_final`. Only estimates when files change meanwhile.
  uint64_t total_files = 0, total_bytes = 0;
  bool totals_final = false;
};

using ProgressFn = std::function<void(const Progress&)>;
// Called for each entry that could not be backed up; the backup continues.
using ErrorFn = std::function<void(const std::string& path, const Error& error)>;

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
