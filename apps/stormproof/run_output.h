// Where `stormproof run` writes its lines. Cron mails whatever a job prints and systemd keeps it
// in the journal, so with --quiet a run that needs nobody prints nothing at all: lines are held
// back until the end and printed only when something needs a human — a breach, an action that
// failed or could not run, a catalog that could not record. Without --quiet every line is
// printed at once. Thread-safe (jobs report from their threads).
#ifndef STORMPROOF_APPS_STORMPROOF_RUN_OUTPUT_H_
#define STORMPROOF_APPS_STORMPROOF_RUN_OUTPUT_H_

#include <cstdio>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace stormproof::cli {

// How much a line matters with --quiet.
enum class Weight {
  kRoutine,     // what a run that went well says: dropped with --quiet
  kContext,     // warnings: printed with --quiet only when something needs a human
  kNeedsHuman,  // a breach, a failure, an error: always printed
};

class RunOutput {
 public:
  explicit RunOutput(bool quiet) : quiet_(quiet) {}
  ~RunOutput() { Finish(); }

  // Prints `line` (a '\n' is added) to `stream` (stdout or stderr), or holds it back.
  void Line(Weight weight, std::FILE* stream, const std::string& line) EXCLUDES(mutex_);
  // True once a kNeedsHuman line was given.
  bool NeedsHuman() EXCLUDES(mutex_);
  // With --quiet, prints the lines held back when something needs a human; idempotent.
  void Finish() EXCLUDES(mutex_);

 private:
  struct Held {
    std::FILE* stream;
    std::string line;
  };
  const bool quiet_;
  Mutex mutex_;
  bool needs_human_ GUARDED_BY(mutex_) = false;
  std::vector<Held> held_ GUARDED_BY(mutex_);
};

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_RUN_OUTPUT_H_
