#include "progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace stormproof::cli {

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, kUnits[unit]);
}

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
  if (c.total_bytes > c.bytes && rate > 0) {
    auto left = static_cast<int64_t>((c.total_bytes - c.bytes) / rate);
    eta = fmt::format(" ETA {}:{:02}", left / 60, left % 60);
  }
  std::string total = c.total_bytes ? " / " + HumanBytes(c.total_bytes) : "";
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
  if (c.total_bytes) status["total_bytes"] = c.total_bytes;
  fmt::print("{}\n", status.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::fflush(stdout);
}

void ProgressReporter::Finish() {
  if (printed_) fmt::print(stderr, "\r\033[K");
  printed_ = false;
}

}  // namespace stormproof::cli
