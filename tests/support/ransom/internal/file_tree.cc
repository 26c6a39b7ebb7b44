#include "tests/support/ransom/internal/file_tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace stormproof::testing::ransom::internal {
namespace {

namespace fs = std::filesystem;

Error IoError(const std::string& path) { return Error::Io(path + ": " + std::strerror(errno)); }

Status WriteAll(int fd, const std::string& path, std::string_view content, uint64_t offset) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::pwrite(fd, content.data() + done, content.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(path);
    done += static_cast<size_t>(n);
  }
  return Ok();
}

Status WriteWith(const std::string& path, std::string_view content, uint64_t offset, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(path);
  Status written = WriteAll(fd, path, content, offset);
  if (::close(fd) != 0 && written.has_value()) return IoError(path);
  return written;
}

Result<std::vector<std::string>> List(const std::string& root, fs::file_type type) {
  std::error_code ec;
  std::vector<std::string> out;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->symlink_status(ec).type() == type) {
      out.push_back(it->path().lexically_relative(root).generic_string());
    }
  }
  if (ec) return Error::Io(root + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Status WriteWholeFile(const std::string& path, std::string_view content) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Error::Io(path + ": " + ec.message());
  return WriteWith(path, content, 0, O_WRONLY | O_CREAT | O_TRUNC);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path);
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const bool failed = n < 0;
      ::close(fd);
      if (failed) return IoError(path);
      return out;
    }
    out.append(buffer, static_cast<size_t>(n));
  }
}

Status WriteAt(const std::string& path, uint64_t offset, std::string_view content) {
  return WriteWith(path, content, offset, O_WRONLY);
}

Result<MtimeNs> MtimeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return IoError(path);
  return static_cast<MtimeNs>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

Status SetMtime(const std::string& path, MtimeNs mtime) {
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(mtime / 1'000'000'000);
  times[0].tv_nsec = times[1].tv_nsec = static_cast<long>(mtime % 1'000'000'000);
  if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) return IoError(path);
  return Ok();
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return IoError(path);
  return Ok();
}

Status RenamePath(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(fs::path(to).parent_path(), ec);
  if (ec) return Error::Io(to + ": " + ec.message());
  if (::rename(from.c_str(), to.c_str()) != 0) return IoError(from + " -> " + to);
  return Ok();
}

Result<std::vector<std::string>> ListFiles(const std::string& root) {
  return List(root, fs::file_type::regular);
}

Result<std::vector<std::string>> ListDirectories(const std::string& root) {
  return List(root, fs::file_type::directory);
}

std::string DirectoryOf(std::string_view relative_path) {
  const size_t slash = relative_path.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(relative_path.substr(0, slash));
}

std::string BaseName(std::string_view relative_path) {
  const size_t slash = relative_path.rfind('/');
  return std::string(slash == std::string_view::npos ? relative_path
                                                     : relative_path.substr(slash + 1));
}

std::string ExtensionOf(std::string_view relative_path) {
  const std::string base = BaseName(relative_path);
  const size_t dot = base.rfind('.');
  if (dot == std::string::npos || dot == 0) return "";
  std::string ext = base.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

std::string JoinPath(std::string_view root, std::string_view relative_path) {
  std::string out(root);
  if (!out.empty() && out.back() != '/') out += '/';
  out += relative_path;
  return out;
}

}  // namespace stormproof::testing::ransom::internal
