// The single-point-of-failure audit (`plan audit`): what one loss — a person, a vendor or ISP,
// a system, a site — would stop with no alternative, plus stale contacts, overdue reviews and
// stale security evidence, and the "1" and "0" of 3-2-1-1-0 per repository from the catalog's
// evidence (immutability proven or only claimed, zero errors proven).
//
// Audit() is a pure function of the plan, the date and the evidence given; thread-safe. It expects
// a plan that passed Validate() without errors (unknown references are skipped, not reported).
#ifndef STORMPROOF_CONTINUITY_ANALYSIS_AUDIT_H_
#define STORMPROOF_CONTINUITY_ANALYSIS_AUDIT_H_

#include <array>
#include <map>
#include <string>
#include <vector>

#include "continuity/analysis/evidence_rules.h"
#include "continuity/plan/plan.h"
#include "core/date.h"

namespace stormproof::analysis {

enum class Severity { kCritical, kHigh, kMedium, kLow };
const char* SeverityName(Severity severity);  // "critical", "high", "medium", "low"
// Every severity, most severe first: `plan audit --fail-on` takes their names.
inline constexpr std::array<Severity, 4> kSeverities = {Severity::kCritical, Severity::kHigh,
                                                        Severity::kMedium, Severity::kLow};

// What the finding is about; each area is audited by its own rules.
enum class Area {
  kPeople,
  kVendors,
  kSystems,
  kSites,
  kBackups,
  kContacts,
  kReview,
  kSecurity,
  kTraining
};
const char* AreaName(Area area);  // "people", "vendors", ...

struct Finding {
  Severity severity = Severity::kMedium;
  Area area = Area::kSystems;
  std::string rule;                  // stable id for machines, e.g. "single-restorer"
  std::string title;                 // one line a person reads first
  std::string detail;                // why it matters, with the names involved
  std::string recommendation;        // what to do about it
  std::vector<std::string> systems;  // affected system ids
  std::vector<std::string> clients;  // affected client ids ("" is not used; MSP systems add none)
  plan::Mark mark;                   // where in the plan the cause is written
};

// Evidence per plan repository id (evidence_rules.h), from the catalog.
using RepositoryEvidenceMap = std::map<std::string, RepositoryEvidence>;

struct AuditOptions {
  Date today = Date::Today();
  // The catalog's evidence, when there is a catalog (not owned; must outlive the Audit() call).
  // Null: no catalog. Immutability is judged either way (a claim without a proof is a finding);
  // "zero errors" only with evidence (every repository would be "never proven" otherwise).
  const RepositoryEvidenceMap* evidence = nullptr;
};

// All findings, most severe first, then by area and rule, then by position in the plan.
std::vector<Finding> Audit(const plan::Plan& plan, const AuditOptions& options);

}  // namespace stormproof::analysis

#endif  // STORMPROOF_CONTINUITY_ANALYSIS_AUDIT_H_
