// Holds carried to another snapshot (holds.h): from an original to its repair
// (CarryToRepaired), from a snapshot forget removed while it was held to its copy saved again
// (RestoreHeldSince, KeepIfRemoved).
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/holds/holds.h"

namespace stormproof::holds {
namespace {

using repository::Mark;
using repository::NamedMark;

// `mark` (about the original) made about `repaired` by `maker` now, its reason `reason`.
Mark Carried(const Mark& mark, const repository::Id& repaired, std::string reason,
             const Maker& maker) {
  Mark carried = mark;
  carried.snapshot = repaired;
  carried.time_ns = maker.now_ns;
  carried.hostname = maker.hostname;
  carried.username = maker.username;
  carried.reason = std::move(reason);
  return carried;
}

// Carries the verdict marks about `original` (later verdicts, then false alarms, whose
// `accepts` are made to name the copies) to `copy`, each saved with `save`.
Status CarryVerdicts(const repository::MarkSet& marks, const repository::Id& original,
                     const repository::Id& copy, const std::string& from, const Maker& maker,
                     const std::function<Result<std::string>(Mark)>& save) {
  std::map<std::string, std::string> copy_of;  // a verdict mark's name -> its copy's
  for (bool false_alarms : {false, true}) {
    for (const NamedMark* own : marks.Of(original)) {
      const NamedMark& named = *own;
      const Mark& mark = named.mark;
      if (mark.kind != Mark::Kind::kVerdict || mark.false_alarm != false_alarms) continue;
      Mark carried = Carried(mark, copy, from + ": " + mark.reason, maker);
      if (carried.accepts) {
        for (std::string& name : *carried.accepts) {
          if (auto it = copy_of.find(name); it != copy_of.end()) name = it->second;
        }
      }
      STORMPROOF_ASSIGN_OR_RETURN(std::string name, save(std::move(carried)));
      copy_of[named.name] = std::move(name);
    }
  }
  return Ok();
}

// A hold about `original` carried to `copy`: a hold on the flagged snapshot itself (its
// `because` is itself) is about the copy now.
Mark CarriedHold(const Mark& hold, const repository::Id& original, const repository::Id& copy,
                 std::string reason, const Maker& maker) {
  Mark carried = Carried(hold, copy, std::move(reason), maker);
  if (carried.because == original) carried.because = copy;
  return carried;
}

// Saves `snapshot` again (a new id) and carries `holds` and its verdict marks in `marks` to it:
// without them a flagged snapshot saved again would be judged by its record alone.
Result<Restored> SaveAgain(repository::Repository& repo, const repository::Snapshot& snapshot,
                           const std::vector<const NamedMark*>& holds,
                           const repository::MarkSet& marks, const Maker& maker) {
  repository::Snapshot again = snapshot;
  STORMPROOF_ASSIGN_OR_RETURN(repository::Id id, repo.SaveSnapshot(std::move(again)));
  Restored out{snapshot.id, id, {}};
  auto save = [&](Mark mark) -> Result<std::string> {
    STORMPROOF_ASSIGN_OR_RETURN(std::string name, repo.SaveMark(mark));
    out.holds.push_back({name, std::move(mark)});
    return name;
  };
  for (const NamedMark* hold : holds) {
    STORMPROOF_TRY(save(CarriedHold(hold->mark, snapshot.id, id,
                                    "saved again after forget removed it, held: " +
                                        hold->mark.reason,
                                    maker)));
  }
  STORMPROOF_TRY(CarryVerdicts(marks, snapshot.id, id,
                               "saved again after forget removed snapshot " +
                                   snapshot.id.ShortHex(),
                               maker, save));
  return out;
}

}  // namespace

Result<std::vector<Restored>> RestoreHeldSince(repository::Repository& repo,
                                               std::span<const repository::Snapshot> removed,
                                               const Maker& maker) {
  std::vector<Restored> out;
  if (removed.empty()) return out;
  std::vector<repository::DamagedFile> damaged;  // a damaged mark is check's to report
  STORMPROOF_ASSIGN_OR_RETURN(repository::MarkSet marks, repo.LoadMarks(&damaged));
  for (const repository::Snapshot& s : removed) {
    std::vector<const NamedMark*> holds = marks.StandingHolds(s.id);
    if (holds.empty()) continue;
    Result<Restored> again = SaveAgain(repo, s, holds, marks, maker);
    if (!again) {
      return again.error().WithContext("saving again snapshot " + s.id.ShortHex() +
                                       ", held while forget removed it");
    }
    out.push_back(std::move(*again));
  }
  return out;
}

Result<std::optional<Restored>> KeepIfRemoved(repository::Repository& repo,
                                              const repository::Snapshot& snapshot,
                                              const NamedMark& hold, const Maker& maker) {
  Result<repository::Snapshot> there = repo.LoadSnapshot(snapshot.id);
  if (there) return std::optional<Restored>();
  if (there.error().code() != ErrorCode::kNotFound) {
    return there.error().WithContext("held snapshot " + snapshot.id.ShortHex() +
                                     ", but whether it is still there cannot be told");
  }
  std::vector<repository::DamagedFile> damaged;  // a damaged mark is check's to report
  STORMPROOF_ASSIGN_OR_RETURN(repository::MarkSet marks, repo.LoadMarks(&damaged));
  Result<Restored> again = SaveAgain(repo, snapshot, {&hold}, marks, maker);
  if (!again) {
    return again.error().WithContext("saving again snapshot " + snapshot.id.ShortHex() +
                                     ", held while a forget removed it");
  }
  return std::optional<Restored>(std::move(*again));
}

Result<std::vector<NamedMark>> CarryToRepaired(repository::Repository& repo,
                                               const repository::MarkSet& marks,
                                               const repository::Id& original,
                                               const repository::Id& repaired, const Maker& maker) {
  const std::string from = "repaired from snapshot " + original.ShortHex();
  std::vector<NamedMark> saved;
  auto save = [&](Mark mark) -> Status {
    Result<std::string> name = repo.SaveMark(mark);
    if (!name) {
      return name.error().WithContext("carrying the marks of snapshot " + original.ShortHex() +
                                      " to its repair " + repaired.ShortHex());
    }
    saved.push_back({std::move(*name), std::move(mark)});
    return Ok();
  };
  for (const NamedMark* hold : marks.StandingHolds(original)) {
    STORMPROOF_TRY(save(
        CarriedHold(hold->mark, original, repaired, from + ", held: " + hold->mark.reason, maker)));
  }
  STORMPROOF_TRY(CarryVerdicts(marks, original, repaired, from, maker,
                               [&](Mark mark) -> Result<std::string> {
                                 STORMPROOF_TRY(save(std::move(mark)));
                                 return saved.back().name;
                               }));
  return saved;
}

}  // namespace stormproof::holds
