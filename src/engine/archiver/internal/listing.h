// Directory listing as a backup sees it: what the walker and the scanner both go through, so
// that they agree exactly on which entries a backup covers. Entries are lstat'ed (a symlink is
// an entry, never followed), exclude patterns are applied to each entry's full path and name,
// and with one_file_system a directory on another device is not entered. Free functions sharing
// no state: thread-safe.
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_LISTING_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_LISTING_H_

#include <sys/stat.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/archiver/internal/exclude.h"
#include "core/result.h"

namespace stormproof::archiver::internal {

struct DirEntry {
  std::string name;
  struct stat st;
};

// Called for an entry listed by readdir that is gone (or cannot be lstat'ed) a moment later.
using VanishedFn = std::function<void(const std::string& path, const Error& error)>;

// The entries of directory `path` ("" is "/"), without "." and "..", minus those `excludes`
// matches, sorted by name (bytewise). The directory is opened with O_NOFOLLOW (and O_NOATIME
// when allowed). Errors: kIo when the directory cannot be opened or read; an entry that cannot
// be lstat'ed goes to `on_vanished` (may be empty) and is left out.
Result<std::vector<DirEntry>> ListDirectory(const std::string& path, const ExcludeMatcher& excludes,
                                            const VanishedFn& on_vanished);

// Whether a backup goes into the directory `st`, found below a given path on device
// `root_dev`: always, except with one_file_system for a directory on another device (a mount
// point, which is recorded empty).
inline bool EntersDirectory(bool one_file_system, const struct stat& st, dev_t root_dev) {
  return !one_file_system || st.st_dev == root_dev;
}

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_LISTING_H_
