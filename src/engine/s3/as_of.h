// The way back after an attack (`stormproof repair --as-of TIME`, docs/object-storage.md, "After
// an attack"): puts a repository in a versioned bucket back as it was at a moment, from the
// object versions the bucket kept (S3 Object Lock keeps every version for its retention; plain
// versioning keeps them until someone with the right to delete versions removes them).
//
// For every file of the repository (config, keys/, snapshots/, index/, data/, evidence/; never
// locks/ or the immutability proof's canary/), the version current at TIME is the newest entry of
// the version listing whose Last-Modified is at or before TIME:
//   - that version is current now: nothing to do;
//   - another version (written later: garbage, an overwrite) or a delete marker is current: the
//     version of TIME is copied onto the file on the server (CopyObject with
//     x-amz-copy-source=...?versionId=V), which makes it the newest version again, retained as the
//     repository's config asks; its bytes never travel through this machine;
//   - the file did not exist at TIME (written after it, or hidden by a delete marker by then):
//     it is hidden behind a new delete marker.
// Nothing is ever deleted: every version the attacker wrote stays as evidence, and every
// version hidden (also good snapshots written after TIME) can be brought back by a later
// roll-back to a later moment, for as long as the bucket keeps it (prune keeps what the
// roll-back hid: RollBack::RecordHidingIn).
//
// Plain functions over fresh objects: thread-safe.
#ifndef STORMPROOF_ENGINE_S3_AS_OF_H_
#define STORMPROOF_ENGINE_S3_AS_OF_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "engine/backend/backend.h"
#include "engine/s3/s3.h"

namespace stormproof::s3 {

namespace internal {
class Client;
}  // namespace internal

// One entry of a file's version listing: a version or a delete marker.
struct StoredVersion {
  std::string version_id;
  bool delete_marker = false;
  int64_t modified_ns = 0;  // Last-Modified, by the server's clock
  uint64_t size = 0;        // 0 for a delete marker
};

// What rolling one file back to a moment does.
struct RollBackStep {
  enum class Action {
    kNothing,  // the file is now as it was then (present with that version, or absent)
    kRestore,  // make `version_id` current again (a server-side copy)
    kHide,     // the file did not exist then: put a delete marker on it
  };
  Action action = Action::kNothing;
  std::string version_id = {};      // kRestore: the version current at the moment
  int64_t version_modified_ns = 0;  // kRestore: its Last-Modified
};
// "nothing", "restore", "hide".
const char* RollBackActionWord(RollBackStep::Action action);

// The step for one file whose listing is `newest_first` (newest entry first, as
// ListObjectVersions gives it: the first is current), to be as it was at `as_of_ns`.
RollBackStep DecideRollBack(const std::vector<StoredVersion>& newest_first, int64_t as_of_ns);

// A file the roll-back changes.
struct RollBackChange {
  std::string name;  // relative to the repository: "snapshots/<id>", "data/ab/<id>", "config"
  RollBackStep step;
  StoredVersion current;  // what is current now (a delete marker: the file is deleted)
};

// A lock file that a running stormproof may hold: not empty, and written less than 30 minutes
// before the listing by the server's clock (repository::kStaleAfter).
struct LiveLock {
  std::string name;  // "locks/<id>"
  int64_t modified_ns = 0;
};

// What a roll-back would do, from one listing of every version under the repository's prefix.
struct RollBackPlan {
  std::string location;  // "s3:https://host/bucket/prefix"
  int64_t as_of_ns = 0;
  int64_t listed_at_ns = 0;  // the server's clock at the listing
  int files = 0;             // repository files with at least one version or delete marker
  int unchanged = 0;         // files that need nothing
  std::vector<RollBackChange> changes;  // in name order
  // The config's version at the moment (RollBack::ReadVersion reads it: the retention the
  // roll-back's copies need); "" when there was no config then (no repository at that moment).
  std::string config_version;
  std::vector<LiveLock> live_locks;
  int64_t versions_listed = 0;  // entries of the version listing (versions and delete markers)
  // Objects present now under the prefix whose names stormproof never writes (a stray or
  // hostile key such as "data/../config"): left alone, never restored, hidden or deleted.
  int foreign = 0;
  std::string first_foreign = {};  // the first of them by name, for the output

  int restores() const;
  int hides() const;
};

struct RollBackProgress {
  int done = 0;   // changes made so far
  int total = 0;  // changes to make
};
using RollBackProgressFn = std::function<void(const RollBackProgress&)>;

// A change the server refused: its file and the error (one line).
struct FailedChange {
  std::string name;
  std::string error;
};

struct RollBackOutcome {
  int restored = 0;  // versions made current again (server-side copies)
  int hidden = 0;    // delete markers put
  // Copies the server refused (a server without CopyObject of a version), done instead by
  // downloading the version and uploading it again.
  int copied_through_here = 0;
  std::vector<FailedChange> failed = {};  // changes that failed, by name
  // Why the roll-back stopped before making every change: its lock was lost (RollBackLock::Held's
  // message); "" when it did not stop.
  std::string lock_lost = {};
  int not_made = 0;  // changes not tried because it stopped
  // Hides recorded as `repair --as-of`'s in this machine's record of stormproof's delete
  // markers (RollBack::RecordHidingIn), and why the hides were not recorded ("" = they were).
  int hidden_recorded = 0;
  std::string record_error = {};
  // The file the hides were recorded in (or would have been): prune keeps them only where it
  // reads that file (this machine, this user's state folder).
  std::string record_path = {};
};

// How the roll-back's lock file is kept (RollBack::HoldLock), as a repository lock is
// (engine/repository/lock.h, "Hold"): it is written anew under a new name every
// `refresh_interval` and the old file removed, but only while the old file is still there and
// the last good refresh is younger than 20 minutes (repository::kLockLostAfter; others judge a
// lock stale at 30 by the server's clock); otherwise the lock is lost for good and never
// revived. After a failed refresh the next try comes within 30 seconds.
struct RollBackLockTiming {
  std::chrono::milliseconds refresh_interval = std::chrono::minutes(5);
  // The holder's clock, which counts a suspension of the machine; CLOCK_BOOTTIME when empty.
  // Tests move it.
  std::function<int64_t()> elapsed_ns = {};
};

// The lock file a roll-back holds while it applies (RollBack::HoldLock), refreshed from a
// background thread until it is released or destroyed. REQUIRES: the RollBack that made it
// outlives it. Thread-safe.
class RollBackLock {
 public:
  virtual ~RollBackLock() = default;  // stops refreshing and removes the file (errors ignored)
  // Ok while the lock is held; once it is lost, kLocked "<location>: the roll-back's lock was
  // lost (<why>)" for good. Sends no request.
  virtual Status Held() = 0;
  // The lock file's current name ("locks/<64 hex digits>"); it changes at each refresh.
  virtual std::string name() const = 0;
  // Stops refreshing and removes the file (a delete marker; locks carry no retention).
  // Errors: the delete's.
  virtual Status Release() = 0;
};

// Rolls the repository at Options::location back to a moment, with Options::credentials (the
// maintenance credentials: s3:ListBucketVersions, s3:GetObjectVersion, s3:PutObject,
// s3:DeleteObject; s3:GetBucketVersioning). Options::retention is not used (Apply takes the
// repository's). Thread-safe: its methods may be called from many threads at once.
class RollBack {
 public:
  explicit RollBack(Options options);
  ~RollBack();

  // Lists every version under the repository's prefix and decides each file's step. Sends the
  // bucket's versioning status request, then the version listing (one request per 1,000
  // entries). Errors: kInvalidArgument "<location>: bucket 'B' keeps no object versions ...:
  // there is nothing to roll back to" for a bucket whose versioning was never enabled; the
  // request's errors otherwise (kPermissionDenied: the credentials need s3:ListBucketVersions).
  Result<RollBackPlan> Plan(int64_t as_of_ns) const;

  // The lock files under the repository's prefix that look live now (LiveLock): one listing of
  // locks/ only, for a roll-back to decide on before it writes its own lock and plans.
  Result<std::vector<LiveLock>> ListLiveLocks() const;

  // The bytes of `name`'s (relative to the repository) version `version_id`.
  Result<Bytes> ReadVersion(const std::string& name, const std::string& version_id) const;

  // Records the delete markers Apply places to hide files (not locks) as hidden by this
  // roll-back, in the record of stormproof's delete markers kept in `place` (the repository's
  // state folder and id: Backend::SetRecordPlace, cache::MarkerRecordFolder;
  // docs/repository-format.md, "Retention and maintenance"): prune then never purges them and keeps their versions retained, so that a
  // later roll-back can still bring them back. Without it they are not recorded, and prune
  // counts them as hidden by someone else (RollBackOutcome::record_error says so).
  void RecordHidingIn(const backend::Backend::RecordPlace& place);

  // Makes every change of `plan`, up to 8 at once. Restored versions are stored under
  // `retention` when given (the repository config's, as a backup stores a file: the server's
  // now + days + backend::RetentionSpareDays), else without lock headers. A change that fails
  // is recorded in RollBackOutcome::failed and the others are still made: planning and
  // applying again retries what is left (a file already restored is then copied once more,
  // which is harmless). With `lock` (HoldLock's), no change starts once the lock is lost: the
  // roll-back stops, with RollBackOutcome::lock_lost and not_made set. Refused before any change
  // (kFailedCheck) when the plan hides files and the record of RecordHidingIn is there but
  // cannot be read: it is never written over (internal/marker_record.h).
  Result<RollBackOutcome> Apply(const RollBackPlan& plan,
                                const std::optional<backend::Retention>& retention,
                                const RollBackProgressFn& progress = {},
                                RollBackLock* lock = nullptr) const;

  // While the roll-back applies, no backup or maintenance may write: the repository's own
  // exclusive lock cannot be taken, since it needs the config and keys that may be the very
  // files the attack replaced. Instead this writes a lock file of its own,
  // locks/<64 random hex digits> holding a plain-text line — every stormproof reads such a file
  // as an unreadable lock and waits or refuses until it is removed or 30 minutes old — and then
  // lists the locks again, so that a process that wrote its lock after the planning's listing
  // is seen (one that writes later sees ours). Returns the lock, refreshed as `timing` says
  // until released; kLocked naming a lock that looks live other than `ignored` (the ones
  // --force hides), after removing its own.
  Result<std::unique_ptr<RollBackLock>> HoldLock(const std::vector<LiveLock>& ignored,
                                                 RollBackLockTiming timing = {}) const;

 private:
  // Records `markers` (key, marker version id) as hidden by a roll-back to `as_of_ns`.
  void RecordHides(const std::vector<std::pair<std::string, std::string>>& markers,
                   int64_t as_of_ns, RollBackOutcome* outcome) const;
  // Whether RecordHides could save the record: not when a record file is there that cannot be
  // read (MarkerRecord::Writable's kFailedCheck); Ok without a record place.
  Status HidesRecordable() const;

  std::string root_;  // the prefix and '/', or ""
  std::unique_ptr<internal::Client> client_;
  backend::Backend::RecordPlace record_place_;
};

}  // namespace stormproof::s3

#endif  // STORMPROOF_ENGINE_S3_AS_OF_H_
