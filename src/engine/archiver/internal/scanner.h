// Scanner: counts, on a background thread, what a backup of the given paths covers — regular
// files and their bytes, and directories — so that progress can show a percentage and an ETA
// (restic does the same). It walks exactly as the walker does (same listing, excludes and
// one_file_system rule, listing.h), never follows a symlink and only lists and stats: no file
// is opened. Counts grow while it runs and are final once done() is true; files that change
// meanwhile make them an estimate. Thread-safe: totals() may be called from any thread while
// the scan runs.
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_SCANNER_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_SCANNER_H_

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "engine/archiver/internal/exclude.h"
#include "engine/archiver/internal/paths.h"

namespace stormproof::archiver::internal {

struct ScanTotals {
  uint64_t files = 0;  // regular files
  uint64_t dirs = 0;   // directories below the given paths, given ones included
  uint64_t bytes = 0;  // the files' sizes (holes included, as the backup counts them)
  bool done = false;   // true once the scan went through everything: the counts are final
};

class Scanner {
 public:
  // Starts scanning `paths` (the canonical paths of a backup, paths.h) with the backup's
  // `excludes` and `one_file_system`.
  Scanner(const std::vector<std::string>& paths, std::vector<std::string> excludes,
          bool one_file_system);
  // Stops the scan (see Stop()).
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // The counts so far.
  ScanTotals totals() const;
  // Asks the scan to end and waits for it (at most the listing of one directory). Idempotent.
  // Totals stay as they were; done() stays false unless the scan had already finished.
  void Stop();

 private:
  void Run();
  void ScanChain(const std::string& path, const PathTrie& paths);
  // Counts `st` (the entry at `path`, given or found below a given path on `root_dev`) and,
  // for a directory, everything below it.
  void ScanEntry(const std::string& path, const struct stat& st, dev_t root_dev);
  void ScanTree(const std::string& path, dev_t root_dev);
  void Count(const struct stat& st);

  const PathTrie paths_;
  const ExcludeMatcher excludes_;
  const bool one_file_system_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> files_{0}, dirs_{0}, bytes_{0};
  std::thread thread_;  // last: starts once everything above is initialised
};

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_SCANNER_H_
