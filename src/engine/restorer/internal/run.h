// RestoreRun: one restore of a planned snapshot into an open target, phase by phase.
//
//   1. CreateEntries (parallel): directories level by level (a level's directories in
//      parallel, each only once its parent exists), then regular files (empty, sized, mode 0600),
//      symlinks, fifos, sockets and devices with their metadata (the last three only when the
//      policy makes them), in parallel across directories;
//      finally the members of possible hard-link groups in plan order on one thread, so the
//      first one that is created leads its group. A hard-link follower is only recorded.
//   2. WriteContents (parallel, a pack per task): every needed data blob is loaded once, in
//      pack/offset order, and written to every place that uses it; a file whose last blob
//      lands is finished at once (verified when asked, metadata, temporary name renamed over
//      the real one). A file whose content cannot be written completely is removed, and an
//      existing file it was to replace stays as it was.
//   3. LinkFollowers: hard links to the finished first member of each group.
//   4. FinishDirectories: directory metadata, deepest level first (a level in parallel), so
//      nothing later bumps their times.
//
// Internal to the restorer. Run() is called once, from the thread that called Restore(); the
// phases use worker threads internally.
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_RUN_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_RUN_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/repository/repository.h"
#include "engine/restorer/internal/dir_cache.h"
#include "engine/restorer/internal/policy.h"
#include "engine/restorer/internal/reporter.h"
#include "engine/restorer/internal/restore_plan.h"
#include "engine/restorer/restorer.h"
#include "engine/restorer/internal/safe_fs.h"

namespace stormproof::restorer {

inline constexpr uint32_t kNoLeader = UINT32_MAX;

// A regular file of the plan that is being restored. Every regular file of the plan has one,
// made before phase 1; its creator (one phase-1 worker) sets temp_name and leader, or failed.
struct RestoredFile {
  explicit RestoredFile(uint32_t entry) : entry(entry) {}

  const uint32_t entry;              // in RestorePlan::entries
  std::string temp_name;             // "" or the temporary name the content is written under
  uint32_t leader = kNoLeader;       // hard-link followers: the file they link to
  std::atomic<uint32_t> pending{0};  // blob uses not yet written
  std::atomic<bool> failed{false};   // reported, or not created; not (fully) restored
};

// One place a data blob goes: a file, at an offset of its content stream.
struct BlobUse {
  uint32_t file = 0;  // index into RestoreRun's files
  uint64_t stream_offset = 0;
};

// A data blob to load once, and every place it goes (sorted by file).
struct BlobJob {
  crypto::Id id;
  repository::BlobLocation location;
  std::vector<BlobUse> uses;
};

class RestoreRun {
 public:
  // All references must outlive the run.
  RestoreRun(const repository::Repository& repo, const RestorePlan& plan,
             const RestoreOptions& options, UniqueFd target, Reporter& reporter);

  // Runs the four phases; per-entry failures go to the Reporter.
  void Run();

 private:
  // Verifies (when asked), restores metadata and commits a file whose content is complete, or
  // removes it when it failed. `fd` is the file open read-write, or invalid. Thread-safe for
  // distinct files.
  void FinishFile(uint32_t file, UniqueFd fd);
  void CreateEntries();
  void CreateDirectories();
  void CreateDirectory(uint32_t dir);
  // Creates the entry `entry`; `file` is its index in files_ for regular files.
  void CreateEntry(uint32_t entry, uint32_t file);
  void CreateFile(uint32_t entry, uint32_t file);
  void CreateOther(uint32_t entry);
  bool IsFollower(const repository::Node& node, uint32_t* leader) const;
  void WriteContents();
  std::vector<BlobJob> PlanBlobJobs();
  // Loads the jobs of one pack, [first, last) of `jobs`, a run of neighbouring blobs per read.
  void WritePack(std::span<const BlobJob> jobs);
  void WriteBlob(const BlobJob& job, Result<Bytes> data);
  // Writes `data` at each of `uses` (all of one file); returns the file open, or invalid after
  // a failure (reported).
  UniqueFd WriteUses(std::span<const BlobUse> uses, ByteView data);
  void LinkFollowers();
  void FinishDirectories();
  void FinishDirectory(uint32_t dir);
  // The directories below the target by depth (levels[0]: depth 1), each level in plan order.
  std::vector<std::vector<uint32_t>> DirectoryLevels() const;

  // Reports `error` for `file` unless it already failed. Thread-safe.
  void Fail(uint32_t file, const Error& error);
  const std::string& DiskName(const RestoredFile& file) const;

  const repository::Repository& repo_;
  const RestorePlan& plan_;
  const RestoreOptions& options_;
  const RestorePolicy policy_;
  Reporter& reporter_;
  const unsigned threads_;
  DirectoryCache dirs_;
  // Per plan dir: set in phase 1 by the worker creating it (read by others only once its level
  // is done), read in phase 4.
  std::vector<uint8_t> dir_created_;
  std::deque<RestoredFile> files_;                                  // filled before phase 1
  std::map<std::pair<uint64_t, uint64_t>, uint32_t> link_leaders_;  // (device, inode) -> file
};

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_RUN_H_
