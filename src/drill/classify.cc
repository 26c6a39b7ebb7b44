// The drill verdict: pass, pass with warnings, or fail.
#include <fmt/format.h>

#include "core/duration.h"
#include "drill/drill.h"

namespace stormproof::drill {
namespace {

using catalog::Outcome;

std::string Human(int64_t seconds) { return Duration::Seconds(seconds).ToString(); }

// Compares one achieved figure (seconds) with its target; appends the reason.
Outcome Judge(const char* what, int64_t achieved_s, int64_t target_s, double margin,
              std::vector<std::string>* reasons) {
  if (achieved_s > target_s) {
    reasons->push_back(fmt::format("achieved {} {} exceeds the target {}", what, Human(achieved_s),
                                   Human(target_s)));
    return Outcome::kFailed;
  }
  if (static_cast<double>(achieved_s) > (1.0 - margin) * static_cast<double>(target_s)) {
    reasons->push_back(fmt::format(
        "achieved {} {} used {:.0f}% of the target {} (less than {:.0f}% "
        "to spare)",
        what, Human(achieved_s), 100.0 * achieved_s / target_s, Human(target_s), 100.0 * margin));
    return Outcome::kWarning;
  }
  return Outcome::kOk;
}

Outcome Worse(Outcome a, Outcome b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

}  // namespace

Outcome Classify(catalog::Drill* drill, double warn_margin) {
  Outcome verdict = Outcome::kOk;
  std::vector<std::string>& reasons = drill->reasons;
  for (const catalog::DrillStep& step : drill->steps) {
    if (step.outcome == Outcome::kFailed || step.outcome == Outcome::kError) {
      reasons.push_back(step.name + " failed: " + step.note);
      verdict = Outcome::kFailed;
    } else if (step.outcome == Outcome::kWarning) {
      reasons.push_back(step.name + ": " + step.note);
      verdict = Worse(verdict, Outcome::kWarning);
    }
  }
  if (drill->achieved_rto_ms && drill->target_rto_s) {
    verdict = Worse(verdict, Judge("RTO", *drill->achieved_rto_s(), *drill->target_rto_s,
                                   warn_margin, &reasons));
  }
  if (!drill->achieved_rpo_s) {
    reasons.push_back("the restore point's age is unknown: RPO not measured");
    verdict = Worse(verdict, Outcome::kWarning);
  } else if (drill->target_rpo_s) {
    verdict = Worse(
        verdict, Judge("RPO", *drill->achieved_rpo_s, *drill->target_rpo_s, warn_margin, &reasons));
  }
  if (!drill->uncovered_steps.empty()) {
    reasons.push_back(
        fmt::format("with {} unreachable, {} checklist step(s) have nobody trained "
                    "and reachable",
                    drill->absent_person, drill->uncovered_steps.size()));
    verdict = Worse(verdict, Outcome::kWarning);
  }
  return verdict;
}

}  // namespace stormproof::drill
