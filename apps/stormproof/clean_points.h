// The newest clean restore point of each system of a restore order, for `plan order
// --clean-points` and `plan render --clean-points`: in an incident, what to restore from.
#ifndef STORMPROOF_APPS_STORMPROOF_CLEAN_POINTS_H_
#define STORMPROOF_APPS_STORMPROOF_CLEAN_POINTS_H_

#include <map>
#include <string>
#include <vector>

#include "apps/stormproof/context.h"
#include "continuity/analysis/restore_order.h"
#include "continuity/readiness/readiness.h"
#include "core/result.h"

namespace stormproof::cli {

// System id -> its newest clean restore point (readiness::CleanPointOf as of --as-of or now),
// for every system of `order`; each "no evidence" when there is no catalog yet. With a plan
// naming hosts, their evidence is imported first, as `status` does. Errors: the catalog's,
// naming it and the system.
Result<std::map<std::string, readiness::CleanPointStatus>> CleanPointsOf(
    const Context& context, const UsablePlan& usable,
    const std::vector<analysis::RestoreStep>& order);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_CLEAN_POINTS_H_
