// CacheFiles: the files of one repository's cache folder, and how each is checked.
//
// Layout under the folder:
//   CACHEDIR.TAG             marks the folder for backup tools (bford.net/cachedir)
//   snapshots/<64 hex>       a snapshot file's bytes; its name is their SHA-256
//   index/<64 hex>           an index file's bytes; the same
//   packs/<64 hex>           a tree pack's bytes || SHA-256 of them (32) || "stormpc1"
//   marks/mark-<64 hex>      a mark's bytes (evidence/mark-…); the hex digits are their SHA-256
//   <type folder>/.tmp-*     a file being written (renamed into place when complete)
//   retention/<file type>    the record of earlier Object Lock upkeep (written by the S3
//                            backend: engine/s3/internal/retention_record.h), not a cached file
//
// Reads return nothing (never an error) for a file that is absent, damaged or unreadable; a
// damaged file is deleted first, so the caller fetches it again and writes a good copy. Writes
// are not synced to disk: a copy lost or torn by a crash fails its check and is fetched again.
//
// Thread-safe; several processes may use one folder at once.
#ifndef STORMPROOF_ENGINE_CACHE_INTERNAL_CACHE_FILES_H_
#define STORMPROOF_ENGINE_CACHE_INTERNAL_CACHE_FILES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/bytes.h"
#include "core/mutex.h"
#include "core/result.h"
#include "engine/backend/backend.h"

namespace stormproof::cache::internal {

// Bytes after a cached pack's content: its SHA-256 and a magic that names the format.
constexpr size_t kPackTrailerSize = 32 + 8;

// The types of file the cache keeps some of, each in a folder of its own.
inline constexpr std::array<backend::FileType, 4> kCachedTypes = {
    backend::FileType::kSnapshot, backend::FileType::kIndex, backend::FileType::kPack,
    backend::FileType::kEvidence};
// The prefix of a mark's name in evidence/ (repository::kMarkNamePrefix, engine/repository/
// marks.h; the cache sits below the repository and cannot include it).
inline constexpr std::string_view kMarkNamePrefix = "mark-";

// Whether the cache keeps files of `type` (kCachedTypes): snapshots, index files, (tree) packs
// and evidence (marks only).
bool IsCachedType(backend::FileType type);
// The SHA-256 (hex) a file's name says its bytes have: the name itself, for evidence the part
// after kMarkNamePrefix ("" for evidence that is no mark).
std::string_view ContentHashOf(backend::FileType type, std::string_view name);
// Whether files of `type` named `name` can be cached at all: snapshots, index files and packs
// whose name is 64 lower-case hex digits, and marks ("mark-" and 64 of them), so it is also a
// safe file name. Evidence other than marks is never cached.
bool IsCacheable(backend::FileType type, const std::string& name);

class CacheFiles {
 public:
  explicit CacheFiles(std::string directory) : directory_(std::move(directory)) {}

  // Creates the folder, its type folders and CACHEDIR.TAG, and makes the folders private (mode
  // 700). Errors: kIo naming the path; kPermissionDenied when the folder or a type folder is a
  // symbolic link, not a folder, or another user's (then the cache must not be used at all).
  Status Prepare() const;
  // Whether the folder exists (before Prepare: whether this process is the one creating it).
  bool Exists() const;
  // Removes the folder Prepare made when it holds nothing but that (its type folders empty, the
  // tag): a mistyped bucket or prefix leaves no folder behind. A folder another process has
  // started to fill is left alone (rmdir of a non-empty folder fails; nothing is deleted).
  void RemoveIfEmpty() const;

  // A cached snapshot, index file or mark whose SHA-256 is the one its name says
  // (ContentHashOf); nothing otherwise.
  std::optional<Bytes> ReadNamed(backend::FileType type, const std::string& name) const;
  // Bytes [offset, offset + length) of a cached pack (length 0: to its end) whose trailer checks;
  // nothing when it is not cached, fails its check, or does not reach that far (kept then).
  std::optional<Bytes> ReadPackRange(const std::string& name, uint64_t offset,
                                     uint64_t length) const;

  // Stores a copy of a file's bytes, replacing any cached copy. Errors: kIo naming the path (a
  // read-only folder, a full disk).
  Status Write(backend::FileType type, const std::string& name, ByteView content) const;
  // Deletes the cached copy, if any.
  void Remove(backend::FileType type, const std::string& name) const;
  // Deletes every cached file of `type` whose name is not in `present`, and temporary files
  // of `type` older than an hour (left by a killed process).
  void RemoveAllBut(backend::FileType type, const std::unordered_set<std::string>& present) const;

  const std::string& directory() const { return directory_; }

 private:
  // What identifies one version of a file on disk: a file replaced by rename gets a new inode.
  struct FileVersion {
    uint64_t device = 0, inode = 0, size = 0;
    int64_t modified_ns = 0;
    bool operator==(const FileVersion&) const = default;
  };

  std::string PathOf(backend::FileType type, const std::string& name) const;
  std::string FolderOf(backend::FileType type) const;
  std::optional<Bytes> ReadCheckedPack(int fd, const FileVersion& version,
                                       const std::string& name) const;
  bool WasChecked(const std::string& name, const FileVersion& version) const;

  const std::string directory_;
  mutable Mutex mu_;
  // Cached packs whose trailer this process checked, at the version it checked.
  mutable std::unordered_map<std::string, FileVersion> checked_packs_ GUARDED_BY(mu_);
};

}  // namespace stormproof::cache::internal

#endif  // STORMPROOF_ENGINE_CACHE_INTERNAL_CACHE_FILES_H_
