// Restore(): plan the snapshot's trees, then run the restore phases (run.h) into the target.
#include "engine/restorer/restorer.h"

#include <fcntl.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "core/interrupt.h"
#include "engine/restorer/internal/reporter.h"
#include "engine/restorer/internal/restore_plan.h"
#include "engine/restorer/internal/run.h"
#include "engine/restorer/internal/safe_fs.h"

namespace stormproof::restorer {
namespace {

// Creates the target (and missing parents; symlinks in the path the user gave are followed)
// and opens it.
Result<UniqueFd> OpenTarget(const std::string& target) {
  if (target.empty()) return Error::InvalidArgument("no restore target given");
  std::error_code ec;
  std::filesystem::create_directories(target, ec);
  if (ec) return Error::Io("cannot create restore target " + target + ": " + ec.message());
  int fd = ::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return OsError("cannot open restore target " + target, errno);
  return UniqueFd(fd);
}

}  // namespace

Result<RestoreSummary> Restore(const repository::Repository& repo,
                               const repository::Snapshot& snapshot, const RestoreOptions& options,
                               const ProgressFn& progress, const ErrorFn& on_error) {
  Reporter reporter(progress, on_error);
  STORMPROOF_ASSIGN_OR_RETURN(UniqueFd target, OpenTarget(options.target));
  std::unique_ptr<TreeSource> source = NewRepositoryTreeSource(repo);
  Result<RestorePlan> plan =
      BuildPlan(*source, snapshot.tree, options.subpath, options.includes, reporter);
  if (!plan) return plan.error().WithContext("snapshot " + snapshot.id.ShortHex());
  RestoreRun run(repo, *plan, options, std::move(target), reporter);
  run.Run();
  reporter.Tick(/*force=*/true);
  if (Interrupted()) {
    RestoreSummary done = reporter.Summary();
    return Error::Interrupted(InterruptionMessage() + "; the restore into " + options.target +
                              " is incomplete: " + std::to_string(done.files) +
                              " files finished, others missing or partly written");
  }
  return reporter.Summary();
}

}  // namespace stormproof::restorer
