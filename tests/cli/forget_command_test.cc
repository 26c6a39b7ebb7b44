// End-to-end tests of `forget` and time: the policy is applied at the moment --as-of names (the
// end of that day, as every other command measures ages), and the table prints times in UTC.
// The real binary on a real repository; one snapshot is given an older time through the
// repository library, since a backup always stamps the present.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/time.h"
#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kPassword[] = "correct horse";

class ForgetCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-forget-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "data" / "a.txt") << "a\n";
    std::ofstream(dir_ / "password") << kPassword << "\n";
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string() +
           " STORMPROOF_REPOSITORY=" + (dir_ / "repo").string();
    ASSERT_EQ(Run("init").exit_code, 0);
    ASSERT_EQ(Run("backup -q " + (dir_ / "data").string()).exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Run(const std::string& args) { return RunStormproof(args, env_); }

  // Saves a copy of the first snapshot, `age` older; returns the copy's time.
  int64_t AddOlderCopy(Duration age) { return AddCopy(-age.seconds() * kNsPerSecond); }

  // Saves a copy of the first snapshot moved by `shift_ns` (+: later); returns the copy's time.
  int64_t AddCopy(int64_t shift_ns) {
    auto backend = backend::OpenLocalBackend((dir_ / "repo").string());
    EXPECT_THAT(backend, IsOk());
    auto repo = repository::Repository::Open(std::move(backend).value(), kPassword);
    EXPECT_THAT(repo, IsOk());
    auto snapshots = (*repo)->LoadSnapshots();
    EXPECT_TRUE(snapshots.has_value() && !snapshots->empty());
    repository::Snapshot copy = snapshots->front();
    copy.time_ns += shift_ns;
    auto saved = (*repo)->SaveSnapshot(copy);
    EXPECT_THAT(saved, IsOk());
    return copy.time_ns;
  }

  fs::path dir_;
  std::string env_;
};

// The ids `forget --json` would remove.
std::vector<std::string> Removed(const CliResult& r) {
  std::vector<std::string> ids;
  json summary = json::parse(r.out);
  for (const json& group : summary["groups"]) {
    for (const json& s : group["remove"]) ids.push_back(s["id"]);
  }
  return ids;
}

// --keep-within counts back from the newest snapshot not after "now"; the CLI's forget read the
// system clock even when --as-of was given.
TEST_F(ForgetCliTest, AsOfIsTheMomentThePolicyIsAppliedAt) {
  const int64_t older = AddOlderCopy(Duration::Days(2));

  CliResult today = Run("forget --json --dry-run --keep-within 1d");
  ASSERT_EQ(today.exit_code, 0) << today.err;
  ASSERT_EQ(Removed(today).size(), 1u) << "the copy 2 days older than the newest: " << today.out;

  // As of the older copy's day the newer snapshot lies in the future: the older copy is the
  // newest, and the policy keeps both.
  std::string day = UtcDateOf(older).ToString();
  CliResult then = Run("forget --json --dry-run --keep-within 1d --as-of " + day);
  ASSERT_EQ(then.exit_code, 0) << then.err;
  EXPECT_TRUE(Removed(then).empty()) << then.out;
}

// Snapshots dated next year (as a backup host holding the password can write them) fill no
// --keep-last place: the genuine newest snapshot stays, they are kept and listed, text and JSON.
TEST_F(ForgetCliTest, SnapshotsDatedInTheFutureAreKeptAndDisplaceNothing) {
  const int64_t older = AddOlderCopy(Duration::Days(2));
  const int64_t year = 365 * kNsPerDay;
  AddCopy(year);
  AddCopy(year + kNsPerDay);

  CliResult r = Run("forget --json --dry-run --keep-last 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json summary = json::parse(r.out);
  ASSERT_EQ(summary["groups"].size(), 1u) << r.out;
  const json& group = summary["groups"][0];
  ASSERT_EQ(group["remove"].size(), 1u) << r.out;
  EXPECT_EQ(group["remove"][0]["time_ns"], older);
  ASSERT_EQ(group["future_dated"].size(), 2u) << r.out;
  ASSERT_EQ(group["keep"].size(), 3u) << r.out;
  EXPECT_EQ(group["keep"][0]["reasons"], json::array({"last snapshot"})) << r.out;
  EXPECT_EQ(group["keep"][1]["reasons"],
            json::array({"dated in the future (not counted by the policy)"}));
  EXPECT_EQ(group["keep"][2]["time_ns"], group["future_dated"][1]["time_ns"]);
  EXPECT_TRUE(summary["applied_at"].is_string()) << r.out;

  CliResult text = Run("forget --keep-last 1");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("dated in the future (not counted by the policy)\n"));
  EXPECT_THAT(text.out, HasSubstr("\n2 snapshot(s) dated more than 1h after now ("));
  EXPECT_THAT(text.out, HasSubstr("removed 1 snapshot(s)")) << text.out;
  CliResult again = Run("forget --json --dry-run --keep-last 1");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["groups"][0]["keep"].size(), 3u) << again.out;
  EXPECT_TRUE(json::parse(again.out)["groups"][0]["remove"].empty()) << again.out;
}

TEST_F(ForgetCliTest, AMalformedAsOfIsAUsageError) {
  CliResult r = Run("forget --dry-run --keep-last 1 --as-of 2026-02-30");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--as-of: invalid date '2026-02-30'")) << r.err;
  EXPECT_EQ(r.out, "");
}

// The same for prune's adoption cutoff: checked before the repository is opened.
TEST_F(ForgetCliTest, AMalformedAdoptionCutoffIsAUsageError) {
  CliResult r = Run("prune --adopt-hidden-before yesterday");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--adopt-hidden-before: invalid time 'yesterday'")) << r.err;
  EXPECT_EQ(r.out, "");
}

// One rule for printed times: UTC with the zone spelled out, whatever the local time zone.
TEST_F(ForgetCliTest, TableTimesAreUtcWithTheZone) {
  const int64_t older = AddOlderCopy(Duration::Days(2));
  CliResult r = RunStormproof("forget --dry-run --keep-last 1", "TZ=Asia/Kolkata " + env_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  ID        Time                     Reasons\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("  ID        Time\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr(" " + FormatUtc(older) + "\n")) << r.out;
}

}  // namespace
}  // namespace stormproof::testing
