// Progress for long work, rendered two ways from the same updates: a live
// status line on a terminal (stderr; none when stderr is not a terminal or with
// --quiet), or JSON lines on stdout with --json ({"message_type":"status",
// ...}). Once the totals are known, both show the percentage done and the time
// left at the average rate so far. Not thread-safe: call from one thread.
#ifndef STORMPROOF_APPS_STORMPROOF_PROGRESS_H_
#define STORMPROOF_APPS_STORMPROOF_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "apps/stormproof/context.h"
#include "core/text.h"  // HumanBytes

namespace stormproof::cli {

struct ProgressCounts {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t total_bytes = 0;  // 0 when unknown (no percent or ETA then)
  std::string current;       // path being worked on
  uint64_t total_files = 0;  // 0 when unknown
  // The totals are still being counted (a scan runs alongside the work): they
  // are shown as they grow, without percent or ETA, and left out of JSON.
  bool totals_growing = false;
};

class ProgressReporter {
 public:
  ProgressReporter(const Context& context, std::string action);
  // Prints at most every 100 ms on a terminal, every second as JSON.
  void Update(const ProgressCounts& counts);
  // Clears the terminal line.
  void Finish();
  // False when Update() never prints (not a terminal, --quiet, no --json):
  // counting progress can be skipped then.
  bool active() const { return terminal_ || json_; }

 private:
  void PrintLine(const ProgressCounts& counts, double seconds);
  void PrintJsonLine(const ProgressCounts& counts, double seconds);

  std::string action_;
  bool terminal_ = false;
  bool json_ = false;
  std::chrono::steady_clock::time_point start_, last_;
  bool printed_ = false;
};

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_PROGRESS_H_
