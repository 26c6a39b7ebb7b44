#include "engine/archiver/internal/metadata.h"

#include <grp.h>
#include <pwd.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "core/time.h"

namespace stormproof::archiver::internal {
namespace {

using repository::Node;
using repository::NodeType;

NodeType TypeOf(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return NodeType::kDir;
    case S_IFLNK:
      return NodeType::kSymlink;
    case S_IFIFO:
      return NodeType::kFifo;
    case S_IFCHR:
      return NodeType::kCharDevice;
    case S_IFBLK:
      return NodeType::kBlockDevice;
    case S_IFSOCK:
      return NodeType::kSocket;
    default:
      return NodeType::kFile;
  }
}

int64_t Nanoseconds(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

// Calls getpwuid_r/getgrgid_r style `lookup` with a growing buffer; "" when there is no entry.
template <typename Entry, typename Id, typename Lookup, typename NameOf>
std::string LookUpName(Id id, Lookup lookup, NameOf name_of) {
  std::vector<char> buffer(1024);
  for (;;) {
    Entry entry;
    Entry* found = nullptr;
    int rc = lookup(id, &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < (1u << 20)) {
      buffer.resize(buffer.size() * 4);
      continue;
    }
    return (rc == 0 && found != nullptr) ? std::string(name_of(*found)) : std::string();
  }
}

// The names in a llistxattr buffer: NUL-terminated strings back to back.
std::vector<std::string> SplitNames(const std::vector<char>& list, size_t size) {
  std::vector<std::string> names;
  for (size_t i = 0; i < size;) {
    size_t len = strnlen(list.data() + i, size - i);
    if (len > 0) names.emplace_back(list.data() + i, len);
    i += len + 1;
  }
  return names;
}

Result<std::vector<std::string>> ListXattrNames(const std::string& path) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    ssize_t size = ::llistxattr(path.c_str(), nullptr, 0);
    if (size < 0 && (errno == ENOTSUP || errno == ENODATA)) return std::vector<std::string>();
    if (size < 0) return ErrnoError("llistxattr", errno);
    if (size == 0) return std::vector<std::string>();
    std::vector<char> list(static_cast<size_t>(size));
    ssize_t got = ::llistxattr(path.c_str(), list.data(), list.size());
    if (got >= 0) return SplitNames(list, static_cast<size_t>(got));
    if (errno != ERANGE) return ErrnoError("llistxattr", errno);
  }  // the list keeps growing under us: give up
  return ErrnoError("llistxattr", ERANGE);
}

// The value, or nullopt when the attribute vanished meanwhile.
Result<std::optional<std::string>> ReadXattrValue(const std::string& path,
                                                  const std::string& name) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    ssize_t size = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (size < 0 && errno == ENODATA) return std::optional<std::string>();
    if (size < 0) return ErrnoError("lgetxattr " + name, errno);
    std::string value(static_cast<size_t>(size), '\0');
    ssize_t got = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    if (got >= 0) {
      value.resize(static_cast<size_t>(got));
      return std::optional<std::string>(std::move(value));
    }
    if (errno == ENODATA) return std::optional<std::string>();
    if (errno != ERANGE) return ErrnoError("lgetxattr " + name, errno);
  }
  return ErrnoError("lgetxattr " + name, ERANGE);
}

}  // namespace

Error ErrnoError(const std::string& what, int error_number) {
  return Error::Io(what + ": " + std::strerror(error_number));
}

const std::string& OwnerNames::User(uid_t uid) {
  auto it = users_.find(uid);
  if (it != users_.end()) return it->second;
  std::string name =
      LookUpName<struct passwd>(uid, ::getpwuid_r, [](const passwd& p) { return p.pw_name; });
  return users_.emplace(uid, std::move(name)).first->second;
}

const std::string& OwnerNames::Group(gid_t gid) {
  auto it = groups_.find(gid);
  if (it != groups_.end()) return it->second;
  std::string name =
      LookUpName<struct group>(gid, ::getgrgid_r, [](const group& g) { return g.gr_name; });
  return groups_.emplace(gid, std::move(name)).first->second;
}

Node NodeFromStat(std::string name, const struct stat& st, OwnerNames& names) {
  Node node;
  node.name = std::move(name);
  node.type = TypeOf(st.st_mode);
  node.mode = st.st_mode & 07777;
  node.uid = st.st_uid;
  node.gid = st.st_gid;
  node.user = names.User(st.st_uid);
  node.group = names.Group(st.st_gid);
  node.mtime_ns = Nanoseconds(st.st_mtim);
  node.atime_ns = Nanoseconds(st.st_atim);
  node.ctime_ns = Nanoseconds(st.st_ctim);
  node.inode = st.st_ino;
  node.device = st.st_dev;
  node.links = st.st_nlink;
  if (node.type == NodeType::kFile) node.size = static_cast<uint64_t>(st.st_size);
  if (node.type == NodeType::kCharDevice || node.type == NodeType::kBlockDevice) {
    node.rdev = st.st_rdev;
  }
  return node;
}

Result<std::string> ReadLinkTarget(const std::string& path) {
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return ErrnoError("readlink", errno);
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    if (target.size() >= (1u << 20)) return ErrnoError("readlink", ENAMETOOLONG);
    target.resize(target.size() * 4);
  }
}

Result<std::vector<repository::Xattr>> ReadXattrs(const std::string& path) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<std::string> names, ListXattrNames(path));
  std::sort(names.begin(), names.end());
  std::vector<repository::Xattr> xattrs;
  for (std::string& name : names) {
    STORMPROOF_ASSIGN_OR_RETURN(std::optional<std::string> value, ReadXattrValue(path, name));
    if (value.has_value()) xattrs.push_back({std::move(name), std::move(*value)});
  }
  return xattrs;
}

}  // namespace stormproof::archiver::internal
