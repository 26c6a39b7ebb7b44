// The archiver's pipeline: one walker thread fills arenas with file data and cuts chunks; worker
// threads hash, compress, encrypt and store them (Repository::SaveBlob); completion counters
// assemble each file's content list in order and write each directory's tree as soon as all of
// its entries are done, bottom-up.
//
// Memory is bounded by the arena pool (a fixed number of fixed-size arenas): the walker blocks
// when every arena is still referenced by chunks waiting to be stored.
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_PIPELINE_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_PIPELINE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "engine/detect/detect.h"
#include "engine/detect/signal_collector.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"

namespace stormproof::archiver::internal {

// A block the walker reads file data into; chunks are slices of it. Back in its pool once the
// walker and every chunk that references it have let go.
struct Arena {
  std::unique_ptr<uint8_t[]> data;
  size_t capacity = 0;
  std::atomic<uint32_t> refs{0};
};

// A fixed set of arenas. Thread-safe.
class ArenaPool {
 public:
  ArenaPool(size_t arena_size, size_t count);
  // Blocks until an arena is free; returns it with one reference (the caller's).
  Arena* Acquire() EXCLUDES(mu_);
  static void Ref(Arena* arena) { arena->refs.fetch_add(1, std::memory_order_relaxed); }
  void Unref(Arena* arena) EXCLUDES(mu_);

 private:
  Mutex mu_;
  std::condition_variable_any cv_;  // waits on mu_
  std::vector<std::unique_ptr<Arena>> arenas_;
  std::vector<Arena*> free_ GUARDED_BY(mu_);
};

class Pipeline;

// Something that is done when all its parts are: a file (its chunks) or a directory (its
// entries). Starts with one part, the walker's hold, released with PartDone() when the walker
// has submitted everything. Finish() runs on whichever thread completes the last part, then the
// task deletes itself.
class Task {
 public:
  virtual ~Task() = default;
  void AddPart() { pending_.fetch_add(1, std::memory_order_relaxed); }
  void PartDone();

 protected:
  virtual void Finish() = 0;

 private:
  std::atomic<int64_t> pending_{1};
};

class DirTask;

// One chunk of a file: its plaintext size (set by the walker), then its id and what storing it
// showed (set by the one worker that stores it).
struct ChunkSlot {
  crypto::Id id;
  uint32_t size = 0;   // plaintext bytes
  uint16_t ratio = 0;  // detect::RatioPermille of its stored payload; 0 = unknown (in flight)
  uint8_t added = 0;   // 1 = stored by this backup, 0 = already stored (or being stored)
};

// What storing a file's content showed, for detection (issue 16), and the collector it goes to:
// engine/detect/signal_collector.h, shared with `scan`.
using detect::ContentFacts;
using detect::FileProbe;
using detect::SignalCollector;

// A regular file being chunked. `chunks` only grows at the back (walker thread) while workers
// fill earlier elements; a deque never moves its elements, so the slots stay valid.
class FileTask final : public Task {
 public:
  FileTask(DirTask* dir, size_t index);
  ChunkSlot* NewSlot(uint32_t size);  // walker thread only
  // By the one worker that stores the file's first chunk (ChunkJob::sample_header).
  void SetHeader(const detect::HeaderSample& header) { header_ = header; }
  // Walker thread only, before any chunk: Finish() reports the file to `signals` (which must
  // outlive the pipeline's work) with this probe. Without it, nothing is reported.
  void SetDetection(SignalCollector* signals, FileProbe probe) {
    signals_ = signals;
    probe_ = std::make_unique<FileProbe>(std::move(probe));
  }

  // Fills *facts (reusing its capacity, so a thread-local one allocates nothing in the long run).
  // REQUIRES: every part is done (in Finish).
  void CollectFacts(ContentFacts* facts) const;

 protected:
  void Finish() override;

 private:
  DirTask* dir_;
  size_t index_;
  std::deque<ChunkSlot> chunks_;
  detect::HeaderSample header_;
  SignalCollector* signals_ = nullptr;
  std::unique_ptr<FileProbe> probe_;  // set with signals_
};

// For tests only: called at the end of every FileTask::Finish of a file kept in the snapshot
// (on whichever thread finishes it) with the file's node (content set) and its ContentFacts.
// Must be thread-safe. Set before Backup(), reset (with {}) after; setting it is not thread-safe.
using FileFactsHook = std::function<void(const repository::Node& node, const ContentFacts& facts)>;
void SetFileFactsHookForTesting(FileFactsHook hook);

// A directory whose tree is written once every entry is complete. The walker sizes `nodes` once
// (SetEntries) before creating any child task, so node addresses stay stable; afterwards the
// walker fills node i, then only the child task of node i writes its content or subtree.
class DirTask final : public Task {
 public:
  // `parent` is null for the snapshot's root tree.
  DirTask(Pipeline* pipeline, DirTask* parent, size_t index);

  void SetEntries(size_t count);
  repository::Node& node(size_t i) { return tree_.nodes[i]; }
  // Leaves entry i out of the tree (it could not be backed up).
  void Skip(size_t i) { skipped_[i] = 1; }
  bool skipped(size_t i) const { return skipped_[i] != 0; }
  Pipeline* pipeline() const { return pipeline_; }

 protected:
  void Finish() override;

 private:
  Pipeline* pipeline_;
  DirTask* parent_;
  size_t index_;
  repository::Tree tree_;
  std::vector<uint8_t> skipped_;  // bytes, not vector<bool>: distinct entries, distinct memory
};

// A chunk to store: a slice of an arena, stored as a data blob whose id, ratio and whether it
// was added go to `slot`.
struct ChunkJob {
  Arena* arena = nullptr;
  const uint8_t* data = nullptr;
  size_t size = 0;
  ChunkSlot* slot = nullptr;
  FileTask* file = nullptr;
  // The chunk starts at the file's offset 0: the worker samples its first bytes for the file's
  // header (off the walker thread, which is the bottleneck for small files).
  bool sample_header = false;
};

// Counters shared by the walker and the workers.
struct PipelineStats {
  std::atomic<uint64_t> bytes_added{0};  // plaintext bytes of new blobs (for live progress)
  std::atomic<uint64_t> data_blobs_added{0};
  std::atomic<uint64_t> tree_blobs_added{0};
};

// Owns the workers and the arena pool. Thread-safe. The first repository error stops all
// storing (later chunks and trees are dropped) and is returned by error().
class Pipeline {
 public:
  Pipeline(repository::Repository& repo, unsigned workers, size_t arena_size, size_t arenas);
  ~Pipeline();  // stops the workers (after Wait(), nothing is pending)

  ArenaPool& arenas() { return arenas_; }
  void Submit(const ChunkJob& job) EXCLUDES(mu_);
  // Encodes and stores a tree; returns its id (meaningless once failed()).
  crypto::Id SaveTree(const repository::Tree& tree) EXCLUDES(mu_, added_mu_);

  void SetRoot(const crypto::Id& id) EXCLUDES(mu_);
  // Blocks until the root tree is saved; returns its id or the first error.
  Result<crypto::Id> Wait() EXCLUDES(mu_);

  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  void Fail(const Error& error) EXCLUDES(mu_);
  const PipelineStats& stats() const { return stats_; }
  // The stored (compressed, sealed) bytes of every blob this pipeline added, from the index.
  // REQUIRES: Wait() and Repository::Flush() returned, so every new blob is indexed.
  uint64_t StoredBytesAdded() const EXCLUDES(added_mu_);

 private:
  void WorkerLoop() EXCLUDES(mu_);
  void Store(const ChunkJob& job) EXCLUDES(mu_, added_mu_);
  void CountAdded(repository::BlobType type, const crypto::Id& id, size_t plaintext_size)
      EXCLUDES(added_mu_);

  repository::Repository& repo_;
  ArenaPool arenas_;
  PipelineStats stats_;
  std::atomic<bool> failed_{false};

  Mutex mu_;
  std::condition_variable_any work_cv_, done_cv_;  // wait on mu_
  std::deque<ChunkJob> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::optional<crypto::Id> root_ GUARDED_BY(mu_);
  std::optional<Error> error_ GUARDED_BY(mu_);
  // New blobs, for StoredBytesAdded (33 bytes each, far less than the index entry each gets).
  mutable Mutex added_mu_;
  std::vector<std::pair<repository::BlobType, crypto::Id>> added_ GUARDED_BY(added_mu_);
  std::vector<std::thread> workers_;
};

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_PIPELINE_H_
