// The resource-exhaustion suite (docs/reliability.md, suite 7): a repository on a small tmpfs
// that fills up during a backup. The backup must fail with a clear "no space left on device"
// error and a non-zero exit; the repository must stay consistent with older snapshots intact;
// once space is freed, prune removes what the failed backup left and the next backup succeeds.
// Needs permission to mount a tmpfs (root, as in CI); skipped otherwise.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"
#include "tests/reliability/restored_tree.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void WriteRandom(const fs::path& path, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string data(n, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  std::ofstream(path, std::ios::binary) << data;
}

class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stormproof-full-disk-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "disk");
    if (::mount("tmpfs", (dir_ / "disk").c_str(), "tmpfs", 0, "size=24m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
    }
    mounted_ = true;
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD=full STORMPROOF_REPOSITORY=" +
           (dir_ / "disk" / "repo").string();
  }
  void TearDown() override {
    if (mounted_) ::umount2((dir_ / "disk").c_str(), MNT_DETACH);
    fs::remove_all(dir_);
  }
  CliResult Run(const std::string& args) { return RunStormproof("--quiet " + args, env_); }

  fs::path dir_;
  std::string env_;
  bool mounted_ = false;
};

TEST_F(FullDiskTest, ABackupThatFillsTheDiskFailsCleanlyAndLosesNothing) {
  fs::create_directories(dir_ / "small");
  WriteRandom(dir_ / "small" / "ledger.db", 6 << 20, 1);
  fs::create_directories(dir_ / "big");
  for (int i = 0; i < 4; ++i)
    WriteRandom(dir_ / "big" / ("vm" + std::to_string(i)), 6 << 20, 10 + i);
  ASSERT_EQ(Run("init").exit_code, 0);
  ASSERT_EQ(Run("backup " + (dir_ / "small").string()).exit_code, 0);

  CliResult full = Run("backup " + (dir_ / "big").string());
  EXPECT_EQ(full.exit_code, 1) << full.err;
  EXPECT_THAT(full.err, HasSubstr("no space left on device")) << full.err;
  EXPECT_EQ(std::count(full.err.begin(), full.err.end(), '\n'), 1) << "one line: " << full.err;

  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  json snapshots = json::parse(Run("snapshots --json").out);
  ASSERT_EQ(snapshots.size(), 1u);
  fs::path target = dir_ / "restored";
  ASSERT_EQ(Run("restore latest --target " + target.string()).exit_code, 0);
  EXPECT_TRUE(Contents(dir_ / "small") == Contents(target.string() + (dir_ / "small").string()));

  // Prune keeps what the failed backup left while a backup might still be indexing it...
  CliResult waits = Run("prune --json");
  ASSERT_EQ(waits.exit_code, 0) << waits.err;
  EXPECT_GT(json::parse(waits.out.substr(waits.out.rfind("\n{") + 1))["packs_recent"].get<int>(), 0)
      << waits.out;
  // ...and frees it at once when told nothing else writes; a backup that fits then succeeds.
  ASSERT_EQ(Run("prune --unindexed-grace 0s").exit_code, 0);
  CliResult clean = Run("check");
  EXPECT_EQ(clean.exit_code, 0);
  EXPECT_THAT(clean.out, Not(HasSubstr("note:"))) << clean.out;
  fs::remove(dir_ / "big" / "vm0");
  fs::remove(dir_ / "big" / "vm1");
  CliResult fits = Run("backup " + (dir_ / "big").string());
  EXPECT_EQ(fits.exit_code, 0) << fits.err;
  EXPECT_EQ(Run("check --read-data").exit_code, 0);
}

}  // namespace
}  // namespace stormproof::testing
