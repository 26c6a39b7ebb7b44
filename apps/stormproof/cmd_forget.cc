// stormproof forget: remove snapshots by id, or by a retention policy applied per host and
// paths. Only snapshot files are removed (under a shared lock, so backups may run meanwhile);
// the data they referenced stays until prune (--prune runs it next, under the exclusive lock).
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "apps/stormproof/context.h"
#include "apps/stormproof/entry_format.h"
#include "apps/stormproof/prune_output.h"
#include "apps/stormproof/repo_access.h"
#include "apps/stormproof/verdict_output.h"
#include "core/interrupt.h"
#include "engine/holds/holds.h"
#include "engine/retention/retention.h"

namespace stormproof::cli {
namespace {

using repository::Snapshot;

struct ForgetFlags {
  std::vector<std::string> ids;
  retention::Policy policy;
  std::string within;
  std::vector<std::string> tags, paths;
  std::string host;
  bool dry_run = false, prune = false;
  // The moment the policy is applied at: --as-of when given (CheckFlags), else the storage's
  // time when the lock was taken (RunForget), so that a local clock that is off changes nothing.
  int64_t now_ns = 0;
  bool as_of = false;  // now_ns is --as-of's
};

nlohmann::json SnapshotRef(const Snapshot& s) {
  return {{"id", s.id.Hex()},
          {"short_id", s.id.ShortHex()},
          {"time", FormatRfc3339Nanos(s.time_ns)},
          {"time_ns", s.time_ns}};
}

// After `removed` were removed: saves again each one a hold placed meanwhile names
// (holds::RestoreHeldSince), saying so on stderr in one line each, with exit 3; exit 1 when that
// cannot be done.
void RestoreHeldSince(repository::Repository& repo, const std::vector<Snapshot>& removed,
                      int64_t now_ns, Outcome* outcome) {
  auto restored = holds::RestoreHeldSince(repo, removed, holds::Maker::ThisMachine(now_ns));
  if (!restored) {
    PrintError("a snapshot removed may have been held meanwhile: " +
               EscapeControls(restored.error().message()));
    *outcome = Outcome::Failed();
    return;
  }
  for (const holds::Restored& r : *restored) {
    PrintError("warning: snapshot " + r.removed.ShortHex() +
               " was held while forget removed it (the hold was placed meanwhile): saved again "
               "as snapshot " +
               r.restored.ShortHex() + ", which the hold keeps");
    if (outcome->ok()) *outcome = Outcome::Problems();
  }
}

// Removes `snapshots` unless dry_run; reports each failure and sets *outcome to exit 1 for it
// (the others are still removed), then saves again any a hold placed meanwhile names
// (RestoreHeldSince). Returns how many were removed.
size_t RemoveAll(repository::Repository& repo, const std::vector<Snapshot>& snapshots, bool dry_run,
                 int64_t now_ns, Outcome* outcome) {
  if (dry_run) return 0;
  std::vector<Snapshot> removed;
  for (const Snapshot& s : snapshots) {
    if (Interrupted()) break;  // each removal is whole: stop between two (RunForget)
    Status status = repo.RemoveSnapshot(s.id);
    if (status) {
      removed.push_back(s);
    } else {
      PrintError("snapshot " + s.id.ShortHex() + ": " + status.error().message());
      *outcome = Outcome::Failed();  // documented: exit 1, whatever the reason
    }
  }
  RestoreHeldSince(repo, removed, now_ns, outcome);
  return removed.size();
}

// The snapshots named by `specs` (id prefixes or latest), each once; none may be held, nor be
// one a ransomware flag asks to hold and no hold keeps yet (`pending`: a scan's flag, a copy's).
Result<std::vector<Snapshot>> ResolveIds(const repository::Repository& repo,
                                         const std::vector<std::string>& specs,
                                         const repository::MarkSet& marks,
                                         const std::vector<holds::PlannedHold>& pending) {
  std::vector<Snapshot> out;
  for (const std::string& spec : specs) {
    if (spec == "latest-clean") {
      return Error::InvalidArgument(
          "forget latest-clean: that is the restore point to keep after an attack; name the "
          "snapshot by its id");
    }
    STORMPROOF_ASSIGN_OR_RETURN(Snapshot s, FindSnapshot(repo, spec, {}, {}));
    if (std::vector<const repository::NamedMark*> held = marks.StandingHolds(s.id); !held.empty()) {
      return Error::FailedCheck("snapshot " + s.id.ShortHex() + " is held (" +
                                held.front()->mark.reason +
                                "): nothing was removed; release the hold first with "
                                "'stormproof hold release " +
                                s.id.ShortHex() + "'");
    }
    for (const holds::PlannedHold& hold : pending) {
      if (hold.snapshot.id != s.id) continue;
      return Error::FailedCheck("snapshot " + s.id.ShortHex() + " is to be held (" + hold.reason +
                                "): nothing was removed; a forget with a policy holds it, or "
                                "accept the flag with 'stormproof hold release --false-alarm " +
                                hold.because.ShortHex() + "'");
    }
    bool seen = std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.id == s.id; });
    if (!seen) out.push_back(std::move(s));
  }
  return out;
}

// Prints what was removed (text) and returns the summary (for --json).
nlohmann::json ReportIds(const Context& context, const std::vector<Snapshot>& targets,
                         size_t removed, bool dry_run) {
  nlohmann::json list = nlohmann::json::array();
  for (const Snapshot& s : targets) {
    list.push_back(SnapshotRef(s));
    if (!context.json) {
      fmt::print("{} snapshot {}\n", dry_run ? "would remove" : "removed", s.id.ShortHex());
    }
  }
  return {
      {"message_type", "summary"}, {"dry_run", dry_run}, {"remove", list}, {"removed", removed}};
}

// Forgets the snapshots flags.ids names. On failure prints the error, sets *outcome and returns
// nullopt; a snapshot that could not be removed sets *outcome (RemoveAll) but not the result.
std::optional<nlohmann::json> ForgetIds(Context* context, repository::Repository& repo,
                                        const ForgetFlags& flags, Outcome* outcome) {
  auto marks = LoadMarksOrWarn(repo);
  if (!marks) {
    *outcome = ReportEngineError(marks.error());
    return std::nullopt;
  }
  auto all = LoadSnapshotsOrWarn(repo);
  if (!all) {
    *outcome = ReportEngineError(all.error());
    return std::nullopt;
  }
  auto targets = ResolveIds(repo, flags.ids, *marks, holds::HoldsToPlaceAll(*all, *marks));
  if (!targets) {
    *outcome = ReportEngineError(targets.error());
    return std::nullopt;
  }
  size_t removed = RemoveAll(repo, *targets, flags.dry_run, flags.now_ns, outcome);
  return ReportIds(*context, *targets, removed, flags.dry_run);
}

nlohmann::json GroupJson(const retention::GroupDecision& group) {
  nlohmann::json keep = nlohmann::json::array(), remove = nlohmann::json::array();
  for (const retention::KeptSnapshot& k : group.decision.keep) {
    nlohmann::json j = SnapshotRef(k.snapshot);
    j["reasons"] = k.reasons;
    keep.push_back(std::move(j));
  }
  for (const Snapshot& s : group.decision.remove) remove.push_back(SnapshotRef(s));
  nlohmann::json future = nlohmann::json::array();
  for (const Snapshot& s : group.decision.future_dated) future.push_back(SnapshotRef(s));
  return {{"host", group.key.hostname},
          {"paths", group.key.paths},
          {"keep", keep},
          {"remove", remove},
          {"future_dated", future}};
}

// GroupKey::ToString with the host and paths (from the repository) escaped as `ls` does.
std::string GroupText(const retention::GroupKey& key) {
  std::string paths;
  for (const std::string& path : key.paths) paths += (paths.empty() ? "" : ", ") + EscapeName(path);
  return "host " + EscapeName(key.hostname) + ", paths [" + paths + "]";
}

void PrintGroup(const retention::GroupDecision& group, int64_t now_ns) {
  const retention::Decision& d = group.decision;
  fmt::print("snapshots for {}:\nkeep {} snapshot(s):\n", GroupText(group.key), d.keep.size());
  if (!d.keep.empty()) fmt::print("  {:<10}{:<25}{}\n", "ID", "Time", "Reasons");
  for (const retention::KeptSnapshot& k : d.keep) {
    fmt::print("  {:<10}{:<25}{}\n", k.snapshot.id.ShortHex(), FormatUtc(k.snapshot.time_ns),
               EscapeControls(fmt::format("{}", fmt::join(k.reasons, ", "))));
  }
  fmt::print("remove {} snapshot(s):\n", d.remove.size());
  if (!d.remove.empty()) fmt::print("  {:<10}{}\n", "ID", "Time");
  for (const Snapshot& s : d.remove) {
    fmt::print("  {:<10}{}\n", s.id.ShortHex(), FormatUtc(s.time_ns));
  }
  if (!d.future_dated.empty()) {
    fmt::print(
        "{} snapshot(s) dated more than {} after now ({}): kept, not counted by the policy; a "
        "host's clock is ahead, or they were not written by a backup\n",
        d.future_dated.size(), retention::kFutureTolerance.ToString(), FormatUtc(now_ns));
  }
  fmt::print("\n");
}

void PrintOutcome(const ForgetFlags& flags, size_t planned, size_t removed) {
  if (flags.dry_run) {
    fmt::print("would remove {} snapshot(s) (dry run: nothing was changed)\n", planned);
  } else if (flags.prune) {
    fmt::print("removed {} snapshot(s); pruning\n", removed);
  } else {
    fmt::print("removed {} snapshot(s); run 'stormproof prune' to free their data\n", removed);
  }
}

// The holds the snapshots' flags ask for (holds::HoldsToPlaceAll), placed unless
// dry_run, and every standing hold as the policy keeps it (with the planned ones on a dry run).
// Prints a line per hold placed; adds them to `placed`.
Result<retention::Held> PlaceHolds(const Context& context, repository::Repository& repo,
                                   const std::vector<Snapshot>& selected, const ForgetFlags& flags,
                                   nlohmann::json* placed) {
  STORMPROOF_ASSIGN_OR_RETURN(repository::MarkSet marks, LoadMarksOrWarn(repo));
  std::vector<holds::PlannedHold> planned = holds::HoldsToPlaceAll(selected, marks);
  retention::Held held = holds::HeldOf(marks);
  std::vector<repository::NamedMark> saved;
  if (flags.dry_run) {
    for (const holds::PlannedHold& hold : planned) held.emplace(hold.snapshot.id, hold.reason);
  } else {
    STORMPROOF_ASSIGN_OR_RETURN(
        saved, holds::PlaceHolds(repo, planned, holds::Maker::ThisMachine(flags.now_ns)));
    for (const repository::NamedMark& mark : saved)
      held.emplace(mark.mark.snapshot, mark.mark.reason);
  }
  *placed = MarksJson(saved);
  if (flags.dry_run) {  // what would be held, in the same shape (no file name yet)
    for (const holds::PlannedHold& hold : planned) {
      placed->push_back({{"name", nullptr},
                         {"kind", "hold"},
                         {"snapshot", hold.snapshot.id.Hex()},
                         {"reason", hold.reason}});
    }
  }
  if (!context.json) {
    for (const holds::PlannedHold& hold : planned) {
      fmt::print("{} snapshot {}: {}\n", flags.dry_run ? "would hold" : "held",
                 hold.snapshot.id.ShortHex(), EscapeControls(hold.reason));
    }
    if (!planned.empty()) fmt::print("\n");
  }
  return held;
}

// The marks just before removing: the snapshots and marks read again, with the holds placed that
// a flag given since the policy was applied asks for (a scan's, or a backup's whose own holds are
// not saved yet: holds::PlaceHoldsNow), each printed as PlaceHolds prints and added to `placed`.
Result<repository::MarkSet> ReadHoldsAgain(const Context& context, repository::Repository& repo,
                                           const ForgetFlags& flags, nlohmann::json* placed) {
  std::vector<repository::DamagedFile> damaged;  // warned about at the first read
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> all, repo.LoadSnapshots(&damaged));
  std::vector<repository::NamedMark> saved;
  STORMPROOF_ASSIGN_OR_RETURN(
      repository::MarkSet marks,
      holds::PlaceHoldsNow(repo, std::move(all), holds::Maker::ThisMachine(flags.now_ns), &saved));
  for (const nlohmann::json& mark : MarksJson(saved)) placed->push_back(mark);
  if (!context.json) {
    for (const repository::NamedMark& hold : saved) {
      fmt::print("held snapshot {}: {}\n", hold.mark.snapshot.ShortHex(),
                 EscapeControls(hold.mark.reason));
    }
  }
  return marks;
}

// Takes out of the groups' removals the snapshots held since the policy was applied: a backup of
// another host may have flagged its group and held them meanwhile (both hold only the shared
// lock), a scan may have flagged a snapshot (ReadHoldsAgain holds what that flag asks for), or a
// person placed a hold. Read again just before removing; says so on stderr for each. A read or a
// hold that fails keeps every snapshot (removing none is safe).
void KeepHeldSince(const Context& context, repository::Repository& repo, const ForgetFlags& flags,
                   std::vector<retention::GroupDecision>* groups, nlohmann::json* placed) {
  const bool removes = std::any_of(groups->begin(), groups->end(),
                                   [](const auto& g) { return !g.decision.remove.empty(); });
  if (!removes) return;
  auto marks = ReadHoldsAgain(context, repo, flags, placed);
  for (retention::GroupDecision& group : *groups) {
    std::erase_if(group.decision.remove, [&](const Snapshot& s) {
      if (marks && !marks->Held(s.id)) return false;
      PrintError("warning: snapshot " + s.id.ShortHex() + " kept: " +
                 (marks ? "held since the policy was applied"
                        : "holds could not be read again: " +
                              EscapeControls(marks.error().message())));
      return true;
    });
  }
}

// Forgets what flags.policy does not keep, and never a held snapshot; errors as ForgetIds.
std::optional<nlohmann::json> ForgetByPolicy(Context* context, repository::Repository& repo,
                                             const ForgetFlags& flags, Outcome* outcome) {
  auto all = LoadSnapshotsOrWarn(repo);
  if (!all) {
    *outcome = ReportEngineError(all.error());
    return std::nullopt;
  }
  // Holds are planned over every snapshot, not only the selected ones: a --tag selection that
  // leaves the flagged snapshot out must not remove its group's clean points.
  nlohmann::json placed;
  auto held = PlaceHolds(*context, repo, *all, flags, &placed);
  std::erase_if(*all, [&](const Snapshot& s) {
    return !SnapshotMatches(s, flags.tags, flags.paths) ||
           (!flags.host.empty() && s.hostname != flags.host);
  });
  if (!held) {
    *outcome = ReportEngineError(held.error().WithContext("nothing was removed"));
    return std::nullopt;
  }
  auto groups = retention::ApplyPolicyPerGroup(std::move(*all), flags.policy, flags.now_ns, *held);
  if (!groups) {
    *outcome = ReportEngineError(groups.error());
    return std::nullopt;
  }
  nlohmann::json group_list = nlohmann::json::array();
  if (!context->json) fmt::print("applying policy: {}\n\n", flags.policy.ToString());
  size_t removed = 0, planned = 0;
  for (retention::GroupDecision& group : *groups) {
    if (context->json) {
      group_list.push_back(GroupJson(group));
    } else {
      PrintGroup(group, flags.now_ns);
    }
    planned += group.decision.remove.size();
  }
  PausePointForTesting("forget: decided");
  if (!flags.dry_run) KeepHeldSince(*context, repo, flags, &*groups, &placed);
  PausePointForTesting("forget: holds read again");
  for (const retention::GroupDecision& group : *groups) {
    removed += RemoveAll(repo, group.decision.remove, flags.dry_run, flags.now_ns, outcome);
  }
  if (!context->json) PrintOutcome(flags, planned, removed);
  return nlohmann::json{{"message_type", "summary"},
                        {"policy", flags.policy.ToString()},
                        {"applied_at", FormatRfc3339Nanos(flags.now_ns)},
                        {"dry_run", flags.dry_run},
                        {"groups", group_list},
                        {"holds_placed", placed},
                        {"removed", removed}};
}

// Forget without prune is a maintenance run too: what it kept stays retained on storage with
// Object Lock (docs/repository-format.md, "Object Lock"). Adds the requests' counts to `summary`.
Status ExtendRetention(const Context& context, repository::Repository& repo,
                       nlohmann::json* summary) {
  backend::Backend::RetentionUpkeep upkeep;
  STORMPROOF_TRY(repo.ExtendRetention(&upkeep));
  (*summary)["retention_checked"] = upkeep.checked;
  (*summary)["retention_extended"] = upkeep.extended;
  (*summary)["overwritten_files"] = upkeep.overwritten;
  if (upkeep.overwritten > 0) PrintError(OverwrittenWarning(upkeep.overwritten));
  (*summary)["unretained_versions"] = upkeep.unretained;
  (*summary)["unretained_restored"] = upkeep.unretained_restored;
  if (upkeep.unretained > 0) {
    PrintError(UnretainedWarning(upkeep.unretained, upkeep.first_unretained));
  }
  if (!context.json) {
    PrintRetentionUpkeep(upkeep.checked, upkeep.extended, upkeep.retained_as_recorded,
                         upkeep.record_note, /*dry_run=*/false);
  }
  return Ok();
}

// Checks the flags (and --as-of) before anything is opened and sets flags->now_ns; on a problem
// reports it and returns its outcome.
Outcome CheckFlags(const Context& context, ForgetFlags* flags) {
  auto clock = CommandClock(context);
  if (!clock) return ReportEngineError(clock.error());
  flags->now_ns = clock->NowNs();
  flags->as_of = clock->fixed();
  if (!flags->within.empty()) {
    auto span = retention::Span::Parse(flags->within);
    if (!span) return ReportEngineError(span.error());
    flags->policy.within = *span;
  }
  bool has_policy = !flags->policy.Empty();
  if (has_policy == !flags->ids.empty()) {
    PrintError(has_policy ? "give snapshot ids or a --keep-* policy, not both"
                          : retention::kEmptyPolicyMessage);
    return Outcome::Usage();
  }
  return Outcome::Ok();
}

Outcome RunForget(Context* context, ForgetFlags flags) {
  if (Outcome checked = CheckFlags(*context, &flags); !checked.ok()) return checked;
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  CatchInterruptions();  // SIGINT/SIGTERM: no further snapshot is removed nor prune run
  auto lock = LockRepository(*context, *repo, repository::Repository::LockKind::kShared);
  if (!lock) return ReportEngineError(lock.error());
  if (!flags.as_of) flags.now_ns = (*lock)->storage_time_ns();
  // Credentials that may not delete (a backup host's) are refused before anything is removed.
  if (!flags.dry_run) {
    if (Status may = repo->CheckMayDelete(); !may) return ReportEngineError(may.error());
  }
  Outcome outcome;
  auto summary = flags.ids.empty() ? ForgetByPolicy(context, *repo, flags, &outcome)
                                   : ForgetIds(context, *repo, flags, &outcome);
  if (summary && !flags.dry_run && !flags.prune && !Interrupted()) {
    Status kept = ExtendRetention(*context, *repo, &*summary);
    if (!kept) outcome = ReportEngineError(kept.error().WithContext("extending retention"));
  }
  lock->reset();  // prune takes the exclusive lock
  if (Interrupted()) {
    return ReportInterruption("the snapshots not removed yet were kept" +
                              std::string(flags.prune ? "; prune was not run" : ""));
  }
  if (summary && flags.prune && outcome.ok()) {
    if (flags.dry_run) {
      if (!context->json) fmt::print("dry run: prune was not run\n");
    } else {
      auto pruned = PruneAndReport(*context, *repo, pruner::PruneOptions{});
      if (pruned) {
        (*summary)["prune"] = std::move(*pruned);
      } else {
        outcome = pruned.outcome();
      }
    }
  }
  if (summary && context->json) PrintJson(*summary);
  return outcome;
}

void AddKeepOption(CLI::App* cmd, const std::string& name, int* count, const std::string& what) {
  cmd->add_option(name, *count, "Keep " + what)->type_name("N")->check(CLI::NonNegativeNumber);
}

}  // namespace

void AddForgetCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<ForgetFlags>();
  CLI::App* cmd = app->add_subcommand(
      "forget",
      "Remove snapshots: the given IDs, or those a policy does not keep. The policy is applied "
      "separately to each group of snapshots with the same host and paths (after --tag, --host "
      "and --path select them); a snapshot is kept when any --keep-* rule keeps it, and every "
      "kept snapshot lists its reasons. Calendar buckets are in UTC; weeks are ISO weeks "
      "(Monday..Sunday). With no policy and no ids nothing is removed. Data is freed only by "
      "prune. Held snapshots are never removed: after a snapshot is flagged for ransomware, "
      "forget first holds the newest clean restore points of its group (see 'stormproof hold').");
  cmd->add_option("ids", flags->ids, "Snapshot ids (or unique prefixes) to remove");
  AddKeepOption(cmd, "-l,--keep-last", &flags->policy.last, "the N newest snapshots");
  AddKeepOption(cmd, "-H,--keep-hourly", &flags->policy.hourly,
                "the newest snapshot of each of the N newest hours that have one");
  AddKeepOption(cmd, "-d,--keep-daily", &flags->policy.daily,
                "the newest snapshot of each of the N newest days that have one");
  AddKeepOption(cmd, "-w,--keep-weekly", &flags->policy.weekly,
                "the newest snapshot of each of the N newest ISO weeks that have one");
  AddKeepOption(cmd, "-m,--keep-monthly", &flags->policy.monthly,
                "the newest snapshot of each of the N newest months that have one");
  AddKeepOption(cmd, "-y,--keep-yearly", &flags->policy.yearly,
                "the newest snapshot of each of the N newest years that have one");
  cmd->add_option("--keep-within", flags->within,
                  "Keep every snapshot newer than the newest snapshot minus SPAN (units y, mo, "
                  "w, d, h: 30d, 6mo, 1y6mo)")
      ->type_name("SPAN");
  cmd->add_option("--tag", flags->tags, "Only snapshots with this tag (K=V or K), repeatable")
      ->type_name("K=V");
  cmd->add_option("--host", flags->host, "Only snapshots from this host")->type_name("HOST");
  cmd->add_option("--path", flags->paths, "Only snapshots that include this path, repeatable")
      ->type_name("PATH");
  cmd->add_flag("-n,--dry-run", flags->dry_run, "Only print what would be removed");
  cmd->add_flag("--prune", flags->prune,
                "Then prune: free the data no remaining snapshot uses (see prune; its default "
                "repack threshold)");
  cmd->callback([context, flags] { context->outcome = RunForget(context, *flags); });
}

}  // namespace stormproof::cli
