// Reporter: how the restorer's phases report per-entry errors and progress to the caller.
//
// Errors go to the caller's ErrorFn, serialised and counted; some (an unsupported feature such as
// extended attributes on this file system) are reported only once per restore. Progress counters
// are atomics that workers bump; the ProgressFn is only ever called from the thread that called
// Restore(), at most about every 100 ms plus once at the end. Thread-safe.
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_REPORTER_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_REPORTER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include "core/mutex.h"
#include "core/result.h"
#include "core/thread_annotations.h"
#include "engine/restorer/restorer.h"

namespace stormproof::restorer {

class Reporter {
 public:
  Reporter(const ProgressFn& progress, const ErrorFn& on_error);

  // Forwards one entry's error (`path` is the path inside the snapshot) and counts it.
  void Report(const std::string& path, const Error& error) EXCLUDES(mu_);
  // Like Report(), but only the first time `key` is seen in this restore.
  void ReportOnce(const std::string& key, const std::string& path, const Error& error)
      EXCLUDES(mu_);

  // Calls the ProgressFn when about 100 ms passed since the last call (or `force`).
  // REQUIRES: called from the thread that called Restore().
  void Tick(bool force = false);

  // Counters for progress and the summary; workers add to them.
  std::atomic<uint64_t> files{0}, dirs{0}, symlinks{0}, other{0}, bytes{0};
  std::atomic<uint64_t> total_bytes{0}, verified_files{0};
  std::atomic<uint64_t> setid_cleared{0}, special_skipped{0}, xattrs_skipped{0};

  RestoreSummary Summary() const EXCLUDES(mu_);

 private:
  const ProgressFn& progress_;
  const ErrorFn& on_error_;
  mutable Mutex mu_;
  uint64_t errors_ GUARDED_BY(mu_) = 0;
  std::set<std::string> once_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point last_tick_{};
};

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_REPORTER_H_
