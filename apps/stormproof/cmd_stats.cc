// stormproof stats: how big the snapshots are, how much is stored, and what deduplication and
// compression save. The walk over the snapshots' trees is walker::StatsWalker (each distinct
// tree read once).
#include <fmt/format.h>


#include "apps/stormproof/context.h"
#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "engine/walker/stats_walker.h"

namespace stormproof::cli {
namespace {

using walker::BlobTotals;
using walker::StatsWalker;
using walker::TreeTotals;

struct StatsFlags {
  std::string snapshot;  // "" = all snapshots (matching --tag/--path)
  std::vector<std::string> tags, paths;
};

struct Stats {
  uint64_t snapshots = 0, files = 0, logical_bytes = 0;
  BlobTotals data, trees;
  bool all = false;               // every snapshot selected: overhead and unreferenced apply
  uint64_t repository_bytes = 0;  // every pack, index, snapshot and key file
  uint64_t overhead_bytes = 0;    // repository_bytes minus all indexed blobs
  uint64_t unreferenced_bytes = 0;

  uint64_t StoredBytes() const { return data.stored + trees.stored + (all ? overhead_bytes : 0); }
  double DedupRatio() const { return data.raw ? double(logical_bytes) / data.raw : 0; }
  double CompressionRatio() const {
    return StoredBytes() ? double(data.raw + trees.raw) / StoredBytes() : 0;
  }
};

Result<uint64_t> RepositoryBytes(const backend::Backend& backend) {
  uint64_t total = 0;
  for (backend::FileType type : {backend::FileType::kPack, backend::FileType::kIndex,
                                 backend::FileType::kSnapshot, backend::FileType::kKey}) {
    STORMPROOF_TRY(backend.List(type, [&](const std::string&, uint64_t size) { total += size; }));
  }
  return total;
}

// Repository size, overhead and (with every snapshot selected) blobs no snapshot references.
Status AddRepositoryTotals(const repository::Repository& repo, const StatsWalker& walker,
                           Stats* stats) {
  STORMPROOF_ASSIGN_OR_RETURN(stats->repository_bytes, RepositoryBytes(repo.backend()));
  uint64_t indexed = 0, unreferenced = 0;
  repo.ForEachIndexedBlob([&](const crypto::Id& id, const repository::BlobLocation& where) {
    indexed += where.length;
    if (!walker.References(where.type, id)) unreferenced += where.length;
  });
  stats->overhead_bytes = stats->repository_bytes > indexed ? stats->repository_bytes - indexed : 0;
  stats->unreferenced_bytes = stats->all ? unreferenced : 0;
  return Ok();
}

Result<std::vector<repository::Snapshot>> Selected(const repository::Repository& repo,
                                                   const StatsFlags& flags) {
  if (!flags.snapshot.empty()) {
    STORMPROOF_ASSIGN_OR_RETURN(repository::Snapshot one,
                                FindSnapshot(repo, flags.snapshot, flags.tags, flags.paths));
    return std::vector<repository::Snapshot>{std::move(one)};
  }
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<repository::Snapshot> all, LoadSnapshotsOrWarn(repo));
  std::erase_if(all, [&](const auto& s) { return !SnapshotMatches(s, flags.tags, flags.paths); });
  return all;
}

Result<Stats> Compute(const Context& context, const repository::Repository& repo,
                      const StatsFlags& flags) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<repository::Snapshot> snapshots, Selected(repo, flags));
  Stats stats;
  stats.all = flags.snapshot.empty() && flags.tags.empty() && flags.paths.empty();
  StatsWalker walker(repo);
  ProgressReporter progress(context, "stats");
  for (const repository::Snapshot& snapshot : snapshots) {
    STORMPROOF_ASSIGN_OR_RETURN(TreeTotals totals, walker.Walk(snapshot.tree));
    stats.files += totals.files;
    stats.logical_bytes += totals.bytes;
    ++stats.snapshots;
    if (!progress.active()) continue;
    progress.Update(ProgressEvent{.current = snapshot.id.ShortHex()}
                        .Count(ProgressUnit::kSnapshots, stats.snapshots, snapshots.size())
                        .Count(ProgressUnit::kBytes, stats.logical_bytes));
  }
  progress.Finish();
  stats.data = walker.Data();
  stats.trees = walker.Trees();
  STORMPROOF_TRY(AddRepositoryTotals(repo, walker, &stats));
  return stats;
}

void PrintStats(const Context& context, const Stats& s) {
  if (context.json) {
    PrintJson({{"message_type", "summary"},
               {"snapshots", s.snapshots},
               {"files", s.files},
               {"logical_bytes", s.logical_bytes},
               {"data_blobs", s.data.count},
               {"data_raw_bytes", s.data.raw},
               {"data_stored_bytes", s.data.stored},
               {"tree_blobs", s.trees.count},
               {"tree_raw_bytes", s.trees.raw},
               {"tree_stored_bytes", s.trees.stored},
               {"missing_blobs", s.data.missing + s.trees.missing},
               {"stored_bytes", s.StoredBytes()},
               {"repository_bytes", s.repository_bytes},
               {"overhead_bytes", s.overhead_bytes},
               {"unreferenced_bytes", s.unreferenced_bytes},
               {"dedup_ratio", s.DedupRatio()},
               {"compression_ratio", s.CompressionRatio()}});
    return;
  }
  fmt::print("snapshots:          {}\n", s.snapshots);
  fmt::print("files:              {} ({} logical)\n", s.files, HumanBytes(s.logical_bytes));
  fmt::print("unique data blobs:  {} ({} raw, {} stored)\n", s.data.count, HumanBytes(s.data.raw),
             HumanBytes(s.data.stored));
  fmt::print("trees:              {} ({} raw, {} stored)\n", s.trees.count, HumanBytes(s.trees.raw),
             HumanBytes(s.trees.stored));
  fmt::print("stored size:        {}{}\n", HumanBytes(s.StoredBytes()),
             s.all ? fmt::format(" (including {} of pack headers, index, snapshot and key files)",
                                 HumanBytes(s.overhead_bytes))
                   : "");
  fmt::print("repository size:    {}\n", HumanBytes(s.repository_bytes));
  if (s.all) fmt::print("unreferenced data:  {}\n", HumanBytes(s.unreferenced_bytes));
  fmt::print("dedup ratio:        {:.2f}\ncompression ratio:  {:.2f}\n", s.DedupRatio(),
             s.CompressionRatio());
  if (s.data.missing + s.trees.missing) {
    fmt::print("missing blobs:      {} (run 'stormproof check')\n",
               s.data.missing + s.trees.missing);
  }
}

Outcome RunStats(Context* context, const StatsFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto stats = Compute(*context, *repo, flags);
  if (!stats) return ReportEngineError(stats.error());
  PrintStats(*context, *stats);
  return stats->data.missing + stats->trees.missing ? Outcome::Problems() : Outcome::Ok();
}

}  // namespace

void AddStatsCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<StatsFlags>();
  CLI::App* cmd = app->add_subcommand(
      "stats",
      "Sizes of SNAPSHOT (an id prefix or 'latest'), or of all snapshots matching --tag/--path: "
      "logical size (sum of file sizes), unique data blobs (raw and stored), stored size, the "
      "dedup ratio (logical / unique raw) and the compression ratio (unique raw / stored).");
  cmd->add_option("snapshot", flags->snapshot, "Snapshot id prefix or latest (default: all)");
  cmd->add_option("--tag", flags->tags, "Only snapshots with this tag (K=V or K), repeatable")
      ->type_name("K=V");
  cmd->add_option("--path", flags->paths, "Only snapshots that include this path, repeatable")
      ->type_name("PATH");
  cmd->callback([context, flags] { context->outcome = RunStats(context, *flags); });
}

}  // namespace stormproof::cli
