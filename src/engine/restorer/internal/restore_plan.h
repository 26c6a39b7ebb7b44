// The restore plan: which entries of a snapshot are restored, and in which directory, decided by
// walking the snapshot's trees before anything is written.
//
// The planner is where hostile snapshots are defused: names that are empty, ".", "..", or contain
// '/' or NUL, a second entry of the same name in one directory, a subtree that is its own
// ancestor (a cycle), nesting deeper than kMaxDepth, unreadable subtrees and file nodes whose
// size does not match their content and holes are reported and left out of the plan.
// RestorePlan is a plain value (thread-compatible); BuildPlan is reentrant.
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_RESTORE_PLAN_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_RESTORE_PLAN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"
#include "engine/restorer/internal/layout.h"
#include "engine/restorer/internal/reporter.h"

namespace stormproof::restorer {

inline constexpr uint32_t kNoDir = UINT32_MAX;
inline constexpr uint32_t kMaxDepth = 1024;        // directory levels below the target
inline constexpr uint32_t kMaxEntries = 1u << 30;  // entries in one restore

struct PlannedDir {
  uint32_t parent = 0;  // index in RestorePlan::dirs; dirs[0] is the target itself
  uint32_t depth = 0;   // 0 for the target
  uint32_t entry = 0;   // its node in RestorePlan::entries (meaningless for dirs[0])
};

struct PlannedEntry {
  uint32_t parent = 0;    // the directory (index in dirs) this entry is restored in
  uint32_t dir = kNoDir;  // directories: their own index in dirs
  repository::Node node;  // name checked safe; files: consistent with `layout`
  FileLayout layout;      // regular files: where the content goes
};

struct RestorePlan {
  std::string root_path;              // snapshot path of dirs[0]: "" (the root) or "/a/b"
  std::vector<PlannedDir> dirs;       // dirs[0] = the target
  std::vector<PlannedEntry> entries;  // pre-order: a directory before everything in it

  const std::string& DirName(uint32_t dir) const { return entries[dirs[dir].entry].node.name; }
  // Paths inside the snapshot ("/a/b/c"), for messages.
  std::string DirPath(uint32_t dir) const;
  std::string EntryPath(uint32_t entry) const;
};

// What the planner reads from the repository; a seam so tests can feed trees no real repository
// can hold (a cycle would need a hash fixed point). Implementations must be thread-compatible.
class TreeSource {
 public:
  virtual ~TreeSource() = default;
  virtual Result<repository::Tree> LoadTree(const crypto::Id& id) const = 0;
  // The plaintext length of a data blob; nullopt when the index does not list it.
  virtual std::optional<uint64_t> DataBlobLength(const crypto::Id& id) const = 0;
};

// A TreeSource reading `repo`, which must outlive it.
std::unique_ptr<TreeSource> NewRepositoryTreeSource(const repository::Repository& repo);

// Plans the restore of the snapshot tree `root`: everything, or only `subpath` (a '/'-separated
// path inside the snapshot whose contents — or, for a non-directory, itself — go directly into
// the target), narrowed by `includes` (fnmatch patterns matched against the full snapshot path
// "/a/b", the path without its leading '/', and the base name; a matching directory brings
// everything below it; a directory is planned when anything below it is).
// Errors only when nothing can be restored: the root tree or a tree along `subpath` cannot be
// read (kFailedCheck/kIo/kNotFound, with context), `subpath` is not in the snapshot (kNotFound)
// or contains ".." (kInvalidArgument). Everything else is reported through `reporter`.
Result<RestorePlan> BuildPlan(const TreeSource& source, const crypto::Id& root,
                              const std::string& subpath, const std::vector<std::string>& includes,
                              Reporter& reporter);

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_RESTORE_PLAN_H_
