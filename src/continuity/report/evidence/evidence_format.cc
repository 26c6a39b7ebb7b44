#include "continuity/report/evidence/evidence_format.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "core/time.h"

namespace stormproof::report {
namespace {

// "12.3" or "280": one decimal below 100, a trailing ".0" dropped.
std::string Number(double value) {
  std::string text = value < 100 ? fmt::format("{:.1f}", value) : fmt::format("{:.0f}", value);
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text;
}

}  // namespace

std::string FormatBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  if (bytes < 1000) return fmt::format("{:.0f} B", std::max(bytes, 0.0));
  size_t unit = 0;
  while (bytes >= 1000 && unit + 1 < std::size(kUnits)) {
    bytes /= 1000;
    ++unit;
  }
  return Number(bytes) + " " + kUnits[unit];
}

std::string FormatRate(double bytes_per_second) { return FormatBytes(bytes_per_second) + "/s"; }

std::string FormatMillis(int64_t ms) {
  if (ms < 0) return "-" + FormatMillis(-ms);
  if (ms < 1000) return fmt::format("{} ms", ms);
  if (ms < 60'000) return Number(std::floor(ms / 100.0) / 10.0) + " s";
  return ShortDurationNs(ms * kNsPerMillisecond);
}

const char* VerdictText(catalog::Outcome outcome) {
  switch (outcome) {
    case catalog::Outcome::kOk:
      return "pass";
    case catalog::Outcome::kWarning:
      return "pass with warnings";
    case catalog::Outcome::kFailed:
      return "fail";
    case catalog::Outcome::kError:
      return "error";
  }
  return "error";
}

const char* VerdictId(catalog::Outcome outcome) {
  return outcome == catalog::Outcome::kWarning ? "pass-with-warnings" : VerdictText(outcome);
}

std::string SharePercent(double share) {
  if (share >= 1) return "100%";
  // Tenths of a percent, rounded down (a hair of tolerance for binary fractions like 0.7).
  double tenths = std::min(999.0, std::floor(std::max(share, 0.0) * 1000 + 1e-6));
  return Number(tenths / 10) + "%";
}

}  // namespace stormproof::report
