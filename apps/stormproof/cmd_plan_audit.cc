// stormproof plan audit: the single-point-of-failure audit over people, vendors, ISPs, systems,
// sites and backups, plus stale contacts, reviews and security evidence.
#include <fmt/format.h>

#include <map>

#include "continuity/analysis/audit.h"
#include "apps/stormproof/context.h"
#include "continuity/report/json_output.h"
#include "continuity/report/text_output.h"

namespace stormproof::cli {
namespace {

struct AuditFlags {
  std::string fail_on = "high";
};

const std::map<std::string, int>& FailLevels() {
  static const std::map<std::string, int> kLevels = {
      {"critical", 0}, {"high", 1}, {"medium", 2}, {"low", 3}, {"never", -1}};
  return kLevels;
}

void RunAudit(Context* context, const AuditFlags& flags) {
  std::optional<UsablePlan> usable = LoadUsablePlan(context);
  if (!usable) return;
  std::vector<analysis::Finding> findings = analysis::Audit(usable->plan(), {usable->today});
  int threshold = FailLevels().at(flags.fail_on);
  size_t failing = 0;
  for (const analysis::Finding& f : findings) {
    if (static_cast<int>(f.severity) <= threshold) ++failing;
  }
  if (context->json) {
    nlohmann::json head = {{"as_of", usable->today.ToString()},
                           {"count", findings.size()},
                           {"failing", failing},
                           {"fail_on", flags.fail_on}};
    PrintJsonWithArray(head, "findings", findings.size(), [&](size_t i) {
      return report::FindingToJson(usable->plan(), findings[i]);
    });
  } else {
    fmt::print("{}", report::RenderAuditText(usable->plan(), findings));
  }
  if (failing > 0) context->exit_code = kExitProblems;
}

}  // namespace

void AddPlanAuditCommand(CLI::App* plan, Context* context) {
  auto flags = std::make_shared<AuditFlags>();
  CLI::App* cmd = plan->add_subcommand(
      "audit",
      "Find single points of failure: a critical system only one person can restore, a role "
      "with no reachable backup, a site or system that depends on one ISP or vendor alone, "
      "systems whose loss takes down others, backups that break 3-2-1-1-0, stale contacts, "
      "overdue reviews and stale security evidence. Each finding has a severity, the affected "
      "systems and clients, and a recommendation.");
  cmd->add_option("--fail-on", flags->fail_on,
                  "Exit 3 when a finding at this severity or above exists (default high)")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "never"}))
      ->type_name("SEVERITY");
  cmd->callback([context, flags] { RunAudit(context, *flags); });
}

}  // namespace stormproof::cli
