// restorer: writes a snapshot (or part of it) back to disk under a target directory.
//
// Never writes outside the target, whatever the snapshot contains: names with "/", "..", "." or
// NUL are refused, nothing is written through a symlink (every path component below the target
// is opened with O_NOFOLLOW relative to its parent directory), and hard links are only made to
// files restored in the same run. Contents first, then metadata (mode, owner when running as
// root, times), directories last. Holes in sparse files are restored as holes.
// With `verify`, every restored file is read back and compared with the snapshot's blob ids.
//
// What a snapshot may grant is limited (policy.h): setuid and setgid bits are kept only when
// running as root and the repository is trusted; with `untrusted` no device nodes, fifos or
// sockets are made and no security.* or trusted.* extended attributes are set.
#ifndef STORMPROOF_ENGINE_RESTORER_RESTORER_H_
#define STORMPROOF_ENGINE_RESTORER_RESTORER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/result.h"
#include "engine/repository/repository.h"

namespace stormproof::restorer {

struct RestoreOptions {
  std::string target;                 // created if absent
  std::string subpath;                // restore only this path inside the snapshot ("" = all)
  std::vector<std::string> includes;  // glob patterns; empty = everything
  bool verify = false;
  unsigned threads = 0;  // 0 = number of cores
  // The repository is not fully trusted (`restore --untrusted`; every drill): device nodes,
  // fifos and sockets are not made, extended attributes in the security.* and trusted.*
  // namespaces (file capabilities, SELinux labels) are not set, both counted in the summary and
  // not errors; setuid/setgid bits are cleared even when running as root.
  bool untrusted = false;
  // Whether the restore runs with root's powers: owners are restored and (unless untrusted)
  // setuid/setgid bits kept. nullopt: geteuid() == 0 (tests set it to exercise both sides).
  std::optional<bool> as_root;
};

struct RestoreSummary {
  uint64_t files = 0, dirs = 0, symlinks = 0, other = 0, bytes = 0;
  uint64_t verified_files = 0;
  uint64_t errors = 0;  // entries reported through ErrorFn
  // Not errors: what the policy (policy.h) left out.
  uint64_t setid_cleared = 0;    // entries whose setuid/setgid bits were not restored
  uint64_t special_skipped = 0;  // device nodes, fifos and sockets not made (untrusted)
  uint64_t xattrs_skipped = 0;   // security.* / trusted.* attributes not set (untrusted)
};

using ErrorFn = std::function<void(const std::string& path, const Error& error)>;

// Progress (on the calling thread, at most every 100 ms and once at the end): regular files and
// their bytes written so far (kFiles, kBytes); the bytes' total once the trees are read.
//
// Errors only for what stops the whole restore (target not creatable, root tree unreadable), and
// kInterrupted when the process was interrupted (core/interrupt.h): no further pack is started,
// and the message says the target is incomplete.
Result<RestoreSummary> Restore(const repository::Repository& repo,
                               const repository::Snapshot& snapshot, const RestoreOptions& options,
                               const ProgressFn& progress, const ErrorFn& on_error);

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_RESTORER_H_
