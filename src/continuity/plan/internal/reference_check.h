// Plan rules about ids: every id unique within its kind, every reference resolving to an
// entity of the right kind. Internal to src/continuity/plan; used by Validate().
#ifndef STORMPROOF_CONTINUITY_PLAN_INTERNAL_REFERENCE_CHECK_H_
#define STORMPROOF_CONTINUITY_PLAN_INTERNAL_REFERENCE_CHECK_H_

#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"

namespace stormproof::plan {

// Reports each id defined twice in the same collection, at the second definition.
void CheckDuplicateIds(const Plan& plan, Diagnostics* out);

// Reports each reference to an id that does not exist (with a "did you mean" when one is close),
// and references to the wrong kind of thing (a site's ISP that is not an ISP vendor).
void CheckReferences(const Plan& plan, Diagnostics* out);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_REFERENCE_CHECK_H_
