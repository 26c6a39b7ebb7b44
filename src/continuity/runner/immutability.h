// Proving a plan repository's immutability (s3::ProveImmutability, engine/s3/immutability.h) and
// turning the report into the evidence the catalog keeps (catalog::ImmutabilityProof): shared by
// `stormproof check --immutability` and `stormproof run`, which proves on the check cadence
// (decide.h). Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_RUNNER_IMMUTABILITY_H_
#define STORMPROOF_CONTINUITY_RUNNER_IMMUTABILITY_H_

#include <optional>
#include <string>

#include "continuity/catalog/catalog.h"
#include "continuity/plan/plan.h"
#include "core/result.h"
#include "engine/repository/repository.h"
#include "engine/s3/immutability.h"

namespace stormproof::runner {

// The verdict when the repository's config records no Object Lock.
inline constexpr char kNoObjectLock[] =
    "no Object Lock recorded in the repository's config: nothing here keeps the backups from "
    "being deleted";

// The plan repository's object_lock as a retention; none when the plan gives none.
std::optional<backend::Retention> PlanRetention(const plan::RepositorySpec& spec);

// What a proof of `repo` proves: the retention its config records (REQUIRES: repo.retention()),
// at least the plan's object_lock when `spec` (the plan repository at that location; null when
// none) gives one, and not at all when the config's mac did not verify (Open opened it
// read-only: its recorded retention may be forged). A proof counts for `check_every` (the
// plan's run.check_every; none without a plan: the proof's default), so every object sampled
// must stay retained that long.
s3::ImmutabilityOptions ProofInputs(const repository::Repository& repo,
                                    const plan::RepositorySpec* spec,
                                    std::optional<Cadence> check_every);

// `proof` (repository, location, credentials, access_key_id, host, record_id already set) with
// the verdict of
// `report`: kOk when proven, else kFailed with every sentence of what was allowed; its times and
// the number of objects whose retention was read.
void SetVerdict(const s3::ImmutabilityReport& report, catalog::ImmutabilityProof* proof);

// `proof` failed because the config records no Object Lock (kNoObjectLock), finished at now_ns.
void SetNoObjectLock(int64_t now_ns, catalog::ImmutabilityProof* proof);

// `proof` could not run (kError, `error`'s message), finished at now_ns: it proves nothing.
void SetCouldNotRun(const Error& error, int64_t now_ns, catalog::ImmutabilityProof* proof);

}  // namespace stormproof::runner

#endif  // STORMPROOF_CONTINUITY_RUNNER_IMMUTABILITY_H_
