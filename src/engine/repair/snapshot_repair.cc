#include "engine/repair/snapshot_repair.h"

#include <set>

#include "core/id_prefix.h"
#include "engine/holds/holds.h"
#include "engine/repair/internal/tree_rewriter.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/marks.h"

namespace stormproof::repair {
namespace {

using repository::DamagedFile;
using repository::Maintenance;
using repository::Repository;
using repository::Snapshot;

// Keeps the snapshots and damaged files the options select. Errors: a prefix that matches
// nothing (kNotFound) or several (kInvalidArgument).
Status Select(const std::vector<std::string>& prefixes, std::vector<Snapshot>* snapshots,
              std::vector<DamagedFile>* damaged) {
  if (prefixes.empty()) return Ok();
  std::vector<std::string> ids;
  for (const Snapshot& s : *snapshots) ids.push_back(s.id.Hex());
  for (const DamagedFile& f : *damaged) ids.push_back(f.name);
  std::set<std::string> chosen;
  for (const std::string& prefix : prefixes) {
    STORMPROOF_ASSIGN_OR_RETURN(size_t found, FindByIdPrefix(ids, prefix, "snapshot"));
    chosen.insert(ids[found]);
  }
  std::erase_if(*snapshots, [&](const Snapshot& s) { return !chosen.contains(s.id.Hex()); });
  std::erase_if(*damaged, [&](const DamagedFile& f) { return !chosen.contains(f.name); });
  return Ok();
}

// After `original` was removed: releases its standing holds (they stand on `repaired` now, so
// that `hold list` shows each once), adding the release to `saved`.
Status ReleaseRemoved(Maintenance& maintenance, const repository::MarkSet& marks,
                      const Snapshot& original, const repository::Id& repaired,
                      std::vector<repository::NamedMark>* saved) {
  if (!marks.Held(original.id)) return Ok();
  STORMPROOF_ASSIGN_OR_RETURN(
      repository::NamedMark released,
      holds::Release(maintenance.writer(), marks, original,
                     "removed by repair snapshots --forget; its holds stand on its repair " +
                         repaired.ShortHex(),
                     holds::Maker::ThisMachine(maintenance.lock().storage_time_ns())));
  saved->push_back(std::move(released));
  return Ok();
}

// Saves the repaired copy of `original`, carries the original's holds and verdict marks to it
// (holds::CarryToRepaired, from `marks`) and, with forget, removes the original afterwards and
// releases its holds; only reports what it would do when `maintenance` is null (a dry run).
Result<RepairedSnapshot> Replace(Maintenance* maintenance, const repository::MarkSet& marks,
                                 const Snapshot& original, const repository::Id& tree,
                                 std::vector<std::string> lost,
                                 const RepairSnapshotsOptions& options) {
  RepairedSnapshot out{original.id.Hex(), "", std::move(lost), false};
  if (maintenance == nullptr) return out;
  Snapshot repaired = original;
  repaired.tree = tree;
  repaired.repaired_from = original.id;
  repaired.lost.insert(repaired.lost.end(), out.lost.begin(), out.lost.end());
  auto id = maintenance->writer().SaveSnapshot(std::move(repaired));
  if (!id) return id.error().WithContext("saving the repair of snapshot " + original.id.Hex());
  out.repaired = id->Hex();
  if (*id == original.id) return out;
  STORMPROOF_ASSIGN_OR_RETURN(
      out.marks,
      holds::CarryToRepaired(maintenance->writer(), marks, original.id, *id,
                             holds::Maker::ThisMachine(maintenance->lock().storage_time_ns())));
  if (options.forget) {
    Status removed = maintenance->RemoveSnapshot(original.id);
    if (!removed) return removed.error().WithContext("removing snapshot " + original.id.Hex());
    out.original_removed = true;
    STORMPROOF_TRY(ReleaseRemoved(*maintenance, marks, original, *id, &out.marks));
  }
  return out;
}

// Repairs through `maintenance`, or only reports what it would do when that is null.
// REQUIRES: a lock on `repo` is held; `maintenance`, when given, holds `repo`'s exclusive lock.
Result<RepairSnapshotsReport> Run(const Repository& repo, Maintenance* maintenance,
                                  const RepairSnapshotsOptions& options,
                                  const ProgressFn& progress) {
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
  // The marks the repaired snapshots take over (a damaged mark counts for nothing: check
  // reports it; storage that cannot be read stops the repair before it changes anything).
  repository::MarkSet marks;
  if (maintenance != nullptr) {
    STORMPROOF_ASSIGN_OR_RETURN(marks, repo.LoadMarks());
  }
  TreeRewriter rewriter(repo, maintenance);
  for (const Snapshot& s : snapshots) {
    std::vector<std::string> lost;
    STORMPROOF_ASSIGN_OR_RETURN(repository::Id tree, rewriter.Rewrite(s.tree, &lost));
    ++report.snapshots;
    if (lost.empty()) {
      ++report.unchanged;
    } else {
      STORMPROOF_ASSIGN_OR_RETURN(RepairedSnapshot done,
                                  Replace(maintenance, marks, s, tree, std::move(lost), options));
      report.repaired.push_back(std::move(done));
    }
    if (progress) {
      progress(ProgressEvent().Count(ProgressUnit::kSnapshots, report.snapshots, snapshots.size()));
    }
  }
  report.data_blobs_checked = rewriter.data_blobs_checked();
  report.data_blobs_lost = rewriter.data_blobs_lost();
  if (options.forget && maintenance != nullptr) {
    for (const DamagedFile& f : report.damaged_snapshot_files) {
      Status removed = maintenance->RemoveSnapshotFile(f.name);
      if (!removed) return removed.error().WithContext("removing damaged snapshot " + f.name);
    }
    report.damaged_removed = !report.damaged_snapshot_files.empty();
  }
  return report;
}

}  // namespace

Result<RepairSnapshotsReport> RepairSnapshots(Maintenance& maintenance,
                                              const RepairSnapshotsOptions& options,
                                              const ProgressFn& progress) {
  return Run(maintenance.repository(), options.dry_run ? nullptr : &maintenance, options,
             progress);
}

Result<RepairSnapshotsReport> PlanRepairSnapshots(const Repository& repo,
                                                  const repository::Lock& lock,
                                                  const RepairSnapshotsOptions& options,
                                                  const ProgressFn& progress) {
  (void)lock;  // the witness that the caller holds a lock on `repo`
  return Run(repo, nullptr, options, progress);
}

}  // namespace stormproof::repair
