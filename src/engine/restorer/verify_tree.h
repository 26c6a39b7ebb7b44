// Checking a restored tree against its snapshot after the restore, as a separate step (restore
// drills time "restore" and "verify data" apart): every entry the restore would create must be
// there with its type; every regular file is read back and compared blob by blob with the
// snapshot's content ids (VerifyFileContent); symlinks must point where the snapshot says.
// Metadata (modes, owners, times) is not compared. Problems name paths escaped as `ls` shows
// them (EscapeName). Thread-safe (the repository is).
#ifndef STORMPROOF_ENGINE_RESTORER_VERIFY_TREE_H_
#define STORMPROOF_ENGINE_RESTORER_VERIFY_TREE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/repository/repository.h"

namespace stormproof::restorer {

struct TreeCheck {
  uint64_t files_checked = 0;         // regular files whose content matched
  uint64_t problem_count = 0;         // all problems, also those beyond the list's cap
  std::vector<std::string> problems;  // "path: what differs", at most kMaxListedProblems
};
inline constexpr size_t kMaxListedProblems = 100;

// Checks `target` (where the snapshot, or its `subpath`, was restored) against the snapshot,
// on one worker thread per core. `untrusted`: the restore ran with RestoreOptions::untrusted, so
// device nodes, fifos and sockets are not expected. Errors only when the check cannot run: the
// snapshot's trees cannot be read, `target` is not a directory.
Result<TreeCheck> VerifyRestoredTree(const repository::Repository& repo,
                                     const repository::Snapshot& snapshot,
                                     const std::string& target, const std::string& subpath,
                                     bool untrusted = false);

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_VERIFY_TREE_H_
