// Progress for long work, rendered two ways from the same events (core/progress.h): a live
// status line on a terminal (stderr; none when stderr is not a terminal or with --quiet), or
// JSON lines on stdout with --json ({"message_type":"status", ...}). Each count is shown in its
// own unit (files, bytes, packs, trees, snapshots). Once a total is known, both show the
// percentage done and the time left at the average rate so far. docs/cli.md, "PROGRESS", lists
// each command's fields. ProgressReporter is thread-safe: an operation calls its ProgressFn one
// call at a time (core/progress.h), but an error handler on a worker thread may Finish() the line
// meanwhile.
#ifndef STORMPROOF_APPS_STORMPROOF_PROGRESS_H_
#define STORMPROOF_APPS_STORMPROOF_PROGRESS_H_

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "apps/stormproof/context.h"
#include "core/mutex.h"
#include "core/progress.h"
#include "core/thread_annotations.h"
#include "core/text.h"  // HumanBytes, which the commands that show progress print as well

namespace stormproof::cli {

// The terminal line: "[m:ss] ACTION[ PHASE:] COUNTS, RATE/s[ ETA m:ss][  CURRENT]", where
// COUNTS are "N files", "SIZE", "N packs", ... and the measured count (MeasuredUnit) carries its
// total: "SIZE / TOTAL (P%)", "N / M packs (P%)"; growing totals show "SIZE / TOTAL so far
// (scanning)". Cut to 100 columns.
std::string ProgressLine(std::string_view action, const ProgressEvent& event, double seconds);

// The --json status line: {"message_type":"status","action","seconds_elapsed", "phase" (when
// there is one), "<unit>_done" per count, and once a total is known "total_<unit>" per known
// total, "percent" and "seconds_remaining" (when a rate is known)}.
nlohmann::json ProgressJson(std::string_view action, const ProgressEvent& event, double seconds);

// Where --json status lines go: stdout for commands whose --json output is JSON lines (backup,
// restore, check, prune, ...: status lines, then the summary), stderr for a command whose --json
// output is one JSON document (drill), so that stdout stays parseable as a whole.
enum class JsonStatusStream { kStdout, kStderr };

class ProgressReporter {
 public:
  ProgressReporter(const Context& context, std::string action,
                   JsonStatusStream json_stream = JsonStatusStream::kStdout);
  // Prints at most every 100 ms on a terminal, every second as JSON (every event in test builds
  // with STORMPROOF_TEST_PROGRESS=every).
  void Update(const ProgressEvent& event) EXCLUDES(mu_);
  // A ProgressFn that calls Update(); empty when !active(), so that operations skip work done
  // only for progress. REQUIRES: this reporter outlives every call.
  ProgressFn Callback();
  // Clears the terminal line.
  void Finish() EXCLUDES(mu_);
  // False when Update() never prints (not a terminal, --quiet, no --json).
  bool active() const { return terminal_ || json_; }

 private:
  std::string action_;
  bool terminal_ = false;
  bool json_ = false;
  std::FILE* json_stream_ = stdout;
  const std::chrono::steady_clock::time_point start_;
  Mutex mu_;  // serialises printing
  std::chrono::steady_clock::time_point last_ GUARDED_BY(mu_);
  bool printed_ GUARDED_BY(mu_) = false;
};

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_PROGRESS_H_
