#include "continuity/access/internal/engine_adapter.h"

#include <algorithm>

#include "core/text.h"
#include "engine/detect/verdict.h"
#include "engine/repository/repository.h"
#include "engine/restorer/restorer.h"
#include "engine/restorer/verify_tree.h"
#include "engine/storage/storage.h"

namespace stormproof::access {
namespace {

bool HoldsAny(const repository::Snapshot& snapshot, const std::vector<std::string>& paths) {
  for (const std::string& p : snapshot.paths) {
    if (std::find(paths.begin(), paths.end(), p) != paths.end()) return true;
  }
  return false;
}

// The subpath to restore so the target holds the plan's paths: the staged root, if any.
std::string RootOf(const repository::Snapshot& snapshot) {
  auto it = snapshot.tags.find("root");
  return it == snapshot.tags.end() ? std::string() : it->second;
}

class EngineAdapter : public Adapter {
 public:
  explicit EngineAdapter(EngineRepository repository) : repository_(std::move(repository)) {}

  std::string Name() const override { return "stormproof"; }

  Result<std::vector<RestorePoint>> List() override {
    STORMPROOF_TRY(OpenOnce());
    STORMPROOF_ASSIGN_OR_RETURN(std::vector<repository::Snapshot> all, repo_->LoadSnapshots());
    // Verdicts given later and false alarms a person accepted count as they do for `restore
    // latest-clean`; a mark that cannot be read counts for nothing (check reports it).
    STORMPROOF_ASSIGN_OR_RETURN(repository::MarkSet marks, repo_->LoadMarks());
    std::sort(all.begin(), all.end(), repository::OlderThan);
    snapshots_.clear();
    for (repository::Snapshot& s : all) {
      auto tag = s.tags.find("system");
      bool mine = tag != s.tags.end() ? tag->second == repository_.system_id
                                      : HoldsAny(s, repository_.host_paths);
      if (mine) snapshots_.push_back(std::move(s));
    }
    const std::vector<detect::JudgedSnapshot> judged =
        detect::JudgedSnapshotsOf(snapshots_, marks);
    std::vector<RestorePoint> points;
    for (size_t i = 0; i < snapshots_.size(); ++i) {
      const repository::Snapshot& s = snapshots_[i];
      const detect::JudgedSnapshot& j = judged[i];
      points.push_back({s.id.Hex(), s.time_ns, s.paths, s.hostname,
                        j.level ? std::string(repository::LevelName(*j.level)) : "", j.accepted,
                        j.resolution, j.resolved, j.removed_flag});
    }
    return points;
  }

  Result<RestoreStats> Restore(const RestorePoint& point, const std::string& target,
                               const ProgressFn& progress) override {
    STORMPROOF_ASSIGN_OR_RETURN(const repository::Snapshot* snapshot, Find(point));
    restorer::RestoreOptions options;
    options.target = target;
    options.subpath = RootOf(*snapshot);
    // A drill restores a repository the MSP does not necessarily control onto its own scratch
    // space: no device nodes, fifos, sockets, setuid/setgid bits or security.* attributes.
    options.untrusted = true;
    uint64_t problems = 0;
    std::string first_problem;
    auto on_error = [&](const std::string& path, const Error& error) {
      if (problems++ == 0) first_problem = EscapeName(path) + ": " + error.message();
    };
    STORMPROOF_ASSIGN_OR_RETURN(restorer::RestoreSummary summary,
                                restorer::Restore(*repo_, *snapshot, options, progress, on_error));
    if (problems > 0) {
      return Error::Io(std::to_string(problems) +
                       " entries could not be restored; first: " + first_problem);
    }
    return RestoreStats{summary.files, summary.bytes, 0};
  }

  Result<DataCheck> CheckData(const RestorePoint& point, const std::string& target) override {
    STORMPROOF_ASSIGN_OR_RETURN(const repository::Snapshot* snapshot, Find(point));
    STORMPROOF_ASSIGN_OR_RETURN(
        restorer::TreeCheck check,
        restorer::VerifyRestoredTree(*repo_, *snapshot, target, RootOf(*snapshot),
                                     /*untrusted=*/true));
    DataCheck out;
    out.files_checked = check.files_checked;
    out.problems = std::move(check.problems);
    if (check.problem_count > out.problems.size()) {
      out.problems.push_back("... and " +
                             std::to_string(check.problem_count - out.problems.size()) + " more");
    }
    return out;
  }

 private:
  Status OpenOnce() {
    if (repo_) return Ok();
    STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<backend::Backend> backend,
                                storage::OpenBackendAt(repository_.location, repository_.storage));
    Result<std::unique_ptr<repository::Repository>> repo =
        repository::Repository::Open(std::move(backend), repository_.password);
    if (!repo) return repo.error().WithContext("repository " + repository_.location);
    repo_ = std::move(repo).value();
    return Ok();
  }

  Result<const repository::Snapshot*> Find(const RestorePoint& point) {
    if (snapshots_.empty()) STORMPROOF_TRY(List());
    for (const repository::Snapshot& s : snapshots_) {
      if (s.id.Hex() == point.id) return &s;
    }
    return Error::NotFound("snapshot " + point.id + " is not in repository " +
                           repository_.location);
  }

  EngineRepository repository_;
  std::unique_ptr<repository::Repository> repo_;
  std::vector<repository::Snapshot> snapshots_;  // the system's, oldest first
};

}  // namespace

std::unique_ptr<Adapter> NewEngineAdapter(EngineRepository repository) {
  return std::make_unique<EngineAdapter>(std::move(repository));
}

}  // namespace stormproof::access
