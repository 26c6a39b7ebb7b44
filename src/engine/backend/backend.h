// backend: where repository files live. The repository only ever sees this interface, so a
// local directory (the embedded default), an in-memory store for tests and, later, S3-compatible
// object storage are interchangeable. Every implementation passes the conformance suite in
// tests/engine/backend/backend_conformance.h.
//
// Files are immutable once saved (content-addressed names), except locks, which are removed.
// Save() is atomic and durable: after it returns, the whole file is there and survives a crash;
// after a crash during Save(), the file is either absent or complete, never partial.
// Implementations are thread-safe. Reading (Load, Size, ModifiedNs, List) is const, so a
// `const Backend&` can read every file and change none (what a read-only repository hands out).
#ifndef STORMPROOF_ENGINE_BACKEND_BACKEND_H_
#define STORMPROOF_ENGINE_BACKEND_BACKEND_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stormproof::backend {

// kEvidence: catalog records a host wrote beside its backups (docs/catalog.md, "Many hosts, one
// catalog"); its directory may be absent in repositories made before it existed (List: none).
enum class FileType { kConfig, kKey, kLock, kSnapshot, kIndex, kPack, kEvidence };
// "config", "key", "lock", "snapshot", "index", "pack", "evidence"
const char* FileTypeName(FileType type);

struct Handle {
  FileType type = FileType::kConfig;
  std::string name;  // ignored for kConfig; otherwise [0-9a-f]{64} or another safe file name
  // A hint for a caching backend (engine/cache/cache.h), ignored by every other: this pack holds
  // tree blobs, so a cache may keep all of it and serve later reads of any range from disk. The
  // repository sets it when it saves a tree pack and when it reads a tree blob or a tree pack's
  // key. Packs of file data never carry it and are never cached.
  bool keep_whole = false;
};

// How long the storage keeps a file undeletable and unchangeable (S3 Object Lock): from the
// moment it is saved until `days` days later, in `mode`. kGovernance: users with the bypass
// permission (s3:BypassGovernanceRetention) may still shorten it or delete the file; kCompliance:
// nobody can, the storage's administrators included, until the date has passed.
struct Retention {
  enum class Mode { kGovernance, kCompliance };
  Mode mode = Mode::kGovernance;
  int days = 0;  // >= 1
};
// "governance", "compliance" (the CLI's --object-lock-mode, the config's object_lock.mode).
const char* RetentionModeWord(Retention::Mode mode);
// E, the extension period (docs/repository-format.md, "Object Lock"): a file is saved, and its
// retention extended, to `days` + E days from the storage's now, so maintenance needs to extend
// only files saved more than E days ago. E = max(1, days / 4) days.
int RetentionSpareDays(const Retention& retention);
// The Mode `word` names, in any case; nothing for another word.
std::optional<Retention::Mode> ParseRetentionMode(std::string_view word);

class Backend {
 public:
  virtual ~Backend() = default;

  // Stores `data` under `handle` atomically and durably. Errors: kIo (full disk: the message
  // says so), kInvalidArgument for a bad name. Saving an existing name replaces the file, except
  // for kConfig, which is written once (kInvalidArgument "already exists"). Pack names must start
  // with two lower-case hex digits (they choose the data/xx/ folder).
  virtual Status Save(const Handle& handle, ByteView data) = 0;
  // Reads `length` bytes from `offset` (length 0: to the end). Errors: kNotFound; kIo, including
  // a file shorter than offset + length ("truncated").
  virtual Result<Bytes> Load(const Handle& handle, uint64_t offset = 0,
                             uint64_t length = 0) const = 0;
  virtual Result<uint64_t> Size(const Handle& handle) const = 0;
  // When the file was last written, in nanoseconds since the Unix epoch by the storage's own
  // clock (a local file system's mtime, an object store's Last-Modified), never by a writer's.
  // Locks and prune's grace period compare such times with each other only, so hosts whose
  // clocks disagree still agree on ages. Errors: kNotFound; kIo.
  virtual Result<int64_t> ModifiedNs(const Handle& handle) const = 0;
  // Removing a missing file succeeds. With a retention (SetRetention), S3 refuses a file other
  // than a lock when no record place is set (SetRecordPlace; kInvalidArgument): its delete
  // marker could not be recorded as stormproof's own.
  virtual Status Remove(const Handle& handle) = 0;
  // Calls `each` for every file of `type`, in no particular order.
  virtual Status List(FileType type,
                      const std::function<void(const std::string& name, uint64_t size)>& each)
      const = 0;
  // Removes the temporary files that interrupted Saves of `type` left behind (a kill or power
  // cut between creating and renaming), when older than `min_age`, and adds their number and
  // size to `stats`. Only safe while no writer of `type` runs: the pruner calls it under the
  // exclusive lock. Default: a backend without temporary files has nothing to remove.
  struct TemporaryFiles {
    uint64_t files = 0, bytes = 0;
  };
  virtual Status RemoveStaleTemporaries(FileType type, std::chrono::seconds min_age,
                                        TemporaryFiles* stats) {
    (void)type, (void)min_age, (void)stats;
    return Ok();
  }
  // How many Saves are worth running at once: 1 for a local disk (the default); more for object
  // storage, where each request mostly waits on the network. The blob store saves up to this
  // many packs at once (more pack buffers in memory, as many more requests in flight).
  virtual int ParallelSaves() const { return 1; }
  // Human-readable location for messages ("/srv/backup/repo").
  virtual std::string Location() const = 0;
  // Every file saved after this call, except locks (which must stay removable), is stored under
  // `retention`: undeletable and unchangeable until `retention.days` days after it was saved, by
  // the storage's clock. Call it before saving anything (the repository does, in Init and Open);
  // a backend that wraps another forwards it. Errors: kInvalidArgument (one line naming the
  // location) when the storage cannot keep files under retention; the S3 backend's when the
  // bucket has no Object Lock. Default: such storage ("<location>: this storage cannot keep
  // files under retention ...").
  virtual Status SetRetention(const Retention& retention) {
    (void)retention;
    return Error::InvalidArgument(Location() +
                                  ": this storage cannot keep files under retention (Object "
                                  "Lock needs an s3: location on a bucket with Object Lock)");
  }
  // Whether the storage itself can keep files under retention, whatever the repository's config
  // says (S3: the bucket has Object Lock enabled; asked once per backend object, one request;
  // changes nothing). A config that names no retention on such storage was either made so by
  // `init` or rewritten by someone holding the key (Repository::KeepRetention tells which). A
  // backend that wraps another forwards it. Errors: kPermissionDenied when the storage will not
  // tell (S3: credentials without s3:GetBucketObjectLockConfiguration, storage without the
  // call; the message says which): callers that can go on without the answer do (as before it
  // was asked), saying so; other errors are the storage's. Default: false (cannot hold any).
  virtual Result<bool> HoldsRetention() const { return false; }

  // ---- Retention upkeep (maintenance only; nothing to do on storage without retention) ----
  // With a retention (SetRetention), Remove hides a file instead of deleting it: it disappears
  // from List and Load, while the stored version stays, undeletable, until its retention ends
  // (S3: a DELETE without a version id, which puts a delete marker).
  struct RetentionUpkeep {
    uint64_t checked = 0;   // files whose retain-until date was read
    uint64_t extended = 0;  // files whose retention was extended (one request each)
    // Files in use stored more than once with different content: written over after they were
    // written (repositories never do; an attack or a faulty tool). Every stored version of
    // them is kept retained, the original included, and never purged (S3 only).
    uint64_t overwritten = 0;
    // Files hidden by a delete marker this machine has no record of stormproof placing
    // (SetRecordPlace; S3: internal/marker_record.h): an attack, another tool or machine, or a
    // lost record; kept retained like files in use (S3 only).
    uint64_t hidden_by_others = 0;
    // Files `repair --as-of` hid (written after its TIME): kept retained like files in use,
    // never purged, not someone else's (S3 only).
    uint64_t hidden_by_repair = 0;
    // In: record the delete markers counted in hidden_by_others that `may_adopt` accepts as
    // stormproof's own removals (prune --adopt-hidden-before, after a lost record), so that they
    // count as removed and are purged once their retention ends; each adopted file in `adopted`
    // (with dry_run: what would be), each other in `not_adopted` (still counted in
    // hidden_by_others). Needs a record place (SetRecordPlace), else kInvalidArgument (S3 only).
    bool adopt_hidden = false;
    // Whether a hidden file (its name relative to the repository; when its marker was placed,
    // by the storage's clock) may be adopted; unset: none.
    std::function<bool(const std::string& name, int64_t hidden_ns)> may_adopt = {};
    struct HiddenFile {
      std::string name;        // relative to the repository: "snapshots/<id>", "data/ab/<id>"
      int64_t hidden_ns = 0;   // when its delete marker was placed, by the storage's clock
    };
    std::vector<HiddenFile> adopted = {};
    std::vector<HiddenFile> not_adopted = {};
    // Out: when this machine's record of stormproof's delete markers was begun (by this
    // machine's clock; S3: internal/marker_record.h); 0 without one. A marker newer than that
    // and not in it is not stormproof's: never adopted (it goes to not_adopted, whatever
    // may_adopt says) unless adopt_after_record_begun (prune --adopt-hidden-force).
    int64_t record_begun_ns = 0;
    bool adopt_after_record_begun = false;
    // In: record the files `repair --as-of` hid (hidden_by_repair) as stormproof's removals
    // instead (prune --release-repair-hidden, once no later roll-back needs them back), so that
    // they are purged once their retention ends; each in `released` (with dry_run: what would
    // be). Needs a record place, as adopt_hidden does (S3 only).
    bool release_repair_hidden = false;
    std::vector<HiddenFile> released = {};
    // Stored versions of files in use with no retention at all: stormproof writes every file
    // with one, so someone else stored them (an attacker's overwrite, another tool). Never given
    // one (that would keep someone else's garbage, and its bill, for good); the first's key in
    // `first_unretained` (S3 only). Counted here (a sign of attack) only the versions that
    // matter now: a file's current content, or any version of a file overwritten now
    // (s3/internal/stored_content.h).
    uint64_t unretained = 0;
    std::string first_unretained = {};
    // The other such versions, left after a roll-back: an older version of a file `repair
    // --as-of` restored (the attacker's, kept beside the good content as evidence), or of a file
    // it hid. A note, not a sign of attack; never given a retention either (S3 only).
    uint64_t unretained_restored = 0;
    // Versions whose retention these credentials were refused to read or extend (an object
    // uploaded by another user without bucket-owner-full-control): the others are kept up all
    // the same, then ExtendRetention fails naming how many and the first (S3 only).
    uint64_t refused = 0;
    // In: count in `extended` what would be extended, and change nothing (prune --dry-run).
    bool dry_run = false;
    // The record of earlier upkeep (S3: the retain-until date each object version was last
    // given or seen to have), so that a file is read again only when its recorded date comes
    // within `days` (docs/repository-format.md, "Retention and maintenance").
    // In: a private folder on this machine for it, never in the repository ("" = keep none:
    // every retention is read); the caching backend (engine/cache) gives its own.
    std::string record_folder = {};
    // In: the repository's id (hex), which the record is bound to ("" = keep none); the
    // repository sets it.
    std::string repository_id = {};
    // Files not asked about because the record shows them retained long enough.
    uint64_t retained_as_recorded = 0;
    // Why the record was not used or not written, one line naming it ("" = it was, or none is
    // kept): missing (a first run), damaged, another repository's; never an error.
    std::string record_note = {};
  };
  // Where this machine keeps its records of the repository (S3 with Object Lock: the delete
  // markers stormproof placed, so that prune purges only its own; docs/repository-format.md,
  // "Retention and maintenance"). The repository calls it when it opens, with its id; a backend
  // that wraps another forwards it, the caching backend (engine/cache) filling in its private
  // folder; an empty field keeps what an earlier call set. Default: nothing is kept.
  struct RecordPlace {
    std::string folder = {};         // private to this machine, never in the repository
    std::string repository_id = {};  // hex; the records are bound to it
    // Why `folder` is "" although a cache is used, for messages: "no state folder to keep it
    // in: neither XDG_STATE_HOME ... nor HOME is set"; "" = no cache (--no-cache).
    std::string none_because = {};
  };
  virtual void SetRecordPlace(const RecordPlace& place) { (void)place; }
  // Makes every file of `type` there now retained at least `days` days (SetRetention's) from
  // the storage's now: a file retained for less gets `days` + RetentionSpareDays() from now.
  // Files saved less than RetentionSpareDays() ago need nothing and are not asked about. Never
  // shortens a retention. Adds to `stats`. Default: Ok (nothing is retained).
  // Before SetRetention, a dry run of kConfig on storage that holds retention (HoldsRetention)
  // still counts the config in `overwritten` when it is stored more than once with different
  // content (S3: one version listing of `config`, no retention read): whether a config naming
  // no retention was rewritten since init. Every other call before SetRetention does nothing
  // (S3: a bucket without Object Lock, or one that will not tell, lists no version).
  virtual Status ExtendRetention(FileType type, RetentionUpkeep* stats) {
    (void)type, (void)stats;
    return Ok();
  }
  struct HiddenVersions {
    uint64_t purged_files = 0, purged_bytes = 0;      // deleted for good by this call
    uint64_t retained_files = 0, retained_bytes = 0;  // hidden, still under retention
    int64_t earliest_release_ns = 0;  // when the first retained one can go; 0: none retained
    // Files hidden by a delete marker this machine has no record of stormproof placing
    // (SetRecordPlace): an attack, another tool or machine, a lost record. Their versions are kept
    // retained, never purged (S3 only).
    uint64_t foreign_markers = 0;
  };
  // Deletes for good every file version Remove hid whose retention has ended by the storage's
  // clock, and the delete markers that then hide nothing; never asks to delete a version still
  // retained, nor an older version of a file a Save replaced. Counts the rest in `stats`. Only under the exclusive
  // lock (the pruner calls it). Default: Ok (Remove deleted everything already).
  virtual Status PurgeExpiredVersions(HiddenVersions* stats) {
    (void)stats;
    return Ok();
  }
};

// A repository directory. Create: the directory must be absent or empty (else kInvalidArgument,
// "not empty"); creates the layout. Open: the directory must exist (kNotFound otherwise).
Result<std::unique_ptr<Backend>> CreateLocalBackend(const std::string& path);
Result<std::unique_ptr<Backend>> OpenLocalBackend(const std::string& path);

// Everything in memory; for tests. Thread-safe. `clock` stamps every saved file (ModifiedNs):
// the system clock by default; simulations pass one they control.
std::unique_ptr<Backend> NewMemoryBackend(std::function<int64_t()> clock = {});
// The same, keeping files under retention as S3 Object Lock does once SetRetention was called:
// each saved file is retained until `clock` passes its date; Remove hides the version, which
// PurgeExpiredVersions deletes once its retention ended (a Save over a file drops the old one). For
// simulations of maintenance on locked storage. RetainedUntilNsForTesting: the latest
// retain-until date of any stored version of the file, current or hidden (0: none retained;
// kNotFound: no version stored, e.g. purged).
std::unique_ptr<Backend> NewRetainingMemoryBackend(std::function<int64_t()> clock = {});
Result<int64_t> RetainedUntilNsForTesting(const Backend& retaining_memory_backend,
                                          const Handle& handle);

}  // namespace stormproof::backend

#endif  // STORMPROOF_ENGINE_BACKEND_BACKEND_H_
