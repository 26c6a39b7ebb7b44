// The crash-consistency suite (docs/reliability.md, suites 1 and 2). Real stormproof processes
// running backup, forget --prune and prune are stopped at seeded crash points
// (src/engine/backend/crash_points.h): killed with SIGKILL, killed after a simulated power cut
// (writes not yet flushed are undone), or failed with an I/O error and left to carry on.
// The same suite runs on local directories (crash_test, with local_place.cc) and on a bucket of
// a real Ceph RGW (s3_crash_test, with s3_place.cc; see repository_place.h), where a power cut
// has no meaning: an object store's PUT is durable once answered, so those cases are skipped.
// After each:
//   - check --read-data passes;
//   - every snapshot in the repository restores byte-identical to the data it was taken from;
//   - the next backup succeeds with no manual step (the dead process's lock is cleared);
//   - prune then removes whatever the crash orphaned, and check finds nothing left over.
//
// Each test case tries STORMPROOF_CRASH_POINTS points locally (default 40: every point of these
// small operations, about 25 each, so ~235 per run) and STORMPROOF_S3_CRASH_POINTS on S3
// (default 4 of 12-18, to stay lean), chosen
// with STORMPROOF_CRASH_SEED (default 20261130); a failure message names the place, the seed,
// the operation, the mode and the point, which reproduce it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"
#include "tests/reliability/repository_place.h"
#include "tests/reliability/restored_tree.h"
#include "tests/support/generated_data.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

enum class Mode { kKill, kPowerCut, kFail };

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kKill:
      return "kill";
    case Mode::kPowerCut:
      return "power cut";
    case Mode::kFail:
      return "I/O error";
  }
  return "?";
}

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

void WriteFile(const fs::path& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

using stormproof::testing::RandomText;

// d1: 120 small text files in 6 folders and two random files of `large` bytes (locally 5 MiB:
// two data packs and more); d2: d1 with 10 files changed, one removed and a new file of 4/5 of
// `large` bytes.
void MakeDatasets(const fs::path& d1, const fs::path& d2, size_t large) {
  std::mt19937_64 rng(42);
  for (int dir = 0; dir < 6; ++dir) {
    fs::create_directories(d1 / ("folder" + std::to_string(dir)));
    for (int f = 0; f < 20; ++f) {
      WriteFile(d1 / ("folder" + std::to_string(dir)) / ("doc" + std::to_string(f) + ".txt"),
                RandomText(rng, 1000 + rng() % 30000, true));
    }
  }
  WriteFile(d1 / "disk1.img", RandomText(rng, large, false));
  WriteFile(d1 / "disk2.img", RandomText(rng, large, false));
  fs::copy(d1, d2, fs::copy_options::recursive);
  for (int f = 0; f < 10; ++f) {
    WriteFile(d2 / "folder1" / ("doc" + std::to_string(f) + ".txt"),
              RandomText(rng, 2000 + rng() % 9000, true));
  }
  fs::remove(d2 / "folder2" / "doc3.txt");
  WriteFile(d2 / "new.bin", RandomText(rng, large / 5 * 4, false));
}

class CrashSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = fs::temp_directory_path() / ("stormproof-crash-" + std::to_string(::getpid()));
    fs::remove_all(work_);
    fs::create_directories(work_);
    place_ = MakeRepositoryPlace(work_);
    MakeDatasets(work_ / "d1", work_ / "d2", place_->LargeFileBytes());
    // base-one: a snapshot of d1. base-two: and then one of d2.
    ASSERT_EQ(Run("base-one", "init").exit_code, 0);
    ASSERT_EQ(Run("base-one", "backup " + (work_ / "d1").string()).exit_code, 0);
    place_->Copy("base-one", "base-two");
    ASSERT_EQ(Run("base-two", "backup " + (work_ / "d2").string()).exit_code, 0);
    // base-forgotten: base-two without the snapshot of d1, whose own data prune frees.
    place_->Copy("base-two", "base-forgotten");
    std::string d1 = Id("base-forgotten", (work_ / "d1").string());
    ASSERT_EQ(Run("base-forgotten", "forget " + d1).exit_code, 0);
  }
  static void TearDownTestSuite() {
    place_.reset();
    fs::remove_all(work_);
  }

  // Runs stormproof on the repository called `repo` in this binary's place.
  static CliResult Run(const std::string& repo, const std::string& args,
                       const std::string& extra_env = "") {
    return RunStormproof("--quiet " + args, "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD=crash " +
                                                std::string("STORMPROOF_REPOSITORY=") +
                                                place_->Location(repo) + " " +
                                                place_->CommandEnvironment() + " " + extra_env);
  }

  static std::vector<json> Snapshots(const std::string& repo) {
    CliResult r = Run(repo, "snapshots --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return {};
    return json::parse(r.out).get<std::vector<json>>();
  }

  static std::string Id(const std::string& repo, const std::string& path) {
    for (const json& s : Snapshots(repo)) {
      if (s["paths"][0] == path) return s["id"];
    }
    return "";
  }

  // How many crash points `args` reaches on a copy of `base`.
  static int CountPoints(const std::string& base, const std::string& args) {
    const std::string repo = "count";
    place_->Copy(base, repo);
    fs::path trace = work_ / "trace";
    fs::remove(trace);
    CliResult r = Run(repo, args, "STORMPROOF_TEST_CRASH_TRACE=" + trace.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::ifstream in(trace);
    int points = 0;
    for (std::string line; std::getline(in, line);) ++points;
    return points;
  }

  // The points to try: all of 1..total, or a seeded sample of `wanted` of them.
  static std::vector<int> ChoosePoints(int total, const std::string& salt) {
    size_t wanted = EnvNumber(place_->CrashPointsVariable(), place_->DefaultCrashPoints());
    std::vector<int> points;
    for (int p = 1; p <= total; ++p) points.push_back(p);
    std::mt19937_64 rng(Seed() ^ std::hash<std::string>()(salt));
    std::shuffle(points.begin(), points.end(), rng);
    if (points.size() > wanted) points.resize(wanted);
    std::sort(points.begin(), points.end());
    return points;
  }
  static uint64_t Seed() { return EnvNumber("STORMPROOF_CRASH_SEED", 20261130); }

  static std::string CrashEnv(Mode mode, int point) {
    switch (mode) {
      case Mode::kKill:
        return "STORMPROOF_TEST_CRASH_AT=" + std::to_string(point);
      case Mode::kPowerCut:
        return "STORMPROOF_TEST_POWER_CUT=1 STORMPROOF_TEST_CRASH_AT=" + std::to_string(point);
      case Mode::kFail:
        return "STORMPROOF_TEST_FAIL_AT=" + std::to_string(point);
    }
    return "";
  }

  // What every crash must leave: see the file comment. `required` names the datasets whose
  // snapshots must still be there.
  static void ExpectRecoverable(const std::string& repo, const std::set<std::string>& required) {
    CliResult check = Run(repo, "check --read-data");
    ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
    std::set<std::string> present;
    for (const json& s : Snapshots(repo)) {
      std::string source = s["paths"][0];
      present.insert(source);
      fs::path target = work_ / ("restored-" + s["short_id"].get<std::string>());
      CliResult restore =
          Run(repo, "restore " + s["id"].get<std::string>() + " --target " + target.string());
      ASSERT_EQ(restore.exit_code, 0) << restore.err;
      ASSERT_TRUE(Contents(source) == Contents(target.string() + source))
          << "snapshot of " << source << " does not restore byte-identical";
      fs::remove_all(target);
    }
    for (const std::string& source : required) {
      ASSERT_TRUE(present.contains(source)) << "the snapshot of " << source << " is gone";
    }
    CliResult backup = Run(repo, "backup " + (work_ / "d2").string());
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
    CliResult prune = Run(repo, place_->PruneOfLeftovers(repo));
    ASSERT_EQ(prune.exit_code, 0) << prune.err;
    CliResult recheck = Run(repo, "check --read-data");
    ASSERT_EQ(recheck.exit_code, 0) << recheck.out << recheck.err;
    ASSERT_THAT(recheck.out, Not(HasSubstr("note:"))) << "prune left: " << recheck.out;
  }

  // Runs `args` on a copy of `base` once per chosen crash point, in `mode`, and checks each.
  static void CrashAtChosenPoints(const std::string& name, const std::string& base,
                                  const std::string& args, Mode mode,
                                  const std::set<std::string>& required) {
    if (mode == Mode::kPowerCut && !place_->HasPowerCut()) {
      GTEST_SKIP() << "a power cut has no meaning for " << place_->Kind()
                   << " storage: a stored object is durable once the server answered";
    }
    int total = CountPoints(base, args);
    ASSERT_GT(total, 6) << name;
    std::vector<int> points = ChoosePoints(total, name + ModeName(mode));
    for (int point : points) {
      SCOPED_TRACE(place_->Kind() + ": " + name + ", " + ModeName(mode) + " at point " +
                   std::to_string(point) + " of " + std::to_string(total) + ", seed " +
                   std::to_string(Seed()));
      const std::string repo = "repo";
      place_->Copy(base, repo);
      CliResult crashed = Run(repo, args, CrashEnv(mode, point));
      if (mode != Mode::kFail) {
        EXPECT_NE(crashed.exit_code, 0) << "the process was not stopped";
      }
      ExpectRecoverable(repo, required);
      if (HasFatalFailure()) return;
    }
    RecordProperty("crash_points_total", total);
    RecordProperty("crash_points_tried", static_cast<int>(points.size()));
  }

  static std::string D(const char* name) { return (work_ / name).string(); }

  static inline fs::path work_;
  static inline std::unique_ptr<RepositoryPlace> place_;
};

TEST_F(CrashSuite, BackupKilled) {
  CrashAtChosenPoints("backup", "base-one", "backup " + D("d2"), Mode::kKill, {D("d1")});
}
TEST_F(CrashSuite, BackupPowerCut) {
  CrashAtChosenPoints("backup", "base-one", "backup " + D("d2"), Mode::kPowerCut,
                      {D("d1")});
}
TEST_F(CrashSuite, BackupIoError) {
  CrashAtChosenPoints("backup", "base-one", "backup " + D("d2"), Mode::kFail, {D("d1")});
}

TEST_F(CrashSuite, ForgetPruneKilled) {
  std::string id = Id("base-two", D("d1"));
  CrashAtChosenPoints("forget --prune", "base-two", "forget " + id + " --prune",
                      Mode::kKill, {D("d2")});
}
TEST_F(CrashSuite, ForgetPrunePowerCut) {
  std::string id = Id("base-two", D("d1"));
  CrashAtChosenPoints("forget --prune", "base-two", "forget " + id + " --prune",
                      Mode::kPowerCut, {D("d2")});
}
TEST_F(CrashSuite, ForgetPruneIoError) {
  std::string id = Id("base-two", D("d1"));
  CrashAtChosenPoints("forget --prune", "base-two", "forget " + id + " --prune",
                      Mode::kFail, {D("d2")});
}

TEST_F(CrashSuite, RepackingPruneKilled) {
  CrashAtChosenPoints("prune", "base-forgotten", "prune --repack-threshold 0", Mode::kKill,
                      {D("d2")});
}
TEST_F(CrashSuite, RepackingPrunePowerCut) {
  CrashAtChosenPoints("prune", "base-forgotten", "prune --repack-threshold 0",
                      Mode::kPowerCut, {D("d2")});
}
TEST_F(CrashSuite, RepackingPruneIoError) {
  CrashAtChosenPoints("prune", "base-forgotten", "prune --repack-threshold 0", Mode::kFail,
                      {D("d2")});
}

}  // namespace
}  // namespace stormproof::testing
