#include "apps/stormproof/run_output.h"

#include <fmt/format.h>

namespace stormproof::cli {

void RunOutput::Line(Weight weight, std::FILE* stream, const std::string& line) {
  MutexLock lock(mutex_);
  if (weight == Weight::kNeedsHuman) needs_human_ = true;
  if (!quiet_) {
    fmt::print(stream, "{}\n", line);
    std::fflush(stream);
  } else if (weight != Weight::kRoutine) {
    held_.push_back({stream, line});
  }
}

bool RunOutput::NeedsHuman() {
  MutexLock lock(mutex_);
  return needs_human_;
}

void RunOutput::Finish() {
  MutexLock lock(mutex_);
  if (needs_human_) {
    for (const Held& held : held_) fmt::print(held.stream, "{}\n", held.line);
  }
  held_.clear();
  std::fflush(stdout);
  std::fflush(stderr);
}

}  // namespace stormproof::cli
