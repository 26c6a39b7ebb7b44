// Plan rules about canary files (systems[].backup.canaries). Internal to src/continuity/plan;
// used by Validate().
#ifndef STORMPROOF_CONTINUITY_PLAN_INTERNAL_CANARY_CHECK_H_
#define STORMPROOF_CONTINUITY_PLAN_INTERNAL_CANARY_CHECK_H_

#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"

namespace stormproof::plan {

// Errors, each at the canary: a canary that is not an absolute path (canary-not-absolute), or
// that lies under none of the system's backup.paths, after normalising "..", "\" and drive
// letters the way backups map them (canary-outside-paths: it would never be backed up, so
// nothing could see it change). Warning: a canary listed twice (duplicate-canary). Whether the
// file exists is not checked: the plan is checked anywhere, the canary lives on the system.
void CheckCanaries(const Plan& plan, Diagnostics* out);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_CANARY_CHECK_H_
