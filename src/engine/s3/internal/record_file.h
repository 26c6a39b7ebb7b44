// The file format the maintenance machine's records share (retention_record.h: retain-until
// dates; marker_record.h: stormproof's own delete markers): entries keyed by an object's key and
// version id, bound to one repository, location and prefix, and checksummed. A record lives in a
// private folder on the maintenance machine (retention dates: the repository's cache folder,
// retention/; delete markers: its state folder, cache::MarkerRecordFolder), never in the bucket,
// where the backup hosts' credentials could write.
//
// The file (written whole, crash-safely: temporary file, fsync, rename):
//   "<magic line>\n"                 one per kind of record ("stormproof retention record 1")
//   "repository <id>\nlocation <location>\nprefix <prefix>\n"
//   "begun <ns>\n"                   only in a format that records_begun: when the record was
//                                    first written, ns since the epoch by this machine's clock
//   count                            8 bytes, little-endian
//   count x (hash 16 bytes, value)   hash: the first 16 bytes of SHA-256(key NUL version id);
//                                    value: 8 bytes LE, the record's (a date, a kind);
//                                    sorted by hash
//   SHA-256 of everything before     32 bytes
// A file that is missing, unreadable, damaged, truncated, larger than kMaxRecordEntries entries
// or bound to anything else reads as empty, with one line saying why; never an error. A file of
// the format's previous version (previous_magic, no begun line) is read as well.
//
// The folder a record lives in, its record file and its lock file must belong to the user this
// process runs as (its effective uid; root included), and a folder still to be made must go into
// one of this user's or root's: a record root (sudo) wrote into a user's state folder would make
// that user's later runs refuse every removal. RecordFileLock checks it.
//
// Plain functions: thread-safe for different files.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_RECORD_FILE_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_RECORD_FILE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stormproof::s3::internal {

inline constexpr size_t kMaxRecordEntries = size_t{1} << 22;  // about 100 MB

// What a record belongs to; a record of anything else counts as empty.
struct RecordBinding {
  std::string repository_id = {};  // the repository's id (hex), from its config
  std::string location = {};       // "s3:https://host/bucket/prefix"
  std::string prefix = {};         // the key prefix the record covers ("prefix/data/")
};

// One kind of record: what its file starts with and how messages name it.
struct RecordFormat {
  const char* magic;     // "stormproof retention record 1\n"
  const char* what;      // "record of earlier upkeep"
  const char* if_empty;  // what an empty record means: "every retention is read"
  // The magic of the version before, read as well (it has no begun line); nullptr: none.
  const char* previous_magic = nullptr;
  // Whether the header holds the "begun <ns>" line (a file of previous_magic reads as begun 0).
  bool records_begun = false;
};

using RecordHash = std::array<uint8_t, 16>;
struct RecordEntry {
  RecordHash hash{};
  int64_t value = 0;
};

// The first 16 bytes of SHA-256(key NUL version id).
RecordHash RecordHashOf(std::string_view key, std::string_view version_id);

// The entries of the record at `path` (sorted by hash) when it is a whole record of `format`
// bound to `binding`; else none, and *note says why in one line naming the file (a missing file:
// "no <what> at <path> (the first run on this machine): <if_empty>"). *note is "" when read.
// With format.records_begun, *begun_ns (when not nullptr) is the record's begun line, 0 when
// there is none (a file of previous_magic, or none read).
std::vector<RecordEntry> ReadRecordFile(const std::string& path, const RecordFormat& format,
                                        const RecordBinding& binding, std::string* note,
                                        int64_t* begun_ns = nullptr);

// Replaces the file at `path` with `entries` (sorted here), creating its folder (mode 700) and
// its parents when missing; with format.records_begun, `begun_ns` is its begun line. Errors: kIo
// naming the file or folder; kInvalidArgument when there are more than kMaxRecordEntries entries.
Status WriteRecordFile(const std::string& path, const RecordFormat& format,
                       const RecordBinding& binding, std::vector<RecordEntry> entries,
                       int64_t begun_ns = 0);

// Whether this process may keep the record at `path`: its folder, the record file and its lock
// file, those there, belong to this user (effective uid), and the nearest folder above a folder
// still to be made belongs to this user or to root. Errors: kPermissionDenied naming the path,
// its owner's uid and this user's ("…: owned by uid 1000, not by this user (uid 0): …").
Status CheckRecordOwner(const std::string& path);

// An exclusive lock (flock) on `path` + ".lock" while this object lives, so that processes on
// this machine that read, change and save the record at `path` take turns (two forgets at once,
// under their shared repository locks). Creates the folder (mode 700) when missing, after
// CheckRecordOwner. When the lock cannot be taken (a foreign owner, a folder or lock file that
// cannot be made or opened, flock failing) nothing is locked and status() says why in one line
// naming the path (and the errno's text); the record must then not be written (MarkerRecord
// refuses to).
class RecordFileLock {
 public:
  explicit RecordFileLock(const std::string& path);
  ~RecordFileLock();
  RecordFileLock(const RecordFileLock&) = delete;
  RecordFileLock& operator=(const RecordFileLock&) = delete;

  // Ok while the lock is held; else why it is not.
  const Status& status() const { return status_; }

 private:
  Status Take(const std::string& path);

  int fd_ = -1;
  Status status_;
};

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_RECORD_FILE_H_
