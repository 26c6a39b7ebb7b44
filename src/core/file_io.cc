#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace stormproof {
namespace {

Error OsError(const std::string& what, const std::string& path) {
  return Error::Io(path + ": " + what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, std::string_view content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OsError("write failed", path);
    done += static_cast<size_t>(n);
  }
  return Ok();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return OsError("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return OsError("fsync failed", dir);
  return Ok();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view content) {
  std::filesystem::path target(path);
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string temp =
      (std::filesystem::path(dir) / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return OsError("cannot create a temporary file", path);
  ::fchmod(fd, 0644);  // mkstemp makes 0600; a rendered runbook is meant to be shared
  Status written = WriteAll(fd, content, path);
  if (written && ::fsync(fd) != 0) written = OsError("fsync failed", path);
  if (::close(fd) != 0 && written) written = OsError("close failed", path);
  if (written && ::rename(temp.c_str(), path.c_str()) != 0)
    written = OsError("rename failed", path);
  if (!written) {
    ::unlink(temp.c_str());
    return written;
  }
  return SyncDirectory(dir);
}

Result<std::string> ReadFirstLine(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int error = errno;
    std::string message = path + ": " + std::strerror(error);
    return error == ENOENT ? Error::NotFound(message) : Error::Io(message);
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace stormproof
