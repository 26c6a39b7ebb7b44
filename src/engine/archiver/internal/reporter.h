// Reporter: the walker's bookkeeping for one backup — summary counts, the skipped list, the
// per-entry error callback and progress at most every 100 ms. Walker thread only; not
// thread-safe (the pipeline's counters it reads are atomics).
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_REPORTER_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_REPORTER_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/archiver/archiver.h"
#include "engine/archiver/internal/pipeline.h"
#include "engine/archiver/internal/scanner.h"

namespace stormproof::archiver::internal {

enum class FileOutcome { kNew, kChanged, kUnmodified };

class Reporter {
 public:
  Reporter(const ProgressFn& progress, const ErrorFn& on_error, const PipelineStats& stats);

  // `path` could not be backed up: calls on_error and lists "path: message" as skipped.
  void Skip(const std::string& path, const Error& error);
  // `n` more bytes of the current file were read.
  void AddRead(uint64_t n) { current_file_bytes_ += n; }
  // A file of `size` bytes is in the snapshot.
  void FileDone(FileOutcome outcome, uint64_t size);
  void DirDone() { ++summary_.dirs; }
  // Adds `scanner`'s totals to progress reports from now on; it must outlive the reports.
  void WatchScan(const Scanner* scanner) { scanner_ = scanner; }
  // Reports progress if 100 ms have passed since the last report.
  void Tick(const std::string& current);
  // Reports progress now (the end of the walk).
  void Flush(const std::string& current);

  // Counts so far, including the pipeline's.
  repository::SnapshotSummary Summary() const;
  std::vector<std::string> TakeSkipped() { return std::move(skipped_); }

 private:
  const ProgressFn& progress_;
  const ErrorFn& on_error_;
  const PipelineStats& stats_;
  const Scanner* scanner_ = nullptr;
  repository::SnapshotSummary summary_;
  uint64_t current_file_bytes_ = 0;
  std::vector<std::string> skipped_;
  std::chrono::steady_clock::time_point last_report_;
};

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_REPORTER_H_
