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
#include <optional>
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

// The holds one group's snapshots (one host and paths, any order: taken oldest first in
// repository::OlderThan's order, as retention and the newest clean restore point take them)
// ask for: for each attack — a flagged snapshot (detect::JudgedSnapshotsOf with `marks`;
// accepted false alarms are not flagged) whose newest judged predecessor is clean — the newest
// clean snapshot before it and up to kHeldCleanPoints − 1 clean ones before that, never reaching
// back past an earlier flagged snapshot; and that flagged snapshot itself (the evidence, and
// where the clean restore points end: were it removed, its group would show nothing flagged and
// its newest, encrypted, snapshot would count as clean); each only when no hold on it because of
// that snapshot was ever placed (a person's release is final for that attack). Oldest attack
// first, each attack's holds oldest first (the flagged snapshot last). A later attack gets its own
// holds, whatever became of an earlier one's.
std::vector<PlannedHold> HoldsToPlace(std::span<const repository::Snapshot> group,
                                      const repository::MarkSet& marks);

// HoldsToPlace for every group (host and paths, as forget groups them) of `snapshots`.
std::vector<PlannedHold> HoldsToPlaceAll(std::vector<repository::Snapshot> snapshots,
                                         const repository::MarkSet& marks);

// Saves a hold mark for each planned hold; returns the marks saved, in order.
Result<std::vector<repository::NamedMark>> PlaceHolds(repository::Repository& repo,
                                                      std::span<const PlannedHold> holds,
                                                      const Maker& maker);

// What forget does where it reads the holds again just before removing (a scan or a backup may
// have flagged a snapshot since it planned): reads the marks, places the holds HoldsToPlaceAll
// asks for over `snapshots` (read again by the caller), and returns the marks with those placed;
// the ones placed are appended to *placed. Errors: reading the marks, or the first hold that
// cannot be saved (those saved before stay).
Result<repository::MarkSet> PlaceHoldsNow(repository::Repository& repo,
                                          std::vector<repository::Snapshot> snapshots,
                                          const Maker& maker,
                                          std::vector<repository::NamedMark>* placed);

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

// ---- A snapshot rewritten (`repair snapshots`) ------------------------------------------------

// The marks a snapshot `repaired` (written by `repair snapshots` as a copy of `original`'s record
// with a new tree) takes over, so that it stands where the original stood whether or not the
// original is then removed: a hold for each standing hold on the original, with the same
// `because` (accepting that flag as a false alarm releases it too) and the reason "repaired from
// snapshot 9a8b7c6d, held: <the hold's reason>"; and a copy of each verdict mark on the original
// (a verdict given later, a slow attack's step, an accepted false alarm: the record's own verdict
// comes with the record, these do not), its reason "repaired from snapshot 9a8b7c6d: <reason>";
// a false alarm's `accepts` then names the copies. Released holds are not carried. Returns the marks saved, holds first; stops at the first it
// cannot save (the others stay: marks only add).
Result<std::vector<repository::NamedMark>> CarryToRepaired(repository::Repository& repo,
                                                           const repository::MarkSet& marks,
                                                           const repository::Id& original,
                                                           const repository::Id& repaired,
                                                           const Maker& maker);

// ---- A hold placed while forget removes -------------------------------------------------------
//
// Forget reads the holds again just before it removes, but a hold may still be placed between
// that read and a removal (hold placers and forget take the shared lock only). Each side
// therefore looks at the other after its own write: forget reads the holds again after removing
// (RestoreHeldSince), a person's `hold add` looks for the snapshot after saving its hold
// (KeepIfRemoved). On storage that reads back what was written (a local directory, S3), at
// least one of them sees the other and saves the removed snapshot again; when both do, it is
// saved twice (two held copies: release one). The data is all there while either holds its
// shared lock: only prune removes data, under the exclusive lock. The automatic placers (a
// backup's ActOnFlag, forget's PlaceHolds) do not look after saving: a hold they save after a
// forget's second read, on a snapshot that forget removed, stands on a snapshot that is gone
// (docs/cli.md, `forget`).

// A snapshot removed although a hold named it, saved again.
struct Restored {
  repository::Id removed, restored;  // the new id: a snapshot file's name is its salted hash
  std::vector<repository::NamedMark> holds;  // the holds on `removed`, carried to `restored`
};

// After forget removed `removed` (under the shared lock it still holds): reads the holds again
// and saves again each removed snapshot a standing hold names now, as it was but for its id,
// carrying its holds (reason "saved again after forget removed it, held: <the hold's reason>",
// the same `because`). Returns those saved; stops at the first it cannot save or carry.
Result<std::vector<Restored>> RestoreHeldSince(repository::Repository& repo,
                                               std::span<const repository::Snapshot> removed,
                                               const Maker& maker);

// After `hold` on `snapshot` was saved (under the shared lock): nothing while the snapshot is
// there; when it is gone (a forget removed it meanwhile), saves it again and carries the hold,
// as RestoreHeldSince. Errors: the storage's, when whether it is there cannot be told.
Result<std::optional<Restored>> KeepIfRemoved(repository::Repository& repo,
                                              const repository::Snapshot& snapshot,
                                              const repository::NamedMark& hold,
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
