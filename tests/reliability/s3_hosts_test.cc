// Many hosts, one bucket (issue 14, docs/reliability.md "On object storage"): four stormproof
// processes that are four hosts — each in its own UTS namespace with its own host name, which
// its locks record, and its own --host in its snapshots — back up into one S3 repository at
// once, three times, while a fifth host runs `forget --keep-last 1 --prune --retry-lock` in a loop.
// Every forget --prune must succeed (waiting for the backups' locks, never breaking them), every
// backup must succeed (waiting for prune's exclusive lock), and at the end check --read-data
// passes and every snapshot left restores byte-identical to the data it was taken from.
//
// Where the machine cannot make UTS namespaces (no CAP_SYS_ADMIN), the processes share this
// machine's host name in their locks (still different --host in snapshots); the test says so.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"
#include "tests/reliability/background_process.h"
#include "tests/reliability/restored_tree.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kHosts = 4;
constexpr int kRounds = 3;

bool CanNameHosts() {
  static const bool can = std::system("unshare --uts true >/dev/null 2>&1") == 0;
  return can;
}

// `command` run as host `host`: in a UTS namespace of its own whose host name is `host`.
std::string AsHost(const std::string& host, const std::string& command) {
  if (!CanNameHosts()) return command;
  return "unshare --uts sh -c 'hostname " + host + " && exec " + command + "'";
}

class S3HostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ExportRgwCredentials();
    dir_ = fs::temp_directory_path() / ("stormproof-s3-hosts-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD=together STORMPROOF_REPOSITORY=" +
           RgwLocation(CreateRgwBucket(UniqueBucketName("hosts")), "msp") +
           " XDG_CACHE_HOME=" + (dir_ / "cache").string() +
           " XDG_STATE_HOME=" + (dir_ / "state").string();
    ASSERT_EQ(RunStormproof("init", env_).exit_code, 0);
    if (!CanNameHosts()) std::printf("note: no UTS namespaces here; locks share one host name\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Command(const std::string& args) const {
    return "env " + env_ + " " + STORMPROOF_BINARY + " --quiet " + args;
  }
  static std::string Host(int n) { return "host-" + std::to_string(n); }
  fs::path Data(int host) const { return dir_ / Host(host) / "data"; }

  // Round `round` of host `host`'s data: 25 text files (some changed each round) and 1 MiB of
  // random bytes more; a copy is kept in expected/<host>-<round> for the restores.
  void WriteData(int host, int round) {
    std::mt19937_64 rng(100 * host + round);
    fs::create_directories(Data(host));
    for (int f = 0; f < 25; ++f) {
      if (round > 1 && f % 3 != 0) continue;
      std::string text(1000 + rng() % 8000, ' ');
      for (char& c : text) c = "abcdefgh \n"[rng() % 10];
      std::ofstream(Data(host) / (std::to_string(f) + ".txt")) << text;
    }
    std::string random(1 << 20, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    std::ofstream(Data(host) / ("disk" + std::to_string(round)), std::ios::binary) << random;
    fs::path copy = Expected(host, round);
    fs::create_directories(copy.parent_path());
    fs::copy(Data(host), copy, fs::copy_options::recursive);
  }
  fs::path Expected(int host, int round) const {
    return dir_ / "expected" / (Host(host) + "-" + std::to_string(round));
  }

  fs::path dir_;
  std::string env_;
};

// Who a process that waited for a lock said holds it ("repository is locked by host-2 pid 7 ...;
// waiting up to 1m"), one entry per wait.
std::vector<std::string> LockHolders(const std::string& err) {
  std::vector<std::string> holders;
  const std::string marker = "locked by ";
  for (size_t at = err.find(marker); at != std::string::npos; at = err.find(marker, at + 1)) {
    size_t begin = at + marker.size();
    holders.push_back(err.substr(begin, err.find(' ', begin) - begin));
  }
  return holders;
}

TEST_F(S3HostsTest, FourHostsBackUpWhileAFifthPrunesInALoop) {
  int forgets = 0;
  std::vector<std::string> holders;  // of every lock someone waited for
  for (int round = 1; round <= kRounds; ++round) {
    std::vector<std::unique_ptr<Background>> backups;
    for (int host = 0; host < kHosts; ++host) {
      WriteData(host, round);
      backups.push_back(std::make_unique<Background>(
          AsHost(Host(host), Command("--retry-lock 1m backup --host " + Host(host) +
                                     " --tag round=" + std::to_string(round) + " " +
                                     Data(host).string())),
          dir_ / ("backup-" + Host(host) + "-" + std::to_string(round))));
    }
    auto any_running = [&] {
      bool running = false;
      for (auto& b : backups) running = b->Running() || running;
      return running;
    };
    while (any_running()) {
      Background forget(AsHost("central", Command("--retry-lock 1m forget --keep-last 1 --prune")),
                        dir_ / ("forget" + std::to_string(++forgets)));
      EXPECT_EQ(forget.Wait(), 0) << forget.err();
      for (const std::string& holder : LockHolders(forget.err())) holders.push_back(holder);
      // A breath between runs, as a scheduler would leave: back to back, the loop would hold
      // the exclusive lock almost all the time and the backups would wait out --retry-lock.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    for (auto& b : backups) {
      EXPECT_EQ(b->exit_code(), 0) << b->err();
      for (const std::string& holder : LockHolders(b->err())) holders.push_back(holder);
    }
  }
  RecordProperty("forget_prune_runs", forgets);
  RecordProperty("lock_waits", static_cast<int>(holders.size()));
  if (CanNameHosts()) {
    for (const std::string& holder : holders) {
      EXPECT_TRUE(holder == "central" || holder.rfind("host-", 0) == 0)
          << "a lock names " << holder << ", not the host that wrote it";
    }
  }
  CliResult last = RunStormproof("--retry-lock 1m forget --keep-last 1 --prune", env_);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  CliResult check = RunStormproof("check --read-data", env_);
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
  json snapshots = json::parse(RunStormproof("snapshots --json", env_).out);
  ASSERT_EQ(snapshots.size(), static_cast<size_t>(kHosts)) << snapshots.dump();
  for (const json& s : snapshots) {
    const std::string host = s["hostname"];
    ASSERT_EQ(host.rfind("host-", 0), 0u) << host;
    const int n = std::atoi(host.c_str() + 5);
    std::string source = s["paths"][0];
    fs::path target = dir_ / ("restored-" + s["short_id"].get<std::string>());
    CliResult restore = RunStormproof(
        "restore " + s["id"].get<std::string>() + " --target " + target.string(), env_);
    ASSERT_EQ(restore.exit_code, 0) << restore.err;
    EXPECT_TRUE(Contents(Expected(n, kRounds)) == Contents(target.string() + source)) << host;
    fs::remove_all(target);
  }
}

}  // namespace
}  // namespace stormproof::testing
