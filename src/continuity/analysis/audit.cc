#include "continuity/analysis/audit.h"

#include <algorithm>
#include <tuple>

#include "continuity/analysis/internal/audit_context.h"

namespace stormproof::analysis {
namespace {

// Orders findings most severe first, then by area and rule, then by position in the plan.
bool Before(const Finding& a, const Finding& b) {
  return std::tie(a.severity, a.area, a.rule, a.mark.file, a.mark.line, a.mark.column) <
         std::tie(b.severity, b.area, b.rule, b.mark.file, b.mark.line, b.mark.column);
}

}  // namespace

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "critical";
    case Severity::kHigh:
      return "high";
    case Severity::kMedium:
      return "medium";
    case Severity::kLow:
      return "low";
  }
  return "medium";
}

const char* AreaName(Area area) {
  switch (area) {
    case Area::kPeople:
      return "people";
    case Area::kVendors:
      return "vendors";
    case Area::kSystems:
      return "systems";
    case Area::kSites:
      return "sites";
    case Area::kBackups:
      return "backups";
    case Area::kContacts:
      return "contacts";
    case Area::kReview:
      return "review";
    case Area::kSecurity:
      return "security";
    case Area::kTraining:
      return "training";
  }
  return "systems";
}

std::vector<Finding> Audit(const plan::Plan& plan, const AuditOptions& options) {
  internal::AuditContext context(plan, options);
  std::vector<Finding> findings;
  internal::AuditPeople(context, &findings);
  internal::AuditVendorsAndSites(context, &findings);
  internal::AuditDependencies(context, &findings);
  internal::AuditBackups(context, &findings);
  internal::AuditRepositoryEvidence(context, options.evidence, &findings);
  internal::AuditContactsAndReview(context, &findings);
  internal::AuditSecurity(context, &findings);
  internal::AuditTraining(context, &findings);
  std::stable_sort(findings.begin(), findings.end(), Before);
  return findings;
}

}  // namespace stormproof::analysis
