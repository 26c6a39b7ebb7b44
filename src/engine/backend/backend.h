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
#include <string>

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
  // Removing a missing file succeeds.
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
};

// A repository directory. Create: the directory must be absent or empty (else kInvalidArgument,
// "not empty"); creates the layout. Open: the directory must exist (kNotFound otherwise).
Result<std::unique_ptr<Backend>> CreateLocalBackend(const std::string& path);
Result<std::unique_ptr<Backend>> OpenLocalBackend(const std::string& path);

// Everything in memory; for tests. Thread-safe. `clock` stamps every saved file (ModifiedNs):
// the system clock by default; simulations pass one they control.
std::unique_ptr<Backend> NewMemoryBackend(std::function<int64_t()> clock = {});

}  // namespace stormproof::backend

#endif  // STORMPROOF_ENGINE_BACKEND_BACKEND_H_
