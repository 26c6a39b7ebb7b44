// File-system primitives for the restorer that cannot be redirected outside the restore target.
//
// Every operation works relative to an open directory fd on a single, checked path component,
// and never follows a symlink in that component (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW): a symlink that
// a snapshot restored — or that was already in the target — is replaced or refused, never
// traversed. Free functions sharing no state: thread-safe.
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_SAFE_FS_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_SAFE_FS_H_

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace stormproof::restorer {

// Owns a file descriptor and closes it when destroyed. Move-only; thread-compatible.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Error::Io "what: <strerror(err)>".
Error OsError(std::string_view what, int err);

// OK when `name` is usable as one path component: not empty, not "." or "..", no '/' or NUL.
// Errors: kInvalidArgument saying why.
Status CheckEntryName(std::string_view name);

// Opens the existing directory `name` inside `dir`; a symlink there is an error (ELOOP/ENOTDIR),
// never followed.
Result<UniqueFd> OpenDirectoryAt(int dir, const std::string& name);

// Makes `name` inside `dir` a directory and opens it as OpenDirectoryAt does. An existing
// directory is reused; an existing symlink or other non-directory is removed first (a symlink's
// own entry, never what it points to). New directories get mode 0700 until their metadata is
// restored.
Result<UniqueFd> MakeDirectoryAt(int dir, const std::string& name);

// Removes whatever non-directory is at `name` inside `dir` (a missing entry is fine).
// Errors: kIo "exists and is a directory" for a directory, which is never removed.
Status RemoveNonDirectoryAt(int dir, const std::string& name);

// A new, empty regular file opened read-write, created with O_CREAT|O_EXCL|O_NOFOLLOW.
struct NewFile {
  UniqueFd fd;
  std::string disk_name;      // the name it was created under
  bool is_temporary = false;  // true: rename `disk_name` over the real name when complete
};

// Creates the regular file `name` inside `dir` with mode 0600. When an entry of that name exists:
// a regular file stays in place until the new content is complete (the new file gets a temporary
// name in the same directory); a symlink, fifo, device or socket is removed (never followed); a
// directory is an error.
Result<NewFile> CreateRegularFileAt(int dir, const std::string& name);

// Opens the regular file `name` inside `dir` read-write, refusing a symlink or non-regular file.
Result<UniqueFd> OpenRegularFileAt(int dir, const std::string& name);

// Creates a symlink `name` -> `target` inside `dir`, replacing a non-directory of that name.
Status CreateSymlinkAt(int dir, const std::string& name, const std::string& target);

// Creates a fifo, socket or device node (`type` is S_IFIFO, S_IFSOCK, S_IFCHR or S_IFBLK) with
// mode 0600, replacing a non-directory of that name.
Status CreateSpecialAt(int dir, const std::string& name, mode_t type, dev_t rdev);

// Makes a hard link `name` inside `dir` to `from_name` inside `from_dir` (never following a
// symlink), replacing a non-directory of that name.
Status LinkAt(int from_dir, const std::string& from_name, int dir, const std::string& name);

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_SAFE_FS_H_
