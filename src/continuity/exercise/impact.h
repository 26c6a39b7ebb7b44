// What a scenario takes down: the systems that are down and why, the repositories that cannot
// be used, the people who are away.
//
// A system is hit directly when the scenario names it (lost.systems), when ransomware strikes
// its client and it runs at one of the client's own sites, when it uses a lost vendor, or when
// every site it runs at is lost or cut off. A site is cut off when it lists ISPs and every one
// of them is lost (lost.isps or lost.vendors); a system at a cut-off site counts as down for
// everyone outside it. A system without sites is hit by no site.
//
// A system is running when it is not hit and every system it depends on is serving; it is
// serving when it is running or one of its failover systems is running. A system that is not
// serving is down; one that is not running but serving is failed over (its failover carries
// it, and the systems that depend on it stay up). This is the least fixed point: a failover
// that needs the very system it replaces does not count.
//
// Repositories: named ones are lost or encrypted as written; those at a lost site are lost;
// those at a cut-off site are unreachable; ransomware encrypts the repositories at its
// client's sites that are neither immutable nor offline (the plan's claim; `run` proves it).
//
// Pure functions of the plan; thread-safe.
#ifndef STORMPROOF_CONTINUITY_EXERCISE_IMPACT_H_
#define STORMPROOF_CONTINUITY_EXERCISE_IMPACT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "continuity/plan/plan.h"
#include "core/duration.h"
#include "core/result.h"

namespace stormproof::exercise {

// Why a system is hit directly.
enum class Cause {
  kNamed,       // the scenario names it under lost.systems
  kRansomware,  // lost.ransomware names its client
  kSiteLost,    // every site it runs at is lost or cut off; this one is lost
  kSiteCutOff,  // ... this one is cut off: all its ISPs are lost
  kVendorLost,  // it uses a lost vendor
};

struct DirectCause {
  Cause cause = Cause::kNamed;
  std::string id;  // the system (kNamed), client (kRansomware), site or vendor id
  // How long the cause lasts by itself: absent = until restored (or for the whole scenario).
  // A cut-off site's is the shortest of its ISPs' (one ISP back reconnects it).
  std::optional<Duration> duration;
  std::vector<std::string> isps;  // kSiteCutOff: the site's ISPs, all lost
};

struct DownSystem {
  size_t system = 0;                 // index into Plan::systems
  std::vector<DirectCause> causes;   // empty: down only through its dependencies
  std::vector<size_t> dependencies;  // its dependencies that are down, in the order written
  std::vector<size_t> failovers;     // its failover systems (none of them running)
  // When it comes back without a restore, if nothing is restored: the longest of its causes and
  // its down dependencies; absent = only a restore brings it back.
  std::optional<Duration> clears_after;
  // One line in plain words: "crm: depends on sql01, which is at site hq, lost".
  std::string reason;
};

// A system that is hit (or depends on a down system) while a failover of it runs.
struct FailedOverSystem {
  size_t system = 0;
  size_t failover = 0;  // the first running failover, in the order written
  std::string reason;   // "dc1: at site hq, lost; dc2 takes over"
};

enum class RepositoryState { kLost, kEncrypted, kUnreachable };
const char* RepositoryStateName(RepositoryState state);  // "lost", "encrypted", "unreachable"

struct UnusableRepository {
  size_t repository = 0;  // index into Plan::repositories
  RepositoryState state = RepositoryState::kLost;
  std::optional<Duration> duration;  // kUnreachable: how long the site is cut off
  std::string reason;                // "hv-nas: at site hv-london, lost"
};

// Who holds a role while its holder is away: the first backup who is not away; "" = nobody.
struct RoleCover {
  std::string role;
  std::string stand_in;
};

struct UnavailablePerson {
  size_t person = 0;                 // index into Plan::people
  std::optional<Duration> duration;  // absent = the whole scenario
  std::vector<RoleCover> roles;      // the roles they hold, in plan order
};

struct ScenarioImpact {
  // In restore order (`plan order` over the whole plan: dependencies first, then tier, cost and
  // id), the systems that cannot be restored last, in plan order.
  std::vector<DownSystem> down;
  std::vector<FailedOverSystem> failed_over;           // in plan order
  std::vector<UnusableRepository> repositories;        // in plan order
  std::vector<UnavailablePerson> people;               // in the order the scenario lists them
  std::vector<std::string> sites_lost, sites_cut_off;  // site ids, in plan order

  // The entry of Plan::systems[system] in `down`, or null when it is not down.
  const DownSystem* FindDown(size_t system) const;
};

// What `scenario` takes down in `plan`. Unknown ids in the scenario are ignored (plan check
// reports them). Errors: kFailedCheck when the systems' dependencies contain a cycle.
// REQUIRES: plan.BuildIndex() has been called.
Result<ScenarioImpact> ImpactOf(const plan::Plan& plan, const plan::Scenario& scenario);

}  // namespace stormproof::exercise

#endif  // STORMPROOF_CONTINUITY_EXERCISE_IMPACT_H_
