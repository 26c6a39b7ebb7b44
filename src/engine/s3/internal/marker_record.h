// MarkerRecord: the delete markers stormproof placed itself in one repository, kept on the
// maintenance machine, in the state folder of the user that runs it (cache::MarkerRecordFolder;
// docs/repository-format.md, "Retention and maintenance"). On a bucket with
// Object Lock a removal only places a delete marker; prune later deletes for good the versions a
// marker of its own hides once their retention ends, and keeps retained what is in use. Whose a
// marker is cannot be told from the bucket: the owner id a listing names is the account's, shared
// by every key of that account on AWS, so another credential that may delete (an attacker holding
// one) could hide files exactly as prune does. So a marker counts as stormproof's only when its
// key and version id are in this record; every other marker hiding a stored version is someone
// else's: kept retained like a file in use, never purged, and prune refuses until someone looks
// (`prune --adopt-hidden-before TIME` records the packs hidden before TIME that the index does
// not name, and `--adopt-hidden-file` each file named, once known to be stormproof's own).
//
// Each marker is recorded with why it was placed:
//  - kRemoved: forget, prune (S3Backend::Remove) or an adoption: purged once the
//    versions it hides are no longer retained;
//  - kHiddenByRepair: `repair --as-of TIME` hid a file written after TIME: never purged, kept
//    retained like a file in use (a later roll-back may bring it back), not someone else's.
//
// The file: internal/record_file.h, magic "stormproof delete-marker record 2", prefix the
// repository's root ("prefix/"), its begun line (begun_ns()), one entry per marker (its key and
// version id); value 0 for kRemoved, else kHiddenByRepair with the roll-back's TIME in ns (at
// least 1). A record of version 1 (no begun line) is read as well and written as 2. A record that
// is missing, damaged or another's reads as empty: every marker is then someone else's (the safe
// side) and note() says why. One that is there but could not be read (damaged, another
// repository's, a newer format, a read error) is never written over: Save() and Writable()
// refuse, so that its entries (repair's hides among them) are not lost to the next removal.
//
// When the record was begun bounds adoption: every marker stormproof placed since is in it, so a
// marker newer than that and not in it is not stormproof's (unless a removal was interrupted
// between its DELETE and the record's save: a crash, a full disk), and may be adopted only by
// name and forced (prune --adopt-hidden-force).
//
// Not thread-safe: the S3 backend reads, changes and saves one under its own mutex.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_MARKER_RECORD_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_MARKER_RECORD_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "engine/s3/internal/record_file.h"

namespace stormproof::s3::internal {

// The file under a record folder that holds the markers of the repository `repository_id`
// (hex): "delete-markers-<its first 16 digits>", so that a config rewritten with another id
// (a host holding the password can) finds a new, empty record and leaves this one alone.
std::string MarkerRecordName(std::string_view repository_id);

struct RecordedMarker {
  enum class Kind { kRemoved, kHiddenByRepair };
  Kind kind = Kind::kRemoved;
  int64_t repair_as_of_ns = 0;  // kHiddenByRepair: the roll-back's TIME
};

class MarkerRecord {
 public:
  // Reads the record at `path`. `lock`: the RecordFileLock on the same path, which the caller
  // holds while it changes and saves this record; when it is not held (lock.status()),
  // Writable() refuses with its error. Never fails: see note().
  MarkerRecord(std::string path, RecordBinding binding, const RecordFileLock& lock);

  // How the marker `version_id` on `key` was recorded; nothing when it was not.
  std::optional<RecordedMarker> Find(std::string_view key, std::string_view version_id) const;
  // Records the marker (replacing what was recorded of it).
  void Add(std::string_view key, std::string_view version_id, const RecordedMarker& marker);
  // Forgets every marker but those in `present` (key, version id): the ones still in the bucket.
  void KeepOnly(const std::vector<std::pair<std::string, std::string>>& present);
  // Replaces the file with the record. Errors: Writable()'s; kIo naming the file.
  Status Save() const;
  // Whether Save may replace the file: not when its lock is not held (the lock's error: a
  // folder or file of another user, a lock that cannot be taken), nor when a file was there that
  // could not be read (kFailedCheck naming it and what to do: look at it, then move it aside or
  // restore it).
  Status Writable() const;

  // When the record was begun, ns since the epoch by this machine's clock: as written in it
  // (its first save); for a record of version 1, the last change of its lock file (made just
  // before the record's first save and never written since; when there is none, now), kept from
  // its next save on; for a record not there or not read, when it was loaded.
  int64_t begun_ns() const { return begun_ns_; }

  // Why the record was empty when loaded ("" when it was read): one line naming the file.
  const std::string& note() const { return note_; }
  size_t size() const { return markers_.size(); }

 private:
  std::string path_;
  RecordBinding binding_;
  std::map<RecordHash, int64_t> markers_;  // hash -> value (record_file.h)
  std::string note_;
  bool unreadable_ = false;  // a file was there and could not be read
  int64_t begun_ns_ = 0;
  Status locked_;  // the lock's status when loaded
};

// The record of the repository `repository_id` kept in `folder` (MarkerRecordName), bound to
// it, `location` and `root`, read while holding its RecordFileLock, which this holds until it is
// destroyed (the S3 backend and `repair --as-of` open it so). Not thread-safe, as MarkerRecord.
struct LockedMarkerRecord {
  LockedMarkerRecord(const std::string& folder, const std::string& repository_id,
                     const std::string& location, const std::string& root);
  LockedMarkerRecord(const LockedMarkerRecord&) = delete;
  LockedMarkerRecord& operator=(const LockedMarkerRecord&) = delete;

  const std::string path;  // folder + "/" + MarkerRecordName(repository_id)
  const RecordFileLock lock;
  MarkerRecord record;
};

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_MARKER_RECORD_H_
