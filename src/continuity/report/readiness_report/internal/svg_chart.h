// Small inline SVG charts for the readiness report: a time axis against a value axis starting
// at zero, drawn with plain SVG elements (no scripts, no external fonts or images) and styled
// by the report's stylesheet classes (`series`, `target`, `bar-<verdict>`, `axis`, `grid`).
// Open shapes (the axis path, the series polyline) also carry fill="none" themselves: SVG fills
// every path black by default, so without it an axis drawn as one path is a filled triangle
// wherever the stylesheet does not reach (a chart copied out of the report, a stricter viewer).
// The <svg> carries no xmlns attribute: inline SVG in HTML does not need one, and the report
// has no http(s) reference at all.
//
// Geometry is fixed so that coordinates are predictable: a 720 × 220 view box, the plot area
// from x 60 to 700 and y 20 to 180. The value axis runs from 0 to 1.25 × the largest of the
// values and the target (1 when everything is 0). Coordinates are written with one decimal.
// Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_READINESS_REPORT_INTERNAL_SVG_CHART_H_
#define STORMPROOF_CONTINUITY_REPORT_READINESS_REPORT_INTERNAL_SVG_CHART_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"

namespace stormproof::report::svg {

inline constexpr double kWidth = 720, kHeight = 220;
inline constexpr double kPlotLeft = 60, kPlotRight = 700, kPlotTop = 20, kPlotBottom = 180;

struct TimeRange {
  int64_t since_ns = 0, until_ns = 0;  // REQUIRES: since_ns < until_ns
};

// One point of a line; a point without a value breaks the line (no data there).
struct LinePoint {
  int64_t time_ns = 0;
  std::optional<double> seconds;
};

// A line of durations over time (the RPO sawtooth: the restore point's age) and an optional
// dashed horizontal target line, labelled with `label` (plain text, escaped here).
std::string DurationLineChart(const std::string& label, const TimeRange& range,
                              const std::vector<LinePoint>& points,
                              std::optional<double> target_seconds);

// One bar per event (achieved RTO per drill), coloured by its outcome; an event without a value
// (a drill that never reached verification) is a circle on the time axis. Optional dashed
// target line.
struct Bar {
  int64_t time_ns = 0;
  std::optional<double> seconds;
  catalog::Outcome outcome = catalog::Outcome::kOk;
};
std::string DurationBarChart(const std::string& label, const TimeRange& range,
                             const std::vector<Bar>& bars, std::optional<double> target_seconds);

}  // namespace stormproof::report::svg

#endif  // STORMPROOF_CONTINUITY_REPORT_READINESS_REPORT_INTERNAL_SVG_CHART_H_
