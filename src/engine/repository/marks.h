// Marks: what stormproof or a person decided about a snapshot after it was written. A snapshot
// file is never rewritten (its name is its content's hash, and under Object Lock it cannot be),
// so a hold on it, the hold's release and a verdict given later (an earlier step of a slow
// attack, a scan of a snapshot taken before detection, a false alarm a person accepted) are
// files of their own beside it (docs/repository-format.md, "Marks"; issue 16, §4).
//
// Marks only add: a hold stands until a release mark on the same snapshot names it; a verdict mark
// raises a snapshot's level or, accepted as a false alarm, clears it; a resolution lets the
// flagged snapshots older than its own stop binding the clean restore point. They live in evidence/
// under names "mark-<sha256 of the sealed file>", so everything evidence has they have too: never
// removed by forget or prune, kept retained under Object Lock, opened by `check`.
//
// Plain values; MarkSet is immutable once built, so const use from several threads is safe.
#ifndef STORMPROOF_ENGINE_REPOSITORY_MARKS_H_
#define STORMPROOF_ENGINE_REPOSITORY_MARKS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/crypto/crypto.h"
#include "engine/repository/signals.h"

namespace stormproof::repository {

// The prefix of a mark's file name in evidence/ (the rest is 64 lowercase hex digits).
inline constexpr std::string_view kMarkNamePrefix = "mark-";
inline constexpr size_t kMaxReleasedHolds = 256;      // Mark::releases
inline constexpr size_t kMaxResolvedSnapshots = 256;  // Mark::resolves

// True for a file name in evidence/ that is a mark's.
inline bool IsMarkName(std::string_view name) { return name.starts_with(kMarkNamePrefix); }

struct Mark {
  enum class Kind {
    kHold,     // forget and prune keep the snapshot, whatever the policy, until released
    kRelease,  // releases the holds it names
    kVerdict,  // a verdict on the snapshot given after it was written
    // A person vouched that the group's attack was over by this snapshot (`hold resolve`): the
    // flagged snapshots older than it no longer bind the clean restore point (holds stay).
    kResolution,
  };
  Kind kind = Kind::kHold;
  crypto::Id snapshot;  // the snapshot it is about
  int64_t time_ns = 0;  // when it was made, by the maker's clock (shown, never relied on)
  std::string hostname, username;  // who made it
  std::string reason;              // plain words, never empty: why
  // kHold: the flagged snapshot whose attack the hold keeps a clean restore point for; none for
  // a hold a person placed (`hold add`). kVerdict of a slow attack's earlier step: the flagged
  // snapshot that completed the attack (accepting it as a false alarm accepts the step too).
  std::optional<crypto::Id> because = {};
  // kRelease: the names of the hold marks it releases (1..kMaxReleasedHolds).
  std::vector<std::string> releases = {};
  // kVerdict: the verdict given. With false_alarm, a person accepted the snapshot's flag as a
  // false alarm (`hold release --false-alarm`): it counts as clean (level kClean here).
  std::optional<Verdict> verdict = {};
  bool false_alarm = false;
  // kVerdict with false_alarm: the names of the verdict marks on the snapshot it accepts (those
  // there when the person accepted; at most kMaxReleasedHolds). A verdict mark written since (a
  // new scan, a later slow-attack step) is not accepted: it flags the snapshot again. Absent (a
  // mark written before this field): it accepts every verdict mark on the snapshot.
  std::optional<std::vector<std::string>> accepts = {};
  // kVerdict from a scan: the signals it was judged on (so the system's history can use them).
  std::optional<SnapshotSignals> signals = {};
  // kResolution: the flagged snapshots of the group older than `snapshot` when the person
  // resolved (1..kMaxResolvedSnapshots, oldest first). Shown, not relied on: what a resolution
  // lets go is every flagged snapshot older than its own (MarkSet::Resolution).
  std::vector<crypto::Id> resolves = {};

  bool operator==(const Mark&) const = default;
};

// "hold", "release", "verdict", "resolution".
std::string_view MarkKindName(Mark::Kind kind);

// A mark as stored: its file name and content.
struct NamedMark {
  std::string name;
  Mark mark;
};

// The file's JSON (docs/repository-format.md, "Marks"). Texts are cut to the bounds of
// signals.h (kMaxSignalText); at most kMaxReleasedHolds releases and kMaxResolvedSnapshots
// resolved snapshots are written.
std::string EncodeMark(const Mark& mark);
// Errors: kFailedCheck naming the field ("mark.kind: \"x\" is not hold, release or verdict",
// "mark.reason: empty") for a file no stormproof writes: wrong types, bounds exceeded, a hold
// without snapshot, a release naming nothing, a verdict without one, a resolution resolving
// nothing.
Result<Mark> DecodeMark(std::string_view text);

// The marks of one repository and what they add up to.
// A verdict mark that flags its snapshot: suspicious or infected, not a false alarm.
inline bool IsFlaggingVerdict(const Mark& mark) {
  return mark.kind == Mark::Kind::kVerdict && !mark.false_alarm && mark.verdict &&
         mark.verdict->level != Verdict::Level::kClean;
}

class MarkSet {
 public:
  MarkSet() = default;
  explicit MarkSet(std::vector<NamedMark> marks);
  // by_snapshot_ points into marks_: a copy indexes its own marks; a move keeps the buffer.
  MarkSet(const MarkSet& other) : MarkSet(other.marks_) {}
  MarkSet& operator=(const MarkSet& other) {
    if (this != &other) *this = MarkSet(other.marks_);
    return *this;
  }
  MarkSet(MarkSet&&) = default;
  MarkSet& operator=(MarkSet&&) = default;

  const std::vector<NamedMark>& all() const { return marks_; }
  bool empty() const { return marks_.empty(); }

  // The holds on `snapshot` no release on `snapshot` names, in file-name order.
  std::vector<const NamedMark*> StandingHolds(const crypto::Id& snapshot) const;
  bool Held(const crypto::Id& snapshot) const { return !StandingHolds(snapshot).empty(); }
  // Every snapshot with a standing hold, with its holds.
  std::map<crypto::Id, std::vector<const NamedMark*>> AllStandingHolds() const;
  // Whether a hold on `snapshot` because of `flagged` was ever placed, standing or released: an
  // automatic hold is placed once per attack, so a person's release is final.
  bool HoldWasPlaced(const crypto::Id& snapshot, const crypto::Id& flagged) const;
  // Whether a person accepted `snapshot`'s flag as a false alarm: a false alarm stands on it and
  // accepts every flagging verdict mark on it (Mark::accepts); one given since flags it again.
  bool AcceptedAsFalseAlarm(const crypto::Id& snapshot) const;
  // The release that released the hold named `hold` (the first in file-name order); null when
  // the hold stands or no such hold exists.
  const NamedMark* ReleaseOf(const std::string& hold) const;
  // The newest resolution on `snapshot` (the last in file-name order); null when none.
  const NamedMark* Resolution(const crypto::Id& snapshot) const;
  // The most severe verdict given later (kVerdict marks other than false alarms): among marks
  // of that level, the first in file-name order with signals (a scan's), else the first; null
  // when none.
  const Mark* WorstLaterVerdict(const crypto::Id& snapshot) const;
  // The marks about `snapshot`, in file-name order (empty when none).
  const std::vector<const NamedMark*>& Of(const crypto::Id& snapshot) const;

 private:

  std::vector<NamedMark> marks_;                      // sorted by name
  std::map<std::string, const NamedMark*> released_;  // hold name -> the release naming it
  // Each snapshot's marks, so that a question about one snapshot reads only its own: every
  // listing asks per snapshot, and a scanned history has a mark per snapshot.
  std::map<crypto::Id, std::vector<const NamedMark*>> by_snapshot_;
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_MARKS_H_
