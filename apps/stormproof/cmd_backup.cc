// stormproof backup: back up files and directories into a new snapshot.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "apps/stormproof/context.h"
#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "apps/stormproof/verdict_output.h"
#include "core/interrupt.h"
#include "core/time.h"
#include "engine/archiver/archiver.h"
#include "engine/detect/verdict.h"
#include "engine/holds/holds.h"
#include "engine/repository/encoding.h"

namespace stormproof::cli {
namespace {

struct BackupFlags {
  std::vector<std::string> paths, tags, excludes, exclude_files, canaries;
  bool one_file_system = false;
  bool no_detect = false;
  std::string host;
};

Result<std::vector<std::string>> Excludes(const BackupFlags& flags) {
  std::vector<std::string> out = flags.excludes;
  for (const std::string& file : flags.exclude_files) {
    std::ifstream in(file);
    if (!in) return Error::NotFound("--exclude-file " + file + ": cannot be read");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.front() != '#') out.push_back(line);
    }
  }
  return out;
}

// The snapshots of the same paths from the same host (--host, else this machine) a backup may
// build on (archiver::BackupBasis: none dated in the future), oldest first: the newest is the
// parent (change detection), all are the history the ransomware verdict is judged against.
std::vector<repository::Snapshot> FindGroup(const repository::Repository& repo,
                                            const std::vector<std::string>& paths,
                                            const std::string& host_flag) {
  auto snapshots = LoadSnapshotsOrWarn(repo);
  if (!snapshots) return {};
  const std::string host = host_flag.empty() ? repository::HostName() : host_flag;
  std::erase_if(*snapshots, [&](const repository::Snapshot& s) {
    return s.paths != paths || s.hostname != host;
  });
  return archiver::BackupBasis(std::move(*snapshots), SystemNowNs());
}

// One line when this backup's files go without the retention the storage could keep: the
// config names none, the bucket has Object Lock and the config was rewritten since init
// (Repository::ConfigRewrittenWithoutRetention; S3 only: one bucket request and one version
// listing of `config`). Best effort: nothing when these credentials may not ask.
std::optional<std::string> RetentionLostWarning(const repository::Repository& repo) {
  Result<bool> rewritten = repo.ConfigRewrittenWithoutRetention();
  if (!rewritten || !*rewritten) return std::nullopt;
  return repo.backend().Location() +
         "/config: names no Object Lock retention, but the bucket has Object Lock and the "
         "config was rewritten since the repository was created (an attack, or a faulty tool): "
         "this backup's files are written without retention (see docs/object-storage.md, \"A "
         "config that names no Object Lock\")";
}

// What makes a --canary protect nothing: missing, not a regular file, or not below the backed-up
// paths. One line each ("canary /srv/x: no such file: it protects nothing"); `paths` absolute.
std::vector<std::string> CanaryWarnings(const std::vector<std::string>& paths,
                                        const std::vector<std::string>& canaries) {
  std::vector<std::string> out;
  for (const std::string& canary : canaries) {
    std::string problem;
    struct stat st {};
    if (::lstat(canary.c_str(), &st) != 0) {
      problem = "no such file";
    } else if (!S_ISREG(st.st_mode)) {
      problem = "not a regular file";
    } else if (std::none_of(paths.begin(), paths.end(), [&](const std::string& path) {
                 return canary.starts_with(path == "/" ? path : path + "/");
               })) {
      problem = "not below the paths backed up";
    }
    if (!problem.empty()) {
      out.push_back("canary " + EscapeName(canary) + ": " + problem + ": it protects nothing");
    }
  }
  return out;
}

// `warnings`: lines already printed on stderr, repeated in --json's summary.
// `alarm`: AlarmLines of the snapshot (already printed on stderr).
// What backup did after a flag (holds::ActOnFlag): the marks it saved, and why it saved none it
// should have ("" when it did its part).
struct AfterFlag {
  std::vector<repository::NamedMark> marks;
  std::string failure;
};

void PrintSummary(const Context& context, const repository::Snapshot& s,
                  const std::vector<std::string>& warnings, const std::vector<std::string>& alarm,
                  const AfterFlag& after) {
  const repository::SnapshotSummary& m = s.summary;
  if (context.json) {
    nlohmann::json summary{{"message_type", "summary"},
                           {"snapshot_id", s.id.Hex()},
                           {"files_new", m.files_new},
                           {"files_changed", m.files_changed},
                           {"files_unmodified", m.files_unmodified},
                           {"dirs", m.dirs},
                           {"bytes_processed", m.bytes_processed},
                           {"bytes_added", m.bytes_added},
                           {"seconds", m.seconds},
                           {"skipped", s.skipped},
                           {"verdict", VerdictJson(s.verdict)}};
    if (!warnings.empty()) summary["warnings"] = warnings;
    if (!alarm.empty()) summary["clean_point"] = alarm.back();
    if (!after.marks.empty() || !after.failure.empty()) summary["marks"] = MarksJson(after.marks);
    if (!after.failure.empty()) summary["marks_failed"] = after.failure;
    PrintJson(summary);
    return;
  }
  fmt::print("Files: {} new, {} changed, {} unmodified; {} dirs\n", m.files_new, m.files_changed,
             m.files_unmodified, m.dirs);
  fmt::print("Processed {} in {:.1f} s, added {} to the repository\n",
             HumanBytes(m.bytes_processed), m.seconds, HumanBytes(m.bytes_added));
  if (!s.skipped.empty())
    fmt::print("{} entries could not be read and were skipped\n", s.skipped.size());
  fmt::print("snapshot {} saved{}\n", s.id.ShortHex(),
             s.verdict && alarm.empty() ? " (verdict: clean)" : "");
  for (const std::string& line : alarm) fmt::print("{}\n", line);
  for (const std::string& line : MarkLines(after.marks)) fmt::print("{}\n", line);
}

// After a flagged snapshot: the slow attack's earlier steps marked and the clean restore points
// held (holds::ActOnFlag). A failure is a warning: the snapshot is saved, and the next forget
// places the holds. Nothing (not even the lock's storage time, a request on S3) for a clean
// snapshot.
AfterFlag HoldCleanPoints(repository::Repository& repo, const repository::Lock& lock,
                          const std::vector<repository::Snapshot>& group,
                          const archiver::BackupOptions& options,
                          const repository::Snapshot& snapshot) {
  AfterFlag after;
  if (!snapshot.verdict || snapshot.verdict->level == repository::Verdict::Level::kClean) {
    return after;
  }
  auto marks = holds::ActOnFlag(repo, group, options.history, snapshot,
                                holds::Maker::ThisMachine(lock.storage_time_ns()));
  if (marks) {
    after.marks = std::move(*marks);
  } else {
    after.failure = "could not hold the clean restore points: " + marks.error().message() +
                    " (the next forget places the holds)";
    PrintError("warning: " + after.failure);
  }
  return after;
}

Outcome RunBackup(Context* context, const BackupFlags& flags) {
  auto excludes = Excludes(flags);
  if (!excludes) return ReportEngineError(excludes.error());
  Outcome failed;
  // The index is read once, under the lock (dedup decisions rest on it).
  auto repo =
      OpenRepositoryOrReport(*context, &failed, repository::Repository::IndexLoad::kUnderFirstLock);
  if (!repo) return failed;
  CatchInterruptions();  // SIGINT/SIGTERM: no snapshot, the data stored so far indexed, exit
                         // 130/143
  auto lock = LockRepository(*context, *repo, repository::Repository::LockKind::kShared);
  if (!lock) return ReportEngineError(lock.error());
  WarnDamagedIndexFiles(*repo);
  std::vector<std::string> warnings;
  if (std::optional<std::string> lost = RetentionLostWarning(*repo)) {
    PrintError("warning: " + *lost);
    warnings.push_back(*lost);
  }
  archiver::BackupOptions options;
  options.paths = AbsolutePaths(flags.paths);
  options.excludes = *excludes;
  options.one_file_system = flags.one_file_system;
  options.tags = ParseTags(flags.tags);
  options.hostname = flags.host;
  std::vector<repository::Snapshot> group = FindGroup(*repo, options.paths, flags.host);
  options.detect = !flags.no_detect;
  options.parent = archiver::ParentOf(group, options.detect);
  repository::MarkSet marks;
  if (options.detect) {
    auto loaded = LoadMarksOrWarn(*repo);
    if (!loaded) return ReportEngineError(loaded.error());
    marks = std::move(*loaded);
    options.history = detect::PastSnapshotsOf(group, marks);
    const std::vector<std::string> canaries = AbsolutePaths(flags.canaries);
    options.canaries.insert(canaries.begin(), canaries.end());
    for (std::string& line : CanaryWarnings(options.paths, canaries)) {
      PrintError("warning: " + line);
      warnings.push_back(std::move(line));
    }
  }
  ProgressReporter progress(*context, "backup");
  ProgressFn on_progress = progress.Callback();  // none: no totals scan when nothing is shown
  auto on_error = [&](const std::string& path, const Error& error) {
    progress.Finish();
    if (context->json) {
      PrintJson({{"message_type", "error"}, {"item", path}, {"error", error.message()}});
    } else {
      fmt::print(stderr, "skipped {}: {}\n", EscapeName(path), EscapeControls(error.message()));
    }
  };
  auto snapshot = archiver::Backup(*repo, options, on_progress, on_error);
  progress.Finish();
  if (!snapshot) return ReportEngineError(snapshot.error());
  group.push_back(*snapshot);
  std::sort(group.begin(), group.end(), repository::OlderThan);  // the restore point's order
  AfterFlag after = HoldCleanPoints(*repo, **lock, group, options, *snapshot);
  std::vector<repository::NamedMark> all = marks.all();
  all.insert(all.end(), after.marks.begin(), after.marks.end());
  std::vector<std::string> alarm = AlarmLines(*snapshot, group, repository::MarkSet(all));
  for (const std::string& line : alarm) PrintError("warning: " + line);
  PrintSummary(*context, *snapshot, warnings, alarm, after);
  return snapshot->skipped.empty() && alarm.empty() ? Outcome::Ok() : Outcome::Problems();
}

}  // namespace

void AddBackupCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<BackupFlags>();
  CLI::App* cmd = app->add_subcommand(
      "backup",
      "Back up PATHs into a new snapshot and print its id. Files unchanged since the previous "
      "snapshot of the same paths (same size, mtime, ctime, inode) are not read again; changed "
      "files store only their new chunks. Files that cannot be read are reported and skipped: "
      "the snapshot is still saved, lists them, and the exit code is 3. Each snapshot is judged "
      "for ransomware (encrypted rewrites, ransom notes, canaries) against the earlier snapshots "
      "of the same paths: a suspicious or infected one is still saved, and backup says so, names "
      "the newest clean restore point and exits 3.");
  cmd->add_option("paths", flags->paths, "Files and directories to back up")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--tag", flags->tags, "Tag the snapshot (K=V), repeatable")->type_name("K=V");
  cmd->add_option("-e,--exclude", flags->excludes,
                  "Skip paths matching PATTERN (glob on the full path or the name), repeatable")
      ->type_name("PATTERN");
  cmd->add_option("--exclude-file", flags->exclude_files,
                  "Read exclude patterns from FILE, one per line (# starts a comment)")
      ->type_name("FILE");
  cmd->add_flag("-x,--one-file-system", flags->one_file_system,
                "Do not cross file-system boundaries below each path");
  cmd->add_option("--canary", flags->canaries,
                  "A decoy FILE below the paths that nobody changes: any change to it, its "
                  "deletion or its renaming makes the snapshot infected; repeatable")
      ->type_name("FILE");
  cmd->add_flag("--no-detect", flags->no_detect,
                "Do not judge the snapshot for ransomware (no signals, no verdict; exit 3 only for "
                "skipped files)");
  cmd->add_option("--host", flags->host, "Record this host name instead of this machine's")
      ->type_name("NAME");
  cmd->callback([context, flags] { context->outcome = RunBackup(context, *flags); });
}

}  // namespace stormproof::cli
