// Backup(): checks the paths, starts the pipeline, walks, then saves the snapshot.
//
// Threads: the calling thread walks, reads and chunks (and calls ProgressFn and ErrorFn, so the
// callbacks need no locking); `threads` + 1 workers hash, compress, encrypt and store chunks. Trees
// are saved by whichever thread completes a directory's last entry.
//
// SnapshotSummary conventions: files_* count regular files only; bytes_processed is the sum of
// their logical sizes (holes included); bytes_added is the stored (compressed, sealed) length
// of the blobs this backup added, data and trees, without pack headers.
#include "engine/archiver/archiver.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>

#include "engine/archiver/internal/chunk_stream.h"
#include "engine/archiver/internal/metadata.h"
#include "engine/archiver/internal/paths.h"
#include "engine/archiver/internal/pipeline.h"
#include "engine/archiver/internal/reporter.h"
#include "engine/archiver/internal/scanner.h"
#include "engine/detect/signal_collector.h"
#include "engine/archiver/internal/walker.h"
#include "core/text.h"
#include "core/time.h"
#include "engine/detect/verdict.h"
#include "engine/repository/encoding.h"
#include "engine/repository/tree_store.h"
#include "engine/retention/retention.h"

namespace stormproof::archiver {
namespace {

using internal::DirTask;
using internal::Pipeline;
using repository::BlobType;
using repository::Snapshot;
using repository::Tree;

// Bytes of file data in flight (read, not yet stored), at most; at least three arenas. With the
// default 1 MiB maximum chunk: four 3 MiB arenas, a few dozen chunks ahead of the workers.
constexpr size_t kQueueBudget = 12u << 20;
constexpr const char* kProgramVersion = "stormproof 0.1.0";

// Canonical paths in the order given, without duplicates. Errors: a path that does not exist.
Result<std::vector<std::string>> CanonicalPaths(const std::vector<std::string>& given) {
  if (given.empty()) return Error::InvalidArgument("no paths to back up");
  std::vector<std::string> paths;
  for (const std::string& path : given) {
    STORMPROOF_ASSIGN_OR_RETURN(std::string canonical, internal::CanonicalPath(path));
    if (std::find(paths.begin(), paths.end(), canonical) == paths.end()) {
      paths.push_back(std::move(canonical));
    }
  }
  return paths;
}

// The parent snapshot's root tree. One that cannot be read only costs speed (every file is
// read again), so it is not an error.
std::optional<Tree> ParentRoot(const repository::Repository& repo, const BackupOptions& options) {
  if (!options.parent.has_value()) return std::nullopt;
  Result<Tree> tree = repository::LoadTree(repo, options.parent->tree);
  if (!tree.has_value()) return std::nullopt;
  return std::move(*tree);
}

Snapshot NewSnapshot(const BackupOptions& options, std::vector<std::string> paths,
                     int64_t time_ns) {
  Snapshot snapshot;
  snapshot.time_ns = time_ns;
  snapshot.hostname = options.hostname.empty() ? repository::HostName() : options.hostname;
  snapshot.username = internal::OwnerNames().User(::geteuid());
  snapshot.paths = std::move(paths);
  snapshot.tags = options.tags;
  if (options.parent.has_value()) snapshot.parent = options.parent->id;
  snapshot.program_version = kProgramVersion;
  return snapshot;
}

// One worker per core (or per requested thread), plus one: the worker that completes a pack
// spends its time waiting for the pack's durable save, and without a spare a core would idle
// (measured: 2 workers 1.7 s, 3 workers 0.74 s for 512 MiB on 2 cores).
unsigned WorkerCount(unsigned requested) {
  constexpr unsigned kMaxWorkers = 64;
  unsigned cores = requested > 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
  return std::min(cores, kMaxWorkers) + 1;
}

// After an interruption (the pipeline is drained: nothing is being stored any more): indexes
// the data stored so far, so that the next backup reuses it instead of reading and storing it
// again, and the repository holds no pack that no index names. Indexed data no snapshot uses is
// what prune removes; check does not count it as damage. Returns `interrupted` saying so.
Error KeepWhatWasStored(repository::Repository& repo, const Pipeline& pipeline,
                        const Error& interrupted) {
  std::string left = interrupted.message() + "; no snapshot saved";
  Status flushed = repo.Flush();
  if (!flushed) {
    return Error::Interrupted(left + "; the data stored so far could not be indexed (" +
                              flushed.error().message() + "): prune removes it");
  }
  uint64_t stored = pipeline.StoredBytesAdded();
  if (stored == 0) return Error::Interrupted(left + "; nothing new was stored");
  return Error::Interrupted(left + "; the " + HumanBytes(stored) +
                            " stored so far is indexed: the next backup reuses it (prune "
                            "removes it if none does)");
}

// What the signal collector needs of the parent: its root tree and what it held.
detect::ParentFacts ParentFactsOf(const std::optional<Tree>& root) {
  detect::ParentFacts facts;
  if (root.has_value()) facts.root = &*root;
  return facts;
}

// The canaries as the walk names them: symlinks in their parent directories resolved, as the
// backup's paths are (CanonicalPath); one that is gone (deleted since the parent) as given.
std::set<std::string> CanonicalCanaries(const std::set<std::string>& given) {
  std::set<std::string> out;
  for (const std::string& canary : given) {
    Result<std::string> canonical = internal::CanonicalPath(canary);
    out.insert(canonical.has_value() ? *canonical : canary);
  }
  return out;
}

}  // namespace

std::vector<Snapshot> BackupBasis(std::vector<Snapshot> group, int64_t now_ns) {
  std::erase_if(group,
                [&](const Snapshot& s) { return retention::IsFutureDated(s.time_ns, now_ns); });
  std::stable_sort(group.begin(), group.end(),
                   [](const Snapshot& a, const Snapshot& b) { return a.time_ns < b.time_ns; });
  return group;
}

std::optional<Snapshot> ParentOf(const std::vector<Snapshot>& basis, bool detect) {
  if (basis.empty()) return std::nullopt;
  if (detect) {
    for (auto it = basis.rbegin(); it != basis.rend(); ++it) {
      if (it->verdict.has_value()) return *it;
    }
  }
  return basis.back();
}

Result<Snapshot> Backup(repository::Repository& repo, const BackupOptions& options,
                        const ProgressFn& progress, const ErrorFn& on_error) {
  const auto started = std::chrono::steady_clock::now();
  Snapshot snapshot = NewSnapshot(options, {}, SystemNowNs());
  STORMPROOF_ASSIGN_OR_RETURN(snapshot.paths, CanonicalPaths(options.paths));
  std::optional<Tree> parent_root = ParentRoot(repo, options);

  const size_t arena_size = internal::ChunkStream::ArenaSizeFor(repo.chunker_params());
  Pipeline pipeline(repo, WorkerCount(options.threads), arena_size,
                    std::max<size_t>(3, kQueueBudget / arena_size));
  internal::Reporter reporter(progress, on_error, pipeline.stats());
  const detect::History history =
      options.detect ? detect::HistoryOf(options.history) : detect::History{};
  std::optional<detect::SignalCollector> signals;
  const std::set<std::string> canaries =
      options.detect ? CanonicalCanaries(options.canaries) : std::set<std::string>{};
  if (options.detect) signals.emplace(repo, history, canaries, parent_root.has_value());
  std::optional<internal::Scanner> scanner;  // totals for progress; nobody to tell without it
  if (progress) {
    scanner.emplace(snapshot.paths, options.excludes, options.one_file_system);
    reporter.WatchScan(&*scanner);
  }
  {
    internal::Walker walker(repo, options, pipeline, reporter,
                            signals.has_value() ? &*signals : nullptr);
    auto* root = new DirTask(&pipeline, nullptr, 0);
    walker.Run(internal::BuildPathTrie(snapshot.paths), root,
               parent_root.has_value() ? &*parent_root : nullptr);
  }
  if (scanner.has_value()) scanner->Stop();  // the walk is over: nothing left to estimate
  Result<crypto::Id> root = pipeline.Wait();
  if (!root && root.error().code() == ErrorCode::kInterrupted) {
    return KeepWhatWasStored(repo, pipeline, root.error());
  }
  STORMPROOF_ASSIGN_OR_RETURN(snapshot.tree, std::move(root));
  STORMPROOF_TRY(repo.Flush());

  snapshot.skipped = reporter.TakeSkipped();
  snapshot.summary = reporter.Summary();
  snapshot.summary.bytes_added = pipeline.StoredBytesAdded();
  if (signals.has_value()) {
    snapshot.signals = signals->Finish(ParentFactsOf(parent_root));
    snapshot.verdict = detect::Judge(*snapshot.signals, history);
  }
  snapshot.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  STORMPROOF_ASSIGN_OR_RETURN(snapshot.id, repo.SaveSnapshot(snapshot));
  return snapshot;
}

}  // namespace stormproof::archiver
