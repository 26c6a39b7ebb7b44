// Plan rules about copies between repositories (repositories[].copy_from, copy_every). Internal
// to src/continuity/plan; used by Validate().
#ifndef STORMPROOF_CONTINUITY_PLAN_INTERNAL_COPY_CHECK_H_
#define STORMPROOF_CONTINUITY_PLAN_INTERNAL_COPY_CHECK_H_

#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"

namespace stormproof::plan {

// Errors: a repository that is a copy of itself (self-copy), copy_from links that loop
// (copy-cycle), a source or copy that is not of kind stormproof (copy-kind). Warnings: a copy at
// the same site as its source (copy-same-site: not an off-site copy), a copy_every longer than
// the RPO of a system whose data the copy holds (copy-every-exceeds-rpo), copy_every on a
// repository that is no copy (copy-every-unused). An unknown copy_from id is reported by
// CheckReferences.
void CheckCopies(const Plan& plan, Diagnostics* out);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_COPY_CHECK_H_
