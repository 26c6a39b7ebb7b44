#include "backend/posix_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "backend/crash_points.h"

namespace stormproof::backend::posix {

std::string Reason(int err) {
  if (err == ENOSPC) return "no space left on device (the file system is full)";
  if (err == EDQUOT) return "disk quota exceeded";
  return std::system_category().message(err);  // thread-safe, unlike strerror
}

Error OsError(const std::string& path, const std::string& what, int err) {
  return Error::Io(path + ": " + what + ": " + Reason(err));
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.Release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::Release() { return std::exchange(fd_, -1); }

TempFile::TempFile(UniqueFd fd, std::string path, std::string target)
    : fd_(std::move(fd)), path_(std::move(path)), target_(std::move(target)) {}

TempFile::TempFile(TempFile&& other) noexcept
    : fd_(std::move(other.fd_)),
      path_(std::move(other.path_)),
      target_(std::move(other.target_)),
      kept_(std::exchange(other.kept_, true)) {}

TempFile::~TempFile() {
  fd_ = UniqueFd();  // close before unlinking
  if (!kept_) ::unlink(path_.c_str());
}

Result<TempFile> TempFile::Create(const std::string& dir, const std::string& target) {
  std::string path = dir + "/.tmp-XXXXXX";
  int fd = ::mkostemp(path.data(), O_CLOEXEC);  // random name, O_EXCL: no two writers collide
  if (fd < 0) return OsError(target, "cannot create a temporary file in " + dir, errno);
  return TempFile(UniqueFd(fd), std::move(path), target);
}

namespace {

Status WriteAll(int fd, ByteView data, const std::string& target) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OsError(target, "cannot write", errno);
    done += static_cast<size_t>(n);
  }
  return Ok();
}

}  // namespace

Status TempFile::WriteDurably(ByteView data) {
  // In two halves, so that the crash suite can stop between them.
  const size_t half = data.size() / 2;
  STORMPROOF_TRY(WriteAll(fd_.get(), data.first(half), target_));
  STORMPROOF_TRY(CrashPoint("save: half written", [&] { (void)::ftruncate(fd_.get(), 0); }));
  STORMPROOF_TRY(WriteAll(fd_.get(), data.subspan(half), target_));
  // Unflushed data may be partly lost in a power cut.
  STORMPROOF_TRY(CrashPoint("save: written, not flushed",
                            [&] { (void)::ftruncate(fd_.get(), static_cast<off_t>(half)); }));
  // fdatasync flushes the data and the size (all a reader needs); the rename is made durable by
  // syncing the directory afterwards.
  if (::fdatasync(fd_.get()) != 0) return OsError(target_, "cannot flush to disk", errno);
  int fd = fd_.Release();
  if (::close(fd) != 0) return OsError(target_, "cannot close", errno);
  return Ok();
}

Result<UniqueFd> OpenForReading(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) return UniqueFd(fd);
  if (errno == ENOENT) return Error::NotFound(path + ": no such file");
  return OsError(path, "cannot open", errno);
}

Result<uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return OsError(path, "cannot stat", errno);
  return static_cast<uint64_t>(st.st_size);
}

Status ReadAllAt(int fd, uint8_t* out, uint64_t length, uint64_t offset, const std::string& path) {
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OsError(path, "cannot read", errno);
    if (n == 0) {
      return Error::Io(path + ": truncated: wanted " + std::to_string(length) +
                       " bytes at offset " + std::to_string(offset) + ", file ended after " +
                       std::to_string(offset + done));
    }
    done += static_cast<uint64_t>(n);
  }
  return Ok();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return OsError(dir, "cannot open directory", errno);
  UniqueFd owner(fd);
  if (::fsync(fd) != 0) return OsError(dir, "cannot flush directory to disk", errno);
  return Ok();
}

Status MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) return Ok();
  int err = errno;
  struct stat st {};
  if (err == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Ok();
  return OsError(path, "cannot create directory", err);
}

}  // namespace stormproof::backend::posix
