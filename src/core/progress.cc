#include "core/progress.h"

#include <algorithm>
#include <atomic>

namespace stormproof {
namespace {

constexpr std::array<std::string_view, kProgressUnitCount> kUnitNames = {"files", "packs", "trees",
                                                                         "snapshots", "bytes"};

std::atomic<bool> render_every_event{false};

size_t Index(ProgressUnit unit) { return static_cast<size_t>(unit); }

// A count with a known total above 0: one percent can be measured by.
bool Measurable(const std::optional<ProgressCount>& count) {
  return count && count->total && *count->total > 0;
}

}  // namespace

std::string_view ProgressUnitName(ProgressUnit unit) { return kUnitNames[Index(unit)]; }

ProgressEvent& ProgressEvent::Count(ProgressUnit unit, uint64_t done,
                                    std::optional<uint64_t> total) {
  counts[Index(unit)] = ProgressCount{done, total};
  return *this;
}

const std::optional<ProgressCount>& ProgressEvent::Get(ProgressUnit unit) const {
  return counts[Index(unit)];
}

std::optional<ProgressUnit> MeasuredUnit(const ProgressEvent& event) {
  if (event.totals_growing) return std::nullopt;
  if (Measurable(event.Get(ProgressUnit::kBytes))) return ProgressUnit::kBytes;
  for (size_t i = 0; i < kProgressUnitCount; ++i) {
    if (Measurable(event.counts[i])) return static_cast<ProgressUnit>(i);
  }
  return std::nullopt;
}

std::optional<double> PercentDone(const ProgressEvent& event) {
  std::optional<ProgressUnit> unit = MeasuredUnit(event);
  if (!unit) return std::nullopt;
  const ProgressCount& count = *event.Get(*unit);
  return std::min(100.0,
                  100.0 * static_cast<double>(count.done) / static_cast<double>(*count.total));
}

std::optional<uint64_t> SecondsRemaining(const ProgressEvent& event, double seconds_elapsed) {
  std::optional<ProgressUnit> unit = MeasuredUnit(event);
  if (!unit) return std::nullopt;
  const ProgressCount& count = *event.Get(*unit);
  double rate = seconds_elapsed > 0 ? static_cast<double>(count.done) / seconds_elapsed : 0;
  if (*count.total <= count.done || rate <= 0) return std::nullopt;
  return static_cast<uint64_t>(static_cast<double>(*count.total - count.done) / rate);
}

namespace internal {

bool RenderEveryProgressEvent() { return render_every_event.load(std::memory_order_relaxed); }

void SetRenderEveryProgressEventForTesting(bool every) {
  render_every_event.store(every, std::memory_order_relaxed);
}

}  // namespace internal

}  // namespace stormproof
