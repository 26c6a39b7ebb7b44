#include "engine/backend/internal/posix_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <system_error>
#include <utility>

#include "engine/backend/crash_points.h"

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

// Direct I/O (O_DIRECT) needs the buffer, offset and length aligned to the device's logical
// block; 4096 covers both 512- and 4096-byte devices.
constexpr size_t kDirectAlign = 4096;
// Files smaller than this go through the page cache: index, snapshot and lock files are small,
// and read back soon.
constexpr size_t kDirectMinSize = 1u << 20;
constexpr size_t kBounceSize = 1u << 20;

size_t AlignDown(size_t n) { return n - n % kDirectAlign; }

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

// This thread's page-aligned staging buffer for direct writes (kBounceSize bytes), allocated on
// first use and reused: the caller's buffer is seldom aligned. Null when memory is short.
uint8_t* BounceBuffer() {
  thread_local std::unique_ptr<uint8_t, FreeDeleter> buffer(
      static_cast<uint8_t*>(std::aligned_alloc(kDirectAlign, kBounceSize)));
  return buffer.get();
}

bool SetDirect(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  flags = on ? (flags | O_DIRECT) : (flags & ~O_DIRECT);
  return ::fcntl(fd, F_SETFL, flags) == 0;
}

// Writes data[from, to) at offset `from` through the page cache.
Status WriteAt(int fd, ByteView data, size_t from, size_t to, const std::string& target) {
  while (from < to) {
    ssize_t n = ::pwrite(fd, data.data() + from, to - from, static_cast<off_t>(from));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OsError(target, "cannot write", errno);
    if (n == 0) return OsError(target, "cannot write", ENOSPC);  // no progress: treat as full
    from += static_cast<size_t>(n);
  }
  return Ok();
}

// Writes pack-sized files with O_DIRECT: the data goes from a reused buffer to the device
// without first filling newly allocated page-cache pages. A pack is not read back by the
// backup that writes it, and on a virtual machine those fresh pages cost more CPU than the rest
// of the write (measured: 19% of a first backup's CPU in the kernel's copy into them).
// Falls back to the page cache, for the rest of the file, whenever direct I/O is refused
// (tmpfs and some network file systems) or a write comes back short. Durability is the same
// either way: the caller still flushes with fdatasync.
class FileWriter {
 public:
  FileWriter(int fd, ByteView data, const std::string& target)
      : fd_(fd), data_(data), target_(target) {
    direct_ = data.size() >= kDirectMinSize && BounceBuffer() != nullptr && SetDirect(fd, true);
  }

  // The point at which to split the write in two: half the size, aligned while direct.
  size_t Middle() const { return direct_ ? AlignDown(data_.size() / 2) : data_.size() / 2; }

  // Writes data[from, to); `from` is where the previous call ended (or 0).
  Status Write(size_t from, size_t to) {
    if (direct_) {
      from = WriteDirect(from, AlignDown(to));
      if (errno_ != 0) return OsError(target_, "cannot write", errno_);
      if (from < to) {  // the unaligned tail, a refusal or a short write: the rest cached
        direct_ = false;
        if (!SetDirect(fd_, false)) return OsError(target_, "cannot leave direct I/O", errno);
      }
    }
    return WriteAt(fd_, data_, from, to, target_);
  }

 private:
  // Writes as much of data[from, to) as direct I/O takes; returns where it stopped.
  size_t WriteDirect(size_t from, size_t to) {
    uint8_t* bounce = BounceBuffer();
    while (from < to) {
      size_t length = std::min(kBounceSize, to - from);
      std::memcpy(bounce, data_.data() + from, length);
      ssize_t n = ::pwrite(fd_, bounce, length, static_cast<off_t>(from));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EINVAL) errno_ = errno;  // EINVAL: direct I/O refused, fall back
      if (n < 0) return from;
      from += static_cast<size_t>(n);
      if (static_cast<size_t>(n) != length) return from;  // short: finish through the cache
    }
    return from;
  }

  const int fd_;
  const ByteView data_;
  const std::string& target_;
  bool direct_ = false;
  int errno_ = 0;
};

}  // namespace

Status TempFile::WriteDurably(ByteView data) {
  FileWriter writer(fd_.get(), data, target_);
  // In two halves, so that the crash suite can stop between them.
  const size_t half = writer.Middle();
  STORMPROOF_TRY(writer.Write(0, half));
  STORMPROOF_TRY(CrashPoint("save: half written", [&] { (void)::ftruncate(fd_.get(), 0); }));
  STORMPROOF_TRY(writer.Write(half, data.size()));
  // Unflushed data may be partly lost in a power cut.
  STORMPROOF_TRY(CrashPoint("save: written, not flushed",
                            [&] { (void)::ftruncate(fd_.get(), static_cast<off_t>(half)); }));
  // fdatasync flushes the data and the size (all a reader needs), and the device's write cache
  // for direct writes too; the rename is made durable by syncing the directory afterwards.
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
