// Progress for long work, rendered two ways from the same updates: a live status line on a
// terminal (stderr; none when stderr is not a terminal or with --quiet), or JSON lines on
// stdout with --json ({"message_type":"status", ...}). Not thread-safe: call from one thread.
#ifndef STORMPROOF_APPS_STORMPROOF_PROGRESS_H_
#define STORMPROOF_APPS_STORMPROOF_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "context.h"

namespace stormproof::cli {

struct ProgressCounts {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t total_bytes = 0;  // 0 when unknown (no ETA then)
  std::string current;       // path being worked on
};

class ProgressReporter {
 public:
  ProgressReporter(const Context& context, std::string action);
  // Prints at most every 100 ms on a terminal, every second as JSON.
  void Update(const ProgressCounts& counts);
  // Clears the terminal line.
  void Finish();

 private:
  void PrintLine(const ProgressCounts& counts, double seconds);
  void PrintJsonLine(const ProgressCounts& counts, double seconds);

  std::string action_;
  bool terminal_ = false;
  bool json_ = false;
  std::chrono::steady_clock::time_point start_, last_;
  bool printed_ = false;
};

// "1.5 GiB", "312 KiB", "17 B".
std::string HumanBytes(uint64_t bytes);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_PROGRESS_H_
