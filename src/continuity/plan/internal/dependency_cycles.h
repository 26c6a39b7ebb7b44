// Plan rules about cycles: systems that (transitively) depend on themselves can never be
// restored in any order, and a role call tree that loops has no top. Internal to src/continuity/plan.
#ifndef STORMPROOF_CONTINUITY_PLAN_INTERNAL_DEPENDENCY_CYCLES_H_
#define STORMPROOF_CONTINUITY_PLAN_INTERNAL_DEPENDENCY_CYCLES_H_

#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"

namespace stormproof::plan {

// One error per cycle, spelled out ("a -> b -> c -> a"), at the first system's reference.
void CheckDependencyCycles(const Plan& plan, Diagnostics* out);

// One error per loop in roles' reports_to chains.
void CheckRoleCycles(const Plan& plan, Diagnostics* out);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_DEPENDENCY_CYCLES_H_
