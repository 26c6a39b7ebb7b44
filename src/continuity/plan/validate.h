// The rules every plan must satisfy, checked over the whole loaded plan (`plan check`).
//
// Errors make a plan unusable for restore ordering and audits (unknown references, duplicate
// ids, dependency cycles, impossible objectives, critical systems that nobody could restore from
// the runbook). Warnings are weaknesses a reviewer must see (missing deputies, stale contacts).
// Every rule reports all its findings, each at the position of the offending value. Pure function
// of its inputs; thread-safe.
#ifndef STORMPROOF_CONTINUITY_PLAN_VALIDATE_H_
#define STORMPROOF_CONTINUITY_PLAN_VALIDATE_H_

#include "core/date.h"
#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"

namespace stormproof::plan {

struct ValidateOptions {
  Date today = Date::Today();  // "now" for contact-verification ages
};

// Appends every problem found to `out`. REQUIRES: plan.BuildIndex() has been called.
void Validate(const Plan& plan, const ValidateOptions& options, Diagnostics* out);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_VALIDATE_H_
