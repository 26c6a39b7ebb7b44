// The drill report as GitHub-flavoured Markdown. Every text from the plan or the drill goes
// through MarkdownEscape(); numbers and fixed words are written as they are.
#include <fmt/format.h>

#include "continuity/report/drill_report/drill_report.h"
#include "continuity/report/drill_report/internal/drill_report_model.h"
#include "continuity/report/html/escape.h"
#include "continuity/report/evidence/evidence_format.h"

namespace stormproof::report {
namespace {

using drill_internal::DrillReportModel;
using drill_internal::MillisText;
using drill_internal::Objective;

std::string E(std::string_view text) { return MarkdownEscape(text); }

std::string Named(const std::string& name, const std::string& id) {
  return name == id || id.empty() ? E(name) : E(name) + " (" + E(id) + ")";
}

void WriteFacts(const DrillReportModel& m, std::string* out) {
  *out += "| | |\n|---|---|\n";
  *out += "| Client | " + Named(m.client_name, m.client_id) + " |\n";
  *out += "| Tier | " + (m.tier_id.empty() ? "—" : Named(m.tier_name, m.tier_id)) + " |\n";
  *out += "| Adapter | " + E(m.adapter) + " |\n";
  std::string copy = m.repository.empty() ? "— (restore command)" : E(m.repository);
  if (!m.repository_copy_of.empty()) {
    copy += ", a copy of " + E(m.repository_copy_of) + " (copy_from)";
  }
  *out += "| Copy drilled | " + copy + " |\n";
  *out += fmt::format("| Drill | run {}, {} to {}{} |\n", m.run_id, FormatUtc(m.started_ns),
                      FormatUtc(m.finished_ns), m.surprise ? " (surprise)" : "");
  std::string point = "none found";
  if (m.snapshot_time_ns != 0) {
    point = E(m.snapshot_id) + ", " + FormatUtc(m.snapshot_time_ns);
    if (m.snapshot_age_s) point += ", " + FormatSeconds(*m.snapshot_age_s) + " old at drill start";
  }
  *out += "| Restore point | " + point + " |\n\n";
}

void WriteList(const std::vector<std::string>& items, const char* none, std::string* out) {
  if (items.empty()) *out += std::string(none) + "\n";
  for (const std::string& item : items) *out += "- " + E(item) + "\n";
  *out += "\n";
}

std::string ObjectiveRow(const char* name, const Objective& o) {
  return fmt::format("| {} | {} | {} | {} | {} |\n", name, MillisText(o.target_ms),
                     MillisText(o.achieved_ms), MillisText(o.margin_ms),
                     drill_internal::UsedText(o));
}

void WriteObjectives(const DrillReportModel& m, std::string* out) {
  *out += "## Objectives\n\n| Objective | Target | Achieved | Margin | Used |\n";
  *out += "|---|---|---|---|---|\n" + ObjectiveRow("RTO", m.rto) + ObjectiveRow("RPO", m.rpo);
  *out += "\n" + E(drill_internal::RtoPartsText(m)) + "\n\n";
}

// A step's kept standard error as an indented code block, where nothing is markup (its lines
// hold no control bytes).
void WriteStepOutput(const catalog::DrillStep& s, std::string* out) {
  if (s.output.empty()) return;
  *out += fmt::format("\n{}: last {} line(s) of standard error:\n\n", E(s.name), s.output.size());
  for (const std::string& line : s.output) *out += "    " + line + "\n";
}

void WriteSteps(const DrillReportModel& m, std::string* out) {
  *out += "## Steps\n\n| Step | Duration | Outcome | Note |\n|---|---|---|---|\n";
  for (const catalog::DrillStep& s : m.steps) {
    *out += fmt::format("| {} | {} | {} | {} |\n", E(s.name), FormatMillis(s.duration_ms),
                        catalog::OutcomeName(s.outcome), E(s.note));
  }
  if (m.steps.empty()) *out += "| — | | | no step ran |\n";
  for (const catalog::DrillStep& s : m.steps) WriteStepOutput(s, out);
  *out += fmt::format("\nRestored {} in {} files at {}.\n\n", FormatBytes(m.bytes), m.files,
                      FormatRate(m.throughput_bytes_per_s));
}

void WriteCoverage(const DrillReportModel& m, std::string* out) {
  if (m.absent_person.empty()) return;
  *out += "## Coverage with " + E(m.absent_name) + " absent\n\n";
  WriteList(m.uncovered_steps, "Every checklist step has a reachable, trained person.", out);
}

void WritePrevious(const DrillReportModel& m, std::string* out) {
  *out += "## Compared with the previous drill\n\n";
  if (!m.previous) {
    *out += "This is the first recorded drill of this system.\n";
    return;
  }
  const drill_internal::Comparison& p = *m.previous;
  *out += fmt::format("| | Previous (run {}, {}) | This drill | Change |\n|---|---|---|---|\n",
                      p.run_id, FormatUtc(p.started_ns));
  *out += fmt::format("| Verdict | {} | {} | {} |\n", VerdictText(p.outcome),
                      VerdictText(m.outcome), p.verdict_changed ? "changed" : "same");
  *out += fmt::format("| Achieved RTO | {} | {} | {} |\n", MillisText(p.achieved_rto_ms),
                      MillisText(m.rto.achieved_ms),
                      drill_internal::ChangeText(p.rto_change_ms, p.rto_change_percent));
  *out +=
      fmt::format("| Throughput | {} | {} | {} |\n", FormatRate(p.throughput_bytes_per_s),
                  FormatRate(m.throughput_bytes_per_s), drill_internal::ThroughputChangeText(p));
  *out += fmt::format("| Restored | {} | {} | |\n", FormatBytes(p.bytes), FormatBytes(m.bytes));
}

}  // namespace

namespace drill_internal {

std::string MarkdownOf(const DrillReportModel& m) {
  std::string verdict = VerdictText(m.outcome);
  std::string out = "# Restore drill: " + Named(m.system_name, m.system_id) + "\n\n";
  WriteFacts(m, &out);
  out += "## Verdict: " + verdict + "\n\n";
  WriteList(m.reasons, "Within every target, with margin to spare.", &out);
  WriteObjectives(m, &out);
  WriteSteps(m, &out);
  out += "## What worked\n\n";
  WriteList(m.worked, "Nothing completed.", &out);
  out += "## What failed\n\n";
  WriteList(m.failed, "Nothing failed.", &out);
  WriteCoverage(m, &out);
  out += "## Recommendations\n\n";
  if (m.recommendations.empty()) out += "None: the drill passed with margin to spare.\n\n";
  for (const auto& r : m.recommendations) out += "- " + E(r.text) + "\n";
  if (!m.recommendations.empty()) out += "\n";
  WritePrevious(m, &out);
  return out;
}

}  // namespace drill_internal

std::string DrillReportMarkdown(const DrillReportInput& input) {
  return drill_internal::MarkdownOf(drill_internal::BuildDrillReportModel(input));
}

}  // namespace stormproof::report
