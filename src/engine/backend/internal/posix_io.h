// EINTR-safe wrappers over the POSIX calls the local backend makes. Every error is kIo and names
// the path and the operating system's reason ("no space left on device" for a full disk).
// Private to src/engine/backend. Functions are stateless, hence thread-safe; UniqueFd and TempFile
// objects are not (one owner at a time).
#ifndef STORMPROOF_ENGINE_BACKEND_INTERNAL_POSIX_IO_H_
#define STORMPROOF_ENGINE_BACKEND_INTERNAL_POSIX_IO_H_

#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/result.h"

namespace stormproof::backend::posix {

// The reason for errno `err` in words; ENOSPC reads "no space left on device".
std::string Reason(int err);
// kIo "<path>: <what>: <reason>".
Error OsError(const std::string& path, const std::string& what, int err);

// Owns a file descriptor and closes it on destruction. Move-only.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int Release();

 private:
  int fd_;
};

// A new temporary file "<dir>/.tmp-XXXXXX" (mode 0600), unlinked on destruction unless Keep()
// was called. `target` (the file it will become) names the file in error messages.
class TempFile {
 public:
  static Result<TempFile> Create(const std::string& dir, const std::string& target);
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile();

  // Writes all of `data` and flushes it to stable storage. Files of 1 MiB or more (packs) are
  // written past the page cache (O_DIRECT) where the file system allows it.
  Status WriteDurably(ByteView data);
  const std::string& path() const { return path_; }
  const std::string& target() const { return target_; }
  // The file was renamed or linked into place (or must stay): do not unlink it.
  void Keep() { kept_ = true; }

 private:
  TempFile(UniqueFd fd, std::string path, std::string target);

  UniqueFd fd_;
  std::string path_;
  std::string target_;
  bool kept_ = false;
};

// Opens `path` for reading. kNotFound when it does not exist; kIo otherwise.
Result<UniqueFd> OpenForReading(const std::string& path);
// The size of the open file `fd`.
Result<uint64_t> FileSize(int fd, const std::string& path);
// Reads exactly `length` bytes at `offset` into `out`; kIo "truncated" if the file ends first.
Status ReadAllAt(int fd, uint8_t* out, uint64_t length, uint64_t offset, const std::string& path);
// Flushes a directory's entries (a rename, link, unlink or mkdir in it) to stable storage.
Status SyncDirectory(const std::string& dir);
// Creates one directory level (mode 0700); an existing directory is fine.
Status MakeDirectory(const std::string& path);

}  // namespace stormproof::backend::posix

#endif  // STORMPROOF_ENGINE_BACKEND_INTERNAL_POSIX_IO_H_
