// The projected RTO of a system: its own restore — data restore + hands-on time + verification,
// each measured by drills where they timed it — started when the last system it depends on is
// back (restores of independent systems run in parallel here; `plan order` adds who does them).
// A part never timed nor estimated leaves the projection incomplete: then it is a lower bound,
// judged infeasible when even that exceeds the RTO and unknown otherwise, never feasible.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <utility>

#include "continuity/readiness/internal/assess.h"

namespace stormproof::readiness {
namespace internal {
namespace {

constexpr std::string_view kChecklistPrefix = "checklist ";
constexpr const char* kHandsOnUnknown = "hands-on time unknown: never timed, no estimate";
constexpr const char* kDataUnknown =
    "data restore never measured (no drill with a restore throughput)";

// Total milliseconds of the drill's verification steps; unset when it has none.
std::optional<int64_t> VerifyMs(const catalog::Drill& drill) {
  std::optional<int64_t> total;
  for (const catalog::DrillStep& step : drill.steps) {
    if (step.name == "verify data" || step.name == "verify application") {
      total = total.value_or(0) + step.duration_ms;
    }
  }
  return total;
}

int64_t RestoreStepMs(const catalog::Drill& drill) {
  for (const catalog::DrillStep& step : drill.steps) {
    if (step.name == "restore") return step.duration_ms;
  }
  return 0;
}

Duration RoundedSeconds(double ms) { return Duration::Seconds(std::llround(ms / 1000)); }

// Data restore: data ÷ the median throughput, and the largest drill restore as its evidence.
void MeasureDataRestore(const std::vector<catalog::DrillRecord>& drills, RtoProjection* p) {
  std::vector<double> throughputs;
  const catalog::DrillRecord* evidence = nullptr;
  for (const catalog::DrillRecord& record : drills) {
    std::optional<double> throughput = DrillThroughput(record);  // a 0 ms restore counts
    if (!throughput) continue;
    throughputs.push_back(*throughput);
    if (evidence == nullptr || record.run.bytes > evidence->run.bytes) evidence = &record;
  }
  if (throughputs.empty()) return;
  p->throughput_bytes_per_s = Median(throughputs);
  double seconds = static_cast<double>(p->data_bytes) / *p->throughput_bytes_per_s;
  p->data_restore = Duration::Seconds(static_cast<int64_t>(std::ceil(seconds)));
  p->data_restore_basis = ProjectionBasis::kMeasured;
  p->evidence_bytes = evidence->run.bytes;
  p->evidence_duration_ms = RestoreStepMs(evidence->drill);
  if (p->evidence_bytes > 0) {
    p->extrapolation_factor =
        static_cast<double>(p->data_bytes) / static_cast<double>(p->evidence_bytes);
  }
}

// Hands-on time: the median over the drills that timed every checklist step, else the plan's
// restore.estimate.
void MeasureHandsOn(const std::vector<catalog::DrillRecord>& drills, const plan::System& system,
                    RtoProjection* p) {
  std::vector<double> hands_on_ms;
  for (const catalog::DrillRecord& record : drills) {
    if (auto ms = MeasuredHandsOnMs(record.drill, system.checklist.size())) {
      hands_on_ms.push_back(static_cast<double>(*ms));
    }
  }
  if (!hands_on_ms.empty()) {
    p->hands_on = RoundedSeconds(Median(hands_on_ms));
    p->hands_on_basis = ProjectionBasis::kMeasured;
    p->hands_on_drills = static_cast<int>(hands_on_ms.size());
  } else if (system.restore_estimate) {
    p->hands_on = system.restore_estimate;
    p->hands_on_basis = ProjectionBasis::kEstimate;
  }
}

void MeasureVerify(const std::vector<catalog::DrillRecord>& drills, RtoProjection* p) {
  std::vector<double> verify_ms;
  for (const catalog::DrillRecord& record : drills) {
    if (std::optional<int64_t> ms = VerifyMs(record.drill)) {
      verify_ms.push_back(static_cast<double>(*ms));
    }
  }
  if (verify_ms.empty()) return;
  p->verify_time = RoundedSeconds(Median(verify_ms));
  p->verify_basis = ProjectionBasis::kMeasured;
}

// Why the system's own restore time is incomplete, hands-on time first.
std::vector<std::string> OwnUnknowns(const RtoProjection& p) {
  std::vector<std::string> unknowns;
  if (!p.hands_on) unknowns.push_back(kHandsOnUnknown);
  if (!p.data_restore) unknowns.push_back(kDataUnknown);
  return unknowns;
}

// own, basis and unknowns, from the parts.
void SumParts(RtoProjection* p) {
  p->unknowns = OwnUnknowns(*p);
  if (p->data_restore || p->hands_on) {
    p->own = p->data_restore.value_or(Duration()) + p->hands_on.value_or(Duration()) +
             p->verify_time.value_or(Duration());
  }
  if (p->data_restore && p->hands_on) p->basis = p->hands_on_basis;
}

// When each needed system is back from the start of a site-wide restore, and whether every part
// of its chain is known.
struct ChainFinish {
  Duration finish;
  bool complete = false;
};

bool OwnComplete(const RtoProjection& rto) { return rto.data_restore && rto.hands_on; }

// The latest finish among the dependencies of `node` that are done, and whether all of them are
// complete.
ChainFinish StartOf(const plan::DependencyGraph& graph, size_t node,
                    const std::vector<ChainFinish>& finish, const std::vector<char>& done) {
  ChainFinish start{Duration(), true};
  for (size_t dep : graph.depends_on(node)) {
    if (!done[dep]) continue;  // a cycle (plan check rejects them): counts as finished at zero
    start.finish = std::max(start.finish, finish[dep].finish);
    start.complete = start.complete && finish[dep].complete;
  }
  return start;
}

// Finish of every needed system, dependencies first (iterative post-order, so a long chain
// cannot overflow the stack).
std::vector<ChainFinish> ChainFinishes(const plan::DependencyGraph& graph,
                                       const std::vector<bool>& needed,
                                       const std::vector<RtoProjection>& rto) {
  enum Mark : char { kNew, kOpen, kDone };
  std::vector<Mark> mark(graph.size(), kNew);
  std::vector<char> done(graph.size(), 0);
  std::vector<ChainFinish> finish(graph.size());
  for (size_t root = 0; root < graph.size(); ++root) {
    if (!needed[root] || mark[root] != kNew) continue;
    std::vector<std::pair<size_t, size_t>> stack{{root, 0}};  // node, next dependency
    mark[root] = kOpen;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const std::vector<size_t>& deps = graph.depends_on(node);
      if (next < deps.size()) {
        size_t dep = deps[next++];
        if (mark[dep] == kNew) {
          mark[dep] = kOpen;
          stack.emplace_back(dep, 0);
        }
        continue;
      }
      ChainFinish start = StartOf(graph, node, finish, done);
      finish[node] = {start.finish + rto[node].own.value_or(Duration()),
                      start.complete && OwnComplete(rto[node])};
      mark[node] = kDone;
      done[node] = 1;
      stack.pop_back();
    }
  }
  return finish;
}

// The capacity fields, from a projection whose chain is filled in.
void JudgeCapacity(RtoProjection* p) {
  p->data_budget.reset();
  p->max_data_bytes.reset();
  p->no_capacity_reason.clear();
  if (!p->target || !p->complete) {
    p->no_capacity_reason = !p->target            ? "no RTO"
                            : p->unknowns.empty() ? "the restore time is unknown"
                                                  : p->unknowns.front();
    return;
  }
  p->data_budget =
      *p->target - *p->dependency_wait - *p->hands_on - p->verify_time.value_or(Duration());
  double seconds = static_cast<double>(std::max<int64_t>(0, p->data_budget->seconds()));
  if (p->throughput_bytes_per_s) p->max_data_bytes = seconds * *p->throughput_bytes_per_s;
}

RtoState StateOf(const RtoProjection& p) {
  if (!p.target || !p.projected) return RtoState::kUnknown;
  if (*p.projected > *p.target) return RtoState::kInfeasible;
  return p.complete ? RtoState::kFeasible : RtoState::kUnknown;
}

std::string PartText(const char* name, const std::optional<Duration>& part, ProjectionBasis basis,
                     const std::string& measured_how, const char* unknown_why) {
  std::string text = std::string(name) + " ";
  switch (basis) {
    case ProjectionBasis::kMeasured:
      return text + ShortDuration(*part) + " (measured" + measured_how + ")";
    case ProjectionBasis::kEstimate:
      return text + ShortDuration(*part) + " (estimate, never timed)";
    case ProjectionBasis::kNone:
      break;
  }
  return text + "unknown (" + unknown_why + ")";
}

}  // namespace

std::optional<size_t> ChecklistStepNumber(const std::string& step_name) {
  if (!catalog::IsChecklistStep(step_name)) return std::nullopt;  // the one rule for the name
  const char* digits = step_name.data() + kChecklistPrefix.size();
  size_t number = 0;
  auto [after, error] = std::from_chars(digits, step_name.data() + step_name.size(), number);
  if (error != std::errc() || number == 0) return std::nullopt;  // overflow, or step 0
  return number;
}

RtoProjection MeasureOwnRestore(const Evidence& evidence, const plan::System& system,
                                std::optional<Duration> rto) {
  RtoProjection projection;
  projection.target = rto;
  if (evidence.last_good_backup) {
    projection.data_bytes = evidence.last_good_backup->bytes;
  } else if (!evidence.drills.empty()) {
    projection.data_bytes = evidence.drills.front().run.bytes;
  }
  MeasureDataRestore(evidence.drills, &projection);
  MeasureHandsOn(evidence.drills, system, &projection);
  MeasureVerify(evidence.drills, &projection);
  SumParts(&projection);
  return projection;
}

void ProjectAlongDependencies(const plan::Plan& plan, const plan::DependencyGraph& graph,
                              const std::vector<bool>& needed, std::vector<RtoProjection>* rto) {
  std::vector<ChainFinish> finish = ChainFinishes(graph, needed, *rto);
  std::vector<char> done(needed.begin(), needed.end());
  for (size_t i = 0; i < graph.size(); ++i) {
    if (!needed[i]) continue;
    RtoProjection& p = (*rto)[i];
    ChainFinish start = StartOf(graph, i, finish, done);
    p.dependency_wait = start.finish;
    p.waits_for.clear();
    p.unknowns = OwnUnknowns(p);
    for (size_t dep : graph.depends_on(i)) {
      if (start.finish > Duration() && finish[dep].finish == start.finish) {
        p.waits_for.push_back(plan.systems[dep].id);
      }
      if (!finish[dep].complete) {
        p.unknowns.push_back("waits for " + plan.systems[dep].id +
                             ", whose restore time is unknown");
      }
    }
    p.complete = finish[i].complete;
    p.dependency_wait_complete = start.complete;
    p.projected.reset();
    if (p.own) p.projected = start.finish + *p.own;
    p.state = StateOf(p);
    JudgeCapacity(&p);
  }
}

}  // namespace internal

std::optional<int64_t> MeasuredHandsOnMs(const catalog::Drill& drill, size_t checklist_steps) {
  if (checklist_steps == 0) return std::nullopt;
  std::vector<char> seen(checklist_steps, 0);
  int64_t total = 0;
  for (const catalog::DrillStep& step : drill.steps) {
    std::optional<size_t> number = internal::ChecklistStepNumber(step.name);
    if (!number || *number > checklist_steps || seen[*number - 1]) continue;
    if (step.outcome != catalog::Outcome::kOk) return std::nullopt;  // skipped or failed
    // Not timed, or a time no stopwatch gives: no measurement.
    if (step.note == catalog::kNotTimedNote || step.duration_ms < 0) return std::nullopt;
    seen[*number - 1] = 1;
    total += step.duration_ms;
  }
  bool all = std::all_of(seen.begin(), seen.end(), [](char s) { return s != 0; });
  return all ? std::optional<int64_t>(total) : std::nullopt;
}

namespace {

// The hands-on part of a drill's data-restore budget (see DrillDataRestoreBudget).
void BudgetHandsOn(const catalog::Drill& drill, const plan::System& system,
                   const RtoProjection* projection, DataRestoreBudget* budget) {
  if (auto timed = MeasuredHandsOnMs(drill, system.checklist.size())) {
    budget->hands_on_ms = timed;
    budget->hands_on_basis = "measured by this drill";
  } else if (projection != nullptr && projection->hands_on) {
    budget->hands_on_ms = projection->hands_on->seconds() * 1000;
    budget->hands_on_basis = projection->hands_on_basis == ProjectionBasis::kEstimate
                                 ? "estimate, never timed"
                                 : "measured, median of " +
                                       std::to_string(projection->hands_on_drills) + " drill" +
                                       (projection->hands_on_drills == 1 ? "" : "s");
  } else if (projection == nullptr && system.restore_estimate) {
    budget->hands_on_ms = system.restore_estimate->seconds() * 1000;
    budget->hands_on_basis = "estimate, never timed";
  }
}

}  // namespace

DataRestoreBudget DrillDataRestoreBudget(const catalog::Drill& drill, const plan::System& system,
                                         const RtoProjection* projection, int64_t rto_ms,
                                         int64_t verification_ms) {
  DataRestoreBudget budget;
  BudgetHandsOn(drill, system, projection, &budget);
  if (system.depends_on.empty()) {
    budget.dependency_wait_ms = 0;
  } else if (projection != nullptr && projection->dependency_wait &&
             projection->dependency_wait_complete) {
    budget.dependency_wait_ms = projection->dependency_wait->seconds() * 1000;
  }
  if (!budget.hands_on_ms) {
    budget.reason = internal::kHandsOnUnknown;
  } else if (!budget.dependency_wait_ms) {
    budget.reason =
        "the wait for the systems it depends on is unknown (one of them was never "
        "drilled or timed)";
  } else {
    budget.budget_ms = rto_ms - *budget.dependency_wait_ms - *budget.hands_on_ms - verification_ms;
  }
  return budget;
}

std::string ProjectionPartsText(const RtoProjection& rto) {
  std::string hands_on_how = rto.hands_on_drills > 0
                                 ? ", median of " + std::to_string(rto.hands_on_drills) + " drill" +
                                       (rto.hands_on_drills == 1 ? "" : "s")
                                 : "";
  std::string text =
      internal::PartText("data restore", rto.data_restore, rto.data_restore_basis, "",
                         "never drilled") +
      " + " +
      internal::PartText("hands-on", rto.hands_on, rto.hands_on_basis, hands_on_how,
                         "never timed, no estimate") +
      " + " + internal::PartText("verify", rto.verify_time, rto.verify_basis, "", "never timed");
  if (rto.dependency_wait && *rto.dependency_wait > Duration() && !rto.waits_for.empty()) {
    text +=
        ", after " + ShortDuration(*rto.dependency_wait) + " waiting for " + rto.waits_for.front();
  }
  return text;
}

}  // namespace stormproof::readiness
