#include "continuity/runner/run.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "core/interrupt.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "continuity/runner/internal/jobs.h"
#include "continuity/runner/locations.h"

namespace stormproof::runner {
namespace {

using internal::JobContext;

// Calls work(i) for every i in [0, count) on at most `concurrency` threads; returns when all
// calls have returned.
void ForEachConcurrently(size_t count, int concurrency, const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < count; i = next++) work(i);
  };
  size_t threads = std::min<size_t>(count, static_cast<size_t>(std::max(concurrency, 1)));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& thread : pool) thread.join();
}

// The actions grouped into jobs: one per system (in decision order), then one per repository.
struct Jobs {
  std::vector<std::vector<Action>> systems, repositories;
};

Jobs Group(const Decisions& decisions) {
  Jobs jobs;
  std::map<std::string, size_t> system_index, repository_index;
  for (const Action& action : decisions.actions) {
    bool per_system = !action.system.empty();
    auto& index = per_system ? system_index : repository_index;
    auto& groups = per_system ? jobs.systems : jobs.repositories;
    const std::string& key = per_system ? action.system : action.repository;
    auto [it, added] = index.emplace(key, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(action);
  }
  return jobs;
}

// Runs the jobs, records their results and hands them on, one at a time.
class Executor {
 public:
  Executor(const JobContext& context, const ResultFn& on_result)
      : context_(context), on_result_(on_result) {}

  void SystemJob(const std::vector<Action>& actions) EXCLUDES(mutex_) {
    std::set<std::string> backed_up;  // repositories this system's backup or copy succeeded in
    bool backup_failed = false;
    for (const Action& action : actions) {
      if (Interrupted()) return;  // what is not started stays due
      if (action.kind == ActionKind::kBackup) {
        if (catalog::DidItsJob(Finish(internal::BackupJob(context_, action)).outcome)) {
          backed_up.insert(action.repository);
        } else {
          backup_failed = true;
        }
      } else if (action.kind == ActionKind::kCopy) {
        // A copy runs whatever the backups did: it copies what the source holds.
        if (catalog::DidItsJob(Finish(internal::CopyJob(context_, action)).outcome)) {
          backed_up.insert(action.repository);  // its forget follows
        }
      } else if (action.kind == ActionKind::kForget) {
        if (backed_up.count(action.repository) == 0) continue;
        catalog::Run run = Finish(internal::ForgetJob(context_, action));
        MutexLock lock(mutex_);
        removed_[action.repository] += run.files;
      } else if (action.kind == ActionKind::kDrill && !backup_failed) {
        // After a failed backup the drill would test stale data or none: it stays due.
        Finish(internal::DrillJob(context_, action));
      }
    }
  }

  void RepositoryJob(const std::vector<Action>& actions) EXCLUDES(mutex_) {
    for (const Action& action : actions) {
      if (Interrupted()) return;
      if (action.kind == ActionKind::kPrune) {
        if (action.needs_forget && Removed(action.repository) == 0) continue;
        Finish(action.retention_only ? internal::RetentionUpkeepJob(context_, action)
                                     : internal::PruneJob(context_, action));
      } else if (action.kind == ActionKind::kCheck) {
        Finish(internal::CheckJob(context_, action));
      } else if (action.kind == ActionKind::kImmutability) {
        Finish(internal::ImmutabilityJob(context_, action));
      }
    }
  }

  std::vector<ActionResult> Results() EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return std::move(results_);
  }

 private:
  uint64_t Removed(const std::string& repository) EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return removed_[repository];
  }

  // Records the run (drills and immutability proofs are recorded by their job), reports the
  // result and returns its run.
  catalog::Run Finish(ActionResult result) EXCLUDES(mutex_) {
    if (result.action.kind != ActionKind::kDrill &&
        result.action.kind != ActionKind::kImmutability) {
      auto id = context_.catalog.AddRun(result.run);
      if (id) {
        result.run.id = *id;
      } else {
        result.record_error = id.error().message();
      }
    }
    MutexLock lock(mutex_);
    if (on_result_) on_result_(result);
    results_.push_back(std::move(result));
    return results_.back().run;
  }

  const JobContext& context_;
  const ResultFn& on_result_;
  Mutex mutex_;  // also held while calling on_result_, so that calls never overlap
  std::map<std::string, uint64_t> removed_ GUARDED_BY(mutex_);
  std::vector<ActionResult> results_ GUARDED_BY(mutex_);
};

}  // namespace

std::vector<ActionResult> Execute(const plan::Plan& plan, const Decisions& decisions,
                                  catalog::Catalog& catalog, const ExecuteOptions& options,
                                  const drill::Clock& clock, const ResultFn& on_result) {
  internal::OpenRepositories repositories(plan, options);
  JobContext context{plan, catalog, options, clock, repositories};
  Executor executor(context, on_result);
  Jobs jobs = Group(decisions);
  int concurrency = plan.run.concurrency;
  ForEachConcurrently(jobs.systems.size(), concurrency,
                      [&](size_t i) { executor.SystemJob(jobs.systems[i]); });
  ForEachConcurrently(jobs.repositories.size(), concurrency,
                      [&](size_t i) { executor.RepositoryJob(jobs.repositories[i]); });
  return executor.Results();
}

}  // namespace stormproof::runner
