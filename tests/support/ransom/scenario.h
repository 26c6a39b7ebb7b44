// One system living through a scenario, for the detection tests and bench/detect-bench: a
// seeded client tree (dataset.h), a first backup and some days of ordinary churn (its history),
// then an attack (attacks.h) or a benign heavy change (benign.h), each step backed up with
// ransomware detection into a fresh in-memory repository, judged against the system's own
// earlier snapshots as `backup` judges them.
//
// Thread-compatible: runs with distinct roots may go concurrently.
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_SCENARIO_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_SCENARIO_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/repository/repository.h"
#include "tests/support/ransom/attacks.h"
#include "tests/support/ransom/benign.h"

namespace stormproof::testing::ransom {

struct ScenarioSpec {
  // Exactly one of the two.
  std::optional<AttackKind> attack;
  std::optional<BenignKind> benign;
  double fraction = 0.03;  // of the attack's targets (AttackSpec::fraction)
  int slow_backups = 3;    // steps of a kSlow attack
  bool notes = false;      // ransom notes beside the attacked files (AttackSpec::notes)
  int churn_days = 3;      // daily-churn backups after the first one: the history
  size_t files = 500;      // DatasetSpec::files
  double scale = 0.05;     // DatasetSpec::scale
  uint64_t seed = 1;
  // Back up with ransomware detection (BackupOptions::detect). Off: the snapshots carry no
  // signals or verdicts and no flag is acted on (for `scan`'s tests, which judge them later).
  bool detect = true;
};

struct ScenarioRun {
  std::vector<repository::Snapshot> snapshots;  // every snapshot, oldest first, each judged
  // The repository's marks after the last backup: each backup acts on a flag as `backup` does
  // (holds::ActOnFlag: a slow attack's earlier steps marked, clean points held).
  repository::MarkSet marks;
  size_t last_clean = 0;  // index of the last snapshot before the scenario began
  // Whether every history snapshot (up to last_clean) was judged clean.
  bool history_clean = true;
  // Files the attack touched (Attack::affected) and the dataset's files.
  size_t affected = 0, files = 0;
  // The in-memory repository the snapshots are in.
  std::shared_ptr<repository::Repository> repository;
};

// Runs `spec` in a tree made under `root` (which must not exist or be empty). Errors: those of
// the dataset, the generators and the backups (kIo, kInvalidArgument).
Result<ScenarioRun> RunScenario(const std::string& root, const ScenarioSpec& spec);

}  // namespace stormproof::testing::ransom

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_SCENARIO_H_
