// stormproof plan audit: the single-point-of-failure audit over people, vendors, ISPs, systems,
// sites and backups, plus stale contacts, reviews and security evidence.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "apps/stormproof/context.h"
#include "continuity/analysis/audit.h"
#include "continuity/readiness/readiness.h"
#include "continuity/report/plan_output/json_output.h"
#include "continuity/report/plan_output/text_output.h"

namespace stormproof::cli {
namespace {

struct AuditFlags {
  std::string fail_on = "high";
};

// The words --fail-on takes: each severity's name, most severe first, and "never".
std::vector<std::string> FailOnWords() {
  std::vector<std::string> words;
  for (analysis::Severity s : analysis::kSeverities) words.emplace_back(analysis::SeverityName(s));
  words.emplace_back("never");
  return words;
}

// Findings at the severity `word` names or above fail; none do for "never".
bool Fails(const analysis::Finding& finding, const std::string& word) {
  for (analysis::Severity s : analysis::kSeverities) {
    if (word == analysis::SeverityName(s)) return finding.severity <= s;
  }
  return false;
}

// The catalog's evidence of each repository (immutability proofs, attestations, checks and
// drills) when the plan's catalog exists; null without one (nothing is created).
Result<std::optional<analysis::RepositoryEvidenceMap>> CatalogEvidence(const Context& context,
                                                                       const UsablePlan& usable) {
  STORMPROOF_ASSIGN_OR_RETURN(auto catalog,
                              readiness::OpenExistingCatalog(usable.plan().run.catalog));
  if (catalog == nullptr) return std::optional<analysis::RepositoryEvidenceMap>();
  STORMPROOF_ASSIGN_OR_RETURN(
      analysis::RepositoryEvidenceMap evidence,
      readiness::GatherRepositoryEvidence(usable.plan(), *catalog, NowNs(context, usable.today)));
  return std::optional(std::move(evidence));
}

Outcome RunAudit(Context* context, const AuditFlags& flags) {
  auto usable = LoadUsablePlan(*context);
  if (!usable) return usable.outcome();
  auto evidence = CatalogEvidence(*context, *usable);
  if (!evidence) {
    PrintError(evidence.error().message());  // names the catalog file
    return Outcome::Failed();
  }
  analysis::AuditOptions options;
  options.today = usable->today;
  options.evidence = evidence->has_value() ? &**evidence : nullptr;
  std::vector<analysis::Finding> findings = analysis::Audit(usable->plan(), options);
  size_t failing = 0;
  for (const analysis::Finding& f : findings) failing += Fails(f, flags.fail_on) ? 1 : 0;
  if (context->json) {
    nlohmann::json head = {{"as_of", usable->today.ToString()},
                           {"catalog_exists", evidence->has_value()},
                           {"count", findings.size()},
                           {"failing", failing},
                           {"fail_on", flags.fail_on}};
    PrintJsonWithArray(head, "findings", findings.size(), [&](size_t i) {
      return report::FindingToJson(usable->plan(), findings[i]);
    });
  } else {
    fmt::print("{}", report::RenderAuditText(usable->plan(), findings));
  }
  return failing > 0 ? Outcome::Problems() : Outcome::Ok();
}

}  // namespace

void AddPlanAuditCommand(CLI::App* plan, Context* context) {
  auto flags = std::make_shared<AuditFlags>();
  CLI::App* cmd = plan->add_subcommand(
      "audit",
      "Find single points of failure: a critical system only one person can restore, a role "
      "with no reachable backup, a site or system that depends on one ISP or vendor alone, "
      "systems whose loss takes down others, backups that break 3-2-1-1-0, stale contacts, "
      "overdue reviews and stale security evidence. With the plan's catalog (run.catalog), also "
      "the repositories whose immutability or zero errors is not proven by evidence: claimed "
      "immutable but never proven, a failed or stale immutability proof, an offline copy not "
      "attested, no recent check that read data or drill. Each finding has a severity, the "
      "affected systems and clients, and a recommendation.");
  cmd->add_option("--fail-on", flags->fail_on,
                  "Exit 3 when a finding at this severity or above exists (default high)")
      ->check(CLI::IsMember(FailOnWords()))
      ->type_name("SEVERITY");
  cmd->callback([context, flags] { context->outcome = RunAudit(context, *flags); });
}

}  // namespace stormproof::cli
