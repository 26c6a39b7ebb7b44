// Plan rules about S3 Object Lock (repositories[].object_lock). Internal to src/continuity/plan;
// used by Validate().
#ifndef STORMPROOF_CONTINUITY_PLAN_INTERNAL_OBJECT_LOCK_CHECK_H_
#define STORMPROOF_CONTINUITY_PLAN_INTERNAL_OBJECT_LOCK_CHECK_H_

#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"

namespace stormproof::plan {

// Error object-lock-shorter-than-maintenance: a repository whose object_lock days are not longer
// than the interval between the maintenance runs `run` makes for it. Maintenance (the forget
// after each backup or copy, and prune) is what extends the retention of every file still in
// use; a retention that ends before the next run lets those files be deleted meanwhile. The
// interval is the shortest among the systems whose data the repository holds: a system's backup
// interval (BackupInterval), or for a copy its copy_every when set.
void CheckObjectLock(const Plan& plan, Diagnostics* out);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_OBJECT_LOCK_CHECK_H_
