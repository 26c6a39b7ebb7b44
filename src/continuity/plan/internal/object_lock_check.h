// Plan rules about S3 Object Lock (repositories[].object_lock) and the immutability proofs of
// object-locked repositories. Internal to src/continuity/plan; used by Validate().
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

// The rules about the immutability proof `run` makes of a stormproof repository on s3: that the
// plan calls immutable or gives an object_lock:
// - error immutable-without-credentials-file: no credentials_file. The proof counts only with
//   the backup hosts' access key, and without the file that key is whatever the environment of
//   the machine running `run` or `status` gives (AWS_ACCESS_KEY_ID, AWS_PROFILE): on the MSP's
//   machine, the owner's. At `immutable` (else at `object_lock`).
// - warning check-every-exceeds-retention: run.check_every (rounded up to whole days) longer than
//   N - E days, N the object_lock days and E backend::RetentionSpareDays: a proof asks every
//   object to stay retained min(check_every, N - E) days past it (s3::ImmutabilityOptions::
//   valid_for_ns), so in the rest of check_every it vouches for nothing, and only the daily
//   retention upkeep keeps the lock. A warning, not an error: upkeep is designed to carry it
//   (retention-upkeep-lapsing reports when it stops). At `object_lock`.
void CheckImmutabilityProofs(const Plan& plan, Diagnostics* out);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_OBJECT_LOCK_CHECK_H_
