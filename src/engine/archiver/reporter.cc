#include "engine/archiver/internal/reporter.h"

namespace stormproof::archiver::internal {
namespace {

constexpr std::chrono::milliseconds kProgressInterval(100);

}  // namespace

Reporter::Reporter(const ProgressFn& progress, const ErrorFn& on_error, const PipelineStats& stats)
    : progress_(progress),
      on_error_(on_error),
      stats_(stats),
      last_report_(std::chrono::steady_clock::now()) {}

void Reporter::Skip(const std::string& path, const Error& error) {
  current_file_bytes_ = 0;
  skipped_.push_back(path + ": " + error.message());
  if (on_error_) on_error_(path, error);
}

void Reporter::FileDone(FileOutcome outcome, uint64_t size) {
  current_file_bytes_ = 0;
  summary_.bytes_processed += size;
  switch (outcome) {
    case FileOutcome::kNew:
      ++summary_.files_new;
      break;
    case FileOutcome::kChanged:
      ++summary_.files_changed;
      break;
    case FileOutcome::kUnmodified:
      ++summary_.files_unmodified;
      break;
  }
}

void Reporter::Tick(const std::string& current) {
  if (!progress_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_report_ < kProgressInterval) return;
  last_report_ = now;
  Flush(current);
}

void Reporter::Flush(const std::string& current) {
  if (!progress_) return;
  uint64_t files = summary_.files_new + summary_.files_changed + summary_.files_unmodified;
  uint64_t bytes = summary_.bytes_processed + current_file_bytes_;
  ProgressEvent p;
  p.current = current;
  if (scanner_ == nullptr) {
    p.Count(ProgressUnit::kFiles, files).Count(ProgressUnit::kBytes, bytes);
  } else {
    ScanTotals totals = scanner_->totals();
    p.Count(ProgressUnit::kFiles, files, totals.files);
    p.Count(ProgressUnit::kBytes, bytes, totals.bytes);
    p.totals_growing = !totals.done;
  }
  progress_(p);
}

repository::SnapshotSummary Reporter::Summary() const {
  repository::SnapshotSummary s = summary_;
  s.bytes_added = stats_.bytes_added.load(std::memory_order_relaxed);
  s.data_blobs_added = stats_.data_blobs_added.load(std::memory_order_relaxed);
  s.tree_blobs_added = stats_.tree_blobs_added.load(std::memory_order_relaxed);
  return s;
}

}  // namespace stormproof::archiver::internal
