#include "engine/restorer/internal/verify.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "engine/restorer/internal/safe_fs.h"

namespace stormproof::restorer {
namespace {

constexpr size_t kZeroCheckBuffer = 1 << 20;

Error Differs(const std::string& where) {
  return Error::FailedCheck("differs from the snapshot: " + where);
}

Status ReadFully(int fd, uint8_t* out, uint64_t length, uint64_t offset) {
  while (length > 0) {
    ssize_t n = ::pread(fd, out, length, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OsError("cannot read back", errno);
    if (n == 0) return Differs("ends early at byte " + std::to_string(offset));
    out += n;
    offset += static_cast<uint64_t>(n);
    length -= static_cast<uint64_t>(n);
  }
  return Ok();
}

Status CheckZeros(int fd, uint64_t offset, uint64_t length, Bytes& buffer) {
  buffer.resize(std::min<uint64_t>(length, kZeroCheckBuffer));
  while (length > 0) {
    uint64_t n = std::min<uint64_t>(length, buffer.size());
    STORMPROOF_TRY(ReadFully(fd, buffer.data(), n, offset));
    if (std::any_of(buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(n),
                    [](uint8_t b) { return b != 0; })) {
      return Differs("hole at byte " + std::to_string(offset) + " is not zeros");
    }
    offset += n;
    length -= n;
  }
  return Ok();
}

// A hole reads as zeros: only the parts the file system stores as data need reading.
Status CheckHole(int fd, uint64_t offset, uint64_t length, Bytes& buffer) {
  uint64_t end = offset + length;
  while (offset < end) {
    off_t data = ::lseek(fd, static_cast<off_t>(offset), SEEK_DATA);
    if (data < 0 && errno == ENXIO) return Ok();                        // no data after `offset`
    if (data < 0) return CheckZeros(fd, offset, end - offset, buffer);  // no SEEK_DATA here
    if (static_cast<uint64_t>(data) >= end) return Ok();
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    uint64_t upto = hole < 0 ? end : std::min<uint64_t>(end, static_cast<uint64_t>(hole));
    STORMPROOF_TRY(CheckZeros(fd, static_cast<uint64_t>(data), upto - data, buffer));
    offset = upto;
  }
  return Ok();
}

Status CheckBlobs(const repository::Repository& repo, int fd, const repository::Node& node,
                  const FileLayout& layout, Bytes& buffer) {
  uint64_t stream = 0;
  for (size_t i = 0; i < node.content.size(); ++i) {
    auto location = repo.LocateForRead(repository::BlobType::kData, node.content[i]);
    if (!location) {
      return Error::NotFound("data blob " + node.content[i].ShortHex() + " is not in the index");
    }
    buffer.resize(location->raw_length);
    Status read = Ok();
    layout.ForEachPiece(stream, buffer.size(), [&](uint64_t at, uint64_t pos, uint64_t n) {
      if (read) read = ReadFully(fd, buffer.data() + pos, n, at);
    });
    STORMPROOF_TRY(read);
    if (repo.BlobId(buffer) != node.content[i]) {
      return Differs("content blob " + std::to_string(i) + " (" + node.content[i].ShortHex() +
                     ") at stream byte " + std::to_string(stream));
    }
    stream += buffer.size();
  }
  return Ok();
}

}  // namespace

Status VerifyFileContent(const repository::Repository& repo, int fd, const repository::Node& node,
                         const FileLayout& layout) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return OsError("cannot inspect file", errno);
  if (!S_ISREG(st.st_mode)) return Differs("not a regular file");
  if (static_cast<uint64_t>(st.st_size) != layout.size()) {
    return Differs("size " + std::to_string(st.st_size) + ", expected " +
                   std::to_string(layout.size()));
  }
  Bytes buffer;
  STORMPROOF_TRY(CheckBlobs(repo, fd, node, layout, buffer));
  Status holes = Ok();
  layout.ForEachHole([&](uint64_t offset, uint64_t length) {
    if (holes) holes = CheckHole(fd, offset, length, buffer);
  });
  return holes;
}

}  // namespace stormproof::restorer
