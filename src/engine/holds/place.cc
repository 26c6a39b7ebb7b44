// The holds and verdict marks a flag asks for (holds.h): HoldsToPlace, PlaceHolds,
// PlaceHoldsNow, MarkSlowAttack, ActOnFlag.
#include <algorithm>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "engine/holds/holds.h"

namespace stormproof::holds {
namespace {

using repository::Mark;
using repository::NamedMark;
using repository::Snapshot;
using repository::Verdict;

// Whether a hold on `snapshot` placed because of `because` stands.
bool HoldStands(const repository::MarkSet& marks, const repository::Id& snapshot,
                const repository::Id& because) {
  for (const NamedMark* hold : marks.StandingHolds(snapshot)) {
    if (hold->mark.because == because) return true;
  }
  return false;
}

// Whether a person once accepted `snapshot`'s flag as a false alarm (it is flagged again now).
bool WasAcceptedOnce(const repository::MarkSet& marks, const repository::Id& snapshot) {
  const std::vector<const NamedMark*>& own = marks.Of(snapshot);
  return std::any_of(own.begin(), own.end(), [](const NamedMark* m) {
    return m->mark.kind == Mark::Kind::kVerdict && m->mark.false_alarm;
  });
}

// Whether the hold on `snapshot` because of the attack first flagged at `because` is to be
// placed: once per attack (a person's release is final), except for an attack flagged again
// after a person accepted it as a false alarm (a verdict given since): that is an attack anew,
// held again while no such hold stands.
bool ToPlace(const repository::MarkSet& marks, const repository::Id& snapshot,
             const repository::Id& because, bool flagged_again) {
  return flagged_again ? !HoldStands(marks, snapshot, because)
                       : !marks.HoldWasPlaced(snapshot, because);
}

// The holds the attack first flagged at `first` asks for: up to kHeldCleanPoints clean
// snapshots before it, newest first, not reaching back past an earlier flagged one.
void HoldsBefore(std::span<const Snapshot> group, const std::vector<detect::JudgedSnapshot>& judged,
                 size_t first, const repository::MarkSet& marks, bool flagged_again,
                 std::vector<PlannedHold>* out) {
  const repository::Id because = group[first].id;
  size_t held = 0;
  for (size_t i = first; i-- > 0 && held < kHeldCleanPoints && !judged[i].flagged();) {
    if (!judged[i].clean()) continue;  // never judged
    ++held;
    if (!ToPlace(marks, group[i].id, because, flagged_again)) continue;
    std::string reason =
        held == 1 ? "newest clean restore point before " + detect::DescribeJudged(judged[first])
                  : "clean snapshot before " + detect::DescribeJudged(judged[first]);
    out->push_back({group[i], because, std::move(reason)});
  }
}

}  // namespace

std::vector<PlannedHold> HoldsToPlace(std::span<const Snapshot> group,
                                      const repository::MarkSet& marks) {
  // Ordered here, whatever the caller's order: a backup appends its new snapshot last, though a
  // snapshot of the same time with a greater id is newer for retention and the restore point.
  std::vector<Snapshot> oldest_first(group.begin(), group.end());
  std::sort(oldest_first.begin(), oldest_first.end(), repository::OlderThan);
  const std::vector<detect::JudgedSnapshot> judged = detect::JudgedSnapshotsOf(oldest_first, marks);
  std::vector<PlannedHold> out;
  bool after_flag = false;  // the newest judged snapshot so far was flagged
  for (size_t i = 0; i < judged.size(); ++i) {
    if (!judged[i].level) continue;
    const bool flagged = judged[i].flagged();
    if (flagged && !after_flag) {
      const repository::Id& first = oldest_first[i].id;
      const bool flagged_again = WasAcceptedOnce(marks, first);
      std::vector<PlannedHold> attack;
      HoldsBefore(oldest_first, judged, i, marks, flagged_again, &attack);
      out.insert(out.end(), attack.rbegin(), attack.rend());
      // The flagged snapshot itself, held whenever no such hold stands while the attack is
      // flagged (a person's release of it alone does not end the attack: `hold resolve` or a
      // false alarm does): without it, a group whose flag was forgotten shows nothing flagged
      // and its newest (encrypted) snapshot would be the clean point.
      if (!HoldStands(marks, first, first)) {
        out.push_back({oldest_first[i], oldest_first[i].id,
                       "the first snapshot of the attack (" + detect::DescribeJudged(judged[i]) +
                           "): evidence, and where the clean restore points end"});
      }
    }
    after_flag = flagged;
  }
  return out;
}

std::vector<PlannedHold> HoldsToPlaceAll(std::vector<Snapshot> snapshots,
                                         const repository::MarkSet& marks) {
  std::map<retention::GroupKey, std::vector<Snapshot>> groups;
  for (Snapshot& s : snapshots) groups[retention::GroupKeyOf(s)].push_back(std::move(s));
  std::vector<PlannedHold> out;
  for (auto& [key, members] : groups) {
    std::vector<PlannedHold> group = HoldsToPlace(members, marks);
    std::move(group.begin(), group.end(), std::back_inserter(out));
  }
  return out;
}

Result<std::vector<NamedMark>> PlaceHolds(repository::Repository& repo,
                                          std::span<const PlannedHold> holds, const Maker& maker) {
  std::vector<NamedMark> saved;
  for (const PlannedHold& hold : holds) {
    Mark mark = maker.NewMark(Mark::Kind::kHold, hold.snapshot.id, hold.reason);
    mark.because = hold.because;
    Result<std::string> name = repo.SaveMark(mark);
    if (!name) {
      return name.error().WithContext("holding snapshot " + hold.snapshot.id.ShortHex());
    }
    saved.push_back({std::move(*name), std::move(mark)});
  }
  return saved;
}

Result<repository::MarkSet> PlaceHoldsNow(repository::Repository& repo,
                                          std::vector<Snapshot> snapshots, const Maker& maker,
                                          std::vector<NamedMark>* placed) {
  std::vector<repository::DamagedFile> damaged;  // a damaged mark is check's to report
  STORMPROOF_ASSIGN_OR_RETURN(repository::MarkSet marks, repo.LoadMarks(&damaged));
  STORMPROOF_ASSIGN_OR_RETURN(
      std::vector<NamedMark> saved,
      PlaceHolds(repo, HoldsToPlaceAll(std::move(snapshots), marks), maker));
  if (saved.empty()) return marks;
  std::vector<NamedMark> all = marks.all();
  all.insert(all.end(), saved.begin(), saved.end());
  std::move(saved.begin(), saved.end(), std::back_inserter(*placed));
  return repository::MarkSet(std::move(all));
}

Result<std::vector<NamedMark>> MarkSlowAttack(repository::Repository& repo,
                                              std::span<const detect::PastSnapshot> history,
                                              const Snapshot& snapshot, const Maker& maker) {
  if (!snapshot.signals || !snapshot.verdict || snapshot.verdict->level == Verdict::Level::kClean) {
    return std::vector<NamedMark>{};
  }
  const std::vector<std::string> members =
      detect::SlowAttackMembers(detect::HistoryOf(history), *snapshot.signals);
  std::vector<NamedMark> saved;
  for (const std::string& member : members) {
    auto past = std::find_if(history.begin(), history.end(),
                             [&](const detect::PastSnapshot& p) { return p.id == member; });
    auto id = repository::Id::FromHex(member);
    if (past == history.end() || !id) continue;
    Mark mark = maker.NewMark(Mark::Kind::kVerdict, *id,
                              "part of a slow attack that snapshot " + snapshot.id.ShortHex() +
                                  " (" + FormatUtc(snapshot.time_ns) + ") completed");
    mark.because = snapshot.id;
    Verdict verdict;
    verdict.level = Verdict::Level::kSuspicious;
    verdict.score = detect::kSuspiciousScore;
    verdict.reasons = {mark.reason + ": " + std::to_string(past->signals.suspect_files) +
                       " file(s) here looked encrypted, more than this system's usual"};
    verdict.model = snapshot.verdict->model;
    mark.verdict = std::move(verdict);
    Result<std::string> name = repo.SaveMark(mark);
    if (!name) return name.error().WithContext("marking snapshot " + id->ShortHex());
    saved.push_back({std::move(*name), std::move(mark)});
  }
  return saved;
}

Result<std::vector<NamedMark>> ActOnFlag(repository::Repository& repo,
                                         std::vector<Snapshot> group_oldest_first,
                                         std::span<const detect::PastSnapshot> history,
                                         const Snapshot& snapshot, const Maker& maker) {
  if (!snapshot.verdict || snapshot.verdict->level == Verdict::Level::kClean) {
    return std::vector<NamedMark>{};
  }
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<NamedMark> saved,
                              MarkSlowAttack(repo, history, snapshot, maker));
  std::vector<repository::DamagedFile> damaged;  // a damaged mark is check's to report
  STORMPROOF_ASSIGN_OR_RETURN(repository::MarkSet marks, repo.LoadMarks(&damaged));
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<NamedMark> held,
                              PlaceHolds(repo, HoldsToPlace(group_oldest_first, marks), maker));
  std::move(held.begin(), held.end(), std::back_inserter(saved));
  return saved;
}

}  // namespace stormproof::holds
