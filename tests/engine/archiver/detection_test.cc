// Ransomware detection end to end (issue 16): on a seeded client tree (tests/support/ransom),
// a first backup and three days of ordinary churn give the system its history; then each attack
// kind must give a non-clean verdict in the first snapshot that holds it (the slow attack: by its
// last step) with the reason it should, each benign heavy change must stay clean, and the
// newest clean restore point must be the last snapshot before the attack. Seeds: 3, or
// STORMPROOF_DETECTION_SEEDS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/archiver/archiver.h"
#include "engine/detect/verdict.h"
#include "engine/repository/repository.h"
#include "tests/matchers.h"
#include "tests/support/ransom/attacks.h"
#include "tests/support/ransom/benign.h"
#include "tests/support/ransom/dataset.h"
#include "tests/support/ransom/scenario.h"

namespace stormproof::archiver::testing {
namespace {

namespace fs = std::filesystem;
using repository::Verdict;
using stormproof::testing::ransom::AttackKind;
using stormproof::testing::ransom::BenignKind;
using stormproof::testing::ransom::BenignKindName;
using stormproof::testing::ransom::RunScenario;
using stormproof::testing::ransom::ScenarioRun;
using stormproof::testing::ransom::ScenarioSpec;
using ::testing::HasSubstr;

constexpr int kChurnDays = 3;
constexpr double kFraction = 0.03;  // of the attack targets; ≥ 1 % of all files

// What happens after the history: an attack (judged by `reason`) or a benign heavy change.
struct Scenario {
  std::string name;
  std::optional<AttackKind> attack;
  std::optional<BenignKind> benign;
  std::string reason = "";  // a substring of one of the verdict's reasons (attacks)
  // The dataset's size: partial encryption needs files larger than its blocks to show its shape.
  size_t files = 500;
  double scale = 0.05;
};

std::vector<Scenario> Scenarios() {
  std::vector<Scenario> all = {
      {"in_place", AttackKind::kInPlace, {}, "rewritten with high-entropy content"},
      {"new_name", AttackKind::kNewNameDeleteOriginal, {}, "beside deleted originals"},
      {"rename", AttackKind::kRenameNewExtension, {}, "beside deleted originals"},
      // Partial encryption of the typed documents and pictures most targets are shows as a lost
      // header (R2), of small files as a whole-file rewrite; signals_test shows R3's own shape.
      {"intermittent", AttackKind::kIntermittentEvery10MiB, {}, "look encrypted", 500, 0.4},
      {"first_4k", AttackKind::kFirst4KiB, {}, "no longer start with their type", 500, 0.4},
      {"stride_64k", AttackKind::kStride64KiB, {}, "look encrypted", 500, 0.4},
      {"mtime_restored", AttackKind::kMtimeRestored, {}, "kept their mtime"},
      {"notes_only", AttackKind::kNotesOnly, {}, "copies of README-DECRYPT.txt"},
      {"slow", AttackKind::kSlow, {}, "slow attack"},
  };
  for (BenignKind kind : stormproof::testing::ransom::kAllBenignKinds) {
    std::string name(BenignKindName(kind));
    for (char& c : name) c = c == '-' ? '_' : c;
    all.push_back({name, std::nullopt, kind});
  }
  return all;
}

int Seeds() {
  const char* given = std::getenv("STORMPROOF_DETECTION_SEEDS");
  return given != nullptr ? std::max(1, std::atoi(given)) : 3;
}

std::string Describe(const Verdict& v) {
  std::string text = std::string(repository::LevelName(v.level)) + " " + std::to_string(v.score);
  for (const std::string& reason : v.reasons) text += "\n      " + reason;
  return text;
}

class DetectionTest : public ::testing::TestWithParam<Scenario> {
 protected:
  void SetUp() override {
    const std::string base = fs::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/stormproof-detection-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string dir_;
};

TEST_P(DetectionTest, JudgesTheScenarioAndFindsTheNewestCleanPoint) {
  const Scenario& scenario = GetParam();
  for (int seed = 1; seed <= Seeds(); ++seed) {
    SCOPED_TRACE(scenario.name + ", seed " + std::to_string(seed));
    ScenarioSpec spec;
    spec.attack = scenario.attack;
    spec.benign = scenario.benign;
    spec.fraction = kFraction;
    spec.churn_days = kChurnDays;
    spec.files = scenario.files;
    spec.scale = scenario.scale;
    spec.seed = static_cast<uint64_t>(seed);
    Result<ScenarioRun> run = RunScenario(dir_ + "/seed" + std::to_string(seed), spec);
    ASSERT_THAT(run, IsOk());
    ASSERT_TRUE(run->history_clean);
    const Verdict& verdict = *run->snapshots.back().verdict;
    for (size_t i = run->last_clean + 1; i < run->snapshots.size(); ++i) {
      std::cout << "  " << scenario.name << " seed " << seed << " snapshot " << i << ": "
                << Describe(*run->snapshots[i].verdict) << "\n";
    }
    Result<detect::CleanPoint> point =
        detect::NewestClean(detect::JudgedSnapshotsOf(run->snapshots, run->marks));
    ASSERT_THAT(point, IsOk());
    if (scenario.benign.has_value()) {
      EXPECT_EQ(verdict.level, Verdict::Level::kClean) << Describe(verdict);
      EXPECT_EQ(point->index, run->last_clean + 1);
      continue;
    }
    EXPECT_NE(verdict.level, Verdict::Level::kClean) << Describe(verdict);
    std::string reasons;
    for (const std::string& reason : verdict.reasons) reasons += reason + "\n";
    EXPECT_THAT(reasons, HasSubstr(scenario.reason));
    // A slow attack's earlier steps are marked when its last is flagged (holds::ActOnFlag): the
    // point is the last snapshot before the attack began, for every kind.
    EXPECT_EQ(point->index, run->last_clean);
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, DetectionTest, ::testing::ValuesIn(Scenarios()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace stormproof::archiver::testing
