// Holds carried to another snapshot (holds.h): from an original to its repair
// (CarryToRepaired), from a snapshot forget removed while it was held to its copy saved again
// (RestoreHeldSince, KeepIfRemoved).
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

// Saves `snapshot` again (a new id) and carries `holds` to it.
Result<Restored> SaveAgain(repository::Repository& repo, const repository::Snapshot& snapshot,
                           const std::vector<const NamedMark*>& holds, const Maker& maker) {
  repository::Snapshot again = snapshot;
  STORMPROOF_ASSIGN_OR_RETURN(repository::Id id, repo.SaveSnapshot(std::move(again)));
  Restored out{snapshot.id, id, {}};
  for (const NamedMark* hold : holds) {
    Mark mark = Carried(hold->mark, id,
                        "saved again after forget removed it, held: " + hold->mark.reason, maker);
    STORMPROOF_ASSIGN_OR_RETURN(std::string name, repo.SaveMark(mark));
    out.holds.push_back({std::move(name), std::move(mark)});
  }
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
    Result<Restored> again = SaveAgain(repo, s, holds, maker);
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
  Result<Restored> again = SaveAgain(repo, snapshot, {&hold}, maker);
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
    STORMPROOF_TRY(
        save(Carried(hold->mark, repaired, from + ", held: " + hold->mark.reason, maker)));
  }
  // Verdicts first, then the false alarms, whose `accepts` must name the verdicts' copies.
  std::map<std::string, std::string> copy_of;  // a verdict mark's name -> its copy's
  for (bool false_alarms : {false, true}) {
    for (const NamedMark& named : marks.all()) {
      const Mark& mark = named.mark;
      if (mark.kind != Mark::Kind::kVerdict || mark.snapshot != original ||
          mark.false_alarm != false_alarms) {
        continue;
      }
      Mark copy = Carried(mark, repaired, from + ": " + mark.reason, maker);
      if (copy.accepts) {
        for (std::string& name : *copy.accepts) {
          if (auto it = copy_of.find(name); it != copy_of.end()) name = it->second;
        }
      }
      STORMPROOF_TRY(save(std::move(copy)));
      copy_of[named.name] = saved.back().name;
    }
  }
  return saved;
}

}  // namespace stormproof::holds
