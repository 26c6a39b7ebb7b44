// The single-point-of-failure audit (`plan audit`): what one loss — a person, a vendor or ISP,
// a system, a site — would stop with no alternative, plus stale contacts, overdue reviews and
// stale security evidence.
//
// Audit() is a pure function of the plan and the date; thread-safe. It expects a plan that
// passed Validate() without errors (unknown references are skipped, not reported).
#ifndef STORMPROOF_CONTINUITY_ANALYSIS_AUDIT_H_
#define STORMPROOF_CONTINUITY_ANALYSIS_AUDIT_H_

#include <array>
#include <string>
#include <vector>

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

struct AuditOptions {
  Date today = Date::Today();
};

// All findings, most severe first, then by area and rule, then by position in the plan.
std::vector<Finding> Audit(const plan::Plan& plan, const AuditOptions& options);

}  // namespace stormproof::analysis

#endif  // STORMPROOF_CONTINUITY_ANALYSIS_AUDIT_H_
