// repository: the deduplicated, compressed, encrypted store of blobs and snapshots.
//
// A repository holds blobs (file chunks and directory trees), each compressed with zstd (skipped
// when it does not shrink), sealed with AES-256-GCM and grouped into pack files of up to 8 MiB;
// index files map blob id -> pack, offset, length and can be rebuilt from the packs alone;
// snapshot files name a root tree. The on-disk format is docs/repository-format.md.
//
// Crash safety by construction: a pack is saved (atomically, durably) before any index that
// names it, and an index before any snapshot that needs it, so a crash at any instant leaves at
// worst unreferenced packs, which prune removes.
//
// A Repository is thread-safe: several threads may SaveBlob/LoadBlob at once.
//
// Who may write is said by types (rocksdb's BackupEngineReadOnlyBase / AppendOnlyBase):
//  - `const Repository&` is the read-only view: files, index, snapshots and blobs can be read
//    (backend() is a `const Backend&`), nothing can be changed. check, drill, restore, ls, diff,
//    stats and snapshots need no more.
//  - `Repository&` adds the writer path: SaveBlob, Flush and SaveSnapshot only add files (new
//    packs, index files, snapshots), and RemoveSnapshot removes a snapshot file but never data.
//    Backup and forget use it under a shared lock (AcquireLock).
//  - repository::Maintenance (maintenance.h) owns every removal of data and every rewrite of
//    the index (prune, repair). It exists only while it holds the exclusive lock.
#ifndef STORMPROOF_ENGINE_REPOSITORY_REPOSITORY_H_
#define STORMPROOF_ENGINE_REPOSITORY_REPOSITORY_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/chunker/chunker.h"
#include "core/bytes.h"
#include "core/mutex.h"
#include "core/result.h"
#include "engine/crypto/crypto.h"
#include "engine/repository/marks.h"
#include "engine/repository/signals.h"

namespace stormproof::repository {

using crypto::Id;

// The newest repository format this build reads: 1, and 2 for a repository under Object Lock
// (its config records the retention; docs/repository-format.md).
constexpr int kFormatVersion = 2;

enum class BlobType : uint8_t { kData = 0, kTree = 1 };

// Where a blob is stored.
struct BlobLocation {
  Id pack;
  uint32_t offset = 0;      // of the sealed blob within the pack
  uint32_t length = 0;      // sealed length
  uint32_t raw_length = 0;  // plaintext length before compression
  BlobType type = BlobType::kData;
};

// What SaveBlob learnt about a blob from the work it does anyway (no extra compression or lookup):
// whether it stored the blob now and the size of its compressed payload, whose ratio to the
// plaintext length is the blob's compressibility (ransomware detection, issue 16).
struct BlobSaveInfo {
  bool added = false;  // stored now; false: already stored, or being stored by another call
  // The payload's size without its marker byte and sealing overhead: the zstd frame, or the
  // plaintext length when kept raw (zstd saved too little). 0 = unknown: the blob is in flight
  // in a pack not yet saved (another call is storing it). Never 0 for a known non-empty blob.
  uint32_t stored_payload = 0;
};

struct SnapshotSummary {
  uint64_t files_new = 0, files_changed = 0, files_unmodified = 0, dirs = 0;
  uint64_t bytes_processed = 0;  // bytes of file content read or skipped as unchanged
  uint64_t bytes_added = 0;      // bytes newly stored (sealed, compressed)
  uint64_t data_blobs_added = 0, tree_blobs_added = 0;
  double seconds = 0;
};

struct Snapshot {
  Id id;                // set when loaded or saved
  int64_t time_ns = 0;  // start of the backup, Unix epoch
  std::string hostname, username;
  std::vector<std::string> paths;  // as given on the command line, made absolute
  std::map<std::string, std::string> tags;
  Id tree;  // root tree
  std::optional<Id> parent;
  std::vector<std::string> skipped;  // "path: reason" for entries that could not be read
  SnapshotSummary summary;
  std::string program_version;
  // Set by `repair snapshots` on the snapshot it writes: the snapshot it was repaired from, and
  // "path: reason" for every entry removed (or directory emptied) because its data was lost.
  std::optional<Id> repaired_from;
  std::vector<std::string> lost;
  // Set by `copy` (engine/copier) on a copied snapshot: where it came from. A destination holds
  // at most one copy of a source snapshot; the copy keeps the source's time, host and paths.
  struct CopyOrigin {
    Id repository;  // the source repository's id
    Id snapshot;    // the snapshot's id in the source repository
  };
  std::optional<CopyOrigin> copied_from = {};
  // Ransomware signals gathered while backing up (or scanning) and the verdict judged from them
  // (signals.h); unset in snapshots taken without detection or before it existed.
  std::optional<SnapshotSignals> signals = {};
  std::optional<Verdict> verdict = {};
};

// The one order of snapshots in time: by time, and snapshots of the same time by id. Whatever
// asks which of two snapshots is newer uses it (LoadSnapshots' order, retention's newest, the
// clean points holds keep, the newest clean restore point), so that two snapshots of the same
// time are never taken in opposite orders. True when `a` is older than `b`.
inline bool OlderThan(const Snapshot& a, const Snapshot& b) {
  return std::tie(a.time_ns, a.id) < std::tie(b.time_ns, b.id);
}

struct KeyInfo {
  std::string name;  // the key file's name
  std::string hostname, username;
  int64_t created_ns = 0;
  bool current = false;  // the key this Repository was opened with
};

// Whether reading a blob recomputes its id from the plaintext. A blob is sealed with AES-256-GCM
// under its pack's key with its type and id as associated data, so a blob that opens is the one
// stored under that id by a holder of the master key; re-hashing (HMAC-SHA256 over the whole
// plaintext) additionally catches a blob that was wrong before it was sealed (a writer bug or a
// memory error between hashing and sealing). check --read-data and restore --verify re-hash;
// restore itself and other readers may skip it (docs/repository-format.md, "Verification").
// A blob the index locates more than once is always re-hashed: a copy sealed by another holder of
// the key (a forged one) opens too, and only the hash tells the genuine copy.
enum class IdCheck { kRehash, kSkip };

// Whether LoadBlobRun tries a blob's other locations when its copy in the run fails: kTried
// (reading, restore) or kNotTried (verifying that one copy: prune).
enum class OtherCopies { kTried, kNotTried };

// Called by VerifyPack once per blob the pack's header lists: `error` is null when the blob
// verified, else says what is wrong with it (naming the blob and the pack).
using VerifiedBlobFn =
    std::function<void(const Id& id, const BlobLocation& location, const Error* error)>;

class Lock;
struct LockEnvironment;  // lock.h
struct ConfigFile;       // config.h
struct IndexedPack;      // index.h
struct IndexListing;     // index_files.h

// An index or snapshot file that could not be read, and why (one line).
struct DamagedFile {
  std::string name;    // the file's name within its directory (index/ or snapshots/)
  std::string reason;  // the error, e.g. "content does not match its name (damaged)"
};

// Index locations a load ignored: past BlobIndex::kMaxLocationsPerBlob for their blob.
struct IgnoredLocations {
  size_t locations = 0;
  size_t blobs = 0;  // blobs that lost some
};

// A blob named by its type and id.
struct BlobRef {
  BlobType type = BlobType::kData;
  Id id;
};

class Repository {
 public:
  // Creates a repository in an empty backend, protected by `password`.
  static Result<std::unique_ptr<Repository>> Init(std::unique_ptr<backend::Backend> backend,
                                                  std::string_view password);
  struct InitOptions {
    // Object Lock: every file but locks is written under this retention, now and by every later
    // writer (the config records it, as format version 2). Init first hands it to the backend
    // (Backend::SetRetention), so storage that cannot keep it (a local directory, a bucket
    // without Object Lock) fails Init with the backend's one line before anything is written.
    std::optional<backend::Retention> retention = {};
  };
  static Result<std::unique_ptr<Repository>> Init(std::unique_ptr<backend::Backend> backend,
                                                  std::string_view password,
                                                  const InitOptions& options);
  // Whether `backend` holds a stormproof repository this build can open, judged from its
  // config's public part without a password (so that a wrong directory is named before the user
  // is asked for one). Errors as Open's before it tries any key: kNotFound "not a stormproof
  // repository", or what the location is instead ("L: this is a restic repository, not a
  // stormproof one (use restic, or the plan's kind: restic)", the same for borg, "L: this is an
  // empty directory, ..."); kInvalidArgument (a newer format version); kFailedCheck (a damaged
  // config).
  static Status Probe(backend::Backend& backend);
  // The config's public part as Probe judged it, for Open (OpenOptions::probed), which then does
  // not read the config again: a command that probes before it asks for a password reads the
  // config once (one request on object storage). The config is written once and never changes.
  // Copyable; empty when default-constructed.
  class ProbedConfig {
   public:
    ProbedConfig() = default;

   private:
    friend class Repository;
    std::shared_ptr<const ConfigFile> file_;
  };
  // Probe, keeping what it read. Errors as Probe's.
  static Result<ProbedConfig> ProbeConfig(backend::Backend& backend);

  // When Open reads the index.
  enum class IndexLoad {
    kAtOpen,          // before Open returns (the default)
    kUnderFirstLock,  // by the first AcquireLock, once the lock is held (writers, which lock at
                      // once and must decide on an index read under the lock: the index files are
                      // then listed and read once, not twice). Until then the index is empty and
                      // DamagedIndexFiles() lists nothing.
  };
  struct OpenOptions {
    ProbedConfig probed = {};  // the config ProbeConfig read; empty (the default): Open reads it
    IndexLoad index = IndexLoad::kAtOpen;
  };
  // Opens an existing repository. Errors: kNotFound (no config: "not a stormproof repository",
  // or a restic or borg repository or an empty directory, named as Probe names them),
  // kInvalidArgument (a newer format version), kWrongPassword ("wrong password": no key opens),
  // kCorrupt (the config's secret does not verify).
  // A config that records an Object Lock retention hands it to the backend (SetRetention), so
  // every file written later keeps it. Where that fails (a bucket's copy in a directory), or
  // where the config's mac does not verify (its public part, the retention included, was changed
  // by someone without the master key), the repository opens for reading only: every write but
  // a lock's then fails with that reason (the backend's line; kCorrupt "<location>/config:
  // config mac does not match (altered): nothing is written ...").
  // Index files that cannot be read do not fail Open: the good ones are loaded and the damaged
  // ones listed by DamagedIndexFiles() (their blobs are then unknown until `repair index`).
  static Result<std::unique_ptr<Repository>> Open(std::unique_ptr<backend::Backend> backend,
                                                  std::string_view password,
                                                  const OpenOptions& options);
  static Result<std::unique_ptr<Repository>> Open(std::unique_ptr<backend::Backend> backend,
                                                  std::string_view password) {
    return Open(std::move(backend), password, OpenOptions{});
  }
  ~Repository();

  const Id& id() const { return id_; }
  const chunker::Params& chunker_params() const { return chunker_; }
  // The Object Lock retention the config records (every file but locks is written under it);
  // none for a repository without Object Lock.
  std::optional<backend::Retention> retention() const { return retention_; }
  // Why Open made this repository read-only, if it did (see Open): the config's mac does not
  // verify (kCorrupt "<location>/config: config mac does not match (altered): ..."), or the
  // storage cannot keep the retention the config records. Nothing when it may be written.
  const std::optional<Error>& read_only_reason() const { return read_only_reason_; }
  // The files, read-only: a `const Backend&` has no Save or Remove.
  const backend::Backend& backend() const { return *backend_; }

  // The keyed id of a blob's plaintext.
  Id BlobId(ByteView plaintext) const;

  // Stores a blob under `id` (= BlobId(plaintext)) unless the repository already has it.
  // Returns true when it was stored now. The blob is durable only after Flush(). With `info`,
  // also fills it (BlobSaveInfo), at no extra cost.
  Result<bool> SaveBlob(BlobType type, const Id& id, ByteView plaintext,
                        BlobSaveInfo* info = nullptr);
  bool HasBlob(BlobType type, const Id& id) const;
  // The blob's first location; a blob the index files locate more than once (a second copy, or
  // a damaged or forged one) has others: FindBlobLocations.
  std::optional<BlobLocation> FindBlob(BlobType type, const Id& id) const;
  // Every distinct location of the blob, FindBlob's first; empty when it is not indexed.
  std::vector<BlobLocation> FindBlobLocations(BlobType type, const Id& id) const;
  // FindBlob for a reader that lays the blob out by its length before reading it (restore):
  // when the blob's copies disagree on its length (a damaged or forged copy), the first copy that
  // reads and verifies (chosen by reading them in turn, once per index load: the choice is
  // remembered); the first location when none does (reading it then fails). Thread-safe.
  std::optional<BlobLocation> LocateForRead(BlobType type, const Id& id) const;
  // Reads, verifies (authentication, length and, with IdCheck::kRehash, the id) and decompresses
  // a blob, trying each of its locations in turn until one verifies. Errors (when none does):
  // kNotFound for a blob not in the index; an error of a copy that failed for another reason
  // than damage (the backend's), else kCorrupt (authentication or id check failed), kFailedCheck
  // (malformed) or kNotFound (pack missing), naming the blob and the pack of its first location.
  Result<Bytes> LoadBlob(BlobType type, const Id& id, IdCheck check = IdCheck::kRehash) const;
  // LoadBlob of the copy at `at` only (to verify one copy): errors as LoadBlob's for that copy.
  Result<Bytes> LoadBlobAt(BlobType type, const Id& id, const BlobLocation& at,
                           IdCheck check) const;
  // LoadBlob for blobs of one pack with one read: `blobs` (ids with their FindBlob locations,
  // all in one pack, sorted by offset) are read as the single byte range from the first to the
  // last, then opened one at a time; `each` gets every id with its plaintext or its error, in
  // order. On object storage a run of a pack's blobs then costs one request, not one each.
  // A blob that fails to read or verify there is tried at its other locations (as LoadBlob),
  // unless `other_copies` is kNotTried: then `each` gets that copy's error (as LoadBlobAt's).
  // The caller bounds the range (restore splits a pack's blobs where a gap is large).
  void LoadBlobRun(BlobType type, std::span<const std::pair<Id, BlobLocation>> blobs,
                   IdCheck check, const std::function<void(const Id&, Result<Bytes>)>& each,
                   OtherCopies other_copies = OtherCopies::kTried) const;

  // ---- The writer path (backup, forget): adds files, removes snapshot files only. ----
  // Saves every open pack and an index for all blobs saved since the last Flush.
  Status Flush();

  // How SaveSnapshot seals a snapshot file. kFreshSalt: a random salt, so every save is a new
  // file and id. kSameContentSameFile: the same snapshot always gives the same file and id
  // (SealFileDeterministically): a copy of another repository's snapshot, so that two copies
  // saving it at once write one file, once or twice with the same bytes (on S3 two versions of
  // the same size and ETag: one content, never an overwrite to prune or the proof).
  enum class Sealing { kFreshSalt, kSameContentSameFile };
  // Whether a saved snapshot is whole: Ok when every tree and data blob it references is in the
  // (re-read) index and its pack on the backend; kNotFound, kCorrupt or kFailedCheck naming what
  // is missing or damaged; any other error when it cannot tell. Supplied by the caller (the
  // copier, through the tree walker, which lives above the repository).
  using WholeCheckFn = std::function<Status(const Snapshot& snapshot)>;
  // Saves `snapshot` (its blobs flushed first) while our locks hold; returns its id. When the lock
  // turns out lost meanwhile (a prune may have run, not seeing it, and removed data it needs),
  // the call fails with kLocked and the file is taken back again, except:
  //  - it was there before (kSameContentSameFile: saved by another writer too, so not only ours
  //    to take back): left as it was;
  //  - kSameContentSameFile with `whole` given: another copy of the same snapshot may have saved
  //    the same file after we looked and printed its id, which must restore. A fresh shared lock
  //    is taken (so no prune runs meanwhile; the index is re-read under it) and `whole` asked:
  //    whole, the file is left in place (any later prune lists it first) and the error says so;
  //    not whole, it is taken back. When that cannot be told (the fresh lock is refused, e.g. a
  //    prune holds the repository, or `whole` fails to read), the file is left in place too and
  //    the error says to run 'stormproof check': a withdrawn printed id is a lie nothing can
  //    repair, a snapshot missing data is an inconsistency check reports and repair fixes.
  // Either way the caller must not report the snapshot as its own success.
  Result<Id> SaveSnapshot(Snapshot snapshot, Sealing sealing = Sealing::kFreshSalt,
                          const WholeCheckFn& whole = {});
  // All snapshots, oldest first. A snapshot file that cannot be read is an error naming it.
  Result<std::vector<Snapshot>> LoadSnapshots() const;
  // Tolerant form: the snapshots that can be read, oldest first; every snapshot file that cannot
  // be read (bad name, damaged, undecryptable, malformed) is skipped and appended to `damaged`.
  // Errors only when the snapshot files cannot be listed.
  Result<std::vector<Snapshot>> LoadSnapshots(std::vector<DamagedFile>* damaged) const;
  Result<Snapshot> LoadSnapshot(const Id& id) const;
  // Removes a snapshot file (forget): the data it referenced stays until prune. Safe under a
  // shared lock, since a backup never relies on another snapshot's file.
  Status RemoveSnapshot(const Id& id);
  // Object Lock upkeep (docs/repository-format.md, "Object Lock"; nothing to do on storage
  // without retention): makes the config, keys, snapshots, index files, packs and evidence files
  // there now retained at least the repository's retention days from the storage's now
  // (Backend::ExtendRetention); adds to `stats`. Only lengthens retentions, so it is safe under a
  // shared lock: forget calls it when it runs without prune, prune through Maintenance.
  Status ExtendRetention(backend::Backend::RetentionUpkeep* stats);
  // What ExtendRetention would extend, changing nothing (sets stats->dry_run): prune --dry-run.
  Status CountRetentionDue(backend::Backend::RetentionUpkeep* stats) const;
  // Object Lock upkeep before maintenance takes any lock, and whether or not the config can be
  // trusted (docs/repository-format.md, "Retention upkeep before the lock"): prune runs it
  // first, so that a lock it cannot take, a rewritten config or a refusal never lets the
  // retention of what is there lapse. Only lengthens retentions, like ExtendRetention, so it
  // needs no lock, and it also works on a repository Open made read-only (nothing else is
  // written). The days kept are the most of `trusted` (what the caller knows the repository was
  // created with: the plan's object_lock, prune --object-lock-days) and the config's own when
  // its mac verifies and the storage does not show it rewritten since init (S3: stored more than
  // once with different content, one dry-run look at its versions first); a config whose mac
  // does not verify, or a rewritten one (every backup host holds the key), counts for nothing,
  // neither fewer days nor more, since whoever rewrote it could have lowered them. Where a trusted retention is stronger than the one this
  // Repository writes under, later writes keep the stronger one too (never a weaker one).
  // Nothing to do when neither gives a retention, nor on storage that cannot keep one when the
  // config does not verify (a local directory). Adds to `stats`. Errors: kCorrupt "<location>/
  // config: config mac does not match (altered): the retention upkeep does not take its days
  // from it; ..." (a rewritten one: "<location>/config: rewritten since the repository was
  // created ...: the retention upkeep does not take its days from it; ...") when the config does
  // not count, `trusted` is empty and the storage keeps retention (nothing was changed); the backend's (SetRetention: storage that cannot keep the
  // retention; ExtendRetention's).
  // A config that names no retention is judged too (ConfigRewrittenWithoutRetention): when the
  // storage holds retention and shows it rewritten, it counts for nothing either, and with
  // `trusted` empty: kCorrupt "<location>/config: names no Object Lock retention, but the bucket
  // has Object Lock and the config was rewritten since the repository was created ...: nothing
  // is removed without a retention; give ..." (nothing was changed). With `trusted`, the storage
  // keeps it from then on, and CheckMayDelete lets removals go (each recorded as stormproof's).
  Status KeepRetention(const std::optional<backend::Retention>& trusted,
                       backend::Backend::RetentionUpkeep* stats);
  // Whether the config names no Object Lock retention while the storage holds retention (S3: the
  // bucket has Object Lock: Backend::HoldsRetention) and shows the config rewritten since init
  // (stored more than once with different content): someone holding the key may have taken the
  // repository's object_lock out of it, so that files are written, and removed, without
  // retention. `init` without --object-lock on such a bucket writes the config once: false.
  // False too for a config that names a retention or whose mac does not verify (KeepRetention
  // judges those), and on storage that cannot hold retention (no request). Costs S3 one
  // GetObjectLockConfiguration and one ListObjectVersions of `config`, once per Repository (the
  // answer is kept). Storage that will not tell whether it holds retention (HoldsRetention's
  // kPermissionDenied: S3 credentials without s3:GetBucketObjectLockConfiguration) answers
  // false, as before it was asked; KeepRetention and CheckMayDelete then print one warning line
  // on stderr (once per process and location). Errors: the backend's (e.g. credentials that may
  // not list the config's versions on a bucket with Object Lock).
  Result<bool> ConfigRewrittenWithoutRetention() const;

  // Evidence files (docs/catalog.md, "Many hosts, one catalog"): what a host's runs recorded,
  // carried beside its backups so that another machine's catalog can import it. `text` is
  // opaque here (the catalog's JSON); it is sealed under the master key like a snapshot and
  // named by the SHA-256 of the sealed file, so a file is never rewritten and saving the same
  // records twice only adds a second file. Only adds a file: call it under the shared lock
  // (verified first, like SaveSnapshot). Never removed by prune. Returns the file's name.
  Result<std::string> SaveEvidence(std::string_view text);
  // The names of every evidence file, sorted (none in a repository that never had any); marks,
  // which live beside them, are not listed.
  Result<std::vector<std::string>> ListEvidence() const;
  // Reads and opens evidence file `name`. Errors: the backend's (kNotFound); kCorrupt "evidence
  // <name>: ..." when its bytes do not match its name or it does not open under the master key
  // as evidence (damaged, or sealed by another repository); kFailedCheck when it is truncated.
  Result<std::string> LoadEvidence(const std::string& name) const;

  // Marks (marks.h): holds, releases and later verdicts. SaveMark seals `mark` under the master
  // key (kind "stormproof mark") as evidence/mark-<SHA-256 of the file>, verifying our locks
  // first like SaveEvidence: call it under the shared lock. Only adds a file. Returns its name.
  // Errors (nothing written): kFailedCheck, DecodeMark's for a mark no reader would accept, or
  // for one larger than LoadMarks reads (1 MiB).
  Result<std::string> SaveMark(const Mark& mark);
  // Every mark that opens and decodes, sorted by name; each one that does not (damaged, sealed by
  // another repository, malformed, larger than a mark can be) is skipped and appended to
  // `damaged` when given (one removed since the listing too). Errors when evidence/ cannot be
  // listed, and when a mark cannot be read for another reason than damage (kIo, kPermission-
  // Denied, …): a hold is never dropped because the storage did not answer. Reads up to 8 marks
  // at once (a caching backend serves the ones it holds: cache.h).
  Result<MarkSet> LoadMarks(std::vector<DamagedFile>* damaged = nullptr) const;
  // Reads, opens and decodes one mark. Errors: the backend's (kNotFound); kCorrupt "mark <name>:
  // content does not match its name (damaged)" or when it does not open; DecodeMark's.
  Result<Mark> LoadMark(const std::string& name) const;

  // The blobs a pack's own header lists (for check and index rebuilds); verifies the header.
  // Errors name the pack: "pack <id>: ...".
  Result<std::vector<std::pair<Id, BlobLocation>>> ReadPackHeader(const Id& pack) const;
  // Verifies a whole pack already read into memory (`pack_bytes`, stored under the name `pack`),
  // without reading the backend: its header opens and its blobs cover the pack exactly, then
  // every blob is decrypted, decoded, length-checked and re-hashed against its id, and `each`
  // is called for it. Returns the error (kFailedCheck naming the pack) when the header cannot
  // be verified; `each` is then not called. Thread-safe; `each` runs on the calling thread.
  Status VerifyPack(const Id& pack, ByteView pack_bytes, const VerifiedBlobFn& each) const;
  // Every blob the loaded index knows, once, at its first location (FindBlob).
  void ForEachIndexedBlob(const std::function<void(const Id&, const BlobLocation&)>& each) const;
  // Every location of every blob the loaded index knows (a blob located twice is visited twice).
  void ForEachIndexedLocation(
      const std::function<void(const Id&, const BlobLocation&)>& each) const;
  size_t IndexedBlobCount() const;
  // The index files the last (re)load of the index could not read, sorted by name; their
  // entries are not in the loaded index. Empty when every index file loaded.
  std::vector<DamagedFile> DamagedIndexFiles() const;
  // Locations the last (re)load of the index ignored because their blob already had
  // BlobIndex::kMaxLocationsPerBlob (index.h): only a damaged or planted index file names a blob
  // in that many places. None when every location was kept.
  IgnoredLocations IgnoredIndexLocations() const;
  // Re-reads the index files (another process may have added some since Open). Changes only
  // what this object has in memory, never a file.
  Status ReloadIndex() const;
  // What every index file lists (index_files.h), read once: the in-memory index is reloaded from
  // the same reads (as ReloadIndex). Errors name the first unreadable index file, which
  // DamagedIndexFiles() then lists.
  Result<IndexListing> ListIndex() const;

  // Keys: several passwords open one repository; the master key never changes.
  Result<std::string> AddKey(std::string_view new_password);
  Result<std::vector<KeyInfo>> ListKeys() const;
  // Refuses to remove the key this Repository was opened with, and the last key.
  Status RemoveKey(const std::string& name);
  // Adds a key for `new_password` and removes the current one. Asks CheckMayDelete first:
  // credentials that may not delete get its kPermissionDenied ("the password was not changed:
  // ...") before anything is written. The old key's removal is checked by listing keys/; when it
  // fails (deletes refused under keys/ only), the new key is removed again and the error says
  // so, or, when that fails too, that both passwords open and which key to remove.
  Status ChangePassword(std::string_view new_password);
  // Verifies the plaintext files without any password: key file `name` (any key, not only the one
  // opened with) or the config, each parsed, its mac checked under the master key and its bytes
  // compared with their canonical encoding. When a key file verifies and `kdf` is not null, it
  // gets the file's Argon2id parameters (check warns about weak ones). Errors: kFailedCheck
  // saying what is wrong; the backend's error when the file cannot be read.
  Status VerifyKeyFile(const std::string& name, crypto::KdfParams* kdf = nullptr) const;
  Status VerifyConfig() const;

  // Locks: shared for backup/restore/check/forget; exclusive for prune and repair, which take it
  // through Maintenance::Begin (maintenance.h), the one place maintenance is locked. Stale locks
  // (a dead process on this host, or not refreshed for 30 minutes) are removed. While a
  // conflicting live lock exists, retries for up to `wait` (with growing pauses, calling
  // `on_wait` with the conflict before the first), then fails with kLocked naming the holder.
  //
  // Once the lock is held, the in-memory index is brought up to date (read when Open left it to
  // the first lock, IndexLoad::kUnderFirstLock; re-read when the index files differ from those
  // it was loaded from), so that every decision made under the lock
  // rests on state read after it was taken. Writes of index files and snapshots verify every
  // lock this Repository holds (Lock::Verify) and fail with kLocked once one is lost.
  // REQUIRES: every returned Lock is destroyed before this Repository.
  enum class LockKind { kShared, kExclusive };
  using LockWaitFn = std::function<void(const Error& conflict)>;
  Result<std::unique_ptr<Lock>> AcquireLock(
      LockKind kind, std::chrono::milliseconds wait = std::chrono::milliseconds(0),
      const LockWaitFn& on_wait = {});
  // Replaces who this Repository's locks say holds them and the clocks they use (lock.h,
  // LockEnvironment); for tests and simulations of other hosts. REQUIRES: no lock held.
  void SetLockEnvironment(const LockEnvironment& env);
  // Re-reads the index when its files differ from those the in-memory index was loaded from
  // (one listing otherwise). Readers that load snapshots after taking their lock call it after
  // loading them, so that a snapshot written meanwhile never names blobs they do not know.
  Status RefreshIndex() const;
  // Verifies every lock this Repository holds (Lock::Verify). Ok when it holds none.
  Status VerifyLocks() const;
  // Whether the storage lets these credentials delete files, asked before a command that
  // deletes (forget; prune and repair in Maintenance::Begin) changes anything: a probe file is
  // written and deleted (lock.h, LockRemover::CheckMayDelete). Errors: kPermissionDenied "L:
  // these credentials may not delete objects (...): forget, prune and repair need the
  // maintenance credentials (...)" (docs/object-storage.md, "Upload-only credentials").
  // Then, when ConfigRewrittenWithoutRetention and KeepRetention was not given a trusted
  // retention: kCorrupt, the line KeepRetention refuses with (a removal would be a delete
  // marker nobody recorded, on storage that should keep every file retained).
  Status CheckMayDelete();

 private:
  friend class Maintenance;  // maintenance.h: removes and rewrites through backend_ and impl_
  class Impl;
  Repository();
  std::unique_ptr<backend::Backend> backend_;
  Id id_;
  chunker::Params chunker_;
  std::optional<backend::Retention> retention_;
  std::optional<Error> read_only_reason_;
  bool config_verified_ = true;  // the config's mac verified (KeepRetention may trust its days)
  // CheckMayDelete's second step: kCorrupt when ConfigRewrittenWithoutRetention and KeepRetention
  // kept no trusted retention.
  Status CheckRemovalsRetained() const;
  mutable Mutex rewrite_mu_;
  // ConfigRewrittenWithoutRetention's answer, once asked.
  mutable std::optional<bool> rewritten_without_retention_ GUARDED_BY(rewrite_mu_);
  // KeepRetention made the storage keep a trusted retention: removals are recorded.
  bool retention_kept_ GUARDED_BY(rewrite_mu_) = false;
  std::unique_ptr<Impl> impl_;
};

// Holds a repository lock until destroyed (refreshing it in the background while held).
// Thread-safe.
class Lock {
 public:
  virtual ~Lock() = default;
  // Ok while the lock is known to be held: refreshed within kLockLostAfter (refreshing it now if
  // a refresh is due) and its file still there. Call before writing anything that others must
  // not miss (index files, snapshots, deletions). Errors: kLocked "the lock on X was lost (why)"
  // for good; the backend's error when the lock file cannot be read.
  virtual Status Verify() = 0;
  // When the lock was taken, by the storage's clock (Backend::ModifiedNs of its file). A shared
  // lock that met no other lock reads it on the first call, from its current file (a refresh
  // makes that later), or gives this process's clock when that file cannot be read.
  virtual int64_t storage_time_ns() const = 0;
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_REPOSITORY_H_
