#include "tests/support/ransom/scenario.h"

#include <memory>
#include <utility>

#include "engine/archiver/archiver.h"
#include "engine/backend/backend.h"
#include "engine/detect/verdict.h"
#include "engine/holds/holds.h"
#include "tests/support/ransom/dataset.h"

namespace stormproof::testing::ransom {
namespace {

using repository::Snapshot;

// Backs up `root` with the newest snapshot as parent and all of them as history, then acts on a
// flag as `backup` does; run->marks are the repository's marks after.
Status BackUp(repository::Repository& repo, const std::string& root, bool with_detection,
              ScenarioRun* run) {
  archiver::BackupOptions options;
  options.paths = {root};
  options.threads = 2;
  options.detect = with_detection;
  if (!run->snapshots.empty()) options.parent = run->snapshots.back();
  options.history = detect::PastSnapshotsOf(run->snapshots, run->marks);
  STORMPROOF_ASSIGN_OR_RETURN(Snapshot snapshot, archiver::Backup(repo, options, {}, {}));
  if (!with_detection) {
    run->snapshots.push_back(snapshot);
    return Ok();
  }
  if (!snapshot.verdict) return Error::Internal("backup " + root + ": no verdict");
  run->snapshots.push_back(snapshot);
  STORMPROOF_TRY(holds::ActOnFlag(repo, run->snapshots, options.history, snapshot,
                                  holds::Maker{"scenario", "tester", snapshot.time_ns}));
  STORMPROOF_ASSIGN_OR_RETURN(run->marks, repo.LoadMarks());
  return Ok();
}

}  // namespace

Result<ScenarioRun> RunScenario(const std::string& root, const ScenarioSpec& spec) {
  if (spec.attack.has_value() == spec.benign.has_value()) {
    return Error::InvalidArgument("a scenario is an attack or a benign change");
  }
  STORMPROOF_TRY(MakeDataset(root, {.seed = spec.seed, .files = spec.files, .scale = spec.scale}));
  STORMPROOF_ASSIGN_OR_RETURN(
      std::unique_ptr<repository::Repository> repo,
      repository::Repository::Init(backend::NewMemoryBackend(), "scenario password"));
  ScenarioRun run;
  run.files = spec.files;
  run.repository = std::move(repo);
  STORMPROOF_TRY(BackUp(*run.repository, root, spec.detect, &run));
  for (int day = 0; day < spec.churn_days; ++day) {
    STORMPROOF_TRY(ApplyBenign(root, BenignKind::kDailyChurn, spec.seed * 100 + day));
    STORMPROOF_TRY(BackUp(*run.repository, root, spec.detect, &run));
  }
  run.last_clean = run.snapshots.size() - 1;
  for (const Snapshot& s : run.snapshots) {
    if (s.verdict && s.verdict->level != repository::Verdict::Level::kClean) {
      run.history_clean = false;
    }
  }
  if (spec.benign) {
    STORMPROOF_TRY(ApplyBenign(root, *spec.benign, spec.seed));
    STORMPROOF_TRY(BackUp(*run.repository, root, spec.detect, &run));
    return run;
  }
  AttackSpec attack_spec;
  attack_spec.kind = *spec.attack;
  attack_spec.fraction = spec.fraction;
  attack_spec.backups = *spec.attack == AttackKind::kSlow ? spec.slow_backups : 1;
  attack_spec.notes = spec.notes;
  attack_spec.seed = spec.seed;
  Attack attack(attack_spec);
  while (!attack.done()) {
    STORMPROOF_TRY(attack.Step(root));
    STORMPROOF_TRY(BackUp(*run.repository, root, spec.detect, &run));
  }
  run.affected = attack.affected().size();
  return run;
}

}  // namespace stormproof::testing::ransom
