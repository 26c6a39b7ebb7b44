// stormproof scan: judge snapshots already in the repository for ransomware (engine/scan), as a
// backup with detection would have judged them, and keep each verdict as a mark.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "apps/stormproof/context.h"
#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "apps/stormproof/verdict_output.h"
#include "core/interrupt.h"
#include "core/text.h"
#include "core/time.h"
#include "engine/holds/holds.h"
#include "engine/repository/lock.h"
#include "engine/repository/marks.h"
#include "engine/scan/scan.h"
#include "engine/storage/storage.h"

namespace stormproof::cli {
namespace {

using repository::Snapshot;
using repository::Verdict;

struct ScanFlags {
  std::vector<std::string> snapshots, tags, paths, canaries;
  std::string host;
  bool all = false, dry_run = false;
};

// What cannot be scanned at --repo: a restic or borg repository (their formats are theirs; the
// verdicts rest on each chunk's compressibility as stormproof's own index records it). nullopt
// for anything else, which opening the repository then reports as usual.
std::optional<std::string> ForeignRepositoryProblem(const Context& context) {
  if (context.repo.empty()) return std::nullopt;
  auto backend = storage::OpenBackendAt(context.repo, StorageOptionsOf(context));
  if (!backend) return std::nullopt;
  Status probed = repository::Repository::Probe(**backend);
  if (probed) return std::nullopt;
  for (const char* tool : {"restic", "borg"}) {
    if (probed.error().message().find(fmt::format(": this is a {} repository", tool)) ==
        std::string::npos) {
      continue;
    }
    return fmt::format(
        "cannot scan {}: it is a {} repository, and scan judges only stormproof's own: its "
        "verdicts rest on how each changed chunk compressed and on the previous version of each "
        "file, which stormproof reads from its own index and trees and cannot read from {}'s. "
        "Nothing was scanned; back the system up with stormproof to have its snapshots judged",
        EscapeControls(context.repo), tool, tool);
  }
  return std::nullopt;
}

bool Selected(const ScanFlags& flags, const Snapshot& s) {
  return SnapshotMatches(s, flags.tags, flags.paths) &&
         (flags.host.empty() || s.hostname == flags.host);
}

// Judged already: a verdict in its record, or a scan's verdict mark (one with signals).
bool Judged(const repository::MarkSet& marks, const Snapshot& s) {
  const repository::Mark* later = marks.WorstLaterVerdict(s.id);
  return s.verdict.has_value() || (later != nullptr && later->signals.has_value());
}

// The ids to scan: those named (ids, prefixes, "latest"), else with --all every selected
// snapshot, else every selected one not judged yet (*passed_over counts the judged ones).
Result<std::set<repository::Id>> Targets(const repository::Repository& repo, const ScanFlags& flags,
                                         const std::vector<Snapshot>& all,
                                         const repository::MarkSet& marks, size_t* passed_over) {
  std::set<repository::Id> out;
  for (const std::string& spec : flags.snapshots) {
    STORMPROOF_ASSIGN_OR_RETURN(Snapshot found,
                                FindSnapshot(repo, spec, flags.tags, flags.paths, flags.host));
    out.insert(found.id);
  }
  if (!flags.snapshots.empty()) return out;
  for (const Snapshot& s : all) {
    if (!Selected(flags, s)) continue;
    if (flags.all || !Judged(marks, s)) {
      out.insert(s.id);
    } else {
      ++*passed_over;
    }
  }
  return out;
}

// Canaries are checked only in the snapshots judged now: one judged before without them (a
// backup without --canary, a scan without it) is passed over unless named or --all is given.
void WarnCanariesNotChecked(const ScanFlags& flags, size_t passed_over) {
  if (flags.canaries.empty() || passed_over == 0) return;
  PrintError(fmt::format(
      "warning: the canaries were not checked in the {} snapshot(s) that already have a verdict "
      "(scan --all --canary ... judges them again)",
      passed_over));
}

// What the scan found, for the summary and the exit code.
struct Tally {
  size_t clean = 0, suspicious = 0, infected = 0;
  size_t not_judged = 0;                  // damaged or hostile trees (scan::NotJudgedFn)
  std::vector<std::string> clean_points;  // one line per group with a flagged snapshot
  size_t scanned() const { return clean + suspicious + infected; }
  bool flagged() const { return suspicious + infected > 0; }
};

void PrintScanned(const Context& context, const Snapshot& s, const scan::Scanned& scanned,
                  const scan::SavedMarks& saved) {
  if (context.json) {
    nlohmann::json line{
        {"message_type", "snapshot"},
        {"id", s.id.Hex()},
        {"short_id", s.id.ShortHex()},
        {"time", FormatRfc3339Nanos(s.time_ns)},
        {"hostname", s.hostname},
        {"paths", s.paths},
        {"verdict", VerdictJson(scanned.verdict)},
        {"mark", saved.verdict.empty() ? nlohmann::json(nullptr) : nlohmann::json(saved.verdict)}};
    // As backup's summary: the marks made after a flag, and why some could not be.
    if (!saved.after_flag.empty() || !saved.after_flag_failure.empty())
      line["marks"] = MarksJson(saved.after_flag);
    if (!saved.after_flag_failure.empty()) line["marks_failed"] = saved.after_flag_failure;
    PrintJson(line);
    return;
  }
  const std::string reason =
      scanned.verdict.reasons.empty() ? "" : "  " + EscapeControls(scanned.verdict.reasons.front());
  fmt::print("{}  {}  {}{}\n", s.id.ShortHex(), FormatUtc(s.time_ns), VerdictText(scanned.verdict),
             reason);
  for (const std::string& line : MarkLines(saved.after_flag)) fmt::print("{}\n", line);
  if (!saved.after_flag_failure.empty()) PrintError("warning: " + saved.after_flag_failure);
}

// "host /path /other": a group as the clean-point lines name it (escaped as `snapshots` does).
std::string GroupName(const Snapshot& s) {
  std::string out = EscapeName(s.hostname);
  for (const std::string& path : s.paths) out += " " + EscapeName(path);
  return out;
}

// Scans the targets of one group, oldest first; adds to *tally and *marks.
Status ScanOneGroup(const Context& context, repository::Repository& repo,
                    const std::vector<Snapshot>& group, const std::set<repository::Id>& targets,
                    const scan::ScanOptions& options, scan::Save save, const holds::Maker& maker,
                    repository::MarkSet* marks, Tally* tally, ProgressReporter* progress) {
  std::vector<size_t> indices;
  for (size_t i = 0; i < group.size(); ++i) {
    if (targets.contains(group[i].id)) indices.push_back(i);
  }
  if (indices.empty()) return Ok();
  std::optional<Snapshot> newest_flagged;
  auto on_scanned = [&](const Snapshot& s, const scan::Scanned& scanned,
                        const scan::SavedMarks& saved) {
    progress->Finish();  // the line per snapshot goes above the progress line
    PrintScanned(context, s, scanned, saved);
    const Verdict::Level level = scanned.verdict.level;
    ++(level == Verdict::Level::kClean        ? tally->clean
       : level == Verdict::Level::kSuspicious ? tally->suspicious
                                              : tally->infected);
    progress->Update(ProgressEvent().Count(ProgressUnit::kSnapshots, tally->scanned(),
                                           targets.size()));
    if (level == Verdict::Level::kClean) return;
    newest_flagged = s;
    newest_flagged->verdict = scanned.verdict;
  };
  auto on_not_judged = [&](const Snapshot& s, const Error& error) {
    progress->Finish();
    ++tally->not_judged;
    if (context.json) {
      PrintJson({{"message_type", "error"}, {"item", s.id.Hex()}, {"error", error.message()}});
    } else {
      PrintError(EscapeControls(error.message()));
    }
  };
  STORMPROOF_ASSIGN_OR_RETURN(*marks, scan::ScanGroup(repo, group, indices, *marks, options, save,
                                                      maker, on_scanned, on_not_judged));
  if (newest_flagged.has_value()) {
    std::vector<std::string> alarm = AlarmLines(*newest_flagged, group, *marks);
    if (!alarm.empty())
      tally->clean_points.push_back(GroupName(group.front()) + ": " + alarm.back());
  }
  return Ok();
}

void PrintSummary(const Context& context, const Tally& tally, bool dry_run) {
  if (context.json) {
    nlohmann::json summary{{"message_type", "summary"},
                           {"scanned", tally.scanned()},
                           {"clean", tally.clean},
                           {"suspicious", tally.suspicious},
                           {"infected", tally.infected},
                           {"dry_run", dry_run},
                           {"clean_points", tally.clean_points}};
    if (tally.not_judged > 0) summary["not_judged"] = tally.not_judged;
    PrintJson(summary);
    return;
  }
  fmt::print("scanned {} snapshot(s): {} clean, {} suspicious, {} infected{}\n", tally.scanned(),
             tally.clean, tally.suspicious, tally.infected,
             dry_run ? " (dry run: no verdict saved)" : "; verdicts saved as marks");
  if (tally.not_judged > 0) {
    fmt::print("{} snapshot(s) could not be judged (the errors above name them)\n",
               tally.not_judged);
  }
  for (const std::string& line : tally.clean_points) fmt::print("{}\n", line);
}

Outcome RunScan(Context* context, const ScanFlags& flags) {
  if (!flags.snapshots.empty() && flags.all) {
    PrintError("scan: give SNAPSHOTs or --all, not both");
    return Outcome::Usage();
  }
  if (std::optional<std::string> foreign = ForeignRepositoryProblem(*context)) {
    PrintError(*foreign);
    return Outcome::Failed();
  }
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  CatchInterruptions();  // SIGINT/SIGTERM: stop before the next snapshot; saved marks stay
  std::unique_ptr<repository::Lock> lock;
  if (!flags.dry_run) {
    auto locked = LockRepository(*context, *repo, repository::Repository::LockKind::kShared);
    if (!locked) return ReportEngineError(locked.error());
    lock = std::move(*locked);
  }
  auto snapshots = LoadSnapshotsOrWarn(*repo);
  if (!snapshots) return ReportEngineError(snapshots.error());
  auto marks = LoadMarksOrWarn(*repo);
  if (!marks) return ReportEngineError(marks.error());
  size_t passed_over = 0;
  auto targets = Targets(*repo, flags, *snapshots, *marks, &passed_over);
  if (!targets) return ReportEngineError(targets.error());
  WarnCanariesNotChecked(flags, passed_over);
  if (targets->empty() && !context->json) {
    fmt::print(
        "nothing to scan: every snapshot that matches has a verdict (--all judges them "
        "again)\n");
    return Outcome::Ok();
  }
  scan::ScanOptions options;
  const std::vector<std::string> canaries = AbsolutePaths(flags.canaries);
  options.canaries.insert(canaries.begin(), canaries.end());
  const holds::Maker maker =
      holds::Maker::ThisMachine(lock ? lock->storage_time_ns() : SystemNowNs());
  const scan::Save save = flags.dry_run ? scan::Save::kNothing : scan::Save::kMarks;
  Tally tally;
  ProgressReporter progress(*context, "scan");  // per snapshot judged: "scan 3 / 40 snapshots"
  for (const std::vector<Snapshot>& group : scan::GroupsOf(std::move(*snapshots))) {
    Status done = ScanOneGroup(*context, *repo, group, *targets, options, save, maker, &*marks,
                               &tally, &progress);
    progress.Finish();
    if (!done && Interrupted()) {
      return ReportInterruption(fmt::format(
          "the verdicts of the {} snapshot(s) judged so far are {}; the next scan judges the "
          "others",
          tally.scanned(), flags.dry_run ? "not saved (--dry-run)" : "saved"));
    }
    if (!done) return ReportEngineError(done.error());
  }
  PrintSummary(*context, tally, flags.dry_run);
  return tally.flagged() || tally.not_judged > 0 ? Outcome::Problems() : Outcome::Ok();
}

}  // namespace

void AddScanCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<ScanFlags>();
  CLI::App* cmd = app->add_subcommand(
      "scan",
      "Judge snapshots already in the repository for ransomware, as a backup with detection "
      "would have (also those taken before detection or with --no-detect): each against the "
      "previous snapshot of its host and paths, oldest first, and against their history. Each "
      "verdict is kept as a mark (snapshots shows it, restore latest-clean uses it); exit 3 when "
      "any is suspicious or infected. Without SNAPSHOTs, every snapshot that has no verdict yet.");
  cmd->add_option("snapshots", flags->snapshots, "Snapshot ids, id prefixes or 'latest'")
      ->type_name("SNAPSHOT");
  cmd->add_flag("--all", flags->all, "Judge again the snapshots that already have a verdict too");
  cmd->add_option("--host", flags->host, "Only snapshots of this host")->type_name("NAME");
  cmd->add_option("--tag", flags->tags, "Only snapshots with this tag (K=V or K), repeatable")
      ->type_name("K=V");
  cmd->add_option("--path", flags->paths, "Only snapshots that include this path, repeatable")
      ->type_name("PATH");
  cmd->add_option("--canary", flags->canaries,
                  "A decoy FILE (as the snapshots name it) that nobody changes: any change to it, "
                  "its deletion or its renaming makes the snapshot infected; repeatable. Checked "
                  "in the snapshots judged now: with --all or SNAPSHOTs for those already judged")
      ->type_name("FILE");
  cmd->add_flag("--dry-run", flags->dry_run, "Judge and print, but save no verdict");
  cmd->callback([context, flags] { context->outcome = RunScan(context, *flags); });
}

}  // namespace stormproof::cli
