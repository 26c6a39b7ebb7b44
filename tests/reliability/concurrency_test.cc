// The concurrency suite (docs/reliability.md, suite 8): several real backups of different paths
// into one repository at once, with prunes attempted meanwhile. Every backup must succeed and its
// snapshot restore byte-identical; every prune must either refuse (the repository is locked) or,
// when it found the repository idle, leave every snapshot intact. Backups wait for a prune's
// exclusive lock (--retry-lock), as a scheduled job would.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"
#include "tests/reliability/background_process.h"
#include "tests/reliability/restored_tree.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ConcurrencySuite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stormproof-concurrency-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    std::mt19937_64 rng(11);
    for (int source = 0; source < kSources; ++source) {
      fs::path root = dir_ / ("client" + std::to_string(source));
      fs::create_directories(root / "docs");
      for (int f = 0; f < 60; ++f) {
        std::string text(2000 + rng() % 20000, ' ');
        for (char& c : text) c = "abcdefgh \n"[rng() % 10];
        std::ofstream(root / "docs" / (std::to_string(f) + ".txt")) << text;
      }
      std::string random(6 << 20, '\0');
      for (char& c : random) c = static_cast<char>(rng());
      std::ofstream(root / "disk.img", std::ios::binary) << random;
    }
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD=together STORMPROOF_REPOSITORY=" +
           (dir_ / "repo").string();
    ASSERT_EQ(RunStormproof("init", env_).exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Command(const std::string& args) const {
    return env_ + " " + STORMPROOF_BINARY + " --quiet " + args;
  }

  static constexpr int kSources = 4;
  fs::path dir_;
  std::string env_;
};

TEST_F(ConcurrencySuite, BackupsAtOnceAllRestoreAndPruneNeverDeletesDataInUse) {
  for (int round = 0; round < 2; ++round) {
    std::vector<std::unique_ptr<Background>> backups;
    for (int source = 0; source < kSources; ++source) {
      backups.push_back(std::make_unique<Background>(
          Command("--retry-lock 2m backup " +
                  (dir_ / ("client" + std::to_string(source))).string()),
          dir_ / ("backup" + std::to_string(source))));
    }
    int prunes = 0, refused = 0;
    auto any_running = [&] {
      bool running = false;
      for (auto& b : backups) running = b->Running() || running;
      return running;
    };
    while (any_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      CliResult prune = RunStormproof("prune", env_);
      ++prunes;
      if (prune.exit_code != 0) {
        EXPECT_THAT(prune.err, HasSubstr("locked")) << prune.err;
        ++refused;
      }
    }
    for (auto& b : backups) EXPECT_EQ(b->exit_code(), 0) << b->err();
    RecordProperty("prunes_attempted_round" + std::to_string(round), prunes);
    RecordProperty("prunes_refused_round" + std::to_string(round), refused);
  }
  CliResult prune = RunStormproof("prune", env_);
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  CliResult check = RunStormproof("check --read-data", env_);
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
  json snapshots = json::parse(RunStormproof("snapshots --json", env_).out);
  ASSERT_EQ(snapshots.size(), 2u * kSources);
  for (const json& s : snapshots) {
    std::string source = s["paths"][0];
    fs::path target = dir_ / ("restored-" + s["short_id"].get<std::string>());
    CliResult restore = RunStormproof(
        "restore " + s["id"].get<std::string>() + " --target " + target.string(), env_);
    ASSERT_EQ(restore.exit_code, 0) << restore.err;
    EXPECT_TRUE(Contents(source) == Contents(target.string() + source)) << source;
    fs::remove_all(target);
  }
}

// Issue 11, the review's second reproduction with the real binary: a backup stopped (SIGSTOP)
// after writing packs, its lock file made to look 31 minutes old. Prune must refuse while the
// process lives (it used to judge the lock stale by age and delete the packs not yet indexed);
// the resumed backup's snapshot restores and check finds nothing wrong.
TEST_F(ConcurrencySuite, AStoppedBackupKeepsItsLockHoweverOldItLooks) {
  fs::path big = dir_ / "big";
  fs::create_directories(big);
  std::mt19937_64 rng(5);
  for (int f = 0; f < 8; ++f) {
    std::string random(8 << 20, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    std::ofstream(big / ("part" + std::to_string(f)), std::ios::binary) << random;
  }
  auto packs = [&] {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "repo/data")) {
      n += e.is_regular_file() && e.path().filename().string().find('.') == std::string::npos;
    }
    return n;
  };
  const size_t before = packs();
  Background backup("exec env " + Command("backup " + big.string()), dir_ / "stopped");
  while (backup.Running() && packs() < before + 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(backup.Running()) << "the backup finished before it could be stopped";
  ASSERT_EQ(::kill(backup.pid(), SIGSTOP), 0);
  for (const auto& lock : fs::directory_iterator(dir_ / "repo/locks")) {
    fs::last_write_time(lock.path(), fs::file_time_type::clock::now() - std::chrono::minutes(31));
  }
  CliResult prune = RunStormproof("prune", env_);
  EXPECT_NE(prune.exit_code, 0) << "prune ran beside a live backup: " << prune.out;
  EXPECT_THAT(prune.err, HasSubstr("locked by")) << prune.err;
  ASSERT_EQ(::kill(backup.pid(), SIGCONT), 0);
  while (backup.Running()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(backup.exit_code(), 0) << backup.err();
  CliResult check = RunStormproof("check --read-data", env_);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  fs::path target = dir_ / "restored-big";
  CliResult restore = RunStormproof("restore latest --target " + target.string(), env_);
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_TRUE(Contents(big.string()) == Contents(target.string() + big.string()));
}

}  // namespace
}  // namespace stormproof::testing
