#include "engine/restorer/internal/safe_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "core/bytes.h"
#include "engine/crypto/crypto.h"

namespace stormproof::restorer {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr int kNewFileFlags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;

// Runs `create` (returning 0 or -1 with errno); when the name is taken by a non-directory,
// removes that entry and tries once more.
Status CreateReplacing(int dir, const std::string& name, std::string_view what,
                       const std::function<int()>& create) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (create() == 0) return Ok();
    if (errno != EEXIST || attempt > 0) return OsError(what, errno);
    STORMPROOF_TRY(RemoveNonDirectoryAt(dir, name));
  }
  return OsError(what, EEXIST);
}

std::string TemporaryName() {
  uint8_t random[8];
  crypto::RandomBytes(random, sizeof random);
  return ".stormproof-restore-" + ToHex(ByteView(random, sizeof random));
}

Result<NewFile> CreateTemporaryFile(int dir) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::string temp = TemporaryName();
    int fd = ::openat(dir, temp.c_str(), kNewFileFlags, 0600);
    if (fd >= 0) return NewFile{UniqueFd(fd), temp, true};
    if (errno != EEXIST) return OsError("cannot create a temporary file", errno);
  }
  return OsError("cannot create a temporary file", EEXIST);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Error OsError(std::string_view what, int err) {
  return Error::Io(std::string(what) + ": " + std::strerror(err));
}

Status CheckEntryName(std::string_view name) {
  if (name.empty()) return Error::InvalidArgument("refusing an empty file name");
  if (name == "." || name == "..") {
    return Error::InvalidArgument("refusing the file name '" + std::string(name) + "'");
  }
  if (name.find('/') != std::string_view::npos) {
    return Error::InvalidArgument("refusing a file name that contains '/'");
  }
  if (name.find('\0') != std::string_view::npos) {
    return Error::InvalidArgument("refusing a file name that contains a NUL byte");
  }
  return Ok();
}

Result<UniqueFd> OpenDirectoryAt(int dir, const std::string& name) {
  int fd = ::openat(dir, name.c_str(), kDirFlags);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP || err == ENOTDIR) return OsError("not a directory (refusing to follow)", err);
    return OsError("cannot open directory", err);
  }
  return UniqueFd(fd);
}

Result<UniqueFd> MakeDirectoryAt(int dir, const std::string& name) {
  if (::mkdirat(dir, name.c_str(), 0700) != 0) {
    if (errno != EEXIST) return OsError("cannot create directory", errno);
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return OsError("cannot inspect existing entry", errno);
    }
    if (!S_ISDIR(st.st_mode)) {
      STORMPROOF_TRY(RemoveNonDirectoryAt(dir, name));
      if (::mkdirat(dir, name.c_str(), 0700) != 0) {
        return OsError("cannot create directory", errno);
      }
    }
  }
  return OpenDirectoryAt(dir, name);
}

Status RemoveNonDirectoryAt(int dir, const std::string& name) {
  if (::unlinkat(dir, name.c_str(), 0) == 0 || errno == ENOENT) return Ok();
  if (errno == EISDIR || errno == EPERM) {
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      return Error::Io("exists and is a directory");
    }
  }
  return OsError("cannot remove existing entry", errno);
}

Result<NewFile> CreateRegularFileAt(int dir, const std::string& name) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = ::openat(dir, name.c_str(), kNewFileFlags, 0600);
    if (fd >= 0) return NewFile{UniqueFd(fd), name, false};
    if (errno != EEXIST) return OsError("cannot create file", errno);
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed meanwhile: try again
      return OsError("cannot inspect existing entry", errno);
    }
    if (S_ISREG(st.st_mode)) return CreateTemporaryFile(dir);
    STORMPROOF_TRY(RemoveNonDirectoryAt(dir, name));
  }
  return OsError("cannot create file", EEXIST);
}

Result<UniqueFd> OpenRegularFileAt(int dir, const std::string& name) {
  int fd = ::openat(dir, name.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return OsError("cannot open file", errno);
  UniqueFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return OsError("cannot inspect file", errno);
  if (!S_ISREG(st.st_mode)) return Error::Io("no longer a regular file");
  return owned;
}

Status CreateSymlinkAt(int dir, const std::string& name, const std::string& target) {
  return CreateReplacing(dir, name, "cannot create symlink",
                         [&] { return ::symlinkat(target.c_str(), dir, name.c_str()); });
}

Status CreateSpecialAt(int dir, const std::string& name, mode_t type, dev_t rdev) {
  return CreateReplacing(dir, name, "cannot create special file",
                         [&] { return ::mknodat(dir, name.c_str(), type | 0600, rdev); });
}

Status LinkAt(int from_dir, const std::string& from_name, int dir, const std::string& name) {
  return CreateReplacing(dir, name, "cannot create hard link", [&] {
    return ::linkat(from_dir, from_name.c_str(), dir, name.c_str(), 0);
  });
}

}  // namespace stormproof::restorer
