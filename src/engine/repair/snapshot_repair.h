// RepairSnapshots: snapshots rewritten without what is lost (`stormproof repair snapshots`).
//
// For every selected snapshot its trees are walked (TreeRewriter): a file with a data blob that
// is in no index or fails to verify (every data blob is read and its id re-hashed) is removed,
// and a directory whose tree cannot be loaded becomes empty. A snapshot that loses something is
// saved anew with the same fields, the new root tree, `repaired_from` = the original's id and
// `lost` = one "path: reason" line per removed entry (docs/repository-format.md), and it takes
// over the original's standing holds and verdict marks (holds::CarryToRepaired: a held snapshot
// stays held, a flagged one flagged); the original is removed only with `forget`, after the new
// one is saved and the marks carried, and its holds are then released (they stand on the new
// one). Snapshots that lose nothing are left
// alone. Snapshot files that cannot be read at all are reported, and removed with `forget`.
//
// Refuses to run while an index file is damaged: blobs missing from the index might only be in
// that file ('stormproof repair index' first). Runs under the exclusive lock its
// repository::Maintenance holds; a dry run (PlanRepairSnapshots) needs only a shared lock.
// Thread-compatible.
#ifndef STORMPROOF_ENGINE_REPAIR_SNAPSHOT_REPAIR_H_
#define STORMPROOF_ENGINE_REPAIR_SNAPSHOT_REPAIR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/result.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"

namespace stormproof::repair {

struct RepairSnapshotsOptions {
  // Snapshot ids or unique prefixes of them (snapshot file names); empty: every snapshot.
  std::vector<std::string> snapshots;
  bool forget = false;   // remove each repaired original and every damaged snapshot file
  bool dry_run = false;  // find what is lost and report; change nothing
};

struct RepairedSnapshot {
  std::string original;           // id (hex)
  std::string repaired;           // the new snapshot's id; empty in a dry run
  std::vector<std::string> lost;  // "path: reason"
  bool original_removed = false;
  // The original's standing holds and verdict marks, carried to the repaired snapshot
  // (holds::CarryToRepaired), then, once the original is removed, the release of its holds;
  // none in a dry run.
  std::vector<repository::NamedMark> marks = {};
};

struct RepairSnapshotsReport {
  uint64_t snapshots = 0;  // readable snapshots examined
  uint64_t unchanged = 0;  // of which lose nothing
  uint64_t data_blobs_checked = 0, data_blobs_lost = 0;
  std::vector<RepairedSnapshot> repaired;
  std::vector<repository::DamagedFile> damaged_snapshot_files;  // selected ones
  bool damaged_removed = false;                                 // with forget, not a dry run
};

// Progress (calling thread): the snapshots examined so far, of those selected (kSnapshots).
//
// Errors: kLocked (the lock was lost), kFailedCheck (a damaged index file), kNotFound (a
// selected snapshot does not exist), kInvalidArgument (an ambiguous prefix), the backend's
// errors. A failure leaves every snapshot as it was or repaired (never an original removed
// before its repaired snapshot is saved and holds the original's holds).
Result<RepairSnapshotsReport> RepairSnapshots(repository::Maintenance& maintenance,
                                              const RepairSnapshotsOptions& options,
                                              const ProgressFn& progress);
// What RepairSnapshots would do, changing nothing (repair snapshots --dry-run; options.dry_run
// is implied). `lock` is the lock the caller holds on `repo` (a shared one is enough).
Result<RepairSnapshotsReport> PlanRepairSnapshots(const repository::Repository& repo,
                                                  const repository::Lock& lock,
                                                  const RepairSnapshotsOptions& options,
                                                  const ProgressFn& progress);

}  // namespace stormproof::repair

#endif  // STORMPROOF_ENGINE_REPAIR_SNAPSHOT_REPAIR_H_
