// The local-directory backend, the embedded default. Layout under the repository directory:
//   config  keys/  locks/  snapshots/  index/  data/00/ … data/ff/  evidence/ (made on first use)
// A pack lives in data/<first two hex digits of its name>/<name>; the 256 fan-out directories
// are made at Create time so that Save never races on mkdir. Save writes ".tmp-XXXXXX" in the
// target's directory, flushes it, renames it into place and flushes the directory.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc >= 2.28)
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>
#include <vector>

#include "core/time.h"
#include "engine/backend/backend.h"
#include "engine/backend/internal/contract.h"
#include "engine/backend/crash_points.h"
#include "engine/backend/internal/posix_io.h"

namespace stormproof::backend {
namespace {

using ListCallback = std::function<void(const std::string& name, uint64_t size)>;

constexpr const char* kTypeDirectories[] = {"keys", "locks", "snapshots", "index", "data"};

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string HexByte(int i) {
  constexpr char kDigits[] = "0123456789abcdef";
  return {kDigits[i >> 4], kDigits[i & 15]};
}

// Kept in Location() and messages as the user wrote it, minus trailing slashes.
std::string NormalizeRoot(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Error ConfigExists(const std::string& path, int err) {
  if (err == EEXIST) {
    return Error::InvalidArgument(path + ": already exists; a repository's config is written once");
  }
  return posix::OsError(path, "cannot move into place", err);
}

// Publishes `temp` under its target unless the target exists, so that of two concurrent
// `stormproof init`s exactly one wins.
Status PublishExclusively(posix::TempFile& temp) {
  const char* from = temp.path().c_str();
  const char* to = temp.target().c_str();
  if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) {
    temp.Keep();
    return Ok();
  }
  if (errno != EINVAL && errno != ENOSYS) return ConfigExists(temp.target(), errno);
  // The file system cannot rename without replacing: link() also fails on an existing name.
  if (::link(from, to) == 0) return Ok();  // the temporary name is unlinked by ~TempFile
  return ConfigExists(temp.target(), errno);
}

Status Replace(posix::TempFile& temp) {
  if (::rename(temp.path().c_str(), temp.target().c_str()) != 0) {
    return posix::OsError(temp.target(), "cannot rename " + temp.path() + " into place", errno);
  }
  temp.Keep();
  return Ok();
}

// Calls `each` for every regular file in `dir` whose name is valid for `type`; temporary files
// (leading '.') never are. A file removed while listing is skipped.
Status ListDirectory(const std::string& dir, FileType type, const ListCallback& each) {
  DIR* stream = ::opendir(dir.c_str());
  if (stream == nullptr) return posix::OsError(dir, "cannot list directory", errno);
  std::unique_ptr<DIR, int (*)(DIR*)> closer(stream, ::closedir);
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(stream);
    if (entry == nullptr) break;
    Handle handle{type, entry->d_name};
    if (!internal::ValidateHandle(handle)) continue;
    struct stat st {};
    if (::fstatat(::dirfd(stream), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return posix::OsError(dir + "/" + handle.name, "cannot stat", errno);
    }
    if (S_ISREG(st.st_mode)) each(handle.name, static_cast<uint64_t>(st.st_size));
  }
  if (errno != 0) return posix::OsError(dir, "cannot list directory", errno);
  return Ok();
}

// A repository directory. Thread-safe: it holds only its immutable root path, and concurrent
// Saves write distinct temporary files.
class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(std::string root) : root_(std::move(root)) {}

  Status Save(const Handle& handle, ByteView data) override;
  Result<Bytes> Load(const Handle& handle, uint64_t offset, uint64_t length) const override;
  Result<uint64_t> Size(const Handle& handle) const override;
  Result<int64_t> ModifiedNs(const Handle& handle) const override;
  Status Remove(const Handle& handle) override;
  Status List(FileType type, const ListCallback& each) const override;
  Status RemoveStaleTemporaries(FileType type, std::chrono::seconds min_age,
                                TemporaryFiles* stats) override;
  std::string Location() const override { return root_; }

 private:
  // The directories holding files of `type` (not kConfig): the 256 data/xx fan-out directories
  // for packs, else the type's one directory.
  std::vector<std::string> DirectoriesOf(FileType type) const {
    if (type != FileType::kPack) return {root_ + "/" + internal::DirectoryOf(type)};
    std::vector<std::string> dirs;
    for (int i = 0; i < 256; ++i) dirs.push_back(root_ + "/data/" + HexByte(i));
    return dirs;
  }

  std::string PathOf(const Handle& handle) const {
    return root_ + "/" + internal::RelativePath(handle);
  }

  const std::string root_;
};

Status LocalBackend::Save(const Handle& handle, ByteView data) {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  const std::string path = PathOf(handle);
  const std::string dir = ParentOf(path);
  STORMPROOF_TRY(CrashPoint("save: before the temporary file"));
  // evidence/ is made on first use: repositories created before it existed lack it.
  if (handle.type == FileType::kEvidence && ::access(dir.c_str(), F_OK) != 0) {
    STORMPROOF_TRY(posix::MakeDirectory(dir));
    STORMPROOF_TRY(posix::SyncDirectory(root_));
  }
  STORMPROOF_ASSIGN_OR_RETURN(posix::TempFile temp, posix::TempFile::Create(dir, path));
  STORMPROOF_TRY(temp.WriteDurably(data));
  STORMPROOF_TRY(CrashPoint("save: flushed, not renamed"));
  STORMPROOF_TRY(handle.type == FileType::kConfig ? PublishExclusively(temp) : Replace(temp));
  // A power cut before the directory is flushed may lose the rename.
  STORMPROOF_TRY(CrashPoint("save: renamed, directory not flushed",
                            [&] { (void)::rename(temp.target().c_str(), temp.path().c_str()); }));
  return posix::SyncDirectory(dir);
}

Result<Bytes> LocalBackend::Load(const Handle& handle, uint64_t offset, uint64_t length) const {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  const std::string path = PathOf(handle);
  STORMPROOF_ASSIGN_OR_RETURN(posix::UniqueFd fd, posix::OpenForReading(path));
  STORMPROOF_ASSIGN_OR_RETURN(uint64_t size, posix::FileSize(fd.get(), path));
  STORMPROOF_ASSIGN_OR_RETURN(internal::ByteRange range,
                              internal::ResolveRange(path, size, offset, length));
  Bytes data(range.length);
  STORMPROOF_TRY(posix::ReadAllAt(fd.get(), data.data(), range.length, range.offset, path));
  return data;
}

Result<uint64_t> LocalBackend::Size(const Handle& handle) const {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  const std::string path = PathOf(handle);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return static_cast<uint64_t>(st.st_size);
  if (errno == ENOENT) return Error::NotFound(path + ": no such file");
  return posix::OsError(path, "cannot stat", errno);
}

Result<int64_t> LocalBackend::ModifiedNs(const Handle& handle) const {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  const std::string path = PathOf(handle);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Error::NotFound(path + ": no such file");
    return posix::OsError(path, "cannot stat", errno);
  }
  // Saturates rather than overflows for times beyond 2262 (a hostile or damaged file).
  int64_t ns = 0;
  if (__builtin_mul_overflow(static_cast<int64_t>(st.st_mtim.tv_sec), kNsPerSecond, &ns) ||
      __builtin_add_overflow(ns, static_cast<int64_t>(st.st_mtim.tv_nsec), &ns)) {
    return st.st_mtim.tv_sec < 0 ? std::numeric_limits<int64_t>::min()
                                 : std::numeric_limits<int64_t>::max();
  }
  return ns;
}

Status LocalBackend::Remove(const Handle& handle) {
  STORMPROOF_TRY(internal::ValidateHandle(handle));
  const std::string path = PathOf(handle);
  STORMPROOF_TRY(CrashPoint("remove: before unlinking"));
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Ok();
    return posix::OsError(path, "cannot remove", errno);
  }
  // A power cut here may undo the unlink: the state of the point before.
  STORMPROOF_TRY(CrashPoint("remove: unlinked, directory not flushed"));
  return posix::SyncDirectory(ParentOf(path));
}

Status LocalBackend::List(FileType type, const ListCallback& each) const {
  if (type == FileType::kConfig) {
    Result<uint64_t> size = Size(Handle{FileType::kConfig, ""});
    if (size) each("config", *size);
    if (size || size.error().code() == ErrorCode::kNotFound) return Ok();
    return size.error();
  }
  for (const std::string& dir : DirectoriesOf(type)) {
    // No evidence/ yet (made on the first evidence saved): no evidence.
    if (type == FileType::kEvidence && ::access(dir.c_str(), F_OK) != 0 && errno == ENOENT) {
      continue;
    }
    STORMPROOF_TRY(ListDirectory(dir, type, each));
  }
  return Ok();
}

// Removes temporary (".tmp-*") regular files in `dir` last modified before `cutoff`.
Status RemoveTemporariesIn(const std::string& dir, time_t cutoff, Backend::TemporaryFiles* stats) {
  DIR* stream = ::opendir(dir.c_str());
  if (stream == nullptr) return posix::OsError(dir, "cannot list directory", errno);
  std::unique_ptr<DIR, int (*)(DIR*)> closer(stream, ::closedir);
  for (const dirent* entry; (entry = ::readdir(stream)) != nullptr;) {
    if (std::string_view(entry->d_name).rfind(internal::kTemporaryPrefix, 0) != 0) continue;
    struct stat st {};
    if (::fstatat(::dirfd(stream), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode) || st.st_mtime >= cutoff) continue;
    if (::unlinkat(::dirfd(stream), entry->d_name, 0) != 0) {
      if (errno == ENOENT) continue;
      return posix::OsError(dir + "/" + entry->d_name, "cannot remove", errno);
    }
    ++stats->files;
    stats->bytes += static_cast<uint64_t>(st.st_size);
  }
  return Ok();
}

Status LocalBackend::RemoveStaleTemporaries(FileType type, std::chrono::seconds min_age,
                                            TemporaryFiles* stats) {
  if (type == FileType::kConfig) return Ok();
  const time_t cutoff = ::time(nullptr) - static_cast<time_t>(min_age.count());
  for (const std::string& dir : DirectoriesOf(type)) {
    if (type == FileType::kEvidence && ::access(dir.c_str(), F_OK) != 0 && errno == ENOENT) {
      continue;  // no evidence/ yet
    }
    STORMPROOF_TRY(RemoveTemporariesIn(dir, cutoff, stats));
  }
  return Ok();
}

Status RequireEmptyDirectory(const std::string& path) {
  std::error_code ec;
  bool empty = std::filesystem::is_empty(path, ec);
  if (ec) return Error::Io(path + ": cannot list directory: " + ec.message());
  if (empty) return Ok();
  return Error::InvalidArgument(path + " is not empty; stormproof init refuses to overwrite it");
}

// Makes `path` an empty directory: creates it (and missing parents) or checks that it is empty.
Status PrepareEmptyDirectory(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return RequireEmptyDirectory(path);
    return Error::InvalidArgument(path + " exists and is not a directory");
  }
  if (errno != ENOENT) return posix::OsError(path, "cannot inspect", errno);
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Error::Io(path + ": cannot create directory: " + ec.message());
  return posix::SyncDirectory(ParentOf(path));
}

Status CreateLayout(const std::string& root) {
  for (const char* dir : kTypeDirectories) STORMPROOF_TRY(posix::MakeDirectory(root + "/" + dir));
  for (int i = 0; i < 256; ++i) STORMPROOF_TRY(posix::MakeDirectory(root + "/data/" + HexByte(i)));
  STORMPROOF_TRY(posix::SyncDirectory(root + "/data"));
  return posix::SyncDirectory(root);
}

}  // namespace

Result<std::unique_ptr<Backend>> CreateLocalBackend(const std::string& path) {
  if (path.empty()) return Error::InvalidArgument("the repository path is empty");
  std::string root = NormalizeRoot(path);
  STORMPROOF_TRY(PrepareEmptyDirectory(root));
  STORMPROOF_TRY(CreateLayout(root));
  return std::unique_ptr<Backend>(std::make_unique<LocalBackend>(std::move(root)));
}

Result<std::unique_ptr<Backend>> OpenLocalBackend(const std::string& path) {
  if (path.empty()) return Error::InvalidArgument("the repository path is empty");
  std::string root = NormalizeRoot(path);
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) {
    if (errno == ENOENT) return Error::NotFound(root + ": repository directory does not exist");
    return posix::OsError(root, "cannot open repository directory", errno);
  }
  if (!S_ISDIR(st.st_mode)) return Error::NotFound(root + ": is not a directory");
  return std::unique_ptr<Backend>(std::make_unique<LocalBackend>(std::move(root)));
}

}  // namespace stormproof::backend
