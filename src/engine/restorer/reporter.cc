#include "engine/restorer/internal/reporter.h"

namespace stormproof::restorer {

namespace {
constexpr auto kTickInterval = std::chrono::milliseconds(100);
}  // namespace

Reporter::Reporter(const ProgressFn& progress, const ErrorFn& on_error)
    : progress_(progress), on_error_(on_error) {}

void Reporter::Report(const std::string& path, const Error& error) {
  MutexLock lock(mu_);
  ++errors_;
  if (on_error_) on_error_(path, error);
}

void Reporter::ReportOnce(const std::string& key, const std::string& path, const Error& error) {
  MutexLock lock(mu_);
  if (!once_.insert(key).second) return;
  ++errors_;
  if (on_error_) on_error_(path, error);
}

void Reporter::Tick(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!progress_ || (!force && now - last_tick_ < kTickInterval)) return;
  last_tick_ = now;
  uint64_t total = total_bytes.load();
  ProgressEvent p;
  p.Count(ProgressUnit::kFiles, files.load());
  p.Count(ProgressUnit::kBytes, bytes.load(),
          total > 0 ? std::optional<uint64_t>(total) : std::nullopt);  // 0: not known yet
  progress_(p);
}

RestoreSummary Reporter::Summary() const {
  RestoreSummary s;
  s.files = files.load();
  s.dirs = dirs.load();
  s.symlinks = symlinks.load();
  s.other = other.load();
  s.bytes = bytes.load();
  s.verified_files = verified_files.load();
  s.setid_cleared = setid_cleared.load();
  s.special_skipped = special_skipped.load();
  s.xattrs_skipped = xattrs_skipped.load();
  {
    MutexLock lock(mu_);
    s.errors = errors_;
  }
  return s;
}

}  // namespace stormproof::restorer
