// A person's decisions on holds and false alarms, and the holds as forget keeps them (holds.h).
#include "engine/holds/holds.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/repository/encoding.h"

namespace stormproof::holds {
namespace {

using repository::Mark;
using repository::NamedMark;
using repository::Snapshot;
using repository::Verdict;

Result<NamedMark> Save(repository::Repository& repo, Mark mark) {
  Result<std::string> name = repo.SaveMark(mark);
  if (!name) return name.error();
  return NamedMark{std::move(*name), std::move(mark)};
}

// Releases `holds` (all on `snapshot`), in marks of at most kMaxReleasedHolds names each;
// returns the last one saved.
Result<NamedMark> ReleaseNamed(repository::Repository& repo, const repository::Id& snapshot,
                               const std::vector<const NamedMark*>& holds, std::string reason,
                               const Maker& maker) {
  Result<NamedMark> saved = Error::Internal("no hold to release");
  for (size_t first = 0; first < holds.size(); first += repository::kMaxReleasedHolds) {
    Mark mark = maker.NewMark(Mark::Kind::kRelease, snapshot, reason);
    const size_t end = std::min(holds.size(), first + repository::kMaxReleasedHolds);
    for (size_t i = first; i < end; ++i) mark.releases.push_back(holds[i]->name);
    saved = Save(repo, std::move(mark));
    if (!saved) return saved;
  }
  return saved;
}

// Whether a standing hold was placed because of one of `attack`.
bool HoldsStandBecauseOf(const repository::MarkSet& marks, const std::set<repository::Id>& attack) {
  for (const auto& [held, holds] : marks.AllStandingHolds()) {
    for (const NamedMark* hold : holds) {
      if (hold->mark.because && attack.contains(*hold->mark.because)) return true;
    }
  }
  return false;
}

// The snapshots a slow attack that `flagged` completed was marked on (verdict marks because of
// it), with `flagged` itself: what accepting it as a false alarm accepts.
std::set<repository::Id> AttackOf(const repository::MarkSet& marks, const repository::Id& flagged) {
  std::set<repository::Id> out{flagged};
  for (const NamedMark& m : marks.all()) {
    if (m.mark.kind == Mark::Kind::kVerdict && !m.mark.false_alarm && m.mark.because == flagged) {
      out.insert(m.mark.snapshot);
    }
  }
  return out;
}

// The flagged snapshots standing holds were placed because of ("9a8b7c6d"), for an error.
std::string HoldsBecause(const repository::MarkSet& marks) {
  std::string out;
  for (const auto& [held, holds] : marks.AllStandingHolds()) {
    for (const NamedMark* hold : holds) {
      if (!hold->mark.because) continue;
      std::string id = hold->mark.because->ShortHex();
      if (out.find(id) == std::string::npos) out += (out.empty() ? "" : ", ") + id;
    }
  }
  return out;
}

}  // namespace

Maker Maker::ThisMachine(int64_t now_ns) {
  return Maker{repository::HostName(), repository::UserName(), now_ns};
}

Mark Maker::NewMark(Mark::Kind kind, const repository::Id& snapshot, std::string reason) const {
  Mark mark;
  mark.kind = kind;
  mark.snapshot = snapshot;
  mark.time_ns = now_ns;
  mark.hostname = hostname;
  mark.username = username;
  mark.reason = std::move(reason);
  return mark;
}

retention::Held HeldOf(const repository::MarkSet& marks) {
  retention::Held out;
  for (const auto& [snapshot, holds] : marks.AllStandingHolds()) {
    std::string why = holds.front()->mark.reason;
    if (holds.size() > 1) why += " (+" + std::to_string(holds.size() - 1) + " more)";
    out.emplace(snapshot, std::move(why));
  }
  return out;
}

Result<NamedMark> AddHold(repository::Repository& repo, const Snapshot& snapshot,
                          const std::string& reason, const Maker& maker) {
  if (reason.empty()) return Error::InvalidArgument("a hold needs a reason (--reason)");
  return Save(repo, maker.NewMark(Mark::Kind::kHold, snapshot.id, reason));
}

Result<NamedMark> Release(repository::Repository& repo, const repository::MarkSet& marks,
                          const Snapshot& snapshot, const std::string& reason, const Maker& maker) {
  std::vector<const NamedMark*> holds = marks.StandingHolds(snapshot.id);
  if (holds.empty()) return Error::NotFound("snapshot " + snapshot.id.ShortHex() + " is not held");
  return ReleaseNamed(repo, snapshot.id, holds, reason.empty() ? "released by a person" : reason,
                      maker);
}

Result<std::vector<NamedMark>> AcceptFalseAlarm(repository::Repository& repo,
                                                const repository::MarkSet& marks,
                                                const Snapshot& snapshot, const std::string& reason,
                                                const Maker& maker) {
  const std::vector<detect::JudgedSnapshot> judged =
      detect::JudgedSnapshotsOf(std::span<const Snapshot>(&snapshot, 1), marks);
  const detect::JudgedSnapshot& self = judged.front();
  // Accepted already: an earlier acceptance interrupted before its releases finishes them.
  const bool already = self.accepted || (self.level && marks.AcceptedAsFalseAlarm(snapshot.id));
  if (already && !HoldsStandBecauseOf(marks, AttackOf(marks, snapshot.id))) {
    return Error::FailedCheck("snapshot " + snapshot.id.ShortHex() +
                              " is already accepted as a false alarm");
  }
  if (!already && (!self.level || *self.level == Verdict::Level::kClean)) {
    std::string because = HoldsBecause(marks);
    return Error::FailedCheck(
        "snapshot " + snapshot.id.ShortHex() + " is not flagged (" +
        (self.level ? "clean" : "never judged") + ")" +
        (because.empty() ? "" : "; holds stand because of " + because + ": name that snapshot"));
  }
  // The flagged snapshot and the earlier steps of the slow attack it completed, each accepted.
  const std::set<repository::Id> attack = AttackOf(marks, snapshot.id);
  std::vector<NamedMark> saved;
  for (const repository::Id& id : attack) {
    if (marks.AcceptedAsFalseAlarm(id)) continue;
    Mark accept = maker.NewMark(
        Mark::Kind::kVerdict, id,
        (reason.empty() ? "accepted as a false alarm by a person" : reason) +
            (id == snapshot.id ? "" : " (with snapshot " + snapshot.id.ShortHex() + ")"));
    accept.verdict = Verdict{};
    accept.verdict->reasons = {accept.reason};
    accept.false_alarm = true;
    // The flagging verdicts given so far (a clean one needs no accepting); one given later flags
    // the snapshot again. More than one mark can name is refused: a false alarm that accepted
    // only some of them would say "clean" and count for nothing.
    accept.accepts.emplace();
    for (const NamedMark* m : marks.Of(id)) {
      if (repository::IsFlaggingVerdict(m->mark)) accept.accepts->push_back(m->name);
    }
    if (accept.accepts->size() > repository::kMaxReleasedHolds) {
      return Error::FailedCheck(
          "snapshot " + id.ShortHex() + " carries " + std::to_string(accept.accepts->size()) +
          " verdicts that flag it, more than a false alarm can accept (" +
          std::to_string(repository::kMaxReleasedHolds) +
          "); not accepted (written by no stormproof: see 'hold list --all')");
    }
    STORMPROOF_ASSIGN_OR_RETURN(NamedMark verdict, Save(repo, std::move(accept)));
    saved.push_back(std::move(verdict));
  }
  // The holds placed because of any of them, grouped per held snapshot.
  for (const auto& [held, holds] : marks.AllStandingHolds()) {
    std::vector<const NamedMark*> because;
    for (const NamedMark* hold : holds) {
      if (hold->mark.because && attack.contains(*hold->mark.because)) because.push_back(hold);
    }
    if (because.empty()) continue;
    STORMPROOF_ASSIGN_OR_RETURN(
        NamedMark released,
        ReleaseNamed(repo, held, because,
                     "snapshot " + snapshot.id.ShortHex() + " accepted as a false alarm", maker));
    saved.push_back(std::move(released));
  }
  return saved;
}

}  // namespace stormproof::holds
