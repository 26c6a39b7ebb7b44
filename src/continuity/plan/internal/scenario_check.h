// Plan rules about scenarios (`scenarios:`). Internal to src/continuity/plan; used by
// Validate().
#ifndef STORMPROOF_CONTINUITY_PLAN_INTERNAL_SCENARIO_CHECK_H_
#define STORMPROOF_CONTINUITY_PLAN_INTERNAL_SCENARIO_CHECK_H_

#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"

namespace stormproof::plan {

// Errors, each at the offending value: an id in `lost` or an inject's `to` that the plan does
// not define (unknown-reference; `to` names a person or a role), a `for` of zero
// (bad-duration), a scenario that loses nothing (scenario-loses-nothing), an inject earlier
// than the one before it (inject-order) or later than kMaxInjectOffset (inject-too-late).
// Warning: a vendor under lost.isps whose kind is not isp (isp-kind). Duplicate scenario ids
// are CheckDuplicateIds's.
void CheckScenarios(const Plan& plan, Diagnostics* out);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_SCENARIO_CHECK_H_
