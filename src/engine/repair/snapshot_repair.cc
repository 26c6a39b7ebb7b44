#include "engine/repair/snapshot_repair.h"

#include <set>

#include "engine/repair/tree_rewriter.h"

namespace stormproof::repair {
namespace {

using repository::DamagedFile;
using repository::Repository;
using repository::Snapshot;

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// Keeps the snapshots and damaged files the options select. Errors: a prefix that matches
// nothing (kNotFound) or several (kInvalidArgument).
Status Select(const std::vector<std::string>& prefixes, std::vector<Snapshot>* snapshots,
              std::vector<DamagedFile>* damaged) {
  if (prefixes.empty()) return Ok();
  std::set<std::string> chosen;
  for (const std::string& prefix : prefixes) {
    std::vector<std::string> matches;
    for (const Snapshot& s : *snapshots) {
      if (StartsWith(s.id.Hex(), prefix)) matches.push_back(s.id.Hex());
    }
    for (const DamagedFile& f : *damaged) {
      if (StartsWith(f.name, prefix)) matches.push_back(f.name);
    }
    if (prefix.empty() || matches.empty()) {
      return Error::NotFound("no snapshot '" + prefix + "'");
    }
    if (matches.size() > 1) {
      return Error::InvalidArgument("snapshot prefix '" + prefix + "' is ambiguous (" +
                                    std::to_string(matches.size()) + " match)");
    }
    chosen.insert(matches.front());
  }
  std::erase_if(*snapshots, [&](const Snapshot& s) { return !chosen.contains(s.id.Hex()); });
  std::erase_if(*damaged, [&](const DamagedFile& f) { return !chosen.contains(f.name); });
  return Ok();
}

// Saves the repaired copy of `original` and, with forget, removes the original afterwards.
Result<RepairedSnapshot> Replace(Repository& repo, const Snapshot& original,
                                 const repository::Id& tree, std::vector<std::string> lost,
                                 const RepairSnapshotsOptions& options) {
  RepairedSnapshot out{original.id.Hex(), "", std::move(lost), false};
  if (options.dry_run) return out;
  Snapshot repaired = original;
  repaired.tree = tree;
  repaired.repaired_from = original.id;
  repaired.lost.insert(repaired.lost.end(), out.lost.begin(), out.lost.end());
  auto id = repo.SaveSnapshot(std::move(repaired));
  if (!id) return id.error().WithContext("saving the repair of snapshot " + original.id.Hex());
  out.repaired = id->Hex();
  if (options.forget && *id != original.id) {
    Status removed = repo.RemoveSnapshot(original.id);
    if (!removed) return removed.error().WithContext("removing snapshot " + original.id.Hex());
    out.original_removed = true;
  }
  return out;
}

}  // namespace

Result<RepairSnapshotsReport> RepairSnapshots(Repository& repo,
                                              const RepairSnapshotsOptions& options,
                                              const RepairSnapshotsProgressFn& progress) {
  STORMPROOF_ASSIGN_OR_RETURN(auto lock,
                              repo.AcquireLock(options.dry_run ? Repository::LockKind::kShared
                                                               : Repository::LockKind::kExclusive,
                                               options.lock_wait, options.on_lock_wait));
  STORMPROOF_TRY(repo.ReloadIndex());
  std::vector<DamagedFile> damaged_index = repo.DamagedIndexFiles();
  if (!damaged_index.empty()) {
    return Error::FailedCheck("index " + damaged_index.front().name +
                              " is damaged; run 'stormproof repair index' first (nothing was "
                              "changed)");
  }
  RepairSnapshotsReport report;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots,
                              repo.LoadSnapshots(&report.damaged_snapshot_files));
  STORMPROOF_TRY(Select(options.snapshots, &snapshots, &report.damaged_snapshot_files));
  TreeRewriter rewriter(repo, options.dry_run);
  for (const Snapshot& s : snapshots) {
    std::vector<std::string> lost;
    STORMPROOF_ASSIGN_OR_RETURN(repository::Id tree, rewriter.Rewrite(s.tree, &lost));
    ++report.snapshots;
    if (lost.empty()) {
      ++report.unchanged;
    } else {
      STORMPROOF_ASSIGN_OR_RETURN(RepairedSnapshot done,
                                  Replace(repo, s, tree, std::move(lost), options));
      report.repaired.push_back(std::move(done));
    }
    if (progress) progress(report.snapshots, snapshots.size());
  }
  report.data_blobs_checked = rewriter.data_blobs_checked();
  report.data_blobs_lost = rewriter.data_blobs_lost();
  if (options.forget && !options.dry_run) {
    for (const DamagedFile& f : report.damaged_snapshot_files) {
      Status removed = repo.backend().Remove({backend::FileType::kSnapshot, f.name});
      if (!removed) return removed.error().WithContext("removing damaged snapshot " + f.name);
    }
    report.damaged_removed = !report.damaged_snapshot_files.empty();
  }
  return report;
}

}  // namespace stormproof::repair
