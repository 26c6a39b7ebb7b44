// The drill report as JSON, schema "stormproof.drill-report/1" (docs/drill-report.md). Fields
// are only ever added in a version; a renamed or removed field means a new schema version.
// Unknown values are null, never absent.
#include "continuity/report/drill_report/drill_report.h"
#include "continuity/report/drill_report/internal/drill_report_model.h"
#include "continuity/report/evidence/evidence_format.h"

namespace stormproof::report {
namespace {

using drill_internal::DrillReportModel;
using nlohmann::json;

template <typename T>
json OrNull(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json StringOrNull(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json ObjectiveJson(const drill_internal::Objective& o) {
  return {{"target_ms", OrNull(o.target_ms)},
          {"achieved_ms", OrNull(o.achieved_ms)},
          {"margin_ms", OrNull(o.margin_ms)},
          {"used_percent", OrNull(o.used_percent)}};
}

json SnapshotJson(const DrillReportModel& m) {
  if (m.snapshot_time_ns == 0) return nullptr;
  return {{"id", m.snapshot_id},
          {"time", FormatRfc3339(m.snapshot_time_ns)},
          {"age_seconds", OrNull(m.snapshot_age_s)}};
}

json StepsJson(const DrillReportModel& m) {
  json steps = json::array();
  for (const catalog::DrillStep& s : m.steps) {
    steps.push_back({{"name", s.name},
                     {"duration_ms", s.duration_ms},
                     {"outcome", catalog::OutcomeName(s.outcome)},
                     {"note", s.note},
                     {"stderr", s.output}});
  }
  return steps;
}

json CapacityJson(const DrillReportModel& m) {
  if (!m.capacity) return nullptr;
  const drill_internal::Capacity& c = *m.capacity;
  return {{"verification_ms", c.verification_ms},
          {"hands_on_ms", OrNull(c.hands_on_ms)},
          {"hands_on_basis", StringOrNull(c.hands_on_basis)},
          {"dependency_wait_ms", OrNull(c.dependency_wait_ms)},
          {"data_restore_budget_ms", OrNull(c.budget_ms)},
          {"max_bytes_within_rto", c.budget_ms ? json(c.max_bytes) : json(nullptr)},
          {"no_figure_reason", StringOrNull(c.no_figure_reason)},
          {"current_bytes", c.current_bytes},
          {"growth_bytes_per_month", OrNull(c.growth_bytes_per_month)},
          {"months_until_breach", OrNull(c.months_until_breach)}};
}

json PreviousJson(const DrillReportModel& m) {
  if (!m.previous) return nullptr;
  const drill_internal::Comparison& p = *m.previous;
  return {{"run_id", p.run_id},
          {"started", FormatRfc3339(p.started_ns)},
          {"verdict", VerdictId(p.outcome)},
          {"verdict_changed", p.verdict_changed},
          {"achieved_rto_ms", OrNull(p.achieved_rto_ms)},
          {"rto_change_ms", OrNull(p.rto_change_ms)},
          {"rto_change_percent", OrNull(p.rto_change_percent)},
          {"throughput_bytes_per_second", p.throughput_bytes_per_s},
          {"throughput_change_percent", OrNull(p.throughput_change_percent)},
          {"bytes", p.bytes}};
}

json RtoPartsJson(const drill_internal::RtoParts& p) {
  return {{"data_restore_ms", p.data_restore_ms},
          {"hands_on_ms", OrNull(p.hands_on_ms)},
          {"verification_ms", p.verification_ms},
          {"checklist_steps", p.checklist_steps},
          {"checklist_steps_timed", p.steps_timed},
          {"checklist_steps_done", p.steps_done}};
}

json AbsenceJson(const DrillReportModel& m) {
  if (m.absent_person.empty()) return nullptr;
  return {
      {"person", m.absent_person}, {"name", m.absent_name}, {"uncovered_steps", m.uncovered_steps}};
}

}  // namespace

namespace drill_internal {

json JsonOf(const DrillReportModel& m) {
  json recommendations = json::array();
  for (const auto& r : m.recommendations) {
    recommendations.push_back({{"rule", r.rule}, {"text", r.text}});
  }
  json tier = m.tier_id.empty() ? json(nullptr) : json{{"id", m.tier_id}, {"name", m.tier_name}};
  return {{"schema", kDrillReportSchema},
          {"run_id", m.run_id},
          {"system", {{"id", m.system_id}, {"name", m.system_name}}},
          {"client", {{"id", StringOrNull(m.client_id)}, {"name", m.client_name}}},
          {"tier", tier},
          {"adapter", m.adapter},
          {"repository", StringOrNull(m.repository)},
          {"repository_copy_of", StringOrNull(m.repository_copy_of)},
          {"started", FormatRfc3339(m.started_ns)},
          {"finished", FormatRfc3339(m.finished_ns)},
          {"surprise", m.surprise},
          {"snapshot", SnapshotJson(m)},
          {"verdict", VerdictId(m.outcome)},
          {"reasons", m.reasons},
          {"error", StringOrNull(m.error)},
          {"rto", ObjectiveJson(m.rto)},
          {"rpo", ObjectiveJson(m.rpo)},
          {"rto_parts", RtoPartsJson(m.rto_parts)},
          {"steps", StepsJson(m)},
          {"restored",
           {{"bytes", m.bytes},
            {"files", m.files},
            {"throughput_bytes_per_second", m.throughput_bytes_per_s}}},
          {"worked", m.worked},
          {"failed", m.failed},
          {"absence", AbsenceJson(m)},
          {"other_copies", m.other_copies},
          {"capacity", CapacityJson(m)},
          {"recommendations", recommendations},
          {"previous", PreviousJson(m)}};
}

}  // namespace drill_internal

json DrillReportJson(const DrillReportInput& input) {
  return drill_internal::JsonOf(drill_internal::BuildDrillReportModel(input));
}

}  // namespace stormproof::report
