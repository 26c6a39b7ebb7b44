// holds: acting on a ransomware verdict (issue 16, §4). After a snapshot is flagged, the newest
// clean restore points of its system are put under a hold, so that forget and prune keep them
// whatever the policy until a person releases the hold; the earlier steps of a slow attack get
// a verdict of their own; a person may accept a flag as a false alarm. Everything is a mark
// (repository/marks.h): nothing here rewrites a snapshot.
//
// Functions that write take the Repository under the shared lock (SaveMark verifies it) and
// stop at the first mark they cannot save; what was saved before stays (marks only add).
#ifndef STORMPROOF_ENGINE_HOLDS_HOLDS_H_
#define STORMPROOF_ENGINE_HOLDS_HOLDS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/detect/verdict.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"
#include "engine/retention/retention.h"

namespace stormproof::holds {

// Who makes a mark, and when by its clock.
struct Maker {
  std::string hostname, username;
  int64_t now_ns = 0;

  // This machine's host and user name at `now_ns`.
  static Maker ThisMachine(int64_t now_ns);
  // A mark of `kind` on `snapshot` made by this maker now, for `reason`.
  repository::Mark NewMark(repository::Mark::Kind kind, const repository::Id& snapshot,
                           std::string reason) const;
};

// Clean snapshots held per attack: the restore point and the ones before it, in case the
// attack began earlier than its first flagged snapshot shows.
inline constexpr size_t kHeldCleanPoints = 3;

// A hold to place: on `snapshot`, for the attack first flagged in `because`.
struct PlannedHold {
  repository::Snapshot snapshot;
  repository::Id because;
  std::string reason;  // "newest clean restore point before infected snapshot 9a8b7c6d (…)"
};

// The holds one group's snapshots (one host and paths, oldest first) ask for: for each attack —
// a flagged snapshot (detect::JudgedSnapshotsOf with `marks`; accepted false alarms are not
// flagged) whose newest judged predecessor is clean — the newest clean snapshot before it and up
// to kHeldCleanPoints − 1 clean ones before that, never reaching back past an earlier flagged
// snapshot; each only when no hold on it because of that snapshot was ever placed (a person's
// release is final for that attack). Oldest attack first, each attack's holds oldest first.
// A later attack gets its own holds, whatever became of an earlier one's.
std::vector<PlannedHold> HoldsToPlace(std::span<const repository::Snapshot> group_oldest_first,
                                      const repository::MarkSet& marks);

// HoldsToPlace for every group (host and paths, as forget groups them) of `snapshots`.
std::vector<PlannedHold> HoldsToPlaceAll(std::vector<repository::Snapshot> snapshots,
                                         const repository::MarkSet& marks);

// Saves a hold mark for each planned hold; returns the marks saved, in order.
Result<std::vector<repository::NamedMark>> PlaceHolds(repository::Repository& repo,
                                                      std::span<const PlannedHold> holds,
                                                      const Maker& maker);

// The standing holds as forget keeps them (retention::Held): each held snapshot with the reason
// of its first hold, "+N more" when it has several.
retention::Held HeldOf(const repository::MarkSet& marks);

// After `snapshot` was saved and flagged by the slow-attack rule: a `suspicious` verdict mark on
// each earlier snapshot of `history` (the same history it was judged with) the attack spread
// over (detect::SlowAttackMembers), so that the restore point moves before the attack began.
// Nothing for a clean snapshot. Returns the marks saved.
Result<std::vector<repository::NamedMark>> MarkSlowAttack(
    repository::Repository& repo, std::span<const detect::PastSnapshot> history,
    const repository::Snapshot& snapshot, const Maker& maker);

// What a backup does after saving `snapshot` (last of `group_oldest_first`, its group's
// snapshots as the backup saw them, with it) when it is flagged: MarkSlowAttack, then the holds
// HoldsToPlace asks for. Nothing for a clean or unjudged snapshot. Returns the marks saved.
Result<std::vector<repository::NamedMark>> ActOnFlag(
    repository::Repository& repo, std::vector<repository::Snapshot> group_oldest_first,
    std::span<const detect::PastSnapshot> history, const repository::Snapshot& snapshot,
    const Maker& maker);

// ---- A person's decisions (`stormproof hold`) --------------------------------------------------

// A hold on `snapshot` a person places ("legal hold", "keep for the insurer"): `reason` must not
// be empty. Errors: kInvalidArgument for an empty reason.
Result<repository::NamedMark> AddHold(repository::Repository& repo,
                                      const repository::Snapshot& snapshot,
                                      const std::string& reason, const Maker& maker);

// Releases every standing hold on `snapshot`. Errors: kNotFound "snapshot 9a8b7c6d is not held".
Result<repository::NamedMark> Release(repository::Repository& repo,
                                      const repository::MarkSet& marks,
                                      const repository::Snapshot& snapshot,
                                      const std::string& reason, const Maker& maker);

// Accepts flagged `snapshot` as a false alarm: a verdict mark that makes it count as clean
// (restore point, history), one on each earlier step of a slow attack it completed (their
// verdict marks name it in `because`), and the release of every standing hold placed because
// of any of them.
// Returns the marks saved (the verdict first). Errors: kFailedCheck "snapshot 9a8b7c6d is
// not flagged (clean)" / "... (never judged)", adding, when holds stand because of another
// snapshot, which one to name; "... already accepted as a false alarm".
Result<std::vector<repository::NamedMark>> AcceptFalseAlarm(repository::Repository& repo,
                                                            const repository::MarkSet& marks,
                                                            const repository::Snapshot& snapshot,
                                                            const std::string& reason,
                                                            const Maker& maker);

}  // namespace stormproof::holds

#endif  // STORMPROOF_ENGINE_HOLDS_HOLDS_H_
