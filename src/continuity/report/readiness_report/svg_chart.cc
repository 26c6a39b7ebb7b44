#include "continuity/report/readiness_report/internal/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "continuity/report/html/escape.h"
#include "continuity/report/evidence/evidence_format.h"

namespace stormproof::report::svg {
namespace {

constexpr const char* kBarClass[] = {"bar-pass", "bar-warning", "bar-fail", "bar-error"};
constexpr double kBarWidth = 8;

// Maps times and durations to view-box coordinates.
class Frame {
 public:
  Frame(const TimeRange& range, double y_max) : range_(range), y_max_(y_max) {}

  double X(int64_t t) const {
    double share = static_cast<double>(t - range_.since_ns) /
                   static_cast<double>(range_.until_ns - range_.since_ns);
    return kPlotLeft + std::clamp(share, 0.0, 1.0) * (kPlotRight - kPlotLeft);
  }
  double Y(double seconds) const {
    return kPlotBottom - std::clamp(seconds / y_max_, 0.0, 1.0) * (kPlotBottom - kPlotTop);
  }
  double y_max() const { return y_max_; }
  const TimeRange& range() const { return range_; }

 private:
  TimeRange range_;
  double y_max_;
};

std::string N(double v) { return fmt::format("{:.1f}", v); }

std::string Label(double seconds) {
  return FormatMillis(static_cast<int64_t>(std::llround(seconds * 1000)));
}

double YMax(double largest, std::optional<double> target) {
  double top = std::max(largest, target.value_or(0));
  return top > 0 ? top * 1.25 : 1;
}

std::string Open(const std::string& label) {
  return fmt::format("<svg class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">\n",
                     kWidth, kHeight, HtmlEscape(label)) +
         "<title>" + HtmlEscape(label) + "</title>\n";
}

// Axes, a grid line at half and full scale with duration labels, and dates at both ends and
// the middle of the time axis.
std::string Axes(const Frame& f) {
  std::string out;
  for (double share : {0.5, 1.0}) {
    double y = f.Y(f.y_max() * share);
    out += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
                       N(kPlotLeft), N(y), N(kPlotRight), N(y));
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", N(kPlotLeft - 6),
                       N(y + 4), Label(f.y_max() * share));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n", N(kPlotLeft - 6),
                     N(kPlotBottom + 4));
  out += fmt::format("<path class=\"axis\" fill=\"none\" d=\"M{} {}V{}H{}\"/>\n", N(kPlotLeft),
                     N(kPlotTop), N(kPlotBottom), N(kPlotRight));
  const TimeRange& r = f.range();
  int64_t middle = r.since_ns + (r.until_ns - r.since_ns) / 2;
  const char* anchors[] = {"start", "middle", "end"};
  int64_t times[] = {r.since_ns, middle, r.until_ns};
  for (int i = 0; i < 3; ++i) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"{}\">{}</text>\n", N(f.X(times[i])),
                       N(kPlotBottom + 18), anchors[i], UtcDateOf(times[i]).ToString());
  }
  return out;
}

std::string TargetLine(const Frame& f, std::optional<double> target) {
  if (!target) return "";
  double y = f.Y(*target);
  return fmt::format("<line class=\"target\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
                     N(kPlotLeft), N(y), N(kPlotRight), N(y)) +
         fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">target {}</text>\n",
                     N(kPlotRight), N(y - 4), Label(*target));
}

std::string Polyline(const std::vector<std::pair<double, double>>& xy) {
  if (xy.empty()) return "";
  std::string points;
  for (const auto& [x, y] : xy) points += (points.empty() ? "" : " ") + N(x) + "," + N(y);
  return "<polyline class=\"series\" fill=\"none\" points=\"" + points + "\"/>\n";
}

}  // namespace

std::string DurationLineChart(const std::string& label, const TimeRange& range,
                              const std::vector<LinePoint>& points,
                              std::optional<double> target_seconds) {
  double largest = 0;
  for (const LinePoint& p : points) largest = std::max(largest, p.seconds.value_or(0));
  Frame f(range, YMax(largest, target_seconds));
  std::string out = Open(label) + Axes(f) + TargetLine(f, target_seconds);
  std::vector<std::pair<double, double>> segment;
  for (const LinePoint& p : points) {
    if (!p.seconds) {
      out += Polyline(segment);
      segment.clear();
      continue;
    }
    segment.emplace_back(f.X(p.time_ns), f.Y(*p.seconds));
  }
  return out + Polyline(segment) + "</svg>\n";
}

std::string DurationBarChart(const std::string& label, const TimeRange& range,
                             const std::vector<Bar>& bars, std::optional<double> target_seconds) {
  double largest = 0;
  for (const Bar& b : bars) largest = std::max(largest, b.seconds.value_or(0));
  Frame f(range, YMax(largest, target_seconds));
  std::string out = Open(label) + Axes(f);
  for (const Bar& b : bars) {
    const char* css = kBarClass[static_cast<int>(b.outcome)];
    double x = f.X(b.time_ns);
    if (!b.seconds) {
      out += fmt::format("<circle class=\"{}\" cx=\"{}\" cy=\"{}\" r=\"4\"/>\n", css, N(x),
                         N(kPlotBottom));
      continue;
    }
    double y = f.Y(*b.seconds);
    out += fmt::format("<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n", css,
                       N(x - kBarWidth / 2), N(y), N(kBarWidth), N(kPlotBottom - y));
  }
  return out + TargetLine(f, target_seconds) + "</svg>\n";
}

}  // namespace stormproof::report::svg
