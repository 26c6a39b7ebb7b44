#include "engine/restorer/internal/metadata.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "core/text.h"
#include "core/time.h"
#include "engine/restorer/internal/safe_fs.h"

namespace stormproof::restorer {

using repository::Node;
using repository::NodeType;

namespace {

struct timespec ToTimespec(int64_t ns) {
  int64_t sec = FloorSeconds(ns);  // times before 1970 too
  return {static_cast<time_t>(sec), static_cast<long>(ns - sec * kNsPerSecond)};
}

void ReportOs(Reporter& reporter, const std::string& path, const char* what) {
  reporter.Report(path, OsError(what, errno));
}

void RestoreXattrs(int fd, const Node& node, const std::string& path, const RestorePolicy& policy,
                   Reporter& reporter) {
  for (const repository::Xattr& x : node.xattrs) {
    if (x.name.empty() || x.name.find('\0') != std::string::npos) {
      reporter.Report(path, Error::FailedCheck("refusing an extended attribute name with NUL"));
      continue;
    }
    if (!SetsXattr(x.name, policy)) {
      ++reporter.xattrs_skipped;
      continue;
    }
    if (::fsetxattr(fd, x.name.c_str(), x.value.data(), x.value.size(), 0) == 0) continue;
    if (errno == ENOTSUP) {
      reporter.ReportOnce("xattr-unsupported", path,
                          OsError("extended attributes are not restored (reported once)", errno));
      return;
    }
    reporter.Report(path,
                    OsError("cannot set extended attribute '" + EscapeName(x.name) + "'", errno));
  }
}

// The permission bits `policy` allows for `node`; counts the entry when setuid/setgid is dropped.
mode_t Permissions(const Node& node, const RestorePolicy& policy, Reporter& reporter) {
  uint32_t permissions = RestoredPermissions(node.type, node.mode, policy);
  if (permissions != (node.mode & 07777)) ++reporter.setid_cleared;
  return static_cast<mode_t>(permissions);
}

// chmod by name without following a symlink; falls back to a checked plain fchmodat when the
// C library cannot do AT_SYMLINK_NOFOLLOW (no /proc).
int ChmodNoFollow(int dir, const std::string& name, mode_t mode) {
  if (::fchmodat(dir, name.c_str(), mode, AT_SYMLINK_NOFOLLOW) == 0) return 0;
  if (errno != ENOTSUP && errno != ENOENT && errno != ENOSYS) return -1;
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  if (S_ISLNK(st.st_mode)) {
    errno = ELOOP;
    return -1;
  }
  return ::fchmodat(dir, name.c_str(), mode, 0);
}

}  // namespace

void RestoreMetadata(int fd, const Node& node, const std::string& path, const RestorePolicy& policy,
                     Reporter& reporter) {
  if (policy.as_root && ::fchown(fd, node.uid, node.gid) != 0) {
    ReportOs(reporter, path, "cannot set owner");
  }
  RestoreXattrs(fd, node, path, policy, reporter);
  if (::fchmod(fd, Permissions(node, policy, reporter)) != 0) {
    ReportOs(reporter, path, "cannot set mode");
  }
  const struct timespec times[2] = {ToTimespec(node.atime_ns), ToTimespec(node.mtime_ns)};
  if (::futimens(fd, times) != 0) ReportOs(reporter, path, "cannot set times");
}

void RestoreMetadataAt(int dir, const std::string& name, const Node& node, const std::string& path,
                       const RestorePolicy& policy, Reporter& reporter) {
  const char* c_name = name.c_str();
  if (policy.as_root && ::fchownat(dir, c_name, node.uid, node.gid, AT_SYMLINK_NOFOLLOW) != 0) {
    ReportOs(reporter, path, "cannot set owner");
  }
  if (node.type != NodeType::kSymlink &&
      ChmodNoFollow(dir, name, Permissions(node, policy, reporter)) != 0) {
    ReportOs(reporter, path, "cannot set mode");
  }
  const struct timespec times[2] = {ToTimespec(node.atime_ns), ToTimespec(node.mtime_ns)};
  if (::utimensat(dir, c_name, times, AT_SYMLINK_NOFOLLOW) != 0) {
    ReportOs(reporter, path, "cannot set times");
  }
}

}  // namespace stormproof::restorer
