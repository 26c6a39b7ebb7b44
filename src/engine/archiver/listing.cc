#include "engine/archiver/internal/listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "engine/archiver/internal/metadata.h"
#include "engine/archiver/internal/paths.h"

namespace stormproof::archiver::internal {
namespace {

// Opens a directory for listing without following a symlink and without touching its atime
// (O_NOATIME needs ownership or CAP_FOWNER).
DIR* OpenDirectory(const std::string& path) {
  constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(OsPath(path).c_str(), kFlags | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(OsPath(path).c_str(), kFlags);
  if (fd < 0) return nullptr;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) ::close(fd);
  return dir;
}

bool IsDotOrDotDot(const char* name) {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

}  // namespace

Result<std::vector<DirEntry>> ListDirectory(const std::string& path, const ExcludeMatcher& excludes,
                                            const VanishedFn& on_vanished) {
  DIR* dir = OpenDirectory(path);
  if (dir == nullptr) return ErrnoError("open directory", errno);
  std::vector<DirEntry> entries;
  errno = 0;
  while (const dirent* d = ::readdir(dir)) {
    if (IsDotOrDotDot(d->d_name)) continue;
    DirEntry entry{d->d_name, {}};
    std::string child_path = JoinPath(path, entry.name);
    if (!excludes.empty() && excludes.Excludes(child_path, entry.name)) continue;
    if (::fstatat(::dirfd(dir), d->d_name, &entry.st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (on_vanished) on_vanished(child_path, ErrnoError("lstat", errno));
    } else {
      entries.push_back(std::move(entry));
    }
    errno = 0;
  }
  int read_error = errno;
  ::closedir(dir);
  if (read_error != 0) return ErrnoError("read directory", read_error);
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

}  // namespace stormproof::archiver::internal
