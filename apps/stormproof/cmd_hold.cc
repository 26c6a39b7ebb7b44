// stormproof hold list|add|release|resolve: the holds that keep snapshots whatever the forget
// policy (engine/holds, engine/repository/marks.h). After a snapshot is flagged for ransomware,
// backup and forget hold the newest clean restore points of its group; a person releases them,
// accepts the flag as a false alarm, or says the attack is over (resolve), here.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "apps/stormproof/context.h"
#include "apps/stormproof/entry_format.h"
#include "apps/stormproof/repo_access.h"
#include "apps/stormproof/verdict_output.h"
#include "engine/detect/verdict.h"
#include "engine/holds/holds.h"
#include "engine/retention/retention.h"

namespace stormproof::cli {
namespace {

using repository::Mark;
using repository::NamedMark;
using repository::Snapshot;

struct HoldFlags {
  std::string snapshot;  // add, release
  std::string reason;    // add (required), release
  bool false_alarm = false;
  bool all = false;           // list: released holds, false alarms and resolutions too
  bool false_alarms = false;  // list: the accepted false alarms only
  bool resolutions = false;   // list: the resolved attacks only
};

// "alice@db-01", from a mark's maker (raw: JSON carries it so; text escapes it).
std::string MadeBy(const Mark& m) { return m.username + "@" + m.hostname; }

// The mark's snapshot's time, host and paths (null when the snapshot file is gone).
void PutSnapshot(nlohmann::json* j, const Snapshot* snapshot) {
  (*j)["snapshot_time"] =
      snapshot ? nlohmann::json(FormatRfc3339Nanos(snapshot->time_ns)) : nullptr;
  (*j)["hostname"] = snapshot ? nlohmann::json(snapshot->hostname) : nullptr;
  (*j)["paths"] = snapshot ? nlohmann::json(snapshot->paths) : nullptr;
}

// `release`: the release that released the hold, null when it stands.
nlohmann::json HoldJson(const NamedMark& hold, const Snapshot* snapshot, const NamedMark* release) {
  const Mark& m = hold.mark;
  nlohmann::json j = {{"name", hold.name},
                      {"snapshot", m.snapshot.Hex()},
                      {"short_id", m.snapshot.ShortHex()},
                      {"standing", release == nullptr},
                      {"reason", m.reason},
                      {"because", m.because ? nlohmann::json(m.because->Hex()) : nullptr},
                      {"placed", FormatRfc3339Nanos(m.time_ns)},
                      {"placed_by", MadeBy(m)}};
  PutSnapshot(&j, snapshot);
  const Mark* r = release ? &release->mark : nullptr;
  j["released_by"] = r ? nlohmann::json(MadeBy(*r)) : nullptr;
  j["released_at"] = r ? nlohmann::json(FormatRfc3339Nanos(r->time_ns)) : nullptr;
  j["release_reason"] = r ? nlohmann::json(r->reason) : nullptr;
  return j;
}

// A false alarm (`standing`: it still clears the snapshot's flag) or a resolution.
nlohmann::json DecisionJson(const NamedMark& named, const Snapshot* snapshot, bool standing) {
  const Mark& m = named.mark;
  const bool false_alarm = m.kind == Mark::Kind::kVerdict;
  nlohmann::json j = {{"name", named.name},
                      {"snapshot", m.snapshot.Hex()},
                      {"short_id", m.snapshot.ShortHex()},
                      {"reason", m.reason},
                      {false_alarm ? "accepted" : "resolved", FormatRfc3339Nanos(m.time_ns)},
                      {false_alarm ? "accepted_by" : "resolved_by", MadeBy(m)}};
  if (false_alarm) {
    j["standing"] = standing;
  } else {
    nlohmann::json ids = nlohmann::json::array();
    for (const repository::Id& id : m.resolves) ids.push_back(id.Hex());
    j["resolves"] = std::move(ids);
  }
  PutSnapshot(&j, snapshot);
  return j;
}

const Snapshot* FindLoaded(const std::vector<Snapshot>& all, const repository::Id& id) {
  for (const Snapshot& s : all) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::string SnapshotTime(const Snapshot* snapshot) {
  return snapshot ? FormatUtc(snapshot->time_ns) : "(snapshot gone)";
}

// Prints the holds (`all`: released ones too, each with who released it, when and why) and
// returns them as JSON.
nlohmann::json PrintHolds(const repository::MarkSet& marks, const std::vector<Snapshot>& snapshots,
                          bool all, bool text) {
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::string> lines;
  for (const NamedMark& m : marks.all()) {
    if (m.mark.kind != Mark::Kind::kHold) continue;
    const NamedMark* release = marks.ReleaseOf(m.name);
    if (release != nullptr && !all) continue;
    const Snapshot* snapshot = FindLoaded(snapshots, m.mark.snapshot);
    list.push_back(HoldJson(m, snapshot, release));
    lines.push_back(fmt::format("{:<10}{:<25}{:<10}{:<25}{}", m.mark.snapshot.ShortHex(),
                                SnapshotTime(snapshot), release ? "released" : "standing",
                                FormatUtc(m.mark.time_ns), EscapeControls(m.mark.reason)));
    if (release != nullptr) {
      lines.push_back(
          fmt::format("{:<10}released {} by {}: {}", "", FormatUtc(release->mark.time_ns),
                      EscapeName(MadeBy(release->mark)), EscapeControls(release->mark.reason)));
    }
  }
  if (!text) return list;
  if (lines.empty()) {
    fmt::print("{}\n", all ? "no holds" : "no standing holds");
    return list;
  }
  fmt::print("{:<10}{:<25}{:<10}{:<25}{}\n", "ID", "Snapshot time", "State", "Placed", "Reason");
  for (const std::string& line : lines) fmt::print("{}\n", line);
  return list;
}

// Prints the marks of `kind` (false alarms: kVerdict marks with false_alarm; resolutions) under
// `title` and returns them as JSON.
nlohmann::json PrintDecisions(const repository::MarkSet& marks,
                              const std::vector<Snapshot>& snapshots, Mark::Kind kind,
                              const char* title, bool text) {
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::string> lines;
  for (const NamedMark& m : marks.all()) {
    if (m.mark.kind != kind || (kind == Mark::Kind::kVerdict && !m.mark.false_alarm)) continue;
    const Snapshot* snapshot = FindLoaded(snapshots, m.mark.snapshot);
    const bool standing =
        kind != Mark::Kind::kVerdict || marks.AcceptedAsFalseAlarm(m.mark.snapshot);
    list.push_back(DecisionJson(m, snapshot, standing));
    std::string what = kind == Mark::Kind::kVerdict
                           ? (standing ? "accepted" : "accepted (flagged again since)")
                           : fmt::format("resolved {} flagged", m.mark.resolves.size());
    lines.push_back(fmt::format("{:<10}{:<25}{} {} by {}: {}", m.mark.snapshot.ShortHex(),
                                SnapshotTime(snapshot), what, FormatUtc(m.mark.time_ns),
                                EscapeName(MadeBy(m.mark)), EscapeControls(m.mark.reason)));
  }
  if (!text) return list;
  fmt::print("{}:\n", title);
  if (lines.empty()) fmt::print("  none\n");
  for (const std::string& line : lines) fmt::print("{}\n", line);
  return list;
}

// `hold list`: the holds; `--all` adds the released ones and, in text, the false alarms and
// resolutions; `--false-alarms` and `--resolutions` list those alone (JSON: an array of them).
Outcome RunHoldList(Context* context, const HoldFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto snapshots = LoadSnapshotsOrWarn(*repo);
  if (!snapshots) return ReportEngineError(snapshots.error());
  auto marks = LoadMarksOrWarn(*repo);
  if (!marks) return ReportEngineError(marks.error());
  const bool text = !context->json;
  nlohmann::json list;
  if (flags.false_alarms) {
    list = PrintDecisions(*marks, *snapshots, Mark::Kind::kVerdict, "False alarms accepted", text);
  } else if (flags.resolutions) {
    list = PrintDecisions(*marks, *snapshots, Mark::Kind::kResolution, "Attacks resolved", text);
  } else {
    list = PrintHolds(*marks, *snapshots, flags.all, text);
    if (text && flags.all) {
      fmt::print("\n");
      PrintDecisions(*marks, *snapshots, Mark::Kind::kVerdict, "False alarms accepted", text);
      fmt::print("\n");
      PrintDecisions(*marks, *snapshots, Mark::Kind::kResolution, "Attacks resolved", text);
    }
  }
  if (!text) PrintJson(list);
  return Outcome::Ok();
}

// A plain release of an attack's own flagged snapshot's hold ends nothing: while the attack
// stands (not accepted as a false alarm, not resolved), the next forget holds it again. Says so
// on stderr, with the two ways to end it.
void WarnEvidenceHoldReleased(const repository::MarkSet& before, const std::vector<NamedMark>& saved) {
  const bool false_alarm = std::any_of(saved.begin(), saved.end(), [](const NamedMark& m) {
    return m.mark.kind == Mark::Kind::kVerdict && m.mark.false_alarm;
  });
  if (false_alarm) return;
  for (const NamedMark& release : saved) {
    if (release.mark.kind != Mark::Kind::kRelease) continue;
    for (const NamedMark* hold : before.StandingHolds(release.mark.snapshot)) {
      const bool named = std::find(release.mark.releases.begin(), release.mark.releases.end(),
                                   hold->name) != release.mark.releases.end();
      if (!named || hold->mark.because != release.mark.snapshot) continue;
      const std::string id = release.mark.snapshot.ShortHex();
      PrintError("warning: snapshot " + id + " is the first snapshot of an attack that still "
                 "stands: the next forget holds it again. To end the attack, 'hold resolve' a "
                 "snapshot taken after the recovery, or 'hold release --false-alarm " + id + "'");
      break;
    }
  }
}

// Opens the repository under the shared lock and runs `act` on the snapshot flags.snapshot
// names with the repository's marks; prints the marks it saved. `releases`: the act lets
// snapshots go (a release, a false alarm), which only credentials that may delete may do —
// on object storage a backup host's upload-only credentials are refused (CheckMayDelete), so
// that a compromised backup host cannot free what a hold keeps.
template <typename Act>
Outcome WithSnapshot(Context* context, const HoldFlags& flags, const char* message_type,
                     bool releases, const Act& act) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto lock = LockRepository(*context, *repo, repository::Repository::LockKind::kShared);
  if (!lock) return ReportEngineError(lock.error());
  if (releases) {
    if (Status may = repo->CheckMayDelete(); !may) {
      return ReportEngineError(may.error().WithContext("nothing was released"));
    }
  }
  auto snapshot = FindSnapshot(*repo, flags.snapshot, {}, {});
  if (!snapshot) return ReportEngineError(snapshot.error());
  auto marks = LoadMarksOrWarn(*repo);
  if (!marks) return ReportEngineError(marks.error());
  holds::Maker maker = holds::Maker::ThisMachine((*lock)->storage_time_ns());
  Result<std::vector<NamedMark>> saved = act(*repo, *marks, *snapshot, maker);
  if (!saved) return ReportEngineError(saved.error());
  if (context->json) {
    PrintJson({{"message_type", message_type},
               {"snapshot", snapshot->id.Hex()},
               {"marks", MarksJson(*saved)}});
    return Outcome::Ok();
  }
  WarnEvidenceHoldReleased(*marks, *saved);
  for (const NamedMark& m : *saved) {
    switch (m.mark.kind) {
      case Mark::Kind::kHold:
        fmt::print("held snapshot {}: {}\n", m.mark.snapshot.ShortHex(),
                   EscapeControls(m.mark.reason));
        break;
      case Mark::Kind::kRelease:
        fmt::print("released {} hold(s) on snapshot {}\n", m.mark.releases.size(),
                   m.mark.snapshot.ShortHex());
        break;
      case Mark::Kind::kVerdict:
        fmt::print("snapshot {} accepted as a false alarm: it counts as clean\n",
                   m.mark.snapshot.ShortHex());
        break;
      case Mark::Kind::kResolution:
        fmt::print(
            "attack resolved at snapshot {}: the {} flagged snapshot(s) before it no longer bind "
            "latest-clean; their holds stand until released (hold release)\n",
            m.mark.snapshot.ShortHex(), m.mark.resolves.size());
        break;
    }
  }
  return Outcome::Ok();
}

Outcome RunHoldAdd(Context* context, const HoldFlags& flags) {
  return WithSnapshot(
      context, flags, "hold_added", /*releases=*/false,
      [&](repository::Repository& repo, const repository::MarkSet&, const Snapshot& snapshot,
          const holds::Maker& maker) -> Result<std::vector<NamedMark>> {
        STORMPROOF_ASSIGN_OR_RETURN(NamedMark hold,
                                    holds::AddHold(repo, snapshot, flags.reason, maker));
        // A forget may have removed the snapshot since it was found (holds.h).
        STORMPROOF_ASSIGN_OR_RETURN(std::optional<holds::Restored> again,
                                    holds::KeepIfRemoved(repo, snapshot, hold, maker));
        std::vector<NamedMark> saved{std::move(hold)};
        if (again) {
          PrintError("warning: snapshot " + again->removed.ShortHex() +
                     " was removed by a forget while it was being held: saved again as snapshot " +
                     again->restored.ShortHex() + ", which the hold keeps");
          std::move(again->holds.begin(), again->holds.end(), std::back_inserter(saved));
        }
        return saved;
      });
}

Outcome RunHoldRelease(Context* context, const HoldFlags& flags) {
  return WithSnapshot(
      context, flags, flags.false_alarm ? "false_alarm_accepted" : "hold_released",
      /*releases=*/true,
      [&](repository::Repository& repo, const repository::MarkSet& marks, const Snapshot& snapshot,
          const holds::Maker& maker) -> Result<std::vector<NamedMark>> {
        if (flags.false_alarm) {
          return holds::AcceptFalseAlarm(repo, marks, snapshot, flags.reason, maker);
        }
        STORMPROOF_ASSIGN_OR_RETURN(NamedMark released,
                                    holds::Release(repo, marks, snapshot, flags.reason, maker));
        return std::vector<NamedMark>{std::move(released)};
      });
}

// The snapshots of `snapshot`'s group (host and paths) among `all`, oldest first.
std::vector<Snapshot> GroupOf(std::vector<Snapshot> all, const Snapshot& snapshot) {
  const retention::GroupKey key = retention::GroupKeyOf(snapshot);
  std::erase_if(all, [&](const Snapshot& s) { return retention::GroupKeyOf(s) != key; });
  std::sort(all.begin(), all.end(), repository::OlderThan);
  return all;
}

// A resolution on `snapshot` naming the flagged snapshots of its group older than it. Errors:
// kFailedCheck when `snapshot` is flagged itself; kNotFound when none older is flagged (or
// the snapshot went meanwhile).
Result<NamedMark> Resolve(repository::Repository& repo, const repository::MarkSet& marks,
                          const Snapshot& snapshot, const std::string& reason,
                          const holds::Maker& maker) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> all, LoadSnapshotsOrWarn(repo));
  const std::vector<Snapshot> group = GroupOf(std::move(all), snapshot);
  const std::vector<detect::JudgedSnapshot> judged = detect::JudgedSnapshotsOf(group, marks);
  Mark mark =
      maker.NewMark(Mark::Kind::kResolution, snapshot.id,
                    reason.empty() ? "the attack is over: a person vouched for it" : reason);
  for (size_t i = 0; i < group.size(); ++i) {
    if (group[i].id != snapshot.id) {
      if (judged[i].flagged() && mark.resolves.size() < repository::kMaxResolvedSnapshots)
        mark.resolves.push_back(group[i].id);
      continue;
    }
    if (judged[i].flagged()) {
      return Error::FailedCheck(
          detect::DescribeJudged(judged[i]) +
          " is flagged itself: resolve at a snapshot taken after the recovery, or accept it "
          "with hold release --false-alarm");
    }
    if (mark.resolves.empty()) {
      return Error::NotFound("no flagged snapshot before snapshot " + snapshot.id.ShortHex() +
                             " in its group (" + retention::GroupKeyOf(snapshot).ToString() +
                             "): nothing to resolve");
    }
    STORMPROOF_ASSIGN_OR_RETURN(std::string name, repo.SaveMark(mark));
    return NamedMark{std::move(name), std::move(mark)};
  }
  return Error::NotFound("snapshot " + snapshot.id.ShortHex() + " is gone: nothing was resolved");
}

Outcome RunHoldResolve(Context* context, const HoldFlags& flags) {
  return WithSnapshot(
      context, flags, "attack_resolved", /*releases=*/true,
      [&](repository::Repository& repo, const repository::MarkSet& marks, const Snapshot& snapshot,
          const holds::Maker& maker) -> Result<std::vector<NamedMark>> {
        STORMPROOF_ASSIGN_OR_RETURN(NamedMark resolution,
                                    Resolve(repo, marks, snapshot, flags.reason, maker));
        return std::vector<NamedMark>{std::move(resolution)};
      });
}

}  // namespace

void AddHoldCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<HoldFlags>();
  CLI::App* hold = app->add_subcommand(
      "hold",
      "Holds keep snapshots whatever the forget policy, until a person releases them. After a "
      "snapshot is judged suspicious or infected, backup and forget hold the newest clean "
      "restore points of its host and paths (the point and up to two clean snapshots before "
      "it). A hold is a file of its own in the repository: nothing is rewritten.");
  hold->require_subcommand(1);
  CLI::App* list = hold->add_subcommand(
      "list", "List the standing holds: snapshot, its time, when the hold was placed and why");
  list->add_flag("--all", flags->all,
                 "Released holds too (with who released them), and in text the accepted false "
                 "alarms and the resolved attacks");
  CLI::Option* false_alarms = list->add_flag(
      "--false-alarms", flags->false_alarms,
      "List the flagged snapshots people accepted as false alarms instead (who, when, why)");
  list->add_flag("--resolutions", flags->resolutions,
                 "List the attacks people resolved (hold resolve) instead (who, when, why)")
      ->excludes(false_alarms);
  list->callback([context, flags] { context->outcome = RunHoldList(context, *flags); });

  CLI::App* add = hold->add_subcommand(
      "add", "Hold a snapshot (a legal hold, evidence for an insurer): forget never removes it");
  add->add_option("snapshot", flags->snapshot, "Snapshot id, unique prefix or latest")->required();
  add->add_option("--reason", flags->reason, "Why, in a few words (shown by hold list)")
      ->type_name("TEXT")
      ->required();
  add->callback([context, flags] { context->outcome = RunHoldAdd(context, *flags); });

  CLI::App* release = hold->add_subcommand(
      "release",
      "Release every standing hold on SNAPSHOT; forget may then remove it as its policy says. "
      "With --false-alarm, SNAPSHOT is the flagged one: it is accepted as a false alarm (it "
      "counts as clean for the restore point and the system's history) and the holds placed "
      "because of it are released.");
  release->add_option("snapshot", flags->snapshot, "Snapshot id, unique prefix or latest")
      ->required();
  release->add_option("--reason", flags->reason, "Why, in a few words (kept with the release)")
      ->type_name("TEXT");
  release->add_flag("--false-alarm", flags->false_alarm,
                    "SNAPSHOT was flagged in error: accept it and release the holds it caused");
  release->callback([context, flags] { context->outcome = RunHoldRelease(context, *flags); });

  CLI::App* resolve = hold->add_subcommand(
      "resolve",
      "Say an attack is over: SNAPSHOT, taken after the recovery, is vouched clean, and the "
      "flagged snapshots of its host and paths older than it no longer bind latest-clean (restore, "
      "drill --clean, the clean RPO). A new attack after it binds again. Holds stand: release "
      "them with hold release.");
  resolve->add_option("snapshot", flags->snapshot, "Snapshot id, unique prefix or latest")
      ->required();
  resolve->add_option("--reason", flags->reason, "Why, in a few words (kept with the resolution)")
      ->type_name("TEXT");
  resolve->callback([context, flags] { context->outcome = RunHoldResolve(context, *flags); });
  // Global options (--repo, --password-file, --json) may follow the subcommand, as with `key`.
  for (CLI::App* sub : hold->get_subcommands({})) sub->fallthrough();
  hold->fallthrough();
}

}  // namespace stormproof::cli
