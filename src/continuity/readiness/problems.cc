// What people read: state names, the 3-2-1-1-0 marks and the one-line problems of a system.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/text.h"
#include "core/time.h"
#include "continuity/readiness/internal/assess.h"

namespace stormproof::readiness {

const char* RpoStateName(RpoState state) {
  switch (state) {
    case RpoState::kOk:
      return "ok";
    case RpoState::kAtRisk:
      return "at risk";
    case RpoState::kBreached:
      return "breached";
    case RpoState::kUnknown:
      break;
  }
  return "unknown";
}

const char* RtoStateName(RtoState state) {
  switch (state) {
    case RtoState::kFeasible:
      return "feasible";
    case RtoState::kInfeasible:
      return "infeasible";
    case RtoState::kUnknown:
      break;
  }
  return "unknown";
}

const char* ProjectionBasisName(ProjectionBasis basis) {
  switch (basis) {
    case ProjectionBasis::kMeasured:
      return "measured";
    case ProjectionBasis::kEstimate:
      return "estimate";
    case ProjectionBasis::kNone:
      break;
  }
  return "unknown";
}

const char* DrillStateName(DrillState state) {
  switch (state) {
    case DrillState::kOk:
      return "ok";
    case DrillState::kDueSoon:
      return "due soon";
    case DrillState::kOverdue:
      return "overdue";
    case DrillState::kNever:
      break;
  }
  return "never";
}

int Rule32110::Passed() const {
  return int{copies_ok()} + int{media_ok()} + int{offsite} + int{immutable_met()} +
         int{zero_errors.value_or(false)};
}

std::string Rule32110::Marks() const {
  auto mark = [](bool ok) { return ok ? "✓" : "✗"; };
  const char* immutable = immutable_met() ? "✓" : immutable_claimed ? "~" : "✗";
  std::string marks =
      std::string(mark(copies_ok())) + mark(media_ok()) + mark(offsite) + immutable;
  return marks + (zero_errors ? mark(*zero_errors) : "?");
}

std::string RtoConfidence::P95Label() const {
  if (!p95_is_worst()) return "p95";
  return "worst of last " + std::to_string(verified);
}

std::string ExtrapolationCaveat(const RtoProjection& rto) {
  if (!rto.extrapolation_factor || *rto.extrapolation_factor < kExtrapolationCaveatFactor) {
    return "";
  }
  char factor[32];
  std::snprintf(factor, sizeof factor, "%.0f", std::floor(*rto.extrapolation_factor));
  return std::string("RTO projection extrapolated ") + factor + "× from a drill of " +
         HumanBytes(rto.evidence_bytes);
}

namespace internal {
namespace {

std::string RpoProblem(const RpoStatus& rpo) {
  std::string target = rpo.target ? ShortDuration(*rpo.target) : "";
  switch (rpo.state) {
    case RpoState::kBreached:
      if (!rpo.age) return "RPO " + target + " breached: no restore point was ever recorded";
      return "RPO " + target + " breached: newest restore point is " + ShortDuration(*rpo.age) +
             " old";
    case RpoState::kAtRisk:
      return "RPO " + target + " at risk: newest restore point is " + ShortDuration(*rpo.age) +
             " old, past the backup interval " + ShortDuration(*rpo.interval);
    case RpoState::kUnknown:
      if (!rpo.restore_point_ns) return "never backed up";
      return "no RPO objective";
    case RpoState::kOk:
      break;
  }
  return "";
}

// Infeasible: "RTO 2h, projected 6h waiting for db" ("projected at least" for an incomplete
// projection); incomplete: "RTO 2h projection incomplete: hands-on time unknown: never timed,
// no estimate; ...".
std::string RtoProblem(const RtoProjection& rto) {
  std::string target = rto.target ? "RTO " + ShortDuration(*rto.target) : "RTO";
  if (rto.state == RtoState::kInfeasible) {
    std::string text = target + ", projected " + (rto.complete ? "" : "at least ") +
                       ShortDuration(*rto.projected);
    if (rto.hands_on_basis == ProjectionBasis::kEstimate) {
      text += " (hands-on: estimate, never timed)";
    }
    if (!rto.waits_for.empty()) text += " waiting for " + rto.waits_for.front();
    return text;
  }
  if (rto.complete || rto.unknowns.empty()) return "";
  return target + " projection incomplete: " + Join(rto.unknowns, "; ");
}

std::string DrillProblem(const DrillRecency& drill) {
  switch (drill.state) {
    case DrillState::kNever:
      return "never drilled";
    case DrillState::kOverdue:
      return "drill overdue since " + drill.due->ToString();
    case DrillState::kDueSoon:
      return "drill due " + drill.due->ToString();
    case DrillState::kOk:
      break;
  }
  return "";
}

std::string Short(const std::string& id) { return id.substr(0, 8); }

// "infected snapshot 9a8b7c6d (2026-12-05 10:00:00 UTC) in acme-b2, score 97: <reasons>".
std::string FlaggedText(const FlaggedSnapshot& f) {
  std::string text = f.level + " snapshot " + Short(f.snapshot_id) + " (" + FormatUtc(f.time_ns) +
                     ") in " + f.repository;
  if (f.score) text += ", score " + std::to_string(*f.score);
  return text + (f.reasons.empty() ? "" : ": " + Join(f.reasons, "; "));
}

// The attack and the RPO it leaves: one line for the flag, one for the clean point, one when a
// backup could not hold the clean points. Evidence text is escaped for a terminal.
std::vector<std::string> CleanProblems(const CleanPointStatus& clean) {
  std::vector<std::string> lines;
  std::string target = clean.target ? " " + ShortDuration(*clean.target) : "";
  if (clean.flagged) lines.push_back("ransomware suspected: " + FlaggedText(*clean.flagged));
  if (clean.state == CleanState::kNoCleanPoint) {
    lines.push_back("clean RPO" + target + " breached: " + clean.reason);
  } else if (clean.state == CleanState::kFlagged) {
    std::string point = "newest clean restore point " + Short(clean.snapshot_id) + " (" +
                        FormatUtc(*clean.point_ns) + ") in " + clean.repository + " is " +
                        ShortDuration(*clean.age) + " old" + (clean.held ? "" : ", not held");
    lines.push_back(clean.breached ? "clean RPO" + target + " breached: " + point
                                   : "clean RPO within" + target + ": " + point);
  }
  if (!clean.marks_failed.empty()) lines.push_back("holds not placed: " + clean.marks_failed);
  for (std::string& line : lines) line = EscapeControls(line);
  return lines;
}

bool LastDrillFailed(const DrillRecency& drill) {
  return drill.last_outcome && (*drill.last_outcome == catalog::Outcome::kFailed ||
                                *drill.last_outcome == catalog::Outcome::kError);
}

}  // namespace

void JudgeProblems(SystemStatus* status) {
  status->breached = status->rpo.state == RpoState::kBreached || status->clean.breached ||
                     status->rto.state == RtoState::kInfeasible || LastDrillFailed(status->drill);
  status->problems.clear();
  for (std::string line :
       {RpoProblem(status->rpo), RtoProblem(status->rto), DrillProblem(status->drill)}) {
    if (!line.empty()) status->problems.push_back(std::move(line));
  }
  for (std::string& line : CleanProblems(status->clean)) {
    status->problems.push_back(std::move(line));
  }
  if (LastDrillFailed(status->drill)) {
    status->problems.push_back(std::string("last drill ") +
                               catalog::OutcomeName(*status->drill.last_outcome));
  }
  if (std::string caveat = ExtrapolationCaveat(status->rto); !caveat.empty()) {
    status->problems.push_back(std::move(caveat));
  }
  for (const std::string& reason : status->rule.reasons) status->problems.push_back(reason);
}

void AddConflictProblems(const std::vector<catalog::RecordConflict>& conflicts,
                         bool client_view, SystemStatus* status) {
  for (const catalog::RecordConflict& conflict : conflicts) {
    const std::vector<std::string>& systems = conflict.systems;
    if (std::find(systems.begin(), systems.end(), status->id) == systems.end()) continue;
    std::string line = "record " + EscapeName(conflict.record_id) + " is told " +
                       std::to_string(conflict.sources.size()) + " ways by hosts' evidence";
    if (!client_view) {
      std::vector<std::string> sources;
      for (const std::string& source : conflict.sources) sources.push_back(EscapeName(source));
      line += " (" + Join(sources, ", ") + ")";
    }
    status->problems.push_back(line + ": a host holding a repository key may have forged it");
  }
}

}  // namespace internal
}  // namespace stormproof::readiness
