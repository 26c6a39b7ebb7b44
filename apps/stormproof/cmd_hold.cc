// stormproof hold list|add|release: the holds that keep snapshots whatever the forget policy
// (engine/holds, engine/repository/marks.h). After a snapshot is flagged for ransomware, backup
// and forget hold the newest clean restore points of its group; a person releases them, or
// accepts the flag as a false alarm, here.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "apps/stormproof/context.h"
#include "apps/stormproof/entry_format.h"
#include "apps/stormproof/repo_access.h"
#include "apps/stormproof/verdict_output.h"
#include "engine/holds/holds.h"

namespace stormproof::cli {
namespace {

using repository::Mark;
using repository::NamedMark;
using repository::Snapshot;

struct HoldFlags {
  std::string snapshot;  // add, release
  std::string reason;    // add (required), release
  bool false_alarm = false;
  bool all = false;  // list: released holds too
};

nlohmann::json HoldJson(const NamedMark& hold, const Snapshot* snapshot, bool standing) {
  const Mark& m = hold.mark;
  nlohmann::json j = {{"name", hold.name},
                      {"snapshot", m.snapshot.Hex()},
                      {"short_id", m.snapshot.ShortHex()},
                      {"standing", standing},
                      {"reason", m.reason},
                      {"because", m.because ? nlohmann::json(m.because->Hex()) : nullptr},
                      {"placed", FormatRfc3339Nanos(m.time_ns)},
                      {"placed_by", m.username + "@" + m.hostname}};
  j["snapshot_time"] = snapshot ? nlohmann::json(FormatRfc3339Nanos(snapshot->time_ns)) : nullptr;
  j["hostname"] = snapshot ? nlohmann::json(snapshot->hostname) : nullptr;
  j["paths"] = snapshot ? nlohmann::json(snapshot->paths) : nullptr;
  return j;
}

const Snapshot* FindLoaded(const std::vector<Snapshot>& all, const repository::Id& id) {
  for (const Snapshot& s : all) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

Outcome RunHoldList(Context* context, const HoldFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto snapshots = LoadSnapshotsOrWarn(*repo);
  if (!snapshots) return ReportEngineError(snapshots.error());
  auto marks = LoadMarksOrWarn(*repo);
  if (!marks) return ReportEngineError(marks.error());
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const NamedMark& m : marks->all()) {
    if (m.mark.kind != Mark::Kind::kHold) continue;
    bool standing = false;
    for (const NamedMark* s : marks->StandingHolds(m.mark.snapshot)) standing |= s == &m;
    if (!standing && !flags.all) continue;
    const Snapshot* snapshot = FindLoaded(*snapshots, m.mark.snapshot);
    list.push_back(HoldJson(m, snapshot, standing));
    rows.push_back({m.mark.snapshot.ShortHex(),
                    snapshot ? FormatUtc(snapshot->time_ns) : "(snapshot gone)",
                    standing ? "standing" : "released", FormatUtc(m.mark.time_ns),
                    EscapeControls(m.mark.reason)});
  }
  if (context->json) {
    PrintJson(list);
    return Outcome::Ok();
  }
  if (rows.empty()) {
    fmt::print("{}\n", flags.all ? "no holds" : "no standing holds");
    return Outcome::Ok();
  }
  fmt::print("{:<10}{:<25}{:<10}{:<25}{}\n", "ID", "Snapshot time", "State", "Placed", "Reason");
  for (const auto& r : rows)
    fmt::print("{:<10}{:<25}{:<10}{:<25}{}\n", r[0], r[1], r[2], r[3], r[4]);
  return Outcome::Ok();
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
        return std::vector<NamedMark>{std::move(hold)};
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
  list->add_flag("--all", flags->all, "Released holds too");
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
  // Global options (--repo, --password-file, --json) may follow the subcommand, as with `key`.
  for (CLI::App* sub : hold->get_subcommands({})) sub->fallthrough();
  hold->fallthrough();
}

}  // namespace stormproof::cli
