// The prioritised restore list (`plan order`): who comes back first after a site-wide loss.
//
// Systems come back after everything they depend on; among the systems that are ready, the most
// critical tier first, then the highest downtime cost per hour, then id. The projection assumes
// restores of independent systems run in parallel: a system starts when its last dependency is
// back and takes its restore estimate (restore.estimate), or its whole RTO budget when the plan
// gives no estimate. Measured restore speeds replace these once drills exist.
//
// Pure functions of the plan; thread-safe.
#ifndef STORMPROOF_ANALYSIS_RESTORE_ORDER_H_
#define STORMPROOF_ANALYSIS_RESTORE_ORDER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "plan/plan.h"

namespace stormproof::analysis {

struct RestoreStep {
  size_t system = 0;                   // index into Plan::systems
  int position = 0;                    // 1-based place in the list
  Duration starts;                     // projected start, from the incident
  Duration back;                       // projected time the system is back, from the incident
  Duration restore_time;               // the duration used for this system
  bool estimated = false;              // true: restore.estimate; false: the RTO budget was used
  std::optional<Duration> rto;         // its objective
  bool within_rto = true;              // back <= rto (true when there is no rto)
  std::vector<std::string> waits_for;  // ids of the dependencies that finish last
  bool dependency_only = false;        // pulled in only because a selected system needs it
};

struct RestoreOrderOptions {
  // Only this client's systems, plus whatever they depend on (marked dependency_only).
  std::optional<std::string> client;
};

// The ordered list. Errors: kNotFound for an unknown client; kFailedCheck when the
// dependencies contain a cycle (plan check reports which).
Result<std::vector<RestoreStep>> ComputeRestoreOrder(const plan::Plan& plan,
                                                     const RestoreOrderOptions& options);

}  // namespace stormproof::analysis

#endif  // STORMPROOF_ANALYSIS_RESTORE_ORDER_H_
