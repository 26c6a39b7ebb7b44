// The drill report as one self-contained, printable HTML file. Every text from the plan or the
// drill goes through HtmlEscape() (H()); the CSP in the head forbids scripts and external
// resources even if some text were ever left unescaped.
#include <fmt/format.h>

#include "continuity/report/drill_report/drill_report.h"
#include "continuity/report/drill_report/internal/drill_report_model.h"
#include "continuity/report/evidence/evidence_format.h"
#include "continuity/report/evidence/evidence_html.h"
#include "continuity/report/html/html.h"

namespace stormproof::report {
namespace {

using drill_internal::DrillReportModel;
using drill_internal::MillisText;
using drill_internal::Objective;
using html_internal::H;
using html_internal::Row;
using html_internal::TableHead;

std::string Named(const std::string& name, const std::string& id) {
  if (name == id || id.empty()) return H(name);
  return H(name) + " <span class=\"muted\">(" + H(id) + ")</span>";
}

std::string Fact(const char* name, const std::string& escaped) {
  return std::string("<tr><th>") + name + "</th><td>" + escaped + "</td></tr>\n";
}

void WriteFacts(const DrillReportModel& m, std::string* out) {
  *out += "<table class=\"facts\">\n<tbody>\n";
  *out += Fact("Client", Named(m.client_name, m.client_id));
  *out += Fact("Tier", m.tier_id.empty() ? "—" : Named(m.tier_name, m.tier_id));
  *out += Fact("Adapter", H(m.adapter));
  std::string copy = m.repository.empty() ? "— (restore command)" : H(m.repository);
  if (!m.repository_copy_of.empty()) {
    copy += ", a copy of " + H(m.repository_copy_of) + " <span class=\"muted\">(copy_from)</span>";
  }
  *out += Fact("Copy drilled", copy);
  *out += Fact("Drill", fmt::format("run {}, {} to {}{}", m.run_id, FormatUtc(m.started_ns),
                                    FormatUtc(m.finished_ns), m.surprise ? " (surprise)" : ""));
  std::string point = "<span class=\"risk\">none found</span>";
  if (m.snapshot_time_ns != 0) {
    point = "<code>" + H(m.snapshot_id) + "</code>, " + FormatUtc(m.snapshot_time_ns);
    if (m.snapshot_age_s) point += ", " + FormatSeconds(*m.snapshot_age_s) + " old at drill start";
  }
  *out += Fact("Restore point", point) + html_internal::kTableEnd;
}

void WriteList(const std::vector<std::string>& items, const char* none, std::string* out) {
  if (items.empty()) {
    *out += std::string("<p class=\"muted\">") + none + "</p>\n";
    return;
  }
  *out += "<ul class=\"items\">\n";
  for (const std::string& item : items) *out += "<li>" + H(item) + "</li>\n";
  *out += "</ul>\n";
}

std::string ObjectiveRow(const char* name, const Objective& o) {
  std::string used = drill_internal::UsedText(o);
  if (drill_internal::Breached(o)) used = "<span class=\"risk\">" + used + "</span>";
  return Row(
      {name, MillisText(o.target_ms), MillisText(o.achieved_ms), MillisText(o.margin_ms), used});
}

void WriteObjectives(const DrillReportModel& m, std::string* out) {
  *out +=
      "<h2>Objectives</h2>\n" + TableHead({"Objective", "Target", "Achieved", "Margin", "Used"});
  *out += ObjectiveRow("RTO", m.rto) + ObjectiveRow("RPO", m.rpo) + html_internal::kTableEnd;
  *out += "<p>" + H(drill_internal::RtoPartsText(m)) + "</p>\n";
}

void WriteSteps(const DrillReportModel& m, std::string* out) {
  *out += "<h2>Steps</h2>\n" + TableHead({"Step", "Duration", "Outcome", "Note"});
  for (const catalog::DrillStep& s : m.steps) {
    const char* css = s.outcome == catalog::Outcome::kOk        ? "ok"
                      : s.outcome == catalog::Outcome::kWarning ? "warn"
                                                                : "risk";
    *out += Row({H(s.name), FormatMillis(s.duration_ms),
                 fmt::format("<span class=\"{}\">{}</span>", css, catalog::OutcomeName(s.outcome)),
                 H(s.note)});
  }
  *out += html_internal::kTableEnd;
  for (const catalog::DrillStep& s : m.steps) {
    if (s.output.empty()) continue;
    *out += fmt::format("<p>{}: last {} line(s) of standard error:</p>\n<pre>", H(s.name),
                        s.output.size());
    for (const std::string& line : s.output) *out += H(line) + "\n";
    *out += "</pre>\n";
  }
  *out += fmt::format("<p>Restored <strong>{}</strong> in {} files at <strong>{}</strong>.</p>\n",
                      FormatBytes(m.bytes), m.files, FormatRate(m.throughput_bytes_per_s));
}

void WritePrevious(const DrillReportModel& m, std::string* out) {
  *out += "<h2>Compared with the previous drill</h2>\n";
  if (!m.previous) {
    *out += "<p class=\"muted\">This is the first recorded drill of this system.</p>\n";
    return;
  }
  const drill_internal::Comparison& p = *m.previous;
  *out += TableHead({"", fmt::format("Previous (run {}, {})", p.run_id, FormatUtc(p.started_ns)),
                     "This drill", "Change"});
  *out += Row({"Verdict", evidence_internal::VerdictBadge(p.outcome),
               evidence_internal::VerdictBadge(m.outcome), p.verdict_changed ? "changed" : "same"});
  *out += Row({"Achieved RTO", MillisText(p.achieved_rto_ms), MillisText(m.rto.achieved_ms),
               drill_internal::ChangeText(p.rto_change_ms, p.rto_change_percent)});
  *out += Row({"Throughput", FormatRate(p.throughput_bytes_per_s),
               FormatRate(m.throughput_bytes_per_s), drill_internal::ThroughputChangeText(p)});
  *out += Row({"Restored", FormatBytes(p.bytes), FormatBytes(m.bytes), ""});
  *out += html_internal::kTableEnd;
}

void WriteBody(const DrillReportModel& m, std::string* out) {
  *out += "<h2>Verdict: " + evidence_internal::VerdictBadge(m.outcome) + "</h2>\n";
  WriteList(m.reasons, "Within every target, with margin to spare.", out);
  WriteObjectives(m, out);
  WriteSteps(m, out);
  *out += "<h2>What worked</h2>\n";
  WriteList(m.worked, "Nothing completed.", out);
  *out += "<h2>What failed</h2>\n";
  WriteList(m.failed, "Nothing failed.", out);
  if (!m.absent_person.empty()) {
    *out += "<h2>Coverage with " + H(m.absent_name) + " absent</h2>\n";
    WriteList(m.uncovered_steps, "Every checklist step has a reachable, trained person.", out);
  }
  *out += "<h2>Recommendations</h2>\n";
  std::vector<std::string> texts;
  for (const auto& r : m.recommendations) texts.push_back(r.text);
  WriteList(texts, "None: the drill passed with margin to spare.", out);
  WritePrevious(m, out);
}

}  // namespace

namespace drill_internal {

std::string HtmlOf(const DrillReportModel& m) {
  std::string out = evidence_internal::HtmlHead("Restore drill: " + m.system_name + " — " +
                                                FormatUtc(m.started_ns));
  out += "<body>\n<main>\n<header>\n<p class=\"kicker\">Restore drill report</p>\n";
  out += "<h1>" + Named(m.system_name, m.system_id) + "</h1>\n</header>\n";
  WriteFacts(m, &out);
  WriteBody(m, &out);
  out += "<footer>stormproof drill report · run " + std::to_string(m.run_id) + "</footer>\n";
  return out + "</main>\n</body>\n</html>\n";
}

}  // namespace drill_internal

std::string DrillReportHtml(const DrillReportInput& input) {
  return drill_internal::HtmlOf(drill_internal::BuildDrillReportModel(input));
}

}  // namespace stormproof::report
