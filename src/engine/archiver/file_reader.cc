#include "engine/archiver/internal/file_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "engine/archiver/internal/metadata.h"
#include "core/interrupt.h"

namespace stormproof::archiver::internal {
namespace {

ReadHooks& Hooks() {
  static ReadHooks hooks;
  return hooks;
}

Error Changed() { return Error::Io("changed while being read"); }

// Closes a file descriptor when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// O_NOATIME keeps reading from changing atimes; it needs ownership or CAP_FOWNER, so fall back.
int OpenForReading(const std::string& path) {
  constexpr int kFlags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  int fd = ::open(path.c_str(), kFlags | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), kFlags);
  return fd;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return S_ISREG(b.st_mode) && a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
         a.st_size == b.st_size;
}

bool SameContentStamp(const struct stat& a, const struct stat& b) {
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

using Region = std::pair<uint64_t, uint64_t>;  // offset, length

// The data regions of a sparse file, and its holes into `holes`. A file system without
// SEEK_DATA/SEEK_HOLE support makes the whole file one region.
std::vector<Region> DataRegions(int fd, uint64_t size, std::vector<Region>* holes) {
  std::vector<Region> data;
  const std::vector<Region> dense{{0, size}};
  uint64_t offset = 0;
  while (offset < size) {
    off_t begin = ::lseek(fd, static_cast<off_t>(offset), SEEK_DATA);
    if (begin < 0 && errno != ENXIO) {
      holes->clear();
      return dense;
    }
    uint64_t data_begin = begin < 0 ? size : std::min<uint64_t>(begin, size);  // ENXIO: no data
    if (data_begin > offset) holes->emplace_back(offset, data_begin - offset);
    if (data_begin >= size) break;
    off_t end = ::lseek(fd, static_cast<off_t>(data_begin), SEEK_HOLE);
    uint64_t data_end = end < 0 ? 0 : std::min<uint64_t>(end, size);
    if (data_end <= data_begin) {  // unsupported, or a race
      holes->clear();
      return dense;
    }
    data.emplace_back(data_begin, data_end - data_begin);
    offset = data_end;
  }
  return data;
}

// Reads exactly region.second bytes from region.first into the stream.
Status ReadRegion(int fd, Region region, ChunkStream& stream, const ReadFn& on_read) {
  uint64_t offset = region.first;
  uint64_t left = region.second;
  while (left > 0) {
    STORMPROOF_TRY(CheckInterrupted());  // a file of many gigabytes is no reason to wait
    std::span<uint8_t> space = stream.Space(left);
    ssize_t n = ::pread(fd, space.data(), space.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("read", errno);
    if (n == 0) return Changed();  // shorter than lstat said: truncated meanwhile
    stream.Commit(static_cast<size_t>(n), offset);
    on_read(static_cast<uint64_t>(n));
    offset += static_cast<uint64_t>(n);
    left -= static_cast<uint64_t>(n);
  }
  return Ok();
}

Status ReadRegions(int fd, const struct stat& st, ChunkStream& stream, repository::Node* node,
                   const ReadFn& on_read) {
  uint64_t size = static_cast<uint64_t>(st.st_size);
  std::vector<Region> regions{{0, size}};
  node->holes.clear();
  if (static_cast<uint64_t>(st.st_blocks) * 512 < size) {
    regions = DataRegions(fd, size, &node->holes);
  }
  if (size >= (1u << 20)) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  for (const Region& region : regions) STORMPROOF_TRY(ReadRegion(fd, region, stream, on_read));
  return Ok();
}

Status ReadOpenFile(int fd, const std::string& path, const struct stat& st, ChunkStream& stream,
                    repository::Node* node, const ReadFn& on_read) {
  struct stat before {};
  if (::fstat(fd, &before) != 0) return ErrnoError("fstat", errno);
  if (!SameFile(st, before)) return Changed();
  STORMPROOF_TRY(ReadRegions(fd, st, stream, node, on_read));
  if (Hooks().after_read) Hooks().after_read(path);
  struct stat after {};
  if (::fstat(fd, &after) != 0) return ErrnoError("fstat", errno);
  if (!SameContentStamp(before, after)) return Changed();
  return Ok();
}

}  // namespace

Status ReadFileContent(const std::string& path, const struct stat& st, ChunkStream& stream,
                       FileTask* file, repository::Node* node, const ReadFn& on_read) {
  if (Hooks().before_open) Hooks().before_open(path);
  ScopedFd fd(OpenForReading(path));
  if (fd.get() < 0) return ErrnoError("open", errno);
  stream.Begin(file);
  Status read = ReadOpenFile(fd.get(), path, st, stream, node, on_read);
  if (!read.has_value()) {
    stream.Abort();
    return read;
  }
  stream.End();
  return Ok();
}

void SetReadHooksForTesting(ReadHooks hooks) { Hooks() = std::move(hooks); }

}  // namespace stormproof::archiver::internal
