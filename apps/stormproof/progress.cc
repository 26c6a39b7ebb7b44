#include "apps/stormproof/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

namespace stormproof::cli {

namespace {

// Percent done (0-100) once the totals are known: by bytes, or by files when
// there are no bytes.
std::optional<double> PercentDone(const ProgressCounts& c) {
  if (c.totals_growing) return std::nullopt;
  if (c.total_bytes > 0) return std::min(100.0, 100.0 * c.bytes / c.total_bytes);
  if (c.total_files > 0) return std::min(100.0, 100.0 * c.files / c.total_files);
  return std::nullopt;
}

// Seconds left at the average rate so far, once the totals are known and bytes
// remain.
std::optional<uint64_t> SecondsRemaining(const ProgressCounts& c, double seconds) {
  double rate = seconds > 0 ? c.bytes / seconds : 0;
  if (c.totals_growing || c.total_bytes <= c.bytes || rate <= 0) return std::nullopt;
  return static_cast<uint64_t>((c.total_bytes - c.bytes) / rate);
}

// " / 2.0 GiB (42%)" when the totals are known, " / 1.2 GiB so far (scanning)"
// while they grow.
std::string TotalText(const ProgressCounts& c) {
  if (c.totals_growing) {
    return c.total_files == 0 ? ""
                              : fmt::format(" / {} so far (scanning)", HumanBytes(c.total_bytes));
  }
  std::optional<double> percent = PercentDone(c);
  if (!percent) return "";
  return fmt::format(" / {} ({:.0f}%)", HumanBytes(c.total_bytes), std::floor(*percent));
}

}  // namespace

ProgressReporter::ProgressReporter(const Context& context, std::string action)
    : action_(std::move(action)),
      terminal_(!context.json && !context.quiet && ::isatty(STDERR_FILENO)),
      json_(context.json),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressReporter::Update(const ProgressCounts& counts) {
  auto now = std::chrono::steady_clock::now();
  auto since = now - last_;
  double seconds = std::chrono::duration<double>(now - start_).count();
  if (terminal_ && since >= std::chrono::milliseconds(100)) {
    PrintLine(counts, seconds);
    last_ = now;
  } else if (json_ && since >= std::chrono::seconds(1)) {
    PrintJsonLine(counts, seconds);
    last_ = now;
  }
}

void ProgressReporter::PrintLine(const ProgressCounts& c, double seconds) {
  double rate = seconds > 0 ? c.bytes / seconds : 0;
  std::string eta;
  if (std::optional<uint64_t> left = SecondsRemaining(c, seconds)) {
    eta = fmt::format(" ETA {}:{:02}", *left / 60, *left % 60);
  }
  std::string total = TotalText(c);
  std::string line =
      fmt::format("[{}:{:02}] {} {} files, {}{}, {}/s{}  {}", static_cast<int>(seconds) / 60,
                  static_cast<int>(seconds) % 60, action_, c.files, HumanBytes(c.bytes), total,
                  HumanBytes(static_cast<uint64_t>(rate)), eta, c.current);
  constexpr size_t kWidth = 100;
  if (line.size() > kWidth) line.resize(kWidth);
  fmt::print(stderr, "\r\033[K{}", line);
  std::fflush(stderr);
  printed_ = true;
}

void ProgressReporter::PrintJsonLine(const ProgressCounts& c, double seconds) {
  nlohmann::json status = {{"message_type", "status"},
                           {"action", action_},
                           {"seconds_elapsed", seconds},
                           {"files_done", c.files},
                           {"bytes_done", c.bytes}};
  if (std::optional<double> percent = PercentDone(c)) {
    if (c.total_files > 0) status["total_files"] = c.total_files;
    status["total_bytes"] = c.total_bytes;
    status["percent"] = std::round(*percent * 10) / 10;
    if (auto left = SecondsRemaining(c, seconds)) status["seconds_remaining"] = *left;
  }
  fmt::print("{}\n", status.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::fflush(stdout);
}

void ProgressReporter::Finish() {
  if (printed_) fmt::print(stderr, "\r\033[K");
  printed_ = false;
}

}  // namespace stormproof::cli
