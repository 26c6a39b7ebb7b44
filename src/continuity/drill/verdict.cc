// The drill verdict: pass, pass with warnings, or fail.
#include <fmt/format.h>

#include "core/duration.h"
#include "core/text.h"
#include "continuity/drill/drill.h"

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
        "achieved {} {} used {}% of the target {} (less than {:.0f}% "
        "to spare)",
        what, Human(achieved_s), PercentOf(achieved_s, target_s), Human(target_s),
        100.0 * margin));
    return Outcome::kWarning;
  }
  return Outcome::kOk;
}

Outcome Worse(Outcome a, Outcome b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

// "hands-on step 3 not done: Restore D:/EXACT" for a skipped checklist step, "hands-on step 3
// failed: ..." for a failed one; the generic "<step>: <note>" for the others.
std::string StepReason(const catalog::DrillStep& step, bool failed) {
  if (!catalog::IsChecklistStep(step.name)) {
    return failed ? step.name + " failed: " + step.note : step.name + ": " + step.note;
  }
  std::string rest = step.name.substr(std::string("checklist ").size());
  size_t colon = rest.find(':');
  std::string number = rest.substr(0, colon);
  std::string title = colon == std::string::npos ? "" : rest.substr(colon + 1);
  if (!title.empty() && title.front() == ' ') title.erase(0, 1);
  std::string head = "hands-on step " + number + (failed ? " failed" : " not done");
  std::string text = title.empty() ? head : head + ": " + title;
  return step.note.empty() || !failed ? text : text + " (" + step.note + ")";
}

}  // namespace

Outcome JudgeDrill(catalog::Drill* drill, double warn_margin) {
  Outcome verdict = Outcome::kOk;
  std::vector<std::string>& reasons = drill->reasons;
  for (const catalog::DrillStep& step : drill->steps) {
    if (step.outcome == Outcome::kFailed || step.outcome == Outcome::kError) {
      reasons.push_back(StepReason(step, /*failed=*/true));
      verdict = Outcome::kFailed;
    } else if (step.outcome == Outcome::kWarning) {
      reasons.push_back(StepReason(step, /*failed=*/false));
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
  // Without the absent person nobody could finish the restore: the drill proves it fails.
  for (const std::string& uncovered : drill->uncovered_steps) {
    reasons.push_back(fmt::format("with {} unreachable the restore cannot be finished: {}",
                                  drill->absent_person, uncovered));
    verdict = Outcome::kFailed;
  }
  return verdict;
}

}  // namespace stormproof::drill
