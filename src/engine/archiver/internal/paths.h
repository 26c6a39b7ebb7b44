// The paths a backup covers: made absolute and arranged as a tree from "/", so that every given
// path keeps its absolute location in the snapshot (/home/ann/docs is root → home → ann → docs).
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_PATHS_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_PATHS_H_

#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace stormproof::archiver::internal {

// A node of the tree of given paths. Plain value.
struct PathTrie {
  bool is_target = false;                    // given: back up everything below it
  std::map<std::string, PathTrie> children;  // by name, bytewise order (only when !is_target)
};

// `given` made absolute (against the working directory) and lexically normalised, with
// symlinks in its parent directories resolved; the last component is kept as it is, so a given
// symlink is backed up as a symlink. Errors: kNotFound when the path does not exist (lstat),
// kInvalidArgument for an empty path; both name the path.
Result<std::string> CanonicalPath(const std::string& given);

// The tree of canonical paths. A path below another given path adds nothing.
PathTrie BuildPathTrie(const std::vector<std::string>& canonical_paths);

// "dir/name", where the root directory is "" (so its children are "/name").
inline std::string JoinPath(const std::string& dir, const std::string& name) {
  return dir + "/" + name;
}
// The path to pass to the OS for a directory ("" is "/").
inline std::string OsPath(const std::string& path) { return path.empty() ? "/" : path; }

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_PATHS_H_
