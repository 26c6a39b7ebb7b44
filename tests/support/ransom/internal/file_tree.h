// Small POSIX file helpers for the simulator: whole-file reads and writes, in-place region
// writes (the same inode, as ransomware that encrypts in place leaves it), nanosecond mtimes and
// a sorted listing of a tree. Errors are one line: "<path>: <strerror>". Thread-compatible.
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_FILE_TREE_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_FILE_TREE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stormproof::testing::ransom::internal {

// Nanoseconds since the Unix epoch.
using MtimeNs = int64_t;

// Creates the parent directories of `path`, then replaces its content (new file or truncated).
Status WriteWholeFile(const std::string& path, std::string_view content);
Result<std::string> ReadWholeFile(const std::string& path);
// Overwrites `content.size()` bytes at `offset` of the existing file, in place.
Status WriteAt(const std::string& path, uint64_t offset, std::string_view content);
Result<MtimeNs> MtimeOf(const std::string& path);
Status SetMtime(const std::string& path, MtimeNs mtime);
Status RemoveFile(const std::string& path);
Status RenamePath(const std::string& from, const std::string& to);

// Paths of the regular files under `root`, relative to it ('/'-separated), sorted.
Result<std::vector<std::string>> ListFiles(const std::string& root);
// Paths of the directories under `root` (not root itself), relative to it, sorted.
Result<std::vector<std::string>> ListDirectories(const std::string& root);

// "a/b/c.txt" → "a/b"; "c.txt" → "".
std::string DirectoryOf(std::string_view relative_path);
// "a/b/c.tar.gz" → "c.tar.gz".
std::string BaseName(std::string_view relative_path);
// Lowercase text after the last '.' of the base name; "" when there is none.
std::string ExtensionOf(std::string_view relative_path);
std::string JoinPath(std::string_view root, std::string_view relative_path);

}  // namespace stormproof::testing::ransom::internal

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_FILE_TREE_H_
