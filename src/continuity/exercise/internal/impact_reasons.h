// The plain-words reasons of impact.h. Internal to src/continuity/exercise.
#ifndef STORMPROOF_CONTINUITY_EXERCISE_INTERNAL_IMPACT_REASONS_H_
#define STORMPROOF_CONTINUITY_EXERCISE_INTERNAL_IMPACT_REASONS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "continuity/exercise/impact.h"

namespace stormproof::exercise::internal {

// "at site hq, lost; uses vendor m365, lost": a system's direct causes.
std::string DescribeCauses(const std::vector<DirectCause>& causes);

// Fills every DownSystem's reason: its causes, else "depends on X, which ..." down the chain of
// first down dependencies (cut short after a few links), and its failovers that are down.
// `down_at[i]` is the index in `down` of Plan::systems[i], or npos.
void DescribeDown(const plan::Plan& plan, const std::vector<size_t>& down_at,
                  std::vector<DownSystem>* down);

}  // namespace stormproof::exercise::internal

#endif  // STORMPROOF_CONTINUITY_EXERCISE_INTERNAL_IMPACT_REASONS_H_
