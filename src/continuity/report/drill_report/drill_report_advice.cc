// The drill report's arithmetic: how much data still restores within the RTO, how fast the
// data grows, and the recommendations that follow from the numbers.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "continuity/report/drill_report/internal/drill_report_model.h"
#include "continuity/report/evidence/evidence_format.h"

namespace stormproof::report::drill_internal {
namespace {

using catalog::Outcome;

// Least-squares slope of bytes over time (bytes per second); nullopt with fewer than two
// usable points or when all start at the same time.
std::optional<double> GrowthPerSecond(const std::vector<catalog::Run>& backups) {
  std::vector<std::pair<double, double>> points;  // (seconds, bytes)
  for (const catalog::Run& run : backups) {
    bool usable =
        run.kind == catalog::RunKind::kBackup && run.bytes > 0 && catalog::DidItsJob(run.outcome);
    if (usable)
      points.emplace_back(run.started_ns / double{kNsPerSecond}, static_cast<double>(run.bytes));
  }
  if (points.size() < 2) return std::nullopt;
  double mean_t = 0, mean_b = 0;
  for (const auto& [t, b] : points) {
    mean_t += t / points.size();
    mean_b += b / points.size();
  }
  double cov = 0, var = 0;
  for (const auto& [t, b] : points) {
    cov += (t - mean_t) * (b - mean_b);
    var += (t - mean_t) * (t - mean_t);
  }
  if (var <= 0) return std::nullopt;
  return cov / var;
}

int64_t VerificationMs(const std::vector<catalog::DrillStep>& steps) {
  int64_t ms = 0;
  for (const catalog::DrillStep& step : steps) {
    if (step.name == "verify data" || step.name == "verify application") ms += step.duration_ms;
  }
  return ms;
}

std::string Months(double months) {
  if (months < 1) return "within a month";
  return fmt::format("in about {:.0f} month{}", months, std::lround(months) == 1 ? "" : "s");
}

// What else takes the RTO: "hands-on 30m (estimate, never timed), verification 3m 20s and 1h
// waiting for the systems it depends on".
std::string OtherPartsText(const Capacity& c) {
  std::string text = fmt::format("hands-on {} ({}), verification {}", FormatMillis(*c.hands_on_ms),
                                 c.hands_on_basis, FormatMillis(c.verification_ms));
  if (*c.dependency_wait_ms > 0) {
    text += fmt::format(" and {} waiting for the systems it depends on",
                        FormatMillis(*c.dependency_wait_ms));
  }
  return text;
}

std::string CapacityText(const Capacity& c, double throughput_bytes_per_s, const std::string& rto) {
  std::string head = "restore throughput " + FormatRate(throughput_bytes_per_s);
  if (!c.budget_ms) {
    return fmt::format("{}: no capacity figure, as the {} RTO also holds work not known: {}",
                       head, rto, c.no_figure_reason);
  }
  if (c.max_bytes <= 0) {
    return fmt::format(
        "{} alone take the whole {} RTO: shorten the checklist, make verification faster, bring "
        "dependencies back sooner or agree a longer RTO",
        OtherPartsText(c), rto);
  }
  std::string budget = fmt::format(" — the data restore has {} of the {} RTO after {}",
                                   FormatMillis(*c.budget_ms), rto, OtherPartsText(c));
  if (c.current_bytes >= c.max_bytes) {
    return fmt::format(
        "{}: the {} of data already exceed the {} that restore within the {} "
        "RTO: restore faster or agree a longer RTO{}",
        head, FormatBytes(c.current_bytes), FormatBytes(c.max_bytes), rto, budget);
  }
  std::string text = fmt::format("{}: RTO will be breached when data passes {} (now {}", head,
                                 FormatBytes(c.max_bytes), FormatBytes(c.current_bytes));
  if (!c.growth_bytes_per_month) return text + ")" + budget;
  if (*c.growth_bytes_per_month <= 0) return text + "; not growing at present)" + budget;
  return text +
         fmt::format("; at current growth of {}/month, {})", FormatBytes(*c.growth_bytes_per_month),
                     Months(*c.months_until_breach)) +
         budget;
}

void AddObjectiveAdvice(const DrillReportModel& m, std::vector<Recommendation>* out) {
  const Objective& rto = m.rto;
  if (Breached(rto)) {
    out->push_back({"rto-breached", RtoBreachText(rto) +
                                        ": restore faster (faster storage or network, a closer "
                                        "copy) or agree a longer RTO"});
  } else if (rto.used_percent && *rto.used_percent >= kMarginWarnPercent) {
    out->push_back({"rto-margin",
                    fmt::format("achieved RTO used {}% of the {} target: little room for more "
                                "data or a slower day; speed up the restore or agree a longer RTO",
                                *rto.used_percent, FormatMillis(*rto.target_ms))});
  }
  const Objective& rpo = m.rpo;
  if (Breached(rpo)) {
    out->push_back(
        {"rpo-breached", RpoBreachText(rpo) + ": back up more often and alert on missed backups"});
  } else if (rpo.used_percent && *rpo.used_percent >= kMarginWarnPercent) {
    out->push_back({"rpo-margin",
                    fmt::format("restore point was {} old, {}% of the {} RPO: back up more often",
                                FormatMillis(*rpo.achieved_ms), *rpo.used_percent,
                                FormatMillis(*rpo.target_ms))});
  } else if (rpo.target_ms && !rpo.achieved_ms && m.snapshot_time_ns != 0) {
    out->push_back(
        {"rpo-unknown",
         "the restore point's age is unknown: the RPO cannot be proven from this drill"});
  }
}

void AddFailureAdvice(const DrillReportModel& m, std::vector<Recommendation>* out) {
  for (const catalog::DrillStep& step : m.steps) {
    if (step.outcome != Outcome::kFailed && step.outcome != Outcome::kError) continue;
    std::string why = step.note.empty() ? "" : " (" + step.note + ")";
    out->push_back(
        {"step-failed", fmt::format("fix the '{}' failure{} and drill again", step.name, why)});
  }
  if (m.outcome == Outcome::kError && !m.error.empty() && out->empty()) {
    out->push_back({"drill-error", "the drill could not run (" + m.error +
                                       "): fix it and drill "
                                       "again"});
  }
}

void AddPracticeAdvice(const DrillReportModel& m, bool has_verify_command,
                       std::vector<Recommendation>* out) {
  if (!has_verify_command) {
    out->push_back({"no-verify-command",
                    fmt::format("no verify command: add restore.verify to system '{}' so a drill "
                                "proves the application works, not only the files",
                                m.system_id)});
  }
  const RtoParts& parts = m.rto_parts;
  if (m.rto.achieved_ms && !parts.hands_on_ms && parts.checklist_steps > 0) {
    out->push_back({"hands-on-not-timed",
                    fmt::format("the achieved RTO covers the data restore and verification only: "
                                "the {} hands-on checklist step{} not timed; drill with "
                                "--checklist to measure the whole recovery",
                                parts.checklist_steps,
                                parts.checklist_steps == 1 ? " was" : "s were")});
  }
  if (!m.uncovered_steps.empty()) {
    out->push_back({"uncovered-steps",
                    fmt::format("with {} absent, {} checklist step{} had nobody trained to do "
                                "{}: train a deputy and record it in training",
                                m.absent_name, m.uncovered_steps.size(),
                                m.uncovered_steps.size() == 1 ? "" : "s",
                                m.uncovered_steps.size() == 1 ? "it" : "them")});
  }
  if (m.previous && m.previous->throughput_change_percent &&
      *m.previous->throughput_change_percent <= -20) {
    out->push_back({"throughput-drop",
                    fmt::format("restore throughput fell {}% since the previous drill ({} to "
                                "{}): check the storage and network path",
                                -*m.previous->throughput_change_percent,
                                FormatRate(m.previous->throughput_bytes_per_s),
                                FormatRate(m.throughput_bytes_per_s))});
  }
}

}  // namespace

std::optional<Capacity> ComputeCapacity(const DrillReportModel& m, const DrillReportInput& input,
                                        const plan::System* system) {
  if (m.throughput_bytes_per_s <= 0 || !m.rto.target_ms) return std::nullopt;
  Capacity c;
  c.verification_ms = VerificationMs(m.steps);
  c.current_bytes = static_cast<double>(m.bytes);
  if (system == nullptr) {
    c.no_figure_reason = "the system is no longer in the plan";
    return c;
  }
  const readiness::RtoProjection* projection = input.projection ? &*input.projection : nullptr;
  readiness::DataRestoreBudget budget = readiness::DrillDataRestoreBudget(
      input.drill.drill, *system, projection, *m.rto.target_ms, c.verification_ms);
  c.hands_on_ms = budget.hands_on_ms;
  c.hands_on_basis = budget.hands_on_basis;
  c.dependency_wait_ms = budget.dependency_wait_ms;
  c.budget_ms = budget.budget_ms;
  c.no_figure_reason = budget.reason;
  if (!c.budget_ms) return c;
  c.max_bytes = std::max<int64_t>(0, *c.budget_ms) / 1000.0 * m.throughput_bytes_per_s;
  if (std::optional<double> per_s = GrowthPerSecond(input.recent_backups)) {
    c.growth_bytes_per_month = *per_s * kSecondsPerMonth;
    if (*c.growth_bytes_per_month > 0 && c.current_bytes < c.max_bytes) {
      c.months_until_breach = (c.max_bytes - c.current_bytes) / *c.growth_bytes_per_month;
    }
  }
  return c;
}

std::vector<Recommendation> Recommend(const DrillReportModel& m, bool has_verify_command) {
  std::vector<Recommendation> out;
  AddFailureAdvice(m, &out);
  AddObjectiveAdvice(m, &out);
  if (m.capacity) {
    out.push_back({"rto-capacity", CapacityText(*m.capacity, m.throughput_bytes_per_s,
                                                FormatMillis(*m.rto.target_ms))});
  }
  AddPracticeAdvice(m, has_verify_command, &out);
  return out;
}

}  // namespace stormproof::report::drill_internal
