// restorer: writes a snapshot (or part of it) back to disk under a target directory.
//
// Never writes outside the target, whatever the snapshot contains: names with "/", "..", "." or
// NUL are refused, nothing is written through a symlink (every path component below the target
// is opened with O_NOFOLLOW relative to its parent directory), and hard links are only made to
// files restored in the same run. Contents first, then metadata (mode, owner when running as
// root, times), directories last. Holes in sparse files are restored as holes.
// With `verify`, every restored file is read back and compared with the snapshot's blob ids.
#ifndef STORMPROOF_RESTORER_RESTORER_H_
#define STORMPROOF_RESTORER_RESTORER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "repository/repository.h"

namespace stormproof::restorer {

struct RestoreOptions {
  std::string target;                 // created if absent
  std::string subpath;                // restore only this path inside the snapshot ("" = all)
  std::vector<std::string> includes;  // glob patterns; empty = everything
  bool verify = false;
  unsigned threads = 0;               // 0 = number of cores
};

struct Progress {
  uint64_t files = 0, dirs = 0, bytes = 0;
  uint64_t total_bytes = 0;           // known after the trees are read
};

struct RestoreSummary {
  uint64_t files = 0, dirs = 0, symlinks = 0, other = 0, bytes = 0;
  uint64_t verified_files = 0;
  uint64_t errors = 0;                // entries reported through ErrorFn
};

using ProgressFn = std::function<void(const Progress&)>;
using ErrorFn = std::function<void(const std::string& path, const Error& error)>;

// Errors only for what stops the whole restore (target not creatable, root tree unreadable).
Result<RestoreSummary> Restore(const repository::Repository& repo,
                               const repository::Snapshot& snapshot, const RestoreOptions& options,
                               const ProgressFn& progress, const ErrorFn& on_error);

}  // namespace stormproof::restorer

#endif  // STORMPROOF_RESTORER_RESTORER_H_
