// The readiness report's evidence over the period: RPO compliance per system (share of time
// within the RPO and the sawtooth of the restore point's age) and the drills run (a table, and
// achieved RTO per drill against the target as bars).
#include <fmt/format.h>

#include "continuity/report/evidence/evidence_format.h"
#include "continuity/report/evidence/evidence_html.h"
#include "continuity/report/readiness_report/internal/readiness_report_parts.h"
#include "continuity/report/html/html.h"

namespace stormproof::report::readiness_internal {
namespace {

using html_internal::H;
using html_internal::Row;
using html_internal::TableHead;
using readiness::SystemStatus;

std::string Name(const SystemStatus& s) { return s.name.empty() ? s.id : s.name; }

std::optional<double> Seconds(const std::optional<Duration>& d) {
  if (!d) return std::nullopt;
  return static_cast<double>(d->seconds());
}

std::string Figure(const std::string& escaped_caption, const std::string& svg) {
  return "<figure class=\"chart\">\n<figcaption>" + escaped_caption + "</figcaption>\n" + svg +
         "</figure>\n";
}

// "within the 4h RPO 99.5% of the time since the first backup (2026-11-20)": measured from the
// first restore point, never rounded up to 100% (SharePercent).
std::string RpoCompliance(const readiness::RpoHistory& h, const svg::TimeRange& period) {
  if (!h.target) return "no RPO set";
  std::string rpo = ShortDuration(*h.target);
  if (!h.measured_since_ns) return "never backed up by the end of the period (RPO " + rpo + ")";
  std::string since =
      *h.measured_since_ns <= period.since_ns
          ? "of the period"
          : "of the time since the first backup (" + FormatUtc(*h.measured_since_ns) + ")";
  return fmt::format("within the {} RPO {} {}", rpo, SharePercent(h.share_within), since);
}

std::string RpoFigure(const SystemStatus& s, const readiness::RpoHistory& h,
                      const svg::TimeRange& period) {
  std::vector<svg::LinePoint> points;
  for (const readiness::RpoPoint& p : h.points) points.push_back({p.time_ns, Seconds(p.age)});
  std::string caption = "<strong>" + H(Name(s)) + "</strong>: " + RpoCompliance(h, period) + ", " +
                        std::to_string(h.backups) + (h.backups == 1 ? " backup" : " backups");
  if (h.drill_proofs > 0) {
    caption += fmt::format(", {} newer restore point(s) proven by drills", h.drill_proofs);
  }
  std::string label = "Age of the newest restore point of " + Name(s) + " against its RPO";
  return Figure(caption, svg::DurationLineChart(label, period, points, Seconds(h.target)));
}

std::string DrillRow(const SystemStatus& s, const readiness::DrillPoint& d) {
  std::string target = d.target_rto ? ShortDuration(*d.target_rto) : "—";
  std::string achieved =
      d.achieved_rto ? ShortDuration(*d.achieved_rto) : "not verified";
  std::string rpo = d.achieved_rpo ? ShortDuration(*d.achieved_rpo) : "—";
  return Row({FormatUtc(d.started_ns), H(Name(s)), evidence_internal::VerdictBadge(d.outcome),
              achieved, target, rpo});
}

std::string DrillFigure(const SystemStatus& s, const std::vector<readiness::DrillPoint>& drills,
                        const svg::TimeRange& period) {
  std::vector<svg::Bar> bars;
  int within = 0;
  for (const readiness::DrillPoint& d : drills) {
    bars.push_back({d.started_ns, Seconds(d.achieved_rto), d.outcome});
    within += d.within_target ? 1 : 0;
  }
  std::string caption = "<strong>" + H(Name(s)) + "</strong>: " +
                        fmt::format("{} of {} drills within the RTO", within, drills.size());
  std::string label = "Achieved RTO per drill of " + Name(s) + " against its RTO";
  return Figure(caption, svg::DurationBarChart(label, period, bars, Seconds(s.rto.target)));
}

}  // namespace

Status WriteRpoHistory(const SectionContext& context, const readiness::ClientStatus& client,
                       std::string* out) {
  *out += "<h3>RPO compliance over the period</h3>\n";
  if (context.catalog == nullptr) {
    *out += "<p class=\"muted\">No catalog yet: no backups recorded.</p>\n";
    return Ok();
  }
  for (const SystemStatus& s : client.systems) {
    auto history = readiness::ComputeRpoHistory(context.plan, *context.catalog, s.id,
                                                context.period.since_ns, context.period.until_ns);
    if (!history) return history.error().WithContext("system '" + s.id + "'");
    *out += RpoFigure(s, *history, context.period);
  }
  return Ok();
}

Result<int> WriteDrills(const SectionContext& context, const readiness::ClientStatus& client,
                        std::string* out) {
  *out += "<h3>Restore drills</h3>\n";
  std::string rows, figures;
  int count = 0;
  // Without a catalog no drill is recorded: count stays 0.
  if (context.catalog != nullptr) {
    for (const SystemStatus& s : client.systems) {
      auto drills = readiness::ComputeDrillHistory(
          context.plan, *context.catalog, s.id, context.period.since_ns, context.period.until_ns);
      if (!drills) return drills.error().WithContext("system '" + s.id + "'");
      if (drills->empty()) continue;
      for (const readiness::DrillPoint& d : *drills) rows += DrillRow(s, d);
      figures += DrillFigure(s, *drills, context.period);
      count += static_cast<int>(drills->size());
    }
  }
  if (count == 0) {
    *out += "<p class=\"risk\">No restore drills in this period.</p>\n";
    return 0;
  }
  *out +=
      TableHead({"Started", "System", "Verdict", "Achieved RTO", "Target RTO", "Achieved RPO"}) +
      rows + html_internal::kTableEnd + figures;
  return count;
}

}  // namespace stormproof::report::readiness_internal
