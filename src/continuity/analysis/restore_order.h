// The prioritised restore list (`plan order`): who comes back first after a site-wide loss, and
// who restores it.
//
// Priority: a system comes back after everything it depends on; among the systems that are
// ready, the most critical tier first, then the highest downtime cost per hour, then id.
//
// The projection respects people the way a real team works. Who can restore a system: the
// people analysis's audit names (its owner, and anyone whose skills — declared or from training
// records — name the system or hold all its skill tags), who also hold the skill of every one of
// its checklist steps. Each restore takes the system's restore.estimate (the hands-on time), or
// its whole RTO budget when the plan gives none, and one person does one restore at a time.
//
// The algorithm is list scheduling in time (earliest finish first): the clock starts at the
// incident; at each moment, the ready systems whose dependencies are all back are taken in
// priority order, and each goes to the first free person who can restore it — its owner, else
// the owner's deputy, else anyone else who can, in plan order — so it finishes as early as it
// can; a system whose people are all busy waits, without holding up lower-priority systems that
// others can restore. The clock then moves to the next moment a restore finishes. A system
// nobody can restore is reported as such, and so are the systems that wait for it. Measured
// restore times (drills) are `status`'s projection; this one reads only the plan.
//
// Pure functions of the plan; thread-safe.
#ifndef STORMPROOF_CONTINUITY_ANALYSIS_RESTORE_ORDER_H_
#define STORMPROOF_CONTINUITY_ANALYSIS_RESTORE_ORDER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "continuity/plan/plan.h"

namespace stormproof::analysis {

// Who restores a system in the projection.
enum class Restorer {
  kOwner,   // the system's owner
  kDeputy,  // the owner's deputy, as the owner is busy (or cannot do every checklist step)
  kOther,   // someone else who can restore it, as the owner and deputy are busy or cannot
  kNobody,  // nobody in the plan can restore it
  kBlocked  // it depends on a system that cannot be restored
};
const char* RestorerName(Restorer restorer);  // "owner", "deputy", "other", "nobody", "blocked"

struct RestoreStep {
  size_t system = 0;  // index into Plan::systems
  int position = 0;   // 1-based place in the list: restores in the order they start, then the
                      // systems that cannot be restored
  // From the incident: when its dependencies are back (ready), when its restore starts (later
  // than ready when everyone who can restore it is busy) and when it is back. Zero when the
  // system cannot be restored (see restorer).
  Duration ready;
  Duration starts;
  Duration back;
  Duration restore_time;               // the duration used for this system
  bool estimated = false;              // true: restore.estimate; false: the RTO budget was used
  std::optional<Duration> rto;         // its objective
  bool within_rto = true;              // back <= rto (true when there is no rto); false when
                                       // the system cannot be restored
  std::vector<std::string> waits_for;  // ids of the dependencies that finish last
  bool dependency_only = false;        // pulled in only because a selected system needs it
  Restorer restorer = Restorer::kOwner;
  std::string person;  // the person id restoring it; "" for kNobody and kBlocked
  // Why it cannot be restored, for kNobody and kBlocked: "nobody can restore it (needs skills
  // vmware, linux)", "waits for san, which cannot be restored"; "" otherwise.
  std::string not_restorable;
  bool restorable() const {
    return restorer != Restorer::kNobody && restorer != Restorer::kBlocked;
  }
};

struct RestoreOrderOptions {
  // Only this client's systems, plus whatever they depend on (marked dependency_only), with the
  // times of the whole MSP's schedule: a person shared with other clients restores their
  // systems too, as after a site-wide incident.
  std::optional<std::string> client;
};

// The ordered list with its schedule. Errors: kNotFound for an unknown client; kFailedCheck when
// the dependencies contain a cycle (plan check reports which).
Result<std::vector<RestoreStep>> ComputeRestoreOrder(const plan::Plan& plan,
                                                     const RestoreOrderOptions& options);

}  // namespace stormproof::analysis

#endif  // STORMPROOF_CONTINUITY_ANALYSIS_RESTORE_ORDER_H_
