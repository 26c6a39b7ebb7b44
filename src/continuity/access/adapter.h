// An adapter is how a drill (or `run`, listing restore points) reaches one kind of backup:
// stormproof's own repositories, restic and borg repositories (driving the real restic and borg
// programs), or a generic pair of commands from the plan. Every adapter answers the same three
// questions — which restore points exist, restore one into a directory, and check what was
// restored against the restore point — so a drill's measured numbers mean the same whichever
// adapter produced them.
//
// Adapters never change a repository: they only list, read and restore (restic and borg are run
// with read-only commands: snapshots/list, restore/extract, ls/list).
//
// An adapter is used by one drill at a time (not thread-safe); its methods block.
#ifndef STORMPROOF_CONTINUITY_ACCESS_ADAPTER_H_
#define STORMPROOF_CONTINUITY_ACCESS_ADAPTER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/result.h"

namespace stormproof::access {

// A snapshot (restic, stormproof) or archive (borg) that a drill can restore.
struct RestorePoint {
  std::string id;       // the tool's id (full hex id; borg: the archive name)
  int64_t time_ns = 0;  // when it was taken (Unix epoch, UTC); 0 = unknown (command adapter)
  std::vector<std::string> paths;  // the paths it holds, as the tool records them
  std::string hostname;
  // Its ransomware verdict's level ("clean", "suspicious", "infected"; engine/repository/
  // signals.h): "" when never judged, and always for restic, borg and command repositories.
  // The level as it stands now: the record's raised by any later verdict (a slow attack's
  // earlier step, a scan; engine/repository/marks.h).
  std::string verdict = {};
  // Flagged, but a person accepted it as a false alarm (`hold release --false-alarm`): it counts
  // as clean for "latest-clean". Always false where `verdict` is "".
  bool false_alarm = false;
  // As detect::JudgedSnapshot's fields of the same names (engine/detect/verdict.h): a person
  // vouched that the attack was over by this point (`hold resolve`); flagged, but older than such
  // a point; the id of a flagged snapshot since removed that a standing hold on this point was
  // placed because of (the clean point stays at or before it).
  bool resolution = false, resolved = false;
  std::string removed_flag = {};
};

struct RestoreStats {
  uint64_t files = 0, bytes = 0;  // regular files and their bytes restored
  // The restore point's time when only the restore tells it (the command adapter reads it from
  // the file $STORMPROOF_RESTORE_POINT_FILE the command may write); 0 = as listed.
  int64_t point_time_ns = 0;
};

struct DataCheck {
  uint64_t files_checked = 0;
  std::vector<std::string> problems;  // "path: what differs", empty when everything matched
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  // "stormproof", "restic", "borg", "command".
  virtual std::string Name() const = 0;

  // Restore points, oldest first, of the backup this adapter was made for (for the engine
  // adapters: snapshots tagged with the system, else holding its backup paths).
  // Errors: kNotFound (no repository there), kInvalidArgument (wrong password), kIo.
  virtual Result<std::vector<RestorePoint>> List() = 0;

  // Restores `point` into the empty directory `target`, so the system's backup paths appear
  // under it as <target>/<path> (a Windows path D:/X as <target>/D/X). Errors: the restore
  // failed as a whole or in part (kIo / kFailedCheck with the tool's one-line message).
  // Progress (calling thread): the files and bytes written so far (kFiles, kBytes); external
  // tools report them once, counted after the tool finished.
  virtual Result<RestoreStats> Restore(const RestorePoint& point, const std::string& target,
                                       const ProgressFn& progress) = 0;

  // Compares what Restore wrote under `target` with the restore point: every regular file
  // present with the right size (and, where the tool can, content); problems are listed, not
  // returned as errors. Errors only when the check could not run at all.
  virtual Result<DataCheck> CheckData(const RestorePoint& point, const std::string& target) = 0;
};

}  // namespace stormproof::access

#endif  // STORMPROOF_CONTINUITY_ACCESS_ADAPTER_H_
