#include "engine/restorer/verify_tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/mutex.h"
#include "core/text.h"
#include "core/thread_annotations.h"
#include "engine/restorer/internal/parallel.h"
#include "engine/restorer/internal/policy.h"
#include "engine/restorer/internal/reporter.h"
#include "engine/restorer/internal/restore_plan.h"
#include "engine/restorer/internal/safe_fs.h"
#include "engine/restorer/internal/verify.h"

namespace stormproof::restorer {
namespace {

using repository::NodeType;

class TreeChecker {
 public:
  TreeChecker(const repository::Repository& repo, const RestorePlan& plan, std::string target,
              const RestorePolicy& policy)
      : repo_(repo), plan_(plan), target_(std::move(target)), policy_(policy) {}

  void CheckEntry(size_t e) {
    const PlannedEntry& entry = plan_.entries[e];
    if (!MakesEntry(entry.node.type, policy_)) return;  // not made by the restore
    const std::string path = DiskPath(e);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      return Problem(e, std::string("not restored: ") + std::strerror(errno));
    }
    switch (entry.node.type) {
      case NodeType::kDir:
        if (!S_ISDIR(st.st_mode)) Problem(e, "should be a directory");
        return;
      case NodeType::kSymlink:
        return CheckSymlink(e, path, st);
      case NodeType::kFile:
        return CheckFile(e, path, st);
      default:
        if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) Problem(e, "has the wrong type");
        return;
    }
  }

  TreeCheck Summary() EXCLUDES(mu_) {
    TreeCheck check;
    check.files_checked = files_checked;
    MutexLock lock(mu_);
    check.problem_count = problem_count_;
    check.problems = problems_;
    return check;
  }

  void Problem(size_t e, const std::string& what) {
    AddProblem(EscapeName(plan_.EntryPath(e)) + ": " + what);
  }

  void AddProblem(const std::string& line) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++problem_count_;
    if (problems_.size() < kMaxListedProblems) problems_.push_back(line);
  }

  std::atomic<uint64_t> files_checked{0};

 private:
  // Where the restore put entry `e`: the target plus its path below the restored root.
  std::string DiskPath(size_t e) const {
    const std::string path = plan_.EntryPath(e);
    return target_ + path.substr(std::min(plan_.root_path.size(), path.size()));
  }

  void CheckSymlink(size_t e, const std::string& path, const struct stat& st) {
    if (!S_ISLNK(st.st_mode)) return Problem(e, "should be a symlink");
    std::string buffer(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(path.c_str(), buffer.data(), buffer.size());
    if (n < 0 || static_cast<size_t>(n) != plan_.entries[e].node.link_target.size() ||
        buffer.compare(0, n, plan_.entries[e].node.link_target) != 0) {
      Problem(e, "symlink points elsewhere than in the snapshot");
    }
  }

  void CheckFile(size_t e, const std::string& path, const struct stat& st) {
    const PlannedEntry& entry = plan_.entries[e];
    if (!S_ISREG(st.st_mode)) return Problem(e, "should be a regular file");
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return Problem(e, std::string("cannot be read: ") + std::strerror(errno));
    Status same = VerifyFileContent(repo_, fd.get(), entry.node, entry.layout);
    if (!same) return Problem(e, same.error().message());
    ++files_checked;
  }

  const repository::Repository& repo_;
  const RestorePlan& plan_;
  const std::string target_;
  const RestorePolicy policy_;
  Mutex mu_;
  uint64_t problem_count_ GUARDED_BY(mu_) = 0;
  std::vector<std::string> problems_ GUARDED_BY(mu_);
};

}  // namespace

Result<TreeCheck> VerifyRestoredTree(const repository::Repository& repo,
                                     const repository::Snapshot& snapshot,
                                     const std::string& target, const std::string& subpath,
                                     bool untrusted) {
  struct stat st;
  if (::stat(target.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error::NotFound("restored directory " + target + " does not exist");
  }
  std::vector<std::string> planning_problems;
  ProgressFn no_progress;
  ErrorFn note = [&](const std::string& path, const Error& error) {
    planning_problems.push_back(EscapeName(path) + ": not restorable: " + error.message());
  };
  Reporter reporter(no_progress, note);
  std::unique_ptr<TreeSource> source = NewRepositoryTreeSource(repo);
  Result<RestorePlan> plan = BuildPlan(*source, snapshot.tree, subpath, {}, reporter);
  if (!plan) return plan.error().WithContext("snapshot " + snapshot.id.ShortHex());
  RestorePolicy policy;
  policy.untrusted = untrusted;
  TreeChecker checker(repo, *plan, target, policy);
  for (const std::string& line : planning_problems) checker.AddProblem(line);
  RunParallel(
      plan->entries.size(), WorkerCount(0), [&](size_t e) { checker.CheckEntry(e); }, [] {});
  return checker.Summary();
}

}  // namespace stormproof::restorer
