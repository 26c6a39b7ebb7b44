// The offline runbook (`plan render`): the whole plan as a document a person can use in an
// emergency with no systems up — who to call and how, incident roles and the call tree, what to
// tell each client and how often, and the restore order with every checklist.
//
// Pure functions of their inputs; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_RUNBOOK_RUNBOOK_H_
#define STORMPROOF_CONTINUITY_REPORT_RUNBOOK_RUNBOOK_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/analysis/restore_order.h"
#include "core/date.h"
#include "continuity/plan/plan.h"

namespace stormproof::report {

struct RunbookInput {
  const plan::Plan* plan = nullptr;
  std::vector<analysis::RestoreStep> order;  // from ComputeRestoreOrder(), whole plan
  std::vector<analysis::Finding> findings;   // from Audit(); shown as "known weaknesses"
  Date generated_on = Date::Today();
  std::optional<std::string> client;  // render only this client's part (and the MSP's people)
  // In an incident (`plan render --clean-points`): system id -> what to restore it from, from
  // the catalog (readiness::RestoreFromText: its newest clean restore point), shown in its
  // restore step with the moment it was read (`restore_from_as_of`). Empty: not shown.
  std::map<std::string, std::string> restore_from = {};
  std::string restore_from_as_of = {};  // "2026-12-05 10:00:00 UTC"
};

// GitHub-flavoured Markdown.
std::string RenderRunbookMarkdown(const RunbookInput& input);

// One self-contained HTML file: inline CSS, no scripts or external resources, print styles
// (page breaks before major sections; the table of contents is kept on paper without link
// styling). Every text is HTML-escaped.
std::string RenderRunbookHtml(const RunbookInput& input);

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_RUNBOOK_RUNBOOK_H_
