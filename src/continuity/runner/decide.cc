#include "continuity/runner/decide.h"

#include <algorithm>

#include "continuity/drill/drill.h"
#include "continuity/runner/locations.h"
#include "core/date.h"
#include "core/time.h"

namespace stormproof::runner {
namespace {

std::optional<int64_t> Lookup(const std::map<std::string, int64_t>& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> NewestSnapshot(const Facts& facts, const std::string& system,
                                      const std::string& repository) {
  auto it = facts.newest_snapshot_ns.find(system);
  if (it == facts.newest_snapshot_ns.end()) return std::nullopt;
  return Lookup(it->second, repository);
}

// Builds the decisions one system and repository at a time.
class Decider {
 public:
  Decider(const plan::Plan& plan, int64_t now_ns, const Facts& facts)
      : plan_(plan), now_ns_(now_ns), facts_(facts) {}

  void System(const plan::System& system, bool drills, bool backup_now) {
    std::optional<Duration> interval = BackupInterval(plan_, system);
    for (const plan::Ref& ref : system.backup.repositories) {
      const plan::RepositorySpec* repository = plan_.FindRepository(ref.id);
      if (repository == nullptr) continue;
      RepositorySupport support = RepositorySupportOf(*repository);
      if (support.use == RepositoryUse::kUnsupported) {
        AddSkip("repository " + repository->id, support.reason);
      } else if (support.use == RepositoryUse::kWrite && !system.backup.paths.empty()) {
        Backup(system, *repository, interval, backup_now);
      }
    }
    for (const plan::RepositorySpec* copy : plan::SystemRepositories(plan_, system)) {
      if (copy->copy_from && !system.backup.paths.empty() && !BacksUpInto(system, copy->id)) {
        Copy(system, *copy);
      }
    }
    if (!system.backup.paths.empty() && !interval) {
      AddSkip("system " + system.id, "skipped: no RPO, so no backup interval");
    }
    if (drills) Drill(system);
  }

  Decisions Finish(const Selection& selection) {
    for (const plan::RepositorySpec& repository : plan_.repositories) {
      Upkeep(repository, selection);
    }
    std::set<std::string> pruned = written_;
    pruned.insert(upkeep_.begin(), upkeep_.end());
    for (const std::string& repository : pruned) Prune(repository);
    for (const std::string& repository : written_) Check(repository);
    for (const std::string& repository : written_) Prove(repository);
    return std::move(out_);
  }

 private:
  void Backup(const plan::System& system, const plan::RepositorySpec& repository,
              const std::optional<Duration>& interval, bool backup_now) {
    written_.insert(repository.id);
    if (!interval) return;
    std::optional<int64_t> newest = NewestSnapshot(facts_, system.id, repository.id);
    std::string reason;
    if (!newest) {
      reason = "never backed up to " + repository.id;
    } else if (backup_now) {
      reason = "asked for now (--backup-now); newest snapshot " +
               ShortDurationNs(now_ns_ - *newest) + " old";
    } else {
      int64_t age = now_ns_ - *newest;
      if (age < interval->seconds() * kNsPerSecond) return;
      reason = "newest snapshot " + ShortDurationNs(age) + " old, due every " +
               interval->ToString() + " (RPO " + ObjectivesOf(plan_, system).rpo->ToString() +
               ", margin " + std::to_string(plan_.run.backup_margin_percent) + "%)";
    }
    Add(ActionKind::kBackup, system.id, repository.id, reason);
    fed_.insert({system.id, repository.id});
    Retain(system, repository.id, "after the backup");
  }

  // The forget after a backup or a copy, when the system's tier keeps anything.
  void Retain(const plan::System& system, const std::string& repository, const std::string& after) {
    const plan::Tier* tier = ObjectivesOf(plan_, system).tier;
    if (tier == nullptr) return;
    retention::Policy policy = RetentionPolicy(tier->retention);
    if (policy.Empty() || MaintainedElsewhere(repository)) return;
    if (!retained_.insert({system.id, repository}).second) return;
    Add(ActionKind::kForget, system.id, repository,
        after + ": " + policy.ToString() + " (tier " + tier->id + ")");
    forgets_.insert(repository);
  }

  // Retention upkeep of `repository` (decide.h): when it is maintained here and its last prune
  // is kPruneEvery old, a prune (which extends the Object Lock retention of what is kept). No
  // forget: its policy keeps snapshots by their dates and tags, which whoever holds the backup
  // hosts' key writes, so a forget run here on their word (future-dated snapshots filling
  // keep-last) could hide every genuine one with the maintenance credentials.
  void Upkeep(const plan::RepositorySpec& repository, const Selection& selection) {
    if (!MaintainedHere(repository)) return;
    Selection any_host = selection;
    any_host.host.clear();  // the backup hosts cannot maintain it: this machine does
    auto holds = [&](const plan::System& system) {  // a selected system's data
      if (!Selected(plan_, any_host, system)) return false;
      std::vector<const plan::RepositorySpec*> held = plan::SystemRepositories(plan_, system);
      return std::any_of(held.begin(), held.end(),
                         [&](const plan::RepositorySpec* r) { return r->id == repository.id; });
    };
    if (std::none_of(plan_.systems.begin(), plan_.systems.end(), holds)) return;
    if (PrunedWithinPruneEvery(repository.id)) return;
    upkeep_.insert(repository.id);
  }

  // Whether `repository`'s last prune started less than kPruneEvery ago. Not when it is dated
  // after now (a clock that ran ahead): that would put the prune off for as long.
  bool PrunedWithinPruneEvery(const std::string& repository) const {
    std::optional<int64_t> last = Lookup(facts_.last_prune_ns, repository);
    if (!last || *last > now_ns_) return false;
    return now_ns_ - *last < kPruneEvery.seconds() * kNsPerSecond;
  }

  // Whether this machine keeps `repository`'s retention whoever backs up: it can read the
  // repository's maintenance_credentials_file, or the repository has an object_lock and this
  // run writes it with the one set of credentials it has.
  bool MaintainedHere(const plan::RepositorySpec& repository) const {
    if (facts_.maintenance_elsewhere.contains(repository.id)) return false;
    if (repository.kind != plan::RepositoryKind::kStormproof ||
        RepositorySupportOf(repository).use != RepositoryUse::kWrite) {
      return false;
    }
    if (!repository.maintenance_credentials_file.empty()) return true;
    return repository.object_lock.has_value() && written_.contains(repository.id);
  }

  // Whether forget and prune of `repository` are left to another machine (Facts::
  // maintenance_elsewhere); says so once, as a skip.
  bool MaintainedElsewhere(const std::string& repository) {
    if (!facts_.maintenance_elsewhere.contains(repository)) return false;
    const plan::RepositorySpec* spec = plan_.FindRepository(repository);
    AddSkip("forget/prune of " + repository,
            "left to the machine that holds its maintenance credentials "
            "(maintenance_credentials_file " +
                (spec ? spec->maintenance_credentials_file : std::string("?")) +
                " is not readable here)");
    return true;
  }

  // Both ends must be stormproof repositories run can reach (a kind plan check reports).
  bool Copyable(const plan::RepositorySpec* source, const plan::RepositorySpec& copy) {
    if (source == nullptr) return false;
    for (const plan::RepositorySpec* end : {source, &copy}) {
      RepositorySupport support = RepositorySupportOf(*end);
      if (support.use == RepositoryUse::kUnsupported) {
        AddSkip("repository " + end->id, support.reason);
      }
      if (support.use != RepositoryUse::kWrite || end->kind != plan::RepositoryKind::kStormproof) {
        return false;
      }
    }
    return true;
  }

  void Copy(const plan::System& system, const plan::RepositorySpec& copy) {
    const plan::RepositorySpec* source = plan_.FindRepository(copy.copy_from->id);
    if (!Copyable(source, copy)) return;
    written_.insert(copy.id);
    std::optional<int64_t> in_source = NewestSnapshot(facts_, system.id, source->id);
    std::optional<int64_t> copied = NewestSnapshot(facts_, system.id, copy.id);
    bool fed = fed_.count({system.id, source->id}) > 0;
    auto failures = facts_.copy_failed.find(system.id);
    bool retry = failures != facts_.copy_failed.end() && failures->second.contains(copy.id);
    if (!fed && !retry && (!in_source || (copied && *copied >= *in_source))) return;  // nothing new
    std::optional<int64_t> last = LastCopy(system.id, copy.id);
    if (copy.copy_every && last && *last + copy.copy_every->seconds() * kNsPerSecond > now_ns_) {
      return;
    }
    std::string reason =
        !copied ? "never copied from " + source->id
        : fed   ? "this run writes a new snapshot into " + source->id
        : retry ? "the last copy from " + source->id + " failed; copied again until it succeeds"
                : source->id + " holds a snapshot " + ShortDurationNs(*in_source - *copied) +
                      " newer than the newest copied";
    reason += copy.copy_every ? "; copied every " + copy.copy_every->ToString() +
                                    (last ? ", last " + ShortDurationNs(now_ns_ - *last) + " ago"
                                          : std::string())
                              : "; copied whenever there is something new";
    Add(ActionKind::kCopy, system.id, copy.id, reason);
    out_.actions.back().source = source->id;
    fed_.insert({system.id, copy.id});
    Retain(system, copy.id, "after the copy");
  }

  std::optional<int64_t> LastCopy(const std::string& system, const std::string& copy) const {
    auto it = facts_.last_copy_ns.find(system);
    if (it == facts_.last_copy_ns.end()) return std::nullopt;
    return Lookup(it->second, copy);
  }

  void Drill(const plan::System& system) {
    const plan::Tier* tier = ObjectivesOf(plan_, system).tier;
    if (tier == nullptr || !tier->drill_every || !Drillable(system)) return;
    auto failed = facts_.failed_drill.find(system.id);
    if (failed != facts_.failed_drill.end()) return Retry(system, *tier, failed->second);
    std::optional<int64_t> last = Lookup(facts_.last_drill_ns, system.id);
    std::string every = "every " + tier->drill_every->ToString() + " (tier " + tier->id + ")";
    std::string copy = NextCopy(system);
    std::string from = copy.empty() ? "" : "; " + CopyText(system, copy);
    if (!last) {
      Add(ActionKind::kDrill, system.id, copy, "never drilled; due " + every + from);
    } else if (AddCadence(*last, *tier->drill_every) <= now_ns_) {
      Add(ActionKind::kDrill, system.id, copy,
          "last drill " + ShortDurationNs(now_ns_ - *last) + " ago; due " + every + from);
    }
  }

  // A failed drill is drilled again from the same copy once drill_retry has passed.
  void Retry(const plan::System& system, const plan::Tier& tier, const FailedDrill& failed) {
    Duration retry = tier.drill_retry.value_or(plan::kDefaultDrillRetry);
    if (failed.started_ns + retry.seconds() * kNsPerSecond > now_ns_) return;
    std::string copy =
        StillDrillable(system, failed.repository) ? failed.repository : NextCopy(system);
    Add(ActionKind::kDrill, system.id, copy,
        "last drill " + std::string(catalog::OutcomeName(failed.outcome)) + " " +
            ShortDurationNs(now_ns_ - failed.started_ns) + " ago" +
            (failed.repository.empty() ? "" : " from " + failed.repository) + "; retried every " +
            retry.ToString() + " until a drill passes (tier " + tier.id + " drill_retry)");
  }

  // The copy the next drill restores from: "" for a restore command, else rotation.
  std::string NextCopy(const plan::System& system) const {
    if (!system.restore_command.empty()) return "";
    static const std::map<std::string, int64_t> kNone;
    auto known = facts_.last_drill_per_copy.find(system.id);
    const plan::RepositorySpec* next = drill::NextCopyToDrill(
        plan_, system, known == facts_.last_drill_per_copy.end() ? kNone : known->second);
    return next == nullptr ? "" : next->id;
  }

  // "copy local, never drilled" / "copy local, last drilled 30d ago".
  std::string CopyText(const plan::System& system, const std::string& copy) const {
    std::optional<int64_t> last;
    auto known = facts_.last_drill_per_copy.find(system.id);
    if (known != facts_.last_drill_per_copy.end()) last = Lookup(known->second, copy);
    return "copy " + copy +
           (last ? ", last drilled from " + ShortDurationNs(now_ns_ - *last) + " ago"
                 : ", never drilled");
  }

  // `repository` is still a copy of `system` a drill can read ("" for a restore command).
  bool StillDrillable(const plan::System& system, const std::string& repository) const {
    if (repository.empty()) return !system.restore_command.empty();
    const plan::RepositorySpec* r = drill::FindCopy(plan_, system, repository);
    return r != nullptr && drill::DrillCanRead(*r);
  }

  bool Drillable(const plan::System& system) const {
    if (!system.restore_command.empty()) return true;
    return std::any_of(system.backup.repositories.begin(), system.backup.repositories.end(),
                       [&](const plan::Ref& ref) {
                         const plan::RepositorySpec* r = plan_.FindRepository(ref.id);
                         return r != nullptr &&
                                RepositorySupportOf(*r).use != RepositoryUse::kUnsupported;
                       });
  }

  void Prune(const std::string& repository) {
    if (MaintainedElsewhere(repository)) return;
    bool pending = facts_.prune_pending.count(repository) > 0;
    if (upkeep_.contains(repository)) {
      // A prune after this machine's own forgets does the upkeep too; else retention only.
      return UpkeepPrune(repository, /*retention_only=*/!pending && !forgets_.contains(repository));
    }
    if (!pending && forgets_.count(repository) == 0) return;
    if (PrunedWithinPruneEvery(repository)) return;
    const std::string since = PrunedSince(Lookup(facts_.last_prune_ns, repository));
    std::string reason = pending ? "snapshots were forgotten since the last prune; " + since
                                 : "if this run's forgets remove snapshots; " + since;
    Add(ActionKind::kPrune, "", repository, reason, !pending);
  }

  // "last prune 2d ago" / "never pruned" / "last prune dated after now", from the start of the
  // last prune.
  std::string PrunedSince(std::optional<int64_t> last) const {
    if (last && *last > now_ns_) return "last prune dated after now";
    return last ? "last prune " + ShortDurationNs(now_ns_ - *last) + " ago" : "never pruned";
  }

  void UpkeepPrune(const std::string& repository, bool retention_only) {
    const plan::RepositorySpec* spec = plan_.FindRepository(repository);
    std::string lock = spec != nullptr && spec->object_lock
                           ? ", which extends the Object Lock retention of the snapshots kept"
                           : "";
    Add(ActionKind::kPrune, "", repository,
        "retention upkeep, due every " + kPruneEvery.ToString() + " whoever backs up" + lock +
            (retention_only ? " (retention only: nothing removed)" : "") + "; " +
            PrunedSince(Lookup(facts_.last_prune_ns, repository)));
    out_.actions.back().retention_only = retention_only;
  }

  void Check(const std::string& repository) {
    std::optional<int64_t> last = Lookup(facts_.last_check_ns, repository);
    if (last && AddCadence(*last, plan_.run.check_every) > now_ns_) return;
    std::string reading = "reading " + std::to_string(plan_.run.check_read_percent) +
                          "% of the data; due every " + plan_.run.check_every.ToString();
    std::string reason = last
                             ? "last check " + ShortDurationNs(now_ns_ - *last) + " ago; " + reading
                             : "never checked; " + reading;
    Add(ActionKind::kCheck, "", repository, reason);
  }

  // The immutability proof of an s3: repository claimed (or once found) immutable, on the check
  // cadence.
  void Prove(const std::string& repository) {
    const plan::RepositorySpec* spec = plan_.FindRepository(repository);
    if (spec == nullptr) return;
    auto known = facts_.last_proof.find(repository);
    const Facts::Proof* last = known == facts_.last_proof.end() ? nullptr : &known->second;
    std::string claim = spec->object_lock ? "the plan gives an object_lock"
                        : spec->immutable ? "the plan calls it immutable"
                        : last != nullptr && last->object_lock
                            ? "its config recorded Object Lock at the last proof"
                            : "";
    if (claim.empty()) return;
    if (spec->location.rfind("s3:", 0) != 0) {
      AddSkip("immutability of " + repository,
              "not proven: " + claim +
                  ", but a local directory has no Object Lock; it cannot "
                  "be proven (keep an immutable copy in object storage, or `stormproof attest` "
                  "offline media)");
      return;
    }
    // Only a proof made with the backup hosts' credentials at the location now puts it off.
    const bool counted = last != nullptr && last->counts;
    // It also lapses on the day the earliest retention it sampled ends (ProofRetentionEnds).
    const bool lapsed = counted && now_ns_ >= last->lapses_ns;
    if (counted && !lapsed && AddCadence(last->finished_ns, plan_.run.check_every) > now_ns_) {
      return;
    }
    std::string due =
        "due every " + plan_.run.check_every.ToString() + " (run.check_every); " + claim;
    std::string since =
        lapsed ? "last proof " + ShortDurationNs(now_ns_ - last->finished_ns) +
                     " ago, lapsed: the earliest retention it sampled ended " +
                     UtcDateOf(last->lapses_ns).ToString() + "; "
        : counted ? "last proof " + ShortDurationNs(now_ns_ - last->finished_ns) + " ago; "
        : last    ? "no proof with the backup hosts' credentials at its location now; "
                  : "never proven; ";
    Add(ActionKind::kImmutability, "", repository, since + due);
  }

  void Add(ActionKind kind, const std::string& system, const std::string& repository,
           const std::string& reason, bool needs_forget = false) {
    Action action;
    action.kind = kind;
    action.system = system;
    action.repository = repository;
    action.reason = reason;
    action.needs_forget = needs_forget;
    out_.actions.push_back(std::move(action));
  }

  void AddSkip(const std::string& subject, const std::string& reason) {
    if (skipped_.insert(subject).second) out_.skipped.push_back({subject, reason});
  }

  const plan::Plan& plan_;
  int64_t now_ns_;
  const Facts& facts_;
  Decisions out_;
  std::set<std::string> written_, forgets_, skipped_;
  std::set<std::string> upkeep_;  // repositories whose retention upkeep is due (Upkeep)
  std::set<std::pair<std::string, std::string>> retained_;  // (system, repository) forgets
  // (system, repository) pairs this run writes a snapshot into: a backup or a copy.
  std::set<std::pair<std::string, std::string>> fed_;
};

}  // namespace

bool Selected(const plan::Plan& plan, const Selection& selection, const plan::System& system) {
  if (!selection.host.empty() && !plan.RunsOnHost(system, selection.host)) return false;
  if (!selection.client.empty() && (!system.client || system.client->id != selection.client)) {
    return false;
  }
  return selection.systems.empty() || std::find(selection.systems.begin(), selection.systems.end(),
                                                system.id) != selection.systems.end();
}

Decisions Decide(const plan::Plan& plan, int64_t now_ns, const Facts& facts,
                 const Selection& selection) {
  Decider decider(plan, now_ns, facts);
  for (const plan::System& system : plan.systems) {
    if (Selected(plan, selection, system)) {
      decider.System(system, selection.drills, selection.backup_now);
    }
  }
  return decider.Finish(selection);
}

std::optional<Duration> BackupInterval(const plan::Plan& plan, const plan::System& system) {
  std::optional<Duration> rpo = ObjectivesOf(plan, system).rpo;
  if (!rpo) return std::nullopt;
  return plan::BackupInterval(*rpo, plan.run.backup_margin_percent);
}

int64_t AddCadence(int64_t time_ns, const Cadence& cadence) {
  Date day = UtcDateOf(time_ns);
  return StartOfDayNs(day.Add(cadence)) + (time_ns - StartOfDayNs(day));
}

retention::Policy RetentionPolicy(const plan::Tier::Retention& r) {
  retention::Policy policy;
  policy.last = r.keep_last;
  policy.hourly = r.keep_hourly;
  policy.daily = r.keep_daily;
  policy.weekly = r.keep_weekly;
  policy.monthly = r.keep_monthly;
  policy.yearly = r.keep_yearly;
  return policy;
}

}  // namespace stormproof::runner
