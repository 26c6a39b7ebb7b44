// Comparing a restored directory with the listing of the restore point it was restored from,
// for the adapters whose tools can list a snapshot (restic, borg). Read-only; thread-compatible.
#ifndef STORMPROOF_CONTINUITY_ACCESS_INTERNAL_TREE_COMPARE_H_
#define STORMPROOF_CONTINUITY_ACCESS_INTERNAL_TREE_COMPARE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"
#include "continuity/access/adapter.h"

namespace stormproof::access {

enum class EntryType { kFile, kDirectory, kSymlink, kOther };

// One entry of the restore point's listing.
struct ExpectedEntry {
  // As the tool lists it: "/srv/x/a" (restic), "srv/x/a" (borg), "D:/x" (restored as D/x).
  std::string path;
  EntryType type = EntryType::kFile;
  std::optional<uint64_t> size;  // regular files: the size to expect; nullopt = not compared
  std::string damage;  // non-empty when the tool itself marks the entry damaged: the reason
};

// Checks entries one at a time (so a listing of millions of files is never held in memory) and
// collects at most kMaxProblems problem lines, then "... and N more".
class TreeComparison {
 public:
  static constexpr size_t kMaxProblems = 100;

  // `point_noun` names the restore point in messages: "snapshot", "archive".
  TreeComparison(std::string target, std::string point_noun);

  void Check(const ExpectedEntry& entry);
  DataCheck Finish();

 private:
  void AddProblem(const std::string& path, const std::string& what);

  std::string target_;
  std::string point_noun_;
  DataCheck check_;
  uint64_t more_problems_ = 0;
};

// Where `listed_path` lands under `target`: leading '/' dropped, "D:" becomes "D".
// Empty when the path could leave target (a ".." component).
std::string RestoredPath(const std::string& target, const std::string& listed_path);

struct FileCount {
  uint64_t files = 0, bytes = 0;
};

// Regular files under `dir` and their sizes (symbolic links are not followed).
Result<FileCount> CountRegularFiles(const std::string& dir);

// Creates the restore directory `target` (and its parents) for a tool to restore into.
// Errors: kIo "restore directory <target>: <why>".
Status MakeRestoreDirectory(const std::string& target);

// What an external tool restored under `target`: its regular files and bytes, reported once to
// `progress` (kFiles, kBytes; may be empty), with `point_time_ns` as RestoreStats::point_time_ns.
// Errors: kIo.
Result<RestoreStats> CountRestored(const std::string& target, const ProgressFn& progress,
                                   int64_t point_time_ns = 0);

}  // namespace stormproof::access

#endif  // STORMPROOF_CONTINUITY_ACCESS_INTERNAL_TREE_COMPARE_H_
