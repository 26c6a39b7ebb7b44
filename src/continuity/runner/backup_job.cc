// The per-system job that writes a repository: backup (the forget after it: forget_job.cc).
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "continuity/runner/internal/jobs.h"
#include "core/text.h"
#include "engine/archiver/archiver.h"
#include "engine/detect/verdict.h"
#include "engine/holds/holds.h"

namespace stormproof::runner::internal {
namespace {

using repository::Snapshot;

bool IsAbsolutePattern(const std::string& pattern) {
  return (!pattern.empty() && pattern.front() == '/') ||
         (pattern.size() >= 3 && pattern[1] == ':' && (pattern[2] == '/' || pattern[2] == '\\'));
}

std::map<std::string, std::string> Tags(const plan::System& system, const std::string& root) {
  std::map<std::string, std::string> tags{{"system", system.id}};
  if (system.client) tags["client"] = system.client->id;
  if (!root.empty()) tags["root"] = root;
  return tags;
}

archiver::BackupOptions Options(const JobContext& context, const plan::System& system) {
  const std::string& root = context.options.access.root;
  archiver::BackupOptions options;
  for (const std::string& path : system.backup.paths) {
    options.paths.push_back(plan::HostPath(root, path));
  }
  for (const std::string& pattern : system.backup.exclude) {
    options.excludes.push_back(IsAbsolutePattern(pattern) ? plan::HostPath(root, pattern)
                                                          : pattern);
  }
  for (const std::string& canary : system.backup.canaries) {
    options.canaries.insert(plan::HostPath(root, canary));
  }
  options.tags = Tags(system, root);
  options.hostname = context.options.hostname;
  return options;
}

// "snapshot 1a2b3c4d infected (score 97): <reasons>" for a snapshot judged suspicious or
// infected; "" otherwise.
std::string Alarm(const Snapshot& snapshot) {
  if (!snapshot.verdict || snapshot.verdict->level == repository::Verdict::Level::kClean) return "";
  return fmt::format("snapshot {} {} (score {}): {}", snapshot.id.ShortHex(),
                     repository::LevelName(snapshot.verdict->level), snapshot.verdict->score,
                     Join(snapshot.verdict->reasons, "; "));
}

// The marks a backup made after a flag (holds::ActOnFlag), for the run's details: what status
// and the readiness report show as the hold and the slow attack's earlier steps.
nlohmann::json MarksDetails(std::span<const repository::NamedMark> marks) {
  nlohmann::json list = nlohmann::json::array();
  for (const repository::NamedMark& named : marks) {
    nlohmann::json j = {{"kind", std::string(repository::MarkKindName(named.mark.kind))},
                        {"snapshot", named.mark.snapshot.Hex()},
                        {"reason", named.mark.reason}};
    if (named.mark.verdict) {
      j["level"] = std::string(repository::LevelName(named.mark.verdict->level));
    }
    list.push_back(std::move(j));
  }
  return list;
}

// What the backup did after a flag, for Finish.
struct AfterFlag {
  std::vector<repository::NamedMark> marks;
  std::string failure;  // "" when it did its part
};

void Finish(const JobContext& context, const Snapshot& snapshot, const AfterFlag& after,
            ActionResult* result) {
  const repository::SnapshotSummary& m = snapshot.summary;
  catalog::Run& run = result->run;
  run.finished_ns = context.clock.now_ns();
  run.bytes = m.bytes_processed;
  run.files = m.files_new + m.files_changed + m.files_unmodified;
  run.snapshot_id = snapshot.id.Hex();
  run.snapshot_time_ns = snapshot.time_ns;
  nlohmann::json details{{"files_new", m.files_new},
                         {"files_changed", m.files_changed},
                         {"bytes_added", m.bytes_added},
                         {"skipped", snapshot.skipped.size()}};
  if (snapshot.verdict) {
    details["verdict"] = {{"level", std::string(repository::LevelName(snapshot.verdict->level))},
                          {"score", snapshot.verdict->score},
                          {"reasons", snapshot.verdict->reasons}};
  }
  if (!after.marks.empty()) details["marks"] = MarksDetails(after.marks);
  if (!after.failure.empty()) details["marks_failed"] = after.failure;
  run.details = details.dump();
  result->summary =
      fmt::format("{} files, {}, {} added, snapshot {}", run.files, HumanBytes(run.bytes),
                  HumanBytes(m.bytes_added), snapshot.id.ShortHex());
  if (!snapshot.skipped.empty()) {
    run.outcome = catalog::Outcome::kWarning;
    run.error = fmt::format("{} entries could not be read and were skipped, first: {}",
                            snapshot.skipped.size(), snapshot.skipped.front());
  }
  result->alarm = Alarm(snapshot);
  if (!result->alarm.empty()) {
    run.outcome = catalog::Outcome::kWarning;
    run.error = result->alarm + (run.error.empty() ? "" : "; " + run.error) +
                (after.failure.empty() ? "" : "; " + after.failure);
    result->summary += "; " + std::string(repository::LevelName(snapshot.verdict->level)) + "!";
  }
}

}  // namespace

Result<std::vector<Snapshot>> SystemSnapshots(const repository::Repository& repo,
                                              const std::string& system) {
  std::vector<repository::DamagedFile> damaged;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> all, repo.LoadSnapshots(&damaged));
  std::erase_if(all, [&](const Snapshot& s) {
    auto it = s.tags.find("system");
    return it == s.tags.end() || it->second != system;
  });
  return all;
}

ActionResult BackupJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  const plan::System* system = context.plan.FindSystem(action.system);
  auto entry = context.repositories.Get(action.repository);
  if (!entry) return FailRun(context, entry.error(), std::move(result));
  MutexLock writer((*entry)->write);
  repository::Repository& repo = *(*entry)->repo;
  if (Status kept = CheckRetention(context, action.repository, repo); !kept) {
    return FailRun(context, kept.error(), std::move(result));
  }
  auto lock = SharedLock(context, repo);
  if (!lock) return FailRun(context, lock.error(), std::move(result));
  archiver::BackupOptions options = Options(context, *system);
  auto previous = SystemSnapshots(repo, system->id);
  if (previous) *previous = archiver::BackupBasis(std::move(*previous), context.clock.now_ns());
  // A mark that cannot be read counts for nothing (check reports it): an accepted false alarm
  // then stays out of the history, a held snapshot is held again by the next flag.
  std::vector<repository::DamagedFile> damaged;
  auto marks = repo.LoadMarks(&damaged);
  if (!marks) return FailRun(context, marks.error(), std::move(result));
  if (previous && !previous->empty()) {
    options.parent = archiver::ParentOf(*previous, options.detect);
    options.history = detect::PastSnapshotsOf(*previous, *marks);
  }
  auto snapshot = archiver::Backup(repo, options, {}, {});
  if (!snapshot) return FailRun(context, snapshot.error(), std::move(result));
  AfterFlag after;
  if (snapshot->verdict && snapshot->verdict->level != repository::Verdict::Level::kClean) {
    std::vector<Snapshot> group = previous ? std::move(*previous) : std::vector<Snapshot>{};
    group.push_back(*snapshot);
    auto acted = holds::ActOnFlag(repo, std::move(group), options.history, *snapshot,
                                  holds::Maker::ThisMachine(lock->get()->storage_time_ns()));
    if (acted) {
      after.marks = std::move(*acted);
    } else {
      after.failure = "could not hold the clean restore points: " + acted.error().message();
    }
  }
  Finish(context, *snapshot, after, &result);
  return result;
}

}  // namespace stormproof::runner::internal
