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

// The stormproof repositories of one run, each opened once (on first use) and shared by the
// jobs. Thread-safe.
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
  // kCreate). A failure is remembered: later calls return the same error without retrying.
  Result<Entry*> Get(const std::string& id) EXCLUDES(mutex_);

 private:
  Result<std::unique_ptr<repository::Repository>> Open(const plan::RepositorySpec& repository);

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

// Each returns the finished, not yet recorded, run in result.run.
ActionResult BackupJob(const JobContext& context, const Action& action);
ActionResult ForgetJob(const JobContext& context, const Action& action);  // run.files = removed
ActionResult PruneJob(const JobContext& context, const Action& action);
ActionResult CheckJob(const JobContext& context, const Action& action);
// Runs, records and reports the drill (drill_job.h): result.run is already recorded.
ActionResult DrillJob(const JobContext& context, const Action& action);

}  // namespace stormproof::runner::internal

#endif  // STORMPROOF_CONTINUITY_RUNNER_INTERNAL_JOBS_H_
