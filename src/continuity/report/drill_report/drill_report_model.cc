// Builds the drill report's content: identity from the plan (falling back to what the run
// recorded when the system has since left the plan), objectives and margins, the step
// narrative, and the comparison with the previous drill.
#include "continuity/report/drill_report/internal/drill_report_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/text.h"
#include "core/time.h"
#include "continuity/report/evidence/evidence_format.h"

namespace stormproof::report::drill_internal {
namespace {

using catalog::DrillStep;
using catalog::Outcome;

Objective MakeObjective(std::optional<int64_t> target_ms, std::optional<int64_t> achieved_ms) {
  Objective o{target_ms, achieved_ms, std::nullopt, std::nullopt};
  if (target_ms && achieved_ms) {
    o.margin_ms = *target_ms - *achieved_ms;
    if (*target_ms > 0) o.used_percent = PercentOf(*achieved_ms, *target_ms);
  }
  return o;
}

std::optional<int64_t> TimesThousand(std::optional<int64_t> s) {
  if (!s) return std::nullopt;
  return *s * 1000;
}

// `system` is the drilled system in the plan (null when it has left the plan), `objectives`
// its objectives (empty then).
void FillIdentity(const DrillReportInput& input, const plan::System* system,
                  const plan::Objectives& objectives, DrillReportModel* m) {
  const catalog::Run& run = input.drill.run;
  m->run_id = run.id;
  m->system_id = m->system_name = run.system;
  m->client_id = run.client;
  m->client_name = run.client.empty() ? "the MSP" : run.client;
  m->adapter = input.drill.drill.adapter;
  m->repository = run.repository;
  const plan::RepositorySpec* copy = input.plan.FindRepository(run.repository);
  if (copy != nullptr && copy->copy_from) m->repository_copy_of = copy->copy_from->id;
  m->started_ns = run.started_ns;
  m->finished_ns = run.finished_ns;
  m->surprise = input.drill.drill.surprise;
  if (system == nullptr) return;
  if (!system->name.empty()) m->system_name = system->name;
  m->client_id = system->client ? system->client->id : "";
  m->client_name = plan::ClientName(input.plan, system->client);
  if (const plan::Tier* tier = objectives.tier) {
    m->tier_id = tier->id;
    m->tier_name = tier->name.empty() ? tier->id : tier->name;
  }
}

// Targets recorded with the drill win; the plan's current objectives fill the gaps.
void FillObjectives(const DrillReportInput& input, const plan::Objectives& objectives,
                    DrillReportModel* m) {
  const catalog::Drill& d = input.drill.drill;
  std::optional<int64_t> rto_s = d.target_rto_s, rpo_s = d.target_rpo_s;
  if (!rto_s && objectives.rto) rto_s = objectives.rto->seconds();
  if (!rpo_s && objectives.rpo) rpo_s = objectives.rpo->seconds();
  m->rto = MakeObjective(TimesThousand(rto_s), d.achieved_rto_ms);
  m->rpo = MakeObjective(TimesThousand(rpo_s), TimesThousand(m->snapshot_age_s));
}

void FillSnapshot(const catalog::DrillRecord& drill, DrillReportModel* m) {
  m->snapshot_id = drill.run.snapshot_id;
  m->snapshot_time_ns = drill.run.snapshot_time_ns;
  if (drill.drill.achieved_rpo_s) {
    m->snapshot_age_s = drill.drill.achieved_rpo_s;
  } else if (drill.run.snapshot_time_ns != 0) {
    m->snapshot_age_s = (drill.run.started_ns - drill.run.snapshot_time_ns) / kNsPerSecond;
  }
}

// True when a failed step already says what `error` says: its note is the error, or the error
// is "<step name>: ..." (the run's one-line summary of that step's failure).
bool ExplainedBySteps(const std::string& error, const std::vector<DrillStep>& steps) {
  for (const DrillStep& step : steps) {
    if (step.outcome != Outcome::kFailed && step.outcome != Outcome::kError) continue;
    if (step.note == error || error.rfind(step.name + ":", 0) == 0) return true;
  }
  return false;
}

bool Skipped(const DrillStep& step) { return step.note.rfind("skipped", 0) == 0; }

std::string WorkedText(const DrillStep& step, const DrillReportModel& m) {
  std::string took = FormatMillis(step.duration_ms);
  if (step.name == "locate snapshot") {
    std::string age = m.snapshot_age_s ? " (" + FormatSeconds(*m.snapshot_age_s) + " old)" : "";
    return fmt::format("located restore point {}{} in {}", m.snapshot_id, age, took);
  }
  if (step.name == "restore") {
    return fmt::format("restored {} in {} files in {} ({})", FormatBytes(m.bytes), m.files, took,
                       FormatRate(m.throughput_bytes_per_s));
  }
  if (step.name == "verify data") return "restored data matched the restore point (" + took + ")";
  if (step.name == "verify application") return "the verify command passed (" + took + ")";
  if (catalog::IsChecklistStep(step.name)) return "hands-on " + step.name + ": done in " + took;
  return step.name + " succeeded (" + took + ")";
}

void FillNarrative(const DrillReportInput& input, DrillReportModel* m) {
  for (const DrillStep& step : m->steps) {
    if (catalog::DidItsJob(step.outcome)) {
      if (!Skipped(step)) m->worked.push_back(WorkedText(step, *m));
      continue;
    }
    std::string why = step.note.empty() ? "no reason recorded" : step.note;
    m->failed.push_back(fmt::format("{} {} after {}: {}", step.name,
                                    step.outcome == Outcome::kError ? "could not run" : "failed",
                                    FormatMillis(step.duration_ms), why));
  }
  if (Breached(m->rto)) m->failed.push_back(RtoBreachText(m->rto));
  if (Breached(m->rpo)) m->failed.push_back(RpoBreachText(m->rpo));
  const std::string& error = input.drill.run.error;
  if (!error.empty() && !ExplainedBySteps(error, m->steps)) m->failed.push_back(error);
}

// The data restore, hands-on and verification parts of the achieved RTO.
RtoParts PartsOf(const std::vector<DrillStep>& steps, const plan::System* system) {
  RtoParts parts;
  if (system != nullptr) parts.checklist_steps = system->checklist.size();
  for (const DrillStep& step : steps) {
    if (catalog::IsChecklistStep(step.name)) {
      parts.hands_on_ms = parts.hands_on_ms.value_or(0) + step.duration_ms;
      ++parts.steps_timed;
      if (step.outcome == Outcome::kOk) ++parts.steps_done;
    } else if (step.name == "verify application") {
      parts.verification_ms += step.duration_ms;
    } else {
      parts.data_restore_ms += step.duration_ms;
    }
  }
  return parts;
}

// The "other_copies" lines a drill of a failed copy recorded in its run's details.
std::vector<std::string> OtherCopies(const catalog::Run& run) {
  std::vector<std::string> lines;
  nlohmann::json details = nlohmann::json::parse(run.details, nullptr, false);
  if (!details.is_object() || !details["other_copies"].is_array()) return lines;
  for (const auto& line : details["other_copies"]) {
    if (line.is_string()) lines.push_back(line.get<std::string>());
  }
  return lines;
}

std::optional<int> ChangePercent(double now, double before) {
  if (before <= 0) return std::nullopt;
  return static_cast<int>(std::lround((now - before) * 100.0 / before));
}

Comparison Compare(const catalog::DrillRecord& prev, const DrillReportModel& m) {
  Comparison c;
  c.run_id = prev.run.id;
  c.started_ns = prev.run.started_ns;
  c.outcome = prev.run.outcome;
  c.achieved_rto_ms = prev.drill.achieved_rto_ms;
  if (c.achieved_rto_ms && m.rto.achieved_ms) {
    c.rto_change_ms = *m.rto.achieved_ms - *c.achieved_rto_ms;
    c.rto_change_percent = ChangePercent(*m.rto.achieved_ms, *c.achieved_rto_ms);
  }
  c.throughput_bytes_per_s = prev.drill.throughput_bytes_per_s;
  if (m.throughput_bytes_per_s > 0) {
    c.throughput_change_percent = ChangePercent(m.throughput_bytes_per_s, c.throughput_bytes_per_s);
  }
  c.bytes = prev.run.bytes;
  c.verdict_changed = c.outcome != m.outcome;
  return c;
}

}  // namespace

std::string RtoBreachText(const Objective& rto) {
  return fmt::format("achieved RTO {} exceeded the {} target by {}", FormatMillis(*rto.achieved_ms),
                     FormatMillis(*rto.target_ms), FormatMillis(-*rto.margin_ms));
}

std::string RpoBreachText(const Objective& rpo) {
  return fmt::format("restore point was {} old, beyond the {} RPO", FormatMillis(*rpo.achieved_ms),
                     FormatMillis(*rpo.target_ms));
}

std::string RtoPartsText(const DrillReportModel& m) {
  const RtoParts& p = m.rto_parts;
  size_t steps = std::max(p.checklist_steps, p.steps_timed);
  std::string hands_on = "no hands-on checklist";
  if (p.hands_on_ms) {
    hands_on = fmt::format("hands-on {} ({} of {} checklist step{} done)",
                           FormatMillis(*p.hands_on_ms), p.steps_done, steps,
                           steps == 1 ? "" : "s");
  } else if (steps > 0) {
    hands_on = fmt::format("hands-on not timed ({} checklist step{}; drill --checklist times "
                           "them)",
                           steps, steps == 1 ? "" : "s");
  }
  std::string parts = fmt::format("data restore {} + {} + verification {}",
                                  FormatMillis(p.data_restore_ms), hands_on,
                                  FormatMillis(p.verification_ms));
  if (!m.rto.achieved_ms) return "Measured before the drill stopped: " + parts + ".";
  return "Achieved RTO = " + parts + ".";
}

std::string MillisText(const std::optional<int64_t>& ms) { return ms ? FormatMillis(*ms) : "—"; }

std::string ChangeText(const std::optional<int64_t>& ms, const std::optional<int>& percent) {
  if (!ms) return "—";
  return fmt::format("{}{} ({:+}%)", *ms > 0 ? "+" : "", FormatMillis(*ms), percent.value_or(0));
}

std::string UsedText(const Objective& objective) {
  return objective.used_percent ? fmt::format("{}%", *objective.used_percent) : "—";
}

std::string ThroughputChangeText(const Comparison& comparison) {
  return comparison.throughput_change_percent
             ? fmt::format("{:+}%", *comparison.throughput_change_percent)
             : "—";
}

DrillReportModel BuildDrillReportModel(const DrillReportInput& input) {
  const catalog::Drill& d = input.drill.drill;
  const plan::System* system = input.plan.FindSystem(input.drill.run.system);
  plan::Objectives objectives;  // none when the system has left the plan
  if (system != nullptr) objectives = plan::ObjectivesOf(input.plan, *system);
  DrillReportModel m;
  FillIdentity(input, system, objectives, &m);
  FillSnapshot(input.drill, &m);
  FillObjectives(input, objectives, &m);
  m.outcome = input.drill.run.outcome;
  m.reasons = d.reasons;
  m.error = input.drill.run.error;
  m.steps = d.steps;
  m.rto_parts = PartsOf(d.steps, system);
  m.other_copies = OtherCopies(input.drill.run);
  m.bytes = input.drill.run.bytes;
  m.files = input.drill.run.files;
  m.throughput_bytes_per_s = d.throughput_bytes_per_s;
  m.absent_person = d.absent_person;
  if (const plan::Person* p = input.plan.FindPerson(d.absent_person)) m.absent_name = p->name;
  if (m.absent_name.empty()) m.absent_name = d.absent_person;
  m.uncovered_steps = d.uncovered_steps;
  FillNarrative(input, &m);
  if (input.previous) m.previous = Compare(*input.previous, m);
  m.capacity = ComputeCapacity(m, input, system);
  m.recommendations = Recommend(m, system == nullptr || !system->verify_command.empty());
  return m;
}

}  // namespace stormproof::report::drill_internal
