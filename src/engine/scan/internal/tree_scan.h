// The walk behind scan::Scan: a snapshot's tree beside its parent's, told to a SignalCollector
// the way the backup's walker tells it (engine/archiver/walker.cc), and the readers that sample
// each new or changed file's first chunk and report the file (AddFile) as the backup's workers do.
//
// Thread-safety: a TreeScan is used from one thread; its FirstChunkReaders run on their own
// threads and only touch the collector through AddFile (thread-safe) and the repository through
// LoadBlob (thread-safe).
#ifndef STORMPROOF_ENGINE_SCAN_INTERNAL_TREE_SCAN_H_
#define STORMPROOF_ENGINE_SCAN_INTERNAL_TREE_SCAN_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/mutex.h"
#include "core/result.h"
#include "core/thread_annotations.h"
#include "engine/crypto/crypto.h"
#include "engine/detect/signal_collector.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"

namespace stormproof::scan::internal {

// Chunk ids a backup of this snapshot would have found already stored: the parent's, then every
// chunk met earlier in this walk.
class KnownChunks {
 public:
  // Every data blob the tree under `root` names (its trees are loaded once each).
  Status AddTree(const repository::Repository& repo, const repository::Tree& root);
  bool Contains(const crypto::Id& id) const;
  void Add(const crypto::Id& id) { added_.insert(id); }
  void Seal();  // sorts what AddTree gathered; REQUIRES: before any Contains

 private:
  std::vector<crypto::Id> parent_;  // sorted after Seal
  std::unordered_set<crypto::Id, crypto::IdHash> added_;
};

// Threads that load a file's first chunk, sample its header and report the file.
class FirstChunkReaders {
 public:
  FirstChunkReaders(const repository::Repository& repo, detect::SignalCollector& collector,
                    int threads);
  ~FirstChunkReaders();  // Wait()s
  // Queues one file; blocks while the queue is full. `path` names the file in errors.
  void Add(std::string path, repository::Node node, detect::ContentFacts facts,
           detect::FileProbe probe) EXCLUDES(mu_);
  // Waits for every queued file; the first error a read met (its path in the message), if any.
  Status Wait() EXCLUDES(mu_);

 private:
  struct Job {
    std::string path;
    repository::Node node;
    detect::ContentFacts facts;
    detect::FileProbe probe;
  };
  void Work() EXCLUDES(mu_);
  Status Sample(Job& job) const;

  const repository::Repository& repo_;
  detect::SignalCollector& collector_;
  Mutex mu_;
  std::condition_variable_any cv_;  // waits on mu_
  std::deque<Job> queue_ GUARDED_BY(mu_);
  size_t busy_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::optional<Error> error_ GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

// One snapshot's tree walked beside its parent's.
class TreeScan {
 public:
  // `targets`: the snapshot's paths (what the backup walked in full; the directories above them
  // report no deletions, as the backup's walker does not list them). `max_entries`: the entries
  // the walk may visit (ScanOptions::max_entries).
  TreeScan(const repository::Repository& repo, const std::vector<std::string>& targets,
           detect::SignalCollector& collector, KnownChunks& known, FirstChunkReaders& readers,
           uint64_t max_entries);

  // Walks the root directory ("") whose entries are `tree`, with `parent` the parent snapshot's
  // root tree (null: none). Errors: a tree that cannot be loaded, naming it; kFailedCheck for
  // directories nested deeper than scan::kMaxDepth below the root or more than `max_entries`
  // entries (a tree no backup writes: the snapshot cannot be judged); kInterrupted.
  Status WalkRoot(const repository::Tree& tree, const repository::Tree* parent);

 private:
  // Walks the directory `dir`, `depth` levels below the root, as WalkRoot.
  Status Walk(const std::string& dir, const repository::Tree& tree, const repository::Tree* parent,
              uint32_t depth);
  bool FullyWalked(const std::string& dir) const;
  void ReportDeleted(const std::string& dir, const repository::Tree& tree,
                     const repository::Tree& parent);
  Status WalkDirectory(const std::string& path, const repository::Node& node,
                       const repository::Node* previous, uint32_t depth);
  void HandleFile(const std::string& dir, const std::string& path, const repository::Node& node,
                  const repository::Node* previous);
  detect::ContentFacts FactsOf(const repository::Node& node);

  const repository::Repository& repo_;
  const std::vector<std::string>& targets_;
  detect::SignalCollector& collector_;
  KnownChunks& known_;
  FirstChunkReaders& readers_;
  const uint64_t max_entries_;
  uint64_t entries_ = 0;  // visited so far
};

}  // namespace stormproof::scan::internal

#endif  // STORMPROOF_ENGINE_SCAN_INTERNAL_TREE_SCAN_H_
