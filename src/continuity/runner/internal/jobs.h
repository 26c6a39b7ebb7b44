// Internal to the runner library: the jobs Execute (run.h) runs, and the repositories they
// share. Each job returns its result with the run to record filled in; Execute records it.
#ifndef STORMPROOF_CONTINUITY_RUNNER_INTERNAL_JOBS_H_
#define STORMPROOF_CONTINUITY_RUNNER_INTERNAL_JOBS_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/mutex.h"
#include "core/text.h"  // HumanBytes
#include "core/thread_annotations.h"
#include "engine/repository/repository.h"
#include "continuity/runner/run.h"

namespace stormproof::runner::internal {

// Which credentials a repository is opened with (plan::RepositorySpec): kUpload its
// credentials_file (backups, copies, checks), kMaintenance its maintenance_credentials_file
// (forget, prune), the same as kUpload when it names none.
enum class Credentials { kUpload, kMaintenance };

// The stormproof repositories of one run, each opened once (on first use) per credentials and
// shared by the jobs. Thread-safe.
class OpenRepositories {
 public:
  struct Entry {
    Mutex open;  // held while opening
    bool tried GUARDED_BY(open) = false;
    // Set once, under `open`, before Get() hands the entry out; read-only afterwards.
    std::unique_ptr<repository::Repository> repo;  // null when opening failed
    std::optional<Error> error GUARDED_BY(open);
    Mutex write;  // one writing job (backup, forget) per repository in this process
  };

  OpenRepositories(const plan::Plan& plan, const ExecuteOptions& options)
      : plan_(plan), options_(options) {}

  // The open repository `id` (created first when absent or empty and options.missing is
  // kCreate, under the plan's object_lock when it gives one, with its
  // maintenance_credentials_file when it names one: the bucket's owner creates it). A failure is remembered: later
  // calls return the same error without retrying. With kMaintenance and a
  // maintenance_credentials_file, a second opening of the repository with those credentials
  // (its own Entry, so its own `write` mutex: the repositories' locks keep the two apart).
  Result<Entry*> Get(const std::string& id, Credentials credentials = Credentials::kUpload)
      EXCLUDES(mutex_);
  // Makes `repo` what Get(id, credentials) returns, for tests of the jobs on storage run cannot
  // open by location (in memory, keeping retention). REQUIRES: before any Get of it.
  void UseForTesting(const std::string& id, Credentials credentials,
                     std::unique_ptr<repository::Repository> repo) EXCLUDES(mutex_);

 private:
  Result<std::unique_ptr<repository::Repository>> Open(const plan::RepositorySpec& repository);
  // Where Get keeps repository `id` opened with `credentials`.
  std::string EntryKey(const std::string& id, Credentials credentials) const;

  const plan::Plan& plan_;
  const ExecuteOptions& options_;
  Mutex mutex_;
  std::map<std::string, std::unique_ptr<Entry>> entries_ GUARDED_BY(mutex_);
};

struct JobContext {
  const plan::Plan& plan;
  catalog::Catalog& catalog;
  const ExecuteOptions& options;
  const drill::Clock& clock;
  OpenRepositories& repositories;
};

// The result of `action` started now: its run's kind, system, client, repository, started_ns.
ActionResult Start(const JobContext& context, const Action& action);
// `result` with its run finished now, outcome kError and `error`'s message.
ActionResult FailRun(const JobContext& context, const Error& error, ActionResult result);

// Tells the run's on_lock_wait (once per wait) which lock a job waits for.
repository::Repository::LockWaitFn LockWaitNotice(const JobContext& context);
// The shared lock backups, forgets and checks hold, waiting up to the run's lock_wait.
Result<std::unique_ptr<repository::Lock>> SharedLock(const JobContext& context,
                                                     repository::Repository& repo);

// Whether `run` may write into plan repository `repository`, opened as `repo`: not when the
// plan gives an object_lock and the retention the repository's config records is weaker (none,
// fewer days, or governance where the plan says compliance) — a config replaced by someone with
// write access (docs/object-storage.md). Errors: kFailedCheck, one line naming both; nothing is
// written then.
Status CheckRetention(const JobContext& context, const std::string& repository,
                      const repository::Repository& repo);

// The system's snapshots in `repo` (tag system=<id>), oldest first.
Result<std::vector<repository::Snapshot>> SystemSnapshots(const repository::Repository& repo,
                                                          const std::string& system);

// Each returns the finished, not yet recorded, run in result.run.
ActionResult BackupJob(const JobContext& context, const Action& action);
// The forget after a backup or copy (forget_job.cc): run.files = removed; more than this
// machine's own runs explain is refused (outcome kFailed, a breach), nothing removed.
ActionResult ForgetJob(const JobContext& context, const Action& action);
ActionResult PruneJob(const JobContext& context, const Action& action);
// Action::retention_only: extends the retention of what is there, removes nothing; recorded as
// a prune run (what the upkeep cadence and retention-upkeep-lapsing read).
ActionResult RetentionUpkeepJob(const JobContext& context, const Action& action);
// Copies the system's new snapshots from action.source into action.repository (copy_job.cc).
ActionResult CopyJob(const JobContext& context, const Action& action);
ActionResult CheckJob(const JobContext& context, const Action& action);
// Proves action.repository's immutability with its backup credentials and records the
// catalog::ImmutabilityProof (immutability_job.cc); result.run only shows it (never recorded).
ActionResult ImmutabilityJob(const JobContext& context, const Action& action);
// Runs, records and reports the drill (drill_job.h): result.run is already recorded.
ActionResult DrillJob(const JobContext& context, const Action& action);

}  // namespace stormproof::runner::internal

#endif  // STORMPROOF_CONTINUITY_RUNNER_INTERNAL_JOBS_H_
