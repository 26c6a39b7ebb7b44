#include "apps/stormproof/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <optional>

#include "core/text.h"  // HumanBytes

namespace stormproof::cli {

namespace {

// Whether some count's total is known and above 0.
bool AnyTotal(const ProgressEvent& e) {
  for (const std::optional<ProgressCount>& count : e.counts) {
    if (count && count->total.value_or(0) > 0) return true;
  }
  return false;
}

// "5 MiB", "5 MiB / 10 MiB (50%)", "5 MiB / 8 MiB so far (scanning)".
std::string BytesText(const ProgressEvent& e, const ProgressCount& bytes) {
  std::string text = HumanBytes(bytes.done);
  if (e.totals_growing && bytes.total && AnyTotal(e)) {
    return text + fmt::format(" / {} so far (scanning)", HumanBytes(*bytes.total));
  }
  if (MeasuredUnit(e) != ProgressUnit::kBytes) return text;
  return text +
         fmt::format(" / {} ({:.0f}%)", HumanBytes(*bytes.total), std::floor(*PercentDone(e)));
}

// "12 packs", or for the measured count "12 / 40 packs (30%)".
std::string CountText(const ProgressEvent& e, ProgressUnit unit, const ProgressCount& count) {
  std::string_view name = ProgressUnitName(unit);
  if (MeasuredUnit(e) != unit) return fmt::format("{} {}", count.done, name);
  return fmt::format("{} / {} {} ({:.0f}%)", count.done, *count.total, name,
                     std::floor(*PercentDone(e)));
}

std::string CountsText(const ProgressEvent& e) {
  std::string text;
  for (size_t i = 0; i < kProgressUnitCount; ++i) {
    if (!e.counts[i]) continue;
    auto unit = static_cast<ProgressUnit>(i);
    if (!text.empty()) text += ", ";
    text += unit == ProgressUnit::kBytes ? BytesText(e, *e.counts[i])
                                         : CountText(e, unit, *e.counts[i]);
  }
  return text;
}

// ", 1.0 MiB/s" by bytes when counted, else ", 4.0 packs/s" by the first count; "" without counts.
std::string RateText(const ProgressEvent& e, double seconds) {
  auto rate = [&](const ProgressCount& c) {
    return seconds > 0 ? static_cast<double>(c.done) / seconds : 0.0;
  };
  if (const auto& bytes = e.Get(ProgressUnit::kBytes)) {
    return fmt::format(", {}/s", HumanBytes(static_cast<uint64_t>(rate(*bytes))));
  }
  for (size_t i = 0; i < kProgressUnitCount; ++i) {
    if (!e.counts[i]) continue;
    return fmt::format(", {:.1f} {}/s", rate(*e.counts[i]),
                       ProgressUnitName(static_cast<ProgressUnit>(i)));
  }
  return "";
}

bool StdErrIsTerminal() { return ::isatty(STDERR_FILENO) != 0; }

}  // namespace

std::string ProgressLine(std::string_view action, const ProgressEvent& e, double seconds) {
  std::string eta;
  if (std::optional<uint64_t> left = SecondsRemaining(e, seconds)) {
    eta = fmt::format(" ETA {}:{:02}", *left / 60, *left % 60);
  }
  std::string phase = e.phase.empty() ? "" : " " + e.phase + ":";
  std::string line = fmt::format("[{}:{:02}] {}{} {}{}{}", static_cast<int>(seconds) / 60,
                                 static_cast<int>(seconds) % 60, action, phase, CountsText(e),
                                 RateText(e, seconds), eta);
  if (!e.current.empty()) line += "  " + e.current;
  constexpr size_t kWidth = 100;
  if (line.size() > kWidth) line.resize(kWidth);
  return line;
}

nlohmann::json ProgressJson(std::string_view action, const ProgressEvent& e, double seconds) {
  nlohmann::json status = {
      {"message_type", "status"}, {"action", std::string(action)}, {"seconds_elapsed", seconds}};
  if (!e.phase.empty()) status["phase"] = e.phase;
  for (size_t i = 0; i < kProgressUnitCount; ++i) {
    if (e.counts[i]) {
      status[std::string(ProgressUnitName(static_cast<ProgressUnit>(i))) + "_done"] =
          e.counts[i]->done;
    }
  }
  std::optional<double> percent = PercentDone(e);
  if (!percent) return status;
  for (size_t i = 0; i < kProgressUnitCount; ++i) {
    if (e.counts[i] && e.counts[i]->total) {
      status["total_" + std::string(ProgressUnitName(static_cast<ProgressUnit>(i)))] =
          *e.counts[i]->total;
    }
  }
  status["percent"] = std::round(*percent * 10) / 10;
  if (auto left = SecondsRemaining(e, seconds)) status["seconds_remaining"] = *left;
  return status;
}

ProgressReporter::ProgressReporter(const Context& context, std::string action,
                                   JsonStatusStream json_stream)
    : action_(std::move(action)),
      terminal_(!context.json && !context.quiet && StdErrIsTerminal()),
      json_(context.json),
      json_stream_(json_stream == JsonStatusStream::kStderr ? stderr : stdout),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressReporter::Update(const ProgressEvent& event) {
  MutexLock lock(mu_);
  auto now = std::chrono::steady_clock::now();
  auto since = now - last_;
  double seconds = std::chrono::duration<double>(now - start_).count();
  bool every = internal::RenderEveryProgressEvent();
  if (terminal_ && (every || since >= std::chrono::milliseconds(100))) {
    fmt::print(stderr, "\r\033[K{}", ProgressLine(action_, event, seconds));
    std::fflush(stderr);
    printed_ = true;
    last_ = now;
  } else if (json_ && (every || since >= std::chrono::seconds(1))) {
    nlohmann::json status = ProgressJson(action_, event, seconds);
    fmt::print(json_stream_, "{}\n",
               status.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    std::fflush(json_stream_);
    last_ = now;
  }
}

ProgressFn ProgressReporter::Callback() {
  if (!active()) return {};
  return [this](const ProgressEvent& event) { Update(event); };
}

void ProgressReporter::Finish() {
  MutexLock lock(mu_);
  if (printed_) fmt::print(stderr, "\r\033[K");
  printed_ = false;
}

}  // namespace stormproof::cli
