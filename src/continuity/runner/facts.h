// Gathering the Facts (decide.h) that `stormproof run` decides from: read from the catalog, and
// for restic and borg repositories by listing them (read-only, through the access adapters).
#ifndef STORMPROOF_CONTINUITY_RUNNER_FACTS_H_
#define STORMPROOF_CONTINUITY_RUNNER_FACTS_H_

#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "core/result.h"
#include "continuity/access/access.h"
#include "continuity/plan/plan.h"
#include "continuity/runner/decide.h"

namespace stormproof::runner {

// Facts about the selected systems and the repositories they use:
// - newest snapshot per (system, stormproof repository): the snapshot of the newest backup run
//   recorded with outcome ok or warning (the catalog is the record of what run wrote);
// - per copy (copy_from) of the system's repositories: the newest snapshot of the system a copy
//   run recorded there (outcome ok or warning), and that newest copy run's start;
// - newest snapshot per (system, restic/borg repository): listed with the access adapter; a
//   listing that fails adds one line to `notes` and leaves the fact absent (never backed up);
// - newest check per repository (outcome ok, warning or failed: a check that could not run is
//   tried again), newest successful prune, whether forgets removed snapshots since then, newest
//   immutability proof with a verdict (catalog::Catalog::LatestImmutabilityProof);
// - newest drill per system, whatever its outcome, and per copy (repository) of the system;
//   when the newest failed or could not run, it is also a FailedDrill.
// `catalog` may be null (none yet, for a dry run): nothing has been recorded.
// Errors: the catalog cannot be read.
Result<Facts> GatherFacts(const plan::Plan& plan, const catalog::Catalog* catalog,
                          const access::AccessOptions& access, const Selection& selection,
                          std::vector<std::string>* notes);

// The newest start time of runs matching `query` whose outcome is one of `outcomes`.
Result<std::optional<int64_t>> NewestRunStart(const catalog::Catalog& catalog,
                                              catalog::RunQuery query,
                                              const std::vector<catalog::Outcome>& outcomes);

}  // namespace stormproof::runner

#endif  // STORMPROOF_CONTINUITY_RUNNER_FACTS_H_
