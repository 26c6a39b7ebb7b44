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
#ifndef STORMPROOF_REPOSITORY_REPOSITORY_H_
#define STORMPROOF_REPOSITORY_REPOSITORY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "chunker/chunker.h"
#include "core/bytes.h"
#include "core/result.h"
#include "crypto/crypto.h"

namespace stormproof::repository {

using crypto::Id;

constexpr int kFormatVersion = 1;

enum class BlobType : uint8_t { kData = 0, kTree = 1 };

// Where a blob is stored.
struct BlobLocation {
  Id pack;
  uint32_t offset = 0;      // of the sealed blob within the pack
  uint32_t length = 0;      // sealed length
  uint32_t raw_length = 0;  // plaintext length before compression
  BlobType type = BlobType::kData;
};

struct SnapshotSummary {
  uint64_t files_new = 0, files_changed = 0, files_unmodified = 0, dirs = 0;
  uint64_t bytes_processed = 0;  // bytes of file content read or skipped as unchanged
  uint64_t bytes_added = 0;      // bytes newly stored (sealed, compressed)
  uint64_t data_blobs_added = 0, tree_blobs_added = 0;
  double seconds = 0;
};

struct Snapshot {
  Id id;                                  // set when loaded or saved
  int64_t time_ns = 0;                    // start of the backup, Unix epoch
  std::string hostname, username;
  std::vector<std::string> paths;         // as given on the command line, made absolute
  std::map<std::string, std::string> tags;
  Id tree;                                // root tree
  std::optional<Id> parent;
  std::vector<std::string> skipped;       // "path: reason" for entries that could not be read
  SnapshotSummary summary;
  std::string program_version;
};

struct KeyInfo {
  std::string name;                       // the key file's name
  std::string hostname, username;
  int64_t created_ns = 0;
  bool current = false;                   // the key this Repository was opened with
};

// Whether reading a blob recomputes its id from the plaintext. A blob is sealed with AES-256-GCM
// under its pack's key with its type and id as associated data, so a blob that opens is the one
// stored under that id by a holder of the master key; re-hashing (HMAC-SHA256 over the whole
// plaintext) additionally catches a blob that was wrong before it was sealed (a writer bug or a
// memory error between hashing and sealing). check --read-data and restore --verify re-hash;
// restore itself and other readers may skip it (docs/repository-format.md, "Verification").
enum class IdCheck { kRehash, kSkip };

// Called by VerifyPack once per blob the pack's header lists: `error` is null when the blob
// verified, else says what is wrong with it (naming the blob and the pack).
using VerifiedBlobFn =
    std::function<void(const Id& id, const BlobLocation& location, const Error* error)>;

class Lock;

class Repository {
 public:
  // Creates a repository in an empty backend, protected by `password`.
  static Result<std::unique_ptr<Repository>> Init(std::unique_ptr<backend::Backend> backend,
                                                  std::string_view password);
  // Opens an existing repository. Errors: kNotFound (no config: "not a stormproof repository"),
  // kInvalidArgument (a newer format version), kFailedCheck ("wrong password": no key opens).
  static Result<std::unique_ptr<Repository>> Open(std::unique_ptr<backend::Backend> backend,
                                                   std::string_view password);
  ~Repository();

  const Id& id() const { return id_; }
  const chunker::Params& chunker_params() const { return chunker_; }
  backend::Backend& backend() const { return *backend_; }

  // The keyed id of a blob's plaintext.
  Id BlobId(ByteView plaintext) const;

  // Stores a blob under `id` (= BlobId(plaintext)) unless the repository already has it.
  // Returns true when it was stored now. The blob is durable only after Flush().
  Result<bool> SaveBlob(BlobType type, const Id& id, ByteView plaintext);
  bool HasBlob(BlobType type, const Id& id) const;
  std::optional<BlobLocation> FindBlob(BlobType type, const Id& id) const;
  // Reads, verifies (authentication, length and, with IdCheck::kRehash, the id) and decompresses
  // a blob. Errors: kNotFound for a blob not in the index; kFailedCheck naming the blob and its
  // pack when it is damaged; the backend's error otherwise.
  Result<Bytes> LoadBlob(BlobType type, const Id& id, IdCheck check = IdCheck::kRehash) const;

  // Saves every open pack and an index for all blobs saved since the last Flush.
  Status Flush();

  Result<Id> SaveSnapshot(Snapshot snapshot);
  // All snapshots, oldest first. A snapshot file that cannot be read is an error naming it.
  Result<std::vector<Snapshot>> LoadSnapshots() const;
  Result<Snapshot> LoadSnapshot(const Id& id) const;
  Status RemoveSnapshot(const Id& id);

  // The blobs a pack's own header lists (for check and index rebuilds); verifies the header.
  Result<std::vector<std::pair<Id, BlobLocation>>> ReadPackHeader(const Id& pack) const;
  // Verifies a whole pack already read into memory (`pack_bytes`, stored under the name `pack`),
  // without reading the backend: its header opens and its blobs cover the pack exactly, then
  // every blob is decrypted, decoded, length-checked and re-hashed against its id, and `each`
  // is called for it. Returns the error (kFailedCheck naming the pack) when the header cannot
  // be verified; `each` is then not called. Thread-safe; `each` runs on the calling thread.
  Status VerifyPack(const Id& pack, ByteView pack_bytes, const VerifiedBlobFn& each) const;
  // Every blob the loaded index knows.
  void ForEachIndexedBlob(
      const std::function<void(const Id&, const BlobLocation&)>& each) const;
  size_t IndexedBlobCount() const;

  // Keys: several passwords open one repository; the master key never changes.
  Result<std::string> AddKey(std::string_view new_password);
  Result<std::vector<KeyInfo>> ListKeys() const;
  // Refuses to remove the key this Repository was opened with, and the last key.
  Status RemoveKey(const std::string& name);
  Status ChangePassword(std::string_view new_password);  // adds a new key, removes the current

  // Locks: shared for backup/restore/check, exclusive for prune. Stale locks (a dead process on
  // this host, or not refreshed for 30 minutes) are removed. Errors: kFailedCheck naming the
  // holder when a conflicting live lock exists.
  enum class LockKind { kShared, kExclusive };
  Result<std::unique_ptr<Lock>> AcquireLock(LockKind kind);

 private:
  class Impl;
  Repository();
  std::unique_ptr<backend::Backend> backend_;
  Id id_;
  chunker::Params chunker_;
  std::unique_ptr<Impl> impl_;
};

// Holds a repository lock until destroyed (refreshing it in the background while held).
class Lock {
 public:
  virtual ~Lock() = default;
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_REPOSITORY_REPOSITORY_H_
