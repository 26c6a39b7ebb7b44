// The drill report's content, computed once from a DrillReportInput and rendered by the
// Markdown, HTML and JSON writers (drill_report_*.cc), so that the three forms always agree.
// All times in milliseconds or nanoseconds since the Unix epoch, sizes in bytes. Texts are
// plain (unescaped); renderers escape them. Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_DRILL_REPORT_INTERNAL_DRILL_REPORT_MODEL_H_
#define STORMPROOF_CONTINUITY_REPORT_DRILL_REPORT_INTERNAL_DRILL_REPORT_MODEL_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "continuity/report/drill_report/drill_report.h"
#include "core/time.h"

namespace stormproof::report::drill_internal {

// Above this share of a target, an objective has too little margin (the drill's default
// warn_margin of 20%).
inline constexpr int kMarginWarnPercent = 80;
// Average month length used for growth rates.
inline constexpr double kSecondsPerMonth = 30.44 * kSecondsPerDay;

// A target and what the drill achieved; margin = target - achieved.
struct Objective {
  std::optional<int64_t> target_ms, achieved_ms, margin_ms;
  std::optional<int> used_percent;  // achieved as a whole percent of target
};
// True when the achieved value is known to exceed the target (margin below zero).
inline bool Breached(const Objective& objective) {
  return objective.margin_ms && *objective.margin_ms < 0;
}

// What the achieved RTO is made of (docs/drill-report.md, "what counts as an achieved RTO"):
// the data restore ("locate snapshot", "restore", "verify data"), the hands-on checklist steps
// ("checklist N: ...") and the application check ("verify application").
struct RtoParts {
  int64_t data_restore_ms = 0;
  std::optional<int64_t> hands_on_ms;  // none when no checklist step was recorded (not timed)
  int64_t verification_ms = 0;
  size_t checklist_steps = 0;  // in the plan's checklist of the system (0 when it left the plan)
  size_t steps_timed = 0;      // checklist steps recorded
  size_t steps_done = 0;       // of those, done (not skipped, not failed)
};

// How much data can be restored within the RTO at the measured throughput (the model's
// throughput_bytes_per_s), from the whole recovery (readiness::DrillDataRestoreBudget):
// max_bytes = (RTO - dependency wait - hands-on time - verification time) * throughput, where
// verification time is this drill's "verify data" + "verify application" time and hands-on time
// this drill's timed checklist, else the projection's, else restore.estimate (none of them
// shrinks with the data). Without a hands-on time or a known wait there is no figure.
struct Capacity {
  int64_t verification_ms = 0;
  std::optional<int64_t> hands_on_ms;  // unknown: never timed and no estimate
  std::string hands_on_basis;          // "measured by this drill", "estimate, never timed", ...
  std::optional<int64_t> dependency_wait_ms;  // unknown: a dependency's restore time is
  std::optional<int64_t> budget_ms;  // left for the data restore; unset without a figure
  std::string no_figure_reason;      // why there is no figure; "" when there is one
  double max_bytes = 0;              // 0 when nothing is left for the data (or no figure)
  double current_bytes = 0;          // bytes restored by this drill
  // Least-squares slope of the recent backups' bytes over their start times, per average
  // month; nullopt with fewer than two usable backups at distinct times.
  std::optional<double> growth_bytes_per_month;
  // (max_bytes - current_bytes) / growth, when growth > 0 and the data still fits.
  std::optional<double> months_until_breach;
};

struct Recommendation {
  std::string rule;  // stable id: "rto-capacity", "rto-margin", "no-verify-command", ...
  std::string text;
};

struct Comparison {
  int64_t run_id = 0;
  int64_t started_ns = 0;
  catalog::Outcome outcome = catalog::Outcome::kOk;
  std::optional<int64_t> achieved_rto_ms;
  std::optional<int64_t> rto_change_ms;   // this - previous
  std::optional<int> rto_change_percent;  // of the previous
  double throughput_bytes_per_s = 0;
  std::optional<int> throughput_change_percent;  // of the previous; none when previous is 0
  uint64_t bytes = 0;
  bool verdict_changed = false;
};

struct DrillReportModel {
  int64_t run_id = 0;
  std::string system_id, system_name, client_id, client_name, tier_id, tier_name, adapter;
  std::string repository;                 // the copy drilled; "" for the command adapter
  // The repository `repository` is a copy of (its copy_from in the plan: run copies the
  // system's snapshots into it); "" when it is not a copy repository.
  std::string repository_copy_of = {};
  std::vector<std::string> other_copies;  // when the copy failed: what the other copies hold
  int64_t started_ns = 0, finished_ns = 0;
  bool surprise = false;
  std::string snapshot_id;
  int64_t snapshot_time_ns = 0;           // 0 = no restore point was found
  std::optional<int64_t> snapshot_age_s;  // at drill start
  catalog::Outcome outcome = catalog::Outcome::kOk;
  std::vector<std::string> reasons;  // why the verdict is not a plain pass
  std::string error;                 // the run's error, "" when none
  Objective rto, rpo;
  RtoParts rto_parts;
  std::vector<catalog::DrillStep> steps;
  uint64_t bytes = 0, files = 0;
  double throughput_bytes_per_s = 0;
  std::vector<std::string> worked, failed;
  std::string absent_person, absent_name;  // "" when nobody was absent
  std::vector<std::string> uncovered_steps;
  std::optional<Capacity> capacity;  // when throughput and the target RTO are known
  std::vector<Recommendation> recommendations;
  std::optional<Comparison> previous;
};

DrillReportModel BuildDrillReportModel(const DrillReportInput& input);

// The three renderings of one model (DrillReportMarkdown/Html/Json build the model and call
// these; WriteDrillReports builds it once for all three).
std::string MarkdownOf(const DrillReportModel& model);
std::string HtmlOf(const DrillReportModel& model);
nlohmann::json JsonOf(const DrillReportModel& model);

// The sentences for a breached objective (REQUIRES: Breached(objective)), as the report's
// "what failed" lists them and its recommendations start:
// "achieved RTO <achieved> exceeded the <target> target by <excess>",
// "restore point was <achieved> old, beyond the <target> RPO" (durations as FormatMillis).
std::string RtoBreachText(const Objective& rto);
std::string RpoBreachText(const Objective& rpo);

// What the achieved RTO is made of, one sentence (plain text): "Achieved RTO = data restore
// 1h 40m + hands-on 25m (3 of 3 checklist steps done) + verification 1m."; when the hands-on
// checklist was not timed it says so; without an achieved RTO, "Measured before the drill
// stopped: ...".
std::string RtoPartsText(const DrillReportModel& model);

// Table cell texts shared by the Markdown and HTML renderers (plain text, nothing to escape).
// FormatMillis(ms), "—" when unknown.
std::string MillisText(const std::optional<int64_t>& ms);
// "+1m 30s (+12%)", "-850 ms (-3%)"; "—" when the change is unknown.
std::string ChangeText(const std::optional<int64_t>& ms, const std::optional<int>& percent);
// The objective's used share: "85%", "—" when unknown.
std::string UsedText(const Objective& objective);
// The throughput change against the previous drill: "+12%", "-30%", "—" when unknown.
std::string ThroughputChangeText(const Comparison& comparison);

// Computes the capacity of `model` (throughput, steps and target RTO filled in) from the drill
// of `input`, `system` (null when it left the plan) and input.projection, with growth from
// input.recent_backups; nullopt when throughput or the target RTO is unknown.
std::optional<Capacity> ComputeCapacity(const DrillReportModel& model,
                                        const DrillReportInput& input,
                                        const plan::System* system);
// Recommendations from the model's numbers, most urgent first.
std::vector<Recommendation> Recommend(const DrillReportModel& model, bool has_verify_command);

}  // namespace stormproof::report::drill_internal

#endif  // STORMPROOF_CONTINUITY_REPORT_DRILL_REPORT_INTERNAL_DRILL_REPORT_MODEL_H_
