// RetentionRecord: what retention upkeep (retention_upkeep.h) last knew of the retain-until date
// of each object version under one prefix, kept on the maintenance host's own disk, so that a
// later run reads a retention (GetObjectRetention) only once the recorded date comes within
// reach of the date the run needs: each object then costs a read and an extension about once
// every E days instead of a read on every run (docs/repository-format.md, "Retention and
// maintenance").
//
// Why it cannot make a kept snapshot's data deletable:
//  - it is keyed by key AND version id: a version someone wrote since (an overwrite) is not in
//    it, so it is read;
//  - a date is recorded only as the server answered it (GetObjectRetention, also the read-back
//    after a PutObjectRetention, below), and a retention is never shortened: COMPLIANCE cannot
//    be, GOVERNANCE only with the bypass permission, which may delete the version outright
//    anyway;
//  - it lives in the maintenance host's private cache folder (mode 700), never in the bucket,
//    where the backup hosts' credentials could write;
//  - it is bound to the repository id, the location and the prefix, and ends in a SHA-256 of
//    its bytes: a record of another repository or place, a damaged or truncated one, or one that
//    cannot be read counts as empty (every retention is read again, and note() says why); it is
//    never an error.
//
// The file: internal/record_file.h, magic "stormproof retention record 1", one entry per version:
// its retain-until date in ns since the epoch. At most kMaxRecordEntries entries (24 bytes each:
// 24 MB for a million objects); beyond them, the versions with the earliest dates are left out
// (and read on every run).
//
// A date is noted only once the server showed it: the date GetObjectRetention answered, or,
// after a PutObjectRetention, the date a second GetObjectRetention reads back (one more request
// per extension, about once every E days per object, none on the runs between: a server that
// answered success and kept the old date would otherwise be trusted for E days, in which the
// old date may pass; the 1-request second run of s3_retention_test is unchanged).
//
// Thread-safe: Note may be called from several threads at once.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_RETENTION_RECORD_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_RETENTION_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/result.h"
#include "engine/s3/internal/record_file.h"

namespace stormproof::s3::internal {

class RetentionRecord {
 public:
  // Reads the record at `path`. Never fails: a missing, unreadable, damaged, oversized or
  // foreign file gives an empty record, with why in note().
  RetentionRecord(std::string path, RecordBinding binding);
  RetentionRecord(const RetentionRecord&) = delete;
  RetentionRecord& operator=(const RetentionRecord&) = delete;

  // The retain-until date recorded for `key`'s version `version_id` (ns); 0 when none.
  int64_t RecordedUntilNs(std::string_view key, std::string_view version_id) const;
  // That `key`'s version `version_id` is retained until at least `until_ns`, for Save. Only what
  // is noted is saved: versions no longer there are forgotten.
  void Note(std::string_view key, std::string_view version_id, int64_t until_ns);
  // Replaces the file with what Note recorded (creating its folder, mode 700, when missing).
  // Errors: kIo naming the file.
  Status Save() const;

  // Why the record was empty when loaded ("" when it was read): one line naming the file.
  const std::string& note() const { return note_; }
  size_t loaded() const { return loaded_.size(); }

 private:
  std::string path_;
  RecordBinding binding_;
  std::vector<RecordEntry> loaded_;  // value: retain-until (ns); sorted by hash
  std::string note_;
  mutable Mutex mutex_;
  std::vector<RecordEntry> noted_ GUARDED_BY(mutex_);
};

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_RETENTION_RECORD_H_
