// The forget `run` does after a backup or a copy, with the tier's retention. Snapshot dates,
// hosts and paths are written by whoever holds the repository password — every backup host — so
// this forget, made with the maintenance credentials and unattended, removes only what this
// machine's own record explains (AbnormalRemoval); anything more waits for a person, who runs
// `stormproof forget` by hand.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "continuity/plan/plan.h"
#include "continuity/runner/facts.h"
#include "continuity/runner/internal/jobs.h"
#include "core/interrupt.h"
#include "core/text.h"
#include "core/time.h"
#include "engine/holds/holds.h"
#include "engine/retention/retention.h"

namespace stormproof::runner::internal {
namespace {

using repository::Snapshot;
// Snapshot id (hex) -> what this machine's own backup or copy wrote (OwnSnapshots).
using OwnSnapshotMap = std::map<std::string, OwnSnapshot>;

// GroupKey::ToString with the host and paths (written by whoever holds the key) escaped.
std::string GroupText(const retention::GroupKey& key) {
  std::string paths;
  for (const std::string& path : key.paths) paths += (paths.empty() ? "" : ", ") + EscapeName(path);
  return "host " + EscapeName(key.hostname) + ", paths [" + paths + "]";
}

// The end of the one-line reasons AbnormalRemoval gives.
std::string WhatToDo(const Action& action) {
  return fmt::format(
      "nothing removed — check 'stormproof snapshots --tag system={}' in {} and run 'stormproof "
      "forget' there by hand",
      action.system, action.repository);
}

// Which of the system's snapshots in a repository this machine made (MadeHere).
struct MadeHereIds {
  std::set<repository::Id> ids;
  // Snapshots this machine's backups wrote (hex) that two or more of the snapshots claim to be
  // the copy of (with its time, no repair): none of those counts, and GenuineDisplaced refuses
  // (the copier writes one copy of a snapshot, so the others are forged).
  std::vector<std::string> claimed_twice;
};

// Which of `snapshots` (the system's in `repository`) this machine made, from `own`
// (OwnSnapshots):
// - those whose id its own backups into `repository`, or its own copy runs into it (copies of
//   snapshots it made in the repository copied from, at every link of a copy_from chain),
//   recorded;
// - when `repository` is a copy (`is_copy`: copy_from in the plan), the copy of a snapshot it
//   made in the copy's source chain (the copy_from repository, followed to the end) that no
//   own copy run recorded writing (one written by a run killed before it recorded, say):
//   copied_from names that snapshot, with its time, it is no repair (repaired_from: written by
//   a person's `repair snapshots`) and no other such snapshot claims the same one, nor a copy
//   recorded here (claimed_twice).
// copied_from is written by whoever holds the password, so it counts nowhere else: in a
// repository that is no copy, or naming a snapshot made in this repository, it makes nothing
// made here.
MadeHereIds MadeHere(const std::vector<Snapshot>& snapshots, const std::string& repository,
                     bool is_copy, const OwnSnapshotMap& own) {
  MadeHereIds out;
  // Own source (hex) -> its copies recorded here, and the other snapshots claiming it.
  struct Claims {
    bool recorded = false;
    std::vector<repository::Id> others;
  };
  std::map<std::string, Claims> claims;
  for (const Snapshot& s : snapshots) {
    if (auto it = own.find(s.id.Hex()); it != own.end() && it->second.repository == repository) {
      out.ids.insert(s.id);
      if (!it->second.copy_of.empty()) claims[it->second.copy_of].recorded = true;
      continue;
    }
    if (!is_copy || !s.copied_from || s.repaired_from) continue;
    auto it = own.find(s.copied_from->snapshot.Hex());
    if (it == own.end() || it->second.repository == repository) continue;
    if (it->second.time_ns != s.time_ns) continue;
    claims[it->first].others.push_back(s.id);
  }
  for (const auto& [source, claimants] : claims) {
    if (claimants.others.empty()) continue;
    if (!claimants.recorded && claimants.others.size() == 1) {
      out.ids.insert(claimants.others.front());
    } else {
      out.claimed_twice.push_back(source);
    }
  }
  return out;
}

// How many snapshots this machine made that `decision` removes although `policy` keeps them
// when only the group's snapshots this machine made are counted: genuine snapshots whose places
// snapshots it did not make have taken. Kept there only as the "oldest ..." snapshot of a rule
// does not count (a group with older snapshots, from before this machine's catalog, does not
// keep it).
Result<size_t> DisplacedOwn(const retention::Decision& decision, const retention::Policy& policy,
                            int64_t now_ns, const std::set<repository::Id>& made_here) {
  std::vector<Snapshot> made;
  for (const retention::KeptSnapshot& k : decision.keep) {
    if (made_here.contains(k.snapshot.id)) made.push_back(k.snapshot);
  }
  for (const Snapshot& s : decision.remove) {
    if (made_here.contains(s.id)) made.push_back(s);
  }
  STORMPROOF_ASSIGN_OR_RETURN(retention::Decision alone,
                              retention::ApplyPolicy(std::move(made), policy, now_ns));
  std::set<repository::Id> kept;
  for (const retention::KeptSnapshot& k : alone.keep) {
    if (std::any_of(k.reasons.begin(), k.reasons.end(),
                    [](const std::string& r) { return !r.starts_with("oldest "); })) {
      kept.insert(k.snapshot.id);
    }
  }
  return static_cast<size_t>(std::count_if(decision.remove.begin(), decision.remove.end(),
                                           [&](const Snapshot& s) { return kept.contains(s.id); }));
}

// Where to start reading this machine's backups (and copies: a copy run starts after the
// backup it copies) from for DisplacedOwn: a week (a backup can take long) before the oldest
// snapshot `groups` remove. Whether the policy keeps a snapshot (other than as the "oldest" of
// a rule) depends only on the newer ones, so the own snapshots older than every removed one do
// not change the answer.
int64_t OwnBackupsSince(const std::vector<retention::GroupDecision>& groups) {
  int64_t oldest = INT64_MAX;
  for (const retention::GroupDecision& group : groups) {
    for (const Snapshot& s : group.decision.remove) oldest = std::min(oldest, s.time_ns);
  }
  const int64_t margin = 7 * kNsPerDay;
  return oldest < INT64_MIN + margin ? INT64_MIN : oldest - margin;
}

// The first group in which `groups` remove more than the normal turnover: the snapshots this
// machine added since its previous forget there (OwnAdditionsSinceLastForget) plus one per
// counting rule of the policy (a new day can be a new week, month and year too, and each rule
// then lets one snapshot go), as AbnormalRemoval's reason; nullopt when none.
Result<std::optional<std::string>> MoreThanTurnover(
    const JobContext& context, const Action& action, const retention::Policy& policy,
    const std::vector<retention::GroupDecision>& groups) {
  STORMPROOF_ASSIGN_OR_RETURN(
      OwnAdditions added, OwnAdditionsSinceLastForget(context.plan, context.catalog, action.system,
                                                      action.repository, context.clock.now_ns()));
  const uint64_t normal = added.snapshots + static_cast<uint64_t>(policy.CountingRulesUsed());
  for (const retention::GroupDecision& group : groups) {
    if (group.decision.remove.size() <= normal) continue;
    return std::optional<std::string>(fmt::format(
        "would remove {} snapshots ({}), but this machine added {} {} (up to {} is normal turnover "
        "with this policy): snapshots it did not make (forged dates, or another host) or a "
        "tightened policy; {}",
        group.decision.remove.size(), GroupText(group.key), added.snapshots,
        added.last_forget_ns ? "since its last forget there" : "there in all (no forget yet)",
        normal, WhatToDo(action)));
  }
  return std::optional<std::string>();
}

// Which of the snapshots in `groups` (the system's in the action's repository, decided at
// `now_ns`) this machine made (MadeHere). Own snapshots dated in the future of `now_ns`
// (retention::IsFutureDated), and their copies, are left out: as the policy counts them
// nowhere, they are made here nowhere either (nor claimed twice).
Result<MadeHereIds> MadeHereIn(const JobContext& context, const Action& action, int64_t now_ns,
                               const std::vector<retention::GroupDecision>& groups) {
  STORMPROOF_ASSIGN_OR_RETURN(
      OwnSnapshotMap own,
      OwnSnapshots(context.plan, context.catalog, action.system, action.repository,
                   OwnBackupsSince(groups), context.clock.now_ns()));
  std::erase_if(own, [&](const auto& entry) {
    return retention::IsFutureDated(entry.second.time_ns, now_ns);
  });
  std::vector<Snapshot> all;
  for (const retention::GroupDecision& group : groups) {
    for (const retention::KeptSnapshot& k : group.decision.keep) all.push_back(k.snapshot);
    all.insert(all.end(), group.decision.remove.begin(), group.decision.remove.end());
  }
  const plan::RepositorySpec* spec = context.plan.FindRepository(action.repository);
  const bool is_copy = spec != nullptr && spec->copy_from.has_value();
  return MadeHere(all, action.repository, is_copy, own);
}

// The first reason in `groups` for AbnormalRemoval among: snapshots claiming to be the copy of
// one snapshot this machine made (MadeHereIds::claimed_twice: written by someone else); a
// group in which `groups` remove a snapshot this machine made that the policy keeps among its
// own (DisplacedOwn). nullopt when none.
Result<std::optional<std::string>> GenuineDisplaced(
    const JobContext& context, const Action& action, const retention::Policy& policy,
    int64_t now_ns, const std::vector<retention::GroupDecision>& groups) {
  STORMPROOF_ASSIGN_OR_RETURN(MadeHereIds made, MadeHereIn(context, action, now_ns, groups));
  if (!made.claimed_twice.empty()) {
    return std::optional<std::string>(fmt::format(
        "{} snapshot(s) this machine made (first {}) each have two or more snapshots here "
        "claiming to be their copy (copied_from), where a copy holds one: snapshots it did not "
        "make; {}",
        made.claimed_twice.size(), made.claimed_twice.front().substr(0, 8), WhatToDo(action)));
  }
  for (const retention::GroupDecision& group : groups) {
    if (group.decision.remove.empty()) continue;
    STORMPROOF_ASSIGN_OR_RETURN(size_t displaced,
                                DisplacedOwn(group.decision, policy, now_ns, made.ids));
    if (displaced == 0) continue;
    return std::optional<std::string>(fmt::format(
        "would remove {} snapshot(s) this machine made ({}) that the policy keeps when only the "
        "snapshots it made count: snapshots it did not make (forged dates, or another host) "
        "have taken their places; {}",
        displaced, GroupText(group.key), WhatToDo(action)));
  }
  return std::optional<std::string>();
}

// Why `run`'s own forget must not remove what `groups` (decided at `now_ns`) say, in one line;
// nullopt when it may. It may remove no more than the normal turnover (MoreThanTurnover), and no
// snapshot this machine made that the policy keeps among its own (GenuineDisplaced: one forged
// snapshot a run, taking one genuine place each time, stays within the turnover; a forged twin,
// with a genuine snapshot's time and an id that wins the policy's tie, is one of those), and
// only while no two snapshots claim to be the copy of one it made (GenuineDisplaced). Otherwise
// snapshots it did not make (forged dates filling the policy's places, another host) or a
// tightened policy are at work: a person looks first and runs `stormproof forget` by hand,
// which is not held to this. REQUIRES: `groups` remove something.
Result<std::optional<std::string>> AbnormalRemoval(
    const JobContext& context, const Action& action, const retention::Policy& policy,
    int64_t now_ns, const std::vector<retention::GroupDecision>& groups) {
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<std::string> too_many,
                              MoreThanTurnover(context, action, policy, groups));
  if (too_many) return too_many;
  return GenuineDisplaced(context, action, policy, now_ns, groups);
}

// Notes the snapshots dated in the future (retention::kFutureTolerance after the storage's
// time), which the policy kept and did not count, on the run as a warning.
void NoteFutureDated(const Action& action, const std::vector<retention::GroupDecision>& groups,
                     ActionResult* result) {
  size_t future = 0;
  for (const retention::GroupDecision& group : groups) future += group.decision.future_dated.size();
  if (future == 0) return;
  result->run.outcome = catalog::Outcome::kWarning;
  result->run.error = fmt::format(
      "{} snapshot(s) of {} in {} are dated more than {} in the future: kept, not counted by the "
      "policy; a host's clock is ahead, or they were not written by a backup — check 'stormproof "
      "snapshots --tag system={}'",
      future, action.system, action.repository, retention::kFutureTolerance.ToString(),
      action.system);
  result->summary += fmt::format("; {} dated in the future kept", future);
}

// Notes the snapshots the forget removed while a hold placed meanwhile named them, saved again
// (holds::RestoreHeldSince), on the run as a warning naming each.
void NoteSavedAgain(const std::vector<holds::Restored>& restored, ActionResult* result) {
  if (restored.empty()) return;
  std::string which;
  for (const holds::Restored& r : restored) {
    which += (which.empty() ? "" : ", ") + r.removed.ShortHex() + " as " + r.restored.ShortHex();
  }
  result->run.outcome = catalog::Outcome::kWarning;
  result->run.error = fmt::format(
      "{} snapshot(s) were held while this forget removed them (the hold was placed meanwhile): "
      "saved again ({}), which the holds keep",
      restored.size(), which);
  result->summary += fmt::format("; {} held meanwhile saved again", restored.size());
}

// Marks the run refused for `reason`: outcome kFailed (a breach), nothing removed.
void Refuse(const std::string& reason, const retention::Policy& policy, size_t total,
            ActionResult* result) {
  result->run.outcome = catalog::Outcome::kFailed;
  result->run.error = reason;
  result->run.details = nlohmann::json{
      {"policy", policy.ToString()},
      {"removed", 0},
      {"kept", total},
      {"refused", true}}.dump();
  result->summary =
      fmt::format("refused: removed none of {} snapshots ({})", total, policy.ToString());
}

// What the marks say about the system's `snapshots` after the holds this run placed, for the
// run's details (status and the readiness report read them: docs/catalog.md): the standing
// holds, the snapshots accepted as false alarms, the verdicts given later (a slow attack's
// earlier steps, a scan), each naming its snapshot, and the snapshots a person vouched for after
// an attack (resolutions: `hold resolve`).
nlohmann::json MarksDetails(const repository::MarkSet& marks,
                            const std::vector<Snapshot>& snapshots) {
  nlohmann::json held = nlohmann::json::array(), accepted = nlohmann::json::array(),
                 later = nlohmann::json::array(), resolutions = nlohmann::json::array();
  for (const Snapshot& s : snapshots) {
    if (marks.Resolution(s.id) != nullptr) resolutions.push_back(s.id.Hex());
    for (const repository::NamedMark* hold : marks.StandingHolds(s.id)) {
      held.push_back({{"snapshot", s.id.Hex()},
                      {"snapshot_time_ns", s.time_ns},
                      {"reason", hold->mark.reason},
                      {"because", hold->mark.because ? hold->mark.because->Hex() : ""}});
    }
    if (marks.AcceptedAsFalseAlarm(s.id)) accepted.push_back(s.id.Hex());
    if (const repository::Mark* verdict = marks.WorstLaterVerdict(s.id)) {
      later.push_back({{"snapshot", s.id.Hex()},
                       {"level", std::string(repository::LevelName(verdict->verdict->level))},
                       {"reason", verdict->reason}});
    }
  }
  return {{"holds", held},
          {"false_alarms", accepted},
          {"later_verdicts", later},
          {"resolutions", resolutions}};
}

// Places the holds the system's flagged snapshots ask for (holds::HoldsToPlaceAll); returns
// the marks with them (a mark that cannot be read counts for nothing: check reports it) and
// adds how many were placed to *placed.
Result<repository::MarkSet> PlaceHolds(repository::Repository& repo,
                                       const std::vector<Snapshot>& snapshots, int64_t now_ns,
                                       size_t* placed) {
  std::vector<repository::NamedMark> saved;
  STORMPROOF_ASSIGN_OR_RETURN(
      repository::MarkSet marks,
      holds::PlaceHoldsNow(repo, snapshots, holds::Maker::ThisMachine(now_ns), &saved));
  *placed += saved.size();
  return marks;
}

// Removes what `groups` remove but a snapshot `held_now` holds (counted in *held_since), until
// interrupted (each removal is whole: it stops between two); appends each removed to *removed.
// Errors: the first removal that fails (none after it is tried).
Status RemoveUnlessHeld(repository::Repository& repo,
                        const std::vector<retention::GroupDecision>& groups,
                        const repository::MarkSet& held_now, std::vector<Snapshot>* removed,
                        size_t* held_since) {
  for (const retention::GroupDecision& group : groups) {
    for (const Snapshot& s : group.decision.remove) {
      if (held_now.Held(s.id)) {
        ++*held_since;
        continue;
      }
      if (Interrupted()) return Ok();
      STORMPROOF_TRY(repo.RemoveSnapshot(s.id));
      removed->push_back(s);
    }
  }
  return Ok();
}

// Applies `policy` to the system's snapshots at the storage's time (`lock`'s) and removes what
// it does not keep, unless AbnormalRemoval refuses: then removes nothing and fails the run
// (Refuse). Held snapshots are kept whatever the policy, after the holds a flag asks for are
// placed (PlaceHolds). Returns how many snapshots were removed.
Result<size_t> Forget(const JobContext& context, const Action& action, repository::Repository& repo,
                      const repository::Lock& lock, retention::Policy policy,
                      ActionResult* result) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots,
                              SystemSnapshots(repo, action.system));
  const size_t total = snapshots.size();
  const int64_t now_ns = lock.storage_time_ns();
  size_t placed = 0;
  STORMPROOF_ASSIGN_OR_RETURN(repository::MarkSet marks,
                              PlaceHolds(repo, snapshots, now_ns, &placed));
  const nlohmann::json marks_details = MarksDetails(marks, snapshots);
  STORMPROOF_ASSIGN_OR_RETURN(
      std::vector<retention::GroupDecision> groups,
      retention::ApplyPolicyPerGroup(std::move(snapshots), policy, now_ns, holds::HeldOf(marks)));
  const bool removes = std::any_of(groups.begin(), groups.end(), [](const auto& group) {
    return !group.decision.remove.empty();
  });
  if (removes) {
    STORMPROOF_ASSIGN_OR_RETURN(std::optional<std::string> abnormal,
                                AbnormalRemoval(context, action, policy, now_ns, groups));
    if (abnormal) {
      Refuse(*abnormal, policy, total, result);
      return 0;
    }
    // Credentials that may not delete (upload-only ones, with no maintenance_credentials_file
    // in the plan) fail here with one line saying which credentials forget needs, before
    // anything.
    STORMPROOF_TRY(repo.CheckMayDelete());
  }
  // Read the snapshots and holds again just before removing: a backup of another host (shared
  // lock too) may have flagged the group and held some of these meanwhile, a scan may have
  // flagged one (no hold yet: the holds it asks for are placed here), or a person placed a hold.
  PausePointForTesting("forget job: decided");
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> now_there,
                              SystemSnapshots(repo, action.system));
  STORMPROOF_ASSIGN_OR_RETURN(const repository::MarkSet held_now,
                              PlaceHolds(repo, now_there, now_ns, &placed));
  PausePointForTesting("forget job: holds read again");
  size_t held_since = 0;
  std::vector<Snapshot> removed;
  const Status removal = RemoveUnlessHeld(repo, groups, held_now, &removed, &held_since);
  // A hold placed after that read on a snapshot removed since: saved again (holds.h).
  STORMPROOF_ASSIGN_OR_RETURN(
      std::vector<holds::Restored> restored,
      holds::RestoreHeldSince(repo, removed, holds::Maker::ThisMachine(now_ns)));
  STORMPROOF_TRY(removal);
  if (Interrupted()) {
    return Error::Interrupted(InterruptionMessage() + "; " + std::to_string(removed.size()) +
                              " of " + std::to_string(total) + " snapshots removed");
  }
  // A maintenance run: under Object Lock, what the policy kept stays retained N days from now
  // (docs/repository-format.md, "Retention and maintenance"); nothing to do elsewhere.
  backend::Backend::RetentionUpkeep upkeep;
  STORMPROOF_TRY(repo.ExtendRetention(&upkeep));
  result->run.details = nlohmann::json{
      {"policy", policy.ToString()},
      {"removed", removed.size() - restored.size()},
      {"kept", total - removed.size() + restored.size()},
      {"retention_checked", upkeep.checked},
      {"retention_extended", upkeep.extended},
      {"overwritten_files", upkeep.overwritten},
      {"holds_placed", placed},
      {"marks",
       marks_details}}.dump();
  result->summary = fmt::format("removed {} of {} snapshots ({})", removed.size() - restored.size(),
                                total, policy.ToString());
  if (placed > 0) result->summary += fmt::format("; {} snapshot(s) held", placed);
  if (held_since > 0) {
    result->summary += fmt::format("; {} kept: held since the policy was applied", held_since);
  }
  if (!marks_details["holds"].empty()) {
    result->summary += fmt::format("; {} hold(s) standing", marks_details["holds"].size());
  }
  NoteFutureDated(action, groups, result);
  NoteSavedAgain(restored, result);
  return removed.size() - restored.size();
}

}  // namespace

ActionResult ForgetJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  const plan::System* system = context.plan.FindSystem(action.system);
  const plan::Tier* tier = plan::ObjectivesOf(context.plan, *system).tier;
  auto entry = context.repositories.Get(action.repository, Credentials::kMaintenance);
  if (!entry) return FailRun(context, entry.error(), std::move(result));
  MutexLock writer((*entry)->write);
  if (Status kept = CheckRetention(context, action.repository, *(*entry)->repo); !kept) {
    return FailRun(context, kept.error(), std::move(result));
  }
  auto lock = SharedLock(context, *(*entry)->repo);
  if (!lock) return FailRun(context, lock.error(), std::move(result));
  retention::Policy policy = tier ? RetentionPolicy(tier->retention) : retention::Policy{};
  auto removed = Forget(context, action, *(*entry)->repo, **lock, policy, &result);
  if (!removed) return FailRun(context, removed.error(), std::move(result));
  result.run.files = *removed;
  result.run.finished_ns = context.clock.now_ns();
  return result;
}

}  // namespace stormproof::runner::internal
