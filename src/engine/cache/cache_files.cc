#include "engine/cache/internal/cache_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "engine/crypto/crypto.h"

namespace stormproof::cache::internal {
namespace {

using backend::FileType;

constexpr std::string_view kPackMagic = "stormpc1";
static_assert(32 + kPackMagic.size() == kPackTrailerSize);
constexpr std::string_view kTemporaryPrefix = ".tmp-";
constexpr auto kTemporaryMaxAge = std::chrono::hours(1);
constexpr std::string_view kCacheDirTag =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by stormproof.\n"
    "# For information about cache directory tags, see: https://bford.info/cachedir/\n";

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

Error OsError(const std::string& path, const std::string& what, int err) {
  return Error::Io(path + ": " + what + ": " + std::strerror(err));
}

// Closes a file descriptor at the end of its scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads exactly `length` bytes at `offset`; false on an error or an early end of file.
bool ReadAt(int fd, uint8_t* out, uint64_t length, uint64_t offset) {
  while (length > 0) {
    ssize_t n = ::pread(fd, out, length, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    offset += static_cast<uint64_t>(n);
    length -= static_cast<uint64_t>(n);
  }
  return true;
}

bool WriteAll(int fd, ByteView data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data = data.subspan(static_cast<size_t>(n));
  }
  return true;
}

// The file's bytes; nothing when it cannot be read, with `*missing` saying whether it is absent.
std::optional<Bytes> ReadWholeFile(const std::string& path, bool* missing) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  *missing = fd.get() < 0 && errno == ENOENT;
  struct stat st;
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  Bytes bytes(static_cast<size_t>(st.st_size));
  if (!ReadAt(fd.get(), bytes.data(), bytes.size(), 0)) return std::nullopt;
  return bytes;
}

// The trailer of a cached pack holding `content`.
Bytes PackTrailer(ByteView content) {
  crypto::Id hash = crypto::Sha256(content);
  Bytes trailer(kPackTrailerSize);
  std::copy(hash.bytes.begin(), hash.bytes.end(), trailer.begin());
  std::copy(kPackMagic.begin(), kPackMagic.end(), trailer.begin() + hash.bytes.size());
  return trailer;
}

bool IsOlderThan(const std::string& path, std::chrono::seconds age) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return false;
  auto modified = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
  return std::chrono::system_clock::now() - modified > age;
}

// Makes sure `path` is a folder of this user's, not a symbolic link, that no other user can
// read or write (chmod 700 when it is looser): the cache's files must be this user's alone.
// Opened without following a link, so the folder checked is the folder changed.
Status CheckOwnFolder(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();  // "link/" would follow it
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (fd.get() < 0 && errno != ELOOP && errno != ENOTDIR) return OsError(path, "cannot open", errno);
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || st.st_uid != ::geteuid()) {
    return Error::PermissionDenied(path + ": not a folder of this user's (a symbolic link, a "
                                   "file or another user's folder): choose another --cache-dir");
  }
  if ((st.st_mode & 077) != 0 && ::fchmod(fd.get(), 0700) != 0) {
    return OsError(path, "cannot make it private (chmod 700)", errno);
  }
  return Ok();
}

}  // namespace

bool IsCachedType(FileType type) {
  return std::find(kCachedTypes.begin(), kCachedTypes.end(), type) != kCachedTypes.end();
}

std::string_view ContentHashOf(FileType type, std::string_view name) {
  if (type != FileType::kEvidence) return name;
  return name.starts_with(kMarkNamePrefix) ? name.substr(kMarkNamePrefix.size())
                                           : std::string_view();
}

bool IsCacheable(FileType type, const std::string& name) {
  if (!IsCachedType(type)) return false;
  std::string_view hash = ContentHashOf(type, name);
  return hash.size() == 64 && std::all_of(hash.begin(), hash.end(), IsLowerHex);
}

std::string CacheFiles::FolderOf(FileType type) const {
  switch (type) {
    case FileType::kSnapshot:
      return directory_ + "/snapshots";
    case FileType::kIndex:
      return directory_ + "/index";
    case FileType::kEvidence:
      return directory_ + "/marks";
    default:
      return directory_ + "/packs";
  }
}

std::string CacheFiles::PathOf(FileType type, const std::string& name) const {
  return FolderOf(type) + "/" + name;
}

Status CacheFiles::Prepare() const {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) return Error::Io(directory_ + ": cannot create: " + error.message());
  // Readable by this user only, like the repository's own files; never another user's folder
  // or a link to one, where files could be planted, swapped or read.
  STORMPROOF_TRY(CheckOwnFolder(directory_));
  for (FileType type : kCachedTypes) {
    std::string folder = FolderOf(type);
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
      return OsError(folder, "cannot create", errno);
    }
    STORMPROOF_TRY(CheckOwnFolder(folder));
  }
  std::string tag = directory_ + "/CACHEDIR.TAG";
  if (::access(tag.c_str(), F_OK) == 0) return Ok();
  Fd fd(::open(tag.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    return errno == EEXIST ? Ok() : OsError(tag, "cannot create", errno);
  }
  if (!WriteAll(fd.get(), AsBytes(kCacheDirTag))) return OsError(tag, "cannot write", errno);
  return Ok();
}

bool CacheFiles::Exists() const {
  std::error_code error;
  return std::filesystem::symlink_status(directory_, error).type() !=
         std::filesystem::file_type::not_found;
}

void CacheFiles::RemoveIfEmpty() const {
  for (FileType type : kCachedTypes) {
    if (::rmdir(FolderOf(type).c_str()) != 0 && errno != ENOENT) return;
  }
  // The record of earlier upkeep (cache_files.h) is kept like a cached file.
  if (::rmdir((directory_ + "/retention").c_str()) != 0 && errno != ENOENT) return;
  std::string tag = directory_ + "/CACHEDIR.TAG";
  bool missing = false;
  std::optional<Bytes> content = ReadWholeFile(tag, &missing);
  if (!content || std::string_view(reinterpret_cast<const char*>(content->data()),
                                   content->size()) != kCacheDirTag) {
    return;
  }
  ::unlink(tag.c_str());
  ::rmdir(directory_.c_str());  // fails, harmlessly, if anything else appeared meanwhile
}

std::optional<Bytes> CacheFiles::ReadNamed(FileType type, const std::string& name) const {
  std::string path = PathOf(type, name);
  bool missing = false;
  std::optional<Bytes> bytes = ReadWholeFile(path, &missing);
  if (!bytes) {
    if (!missing) ::unlink(path.c_str());  // unreadable: fetched again and rewritten
    return std::nullopt;
  }
  if (crypto::Sha256(*bytes).Hex() != ContentHashOf(type, name)) {
    ::unlink(path.c_str());
    return std::nullopt;
  }
  return bytes;
}

bool CacheFiles::WasChecked(const std::string& name, const FileVersion& version) const {
  MutexLock lock(mu_);
  auto it = checked_packs_.find(name);
  return it != checked_packs_.end() && it->second == version;
}

// Reads the whole cached pack open as `fd` and checks its trailer; the content without the
// trailer when it holds, nothing (and the file deleted) otherwise.
std::optional<Bytes> CacheFiles::ReadCheckedPack(int fd, const FileVersion& version,
                                                 const std::string& name) const {
  Bytes bytes(version.size);
  size_t content_size = version.size - kPackTrailerSize;
  bool good = ReadAt(fd, bytes.data(), bytes.size(), 0) &&
              std::equal(bytes.begin() + static_cast<ptrdiff_t>(content_size), bytes.end(),
                         PackTrailer(ByteView(bytes).first(content_size)).begin());
  if (!good) {
    Remove(FileType::kPack, name);
    return std::nullopt;
  }
  bytes.resize(content_size);
  MutexLock lock(mu_);
  checked_packs_[name] = version;
  return bytes;
}

std::optional<Bytes> CacheFiles::ReadPackRange(const std::string& name, uint64_t offset,
                                               uint64_t length) const {
  std::string path = PathOf(FileType::kPack, name);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  FileVersion version{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                      static_cast<uint64_t>(st.st_size),
                      st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec};
  if (!S_ISREG(st.st_mode) || version.size < kPackTrailerSize) {
    Remove(FileType::kPack, name);
    return std::nullopt;
  }
  uint64_t content_size = version.size - kPackTrailerSize;
  if (length == 0) length = content_size > offset ? content_size - offset : 0;
  if (offset > content_size || length > content_size - offset) return std::nullopt;
  auto begin = static_cast<ptrdiff_t>(offset);
  if (!WasChecked(name, version)) {
    std::optional<Bytes> content = ReadCheckedPack(fd.get(), version, name);
    if (!content) return std::nullopt;
    return Bytes(content->begin() + begin, content->begin() + begin + static_cast<ptrdiff_t>(length));
  }
  Bytes range(length);
  if (!ReadAt(fd.get(), range.data(), length, offset)) {
    Remove(FileType::kPack, name);
    return std::nullopt;
  }
  return range;
}

Status CacheFiles::Write(FileType type, const std::string& name, ByteView content) const {
  std::string path = PathOf(type, name);
  std::string temp = FolderOf(type) + "/" + std::string(kTemporaryPrefix) + "XXXXXX";
  Fd fd(::mkstemp(temp.data()));
  if (fd.get() < 0) return OsError(path, "cannot create a temporary file", errno);
  bool written = WriteAll(fd.get(), content) &&
                 (type != FileType::kPack || WriteAll(fd.get(), PackTrailer(content)));
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return OsError(path, written ? "cannot rename into place" : "cannot write", err);
  }
  return Ok();
}

void CacheFiles::Remove(FileType type, const std::string& name) const {
  ::unlink(PathOf(type, name).c_str());
  if (type != FileType::kPack) return;
  MutexLock lock(mu_);
  checked_packs_.erase(name);
}

void CacheFiles::RemoveAllBut(FileType type,
                              const std::unordered_set<std::string>& present) const {
  std::string folder = FolderOf(type);
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return;
  while (const struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (name.rfind(kTemporaryPrefix, 0) == 0) {
      std::string path = folder + "/" + name;
      if (IsOlderThan(path, kTemporaryMaxAge)) ::unlink(path.c_str());
    } else if (!present.contains(name)) {
      Remove(type, name);
    }
  }
  ::closedir(dir);
}

}  // namespace stormproof::cache::internal
