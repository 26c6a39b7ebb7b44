// Gathering the Facts (decide.h) that `stormproof run` decides from: read from the catalog, and
// for restic and borg repositories by listing them (read-only, through the access adapters).
#ifndef STORMPROOF_CONTINUITY_RUNNER_FACTS_H_
#define STORMPROOF_CONTINUITY_RUNNER_FACTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "core/duration.h"
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
//   tried again), newest successful prune and whether forgets removed snapshots since then
//   (both from the runs this catalog recorded itself, never from hosts' evidence), newest
//   immutability proof with a verdict (catalog::Catalog::LatestImmutabilityProof);
// - newest drill per system, whatever its outcome, and per copy (repository) of the system;
//   when the newest failed or could not run, it is also a FailedDrill.
// The prune and forget facts read only own runs started no later than kOwnRunsAheadAllowed after
// `now_ns`: one dated further ahead (this clock ran ahead, or a record imported before catalog
// v6, which reads as own) would otherwise put off the upkeep for good.
// `catalog` may be null (none yet, for a dry run): nothing has been recorded.
// Errors: the catalog cannot be read.
Result<Facts> GatherFacts(const plan::Plan& plan, const catalog::Catalog* catalog,
                          const access::AccessOptions& access, const Selection& selection,
                          int64_t now_ns, std::vector<std::string>* notes);

// How far after now an own run may be dated and still count as one (the clock skew evidence
// imports allow, hosts/import_evidence.cc): the runs dated further ahead are looked past by
// the facts `run` decides its upkeep and its forget guard from.
inline constexpr Duration kOwnRunsAheadAllowed = Duration::Minutes(15);

// What this machine's own runs (catalog::RunQuery::own_only: never evidence imported from other
// hosts, which any backup host could write) added of `system` to `repository` since this
// machine's previous forget of it there: the normal turnover `run`'s forget is held to. Runs
// dated more than kOwnRunsAheadAllowed after `now_ns` count for neither.
struct OwnAdditions {
  // Successful backups (outcome ok or warning, with a snapshot) of the system into `repository`
  // or into a repository it is a copy of (copy_from, followed to the end): one snapshot each. A
  // copy run's count is not used: it copies whatever the source holds, forged snapshots too.
  uint64_t snapshots = 0;
  // Start of the previous forget there (ok, warning, or failed: refused, having removed
  // nothing); nullopt: none, every own backup counts.
  std::optional<int64_t> last_forget_ns;
};
Result<OwnAdditions> OwnAdditionsSinceLastForget(const plan::Plan& plan,
                                                 const catalog::Catalog& catalog,
                                                 const std::string& system,
                                                 const std::string& repository,
                                                 int64_t now_ns);

// The key of a copy run's details (catalog::Run::details, kCopy) listing the snapshots the run
// wrote into the copy: an array of {"source": <hex id in the source>, "copy": <hex id in the
// copy>}, one per snapshot it copied (none for those the copy held already).
inline constexpr char kCopiesWrittenKey[] = "copies_written";

// A snapshot this machine made: its own backup wrote it, or its own copy run wrote it as the
// copy of a snapshot this machine made in the repository copied from (OwnSnapshots).
struct OwnSnapshot {
  int64_t time_ns = 0;       // the snapshot's time (a copy's: its source's)
  std::string repository;    // the repository (plan id) the backup or copy wrote it into
  std::string copy_of = {};  // a copy's source snapshot (hex), made here too; "" for a backup's
};
// The snapshots of `system` this machine made in `repository` and in the repositories it is a
// copy of (copy_from, followed to the end), by snapshot id (hex): those its own successful
// backups (own_only, outcome ok or warning) wrote there, and, link by link from the end of the
// chain, the copies its own copy runs (own_only, outcome ok, warning or failed: a partial
// failure records what it copied) wrote (kCopiesWrittenKey) of a snapshot it made in the
// repository copied from. Only runs started in [since_ns, now_ns + kOwnRunsAheadAllowed] count
// (`now_ns`: this machine's clock), as for OwnAdditions. A copy a run found in place (written
// by a run killed before it recorded it, by hand, or planted) is not one it wrote.
Result<std::map<std::string, OwnSnapshot>> OwnSnapshots(const plan::Plan& plan,
                                                        const catalog::Catalog& catalog,
                                                        const std::string& system,
                                                        const std::string& repository,
                                                        int64_t since_ns, int64_t now_ns);

// The newest start time of runs matching `query` whose outcome is one of `outcomes`.
Result<std::optional<int64_t>> NewestRunStart(const catalog::Catalog& catalog,
                                              catalog::RunQuery query,
                                              const std::vector<catalog::Outcome>& outcomes);

}  // namespace stormproof::runner

#endif  // STORMPROOF_CONTINUITY_RUNNER_FACTS_H_
