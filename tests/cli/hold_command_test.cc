// End-to-end tests of holds on the command line (issue 16, "Acting on it"): an infected backup
// holds the newest clean restore points, forget keeps them whatever its policy and refuses to
// remove one by id, `hold release` (and `--false-alarm`) lets them go, `hold add` holds by hand.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"
#include "tests/cli/ransomware_fixture.h"

namespace stormproof::testing {
namespace {

using nlohmann::json;

class HoldCliTest : public RansomwareCliTest {
 protected:
  // Three clean backups, then an infected one; returns the ids oldest first (the infected last).
  std::vector<std::string> AttackAfterThreeDays() {
    BackUpThreeDays();
    Encrypt();
    CliResult backup = Run("backup " + Share().string());
    EXPECT_EQ(backup.exit_code, 3) << backup.out << backup.err;
    return Ids();
  }

  std::vector<std::string> Ids() {
    std::vector<std::string> ids;
    for (const json& s : json::parse(Run("--json snapshots").out)) ids.push_back(s["id"]);
    return ids;
  }

  // The snapshot ids with a standing hold, from `hold list --json`.
  std::set<std::string> Held() {
    CliResult listed = Run("--json hold list");
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    std::set<std::string> held;
    for (const json& hold : json::parse(listed.out)) {
      if (hold["standing"].get<bool>()) held.insert(hold["snapshot"].get<std::string>());
    }
    return held;
  }
};

TEST_F(HoldCliTest, AnInfectedBackupHoldsTheCleanPointsAndForgetKeepsThem) {
  BackUpThreeDays();
  Encrypt();
  CliResult backup = Run("--json backup " + Share().string());
  ASSERT_EQ(backup.exit_code, 3) << backup.err;
  json summary = LastJsonLine(backup.out);
  ASSERT_EQ(summary["marks"].size(), 3u) << summary.dump();
  const std::vector<std::string> ids = Ids();
  ASSERT_EQ(ids.size(), 4u);
  for (const json& mark : summary["marks"]) EXPECT_EQ(mark["kind"], "hold");
  EXPECT_EQ(Held(), (std::set<std::string>{ids[0], ids[1], ids[2]}));
  // Global options may follow the subcommand, as after `key list`.
  CliResult trailing = Run("hold list --json --repo " + (dir_ / "repo").string());
  ASSERT_EQ(trailing.exit_code, 0) << trailing.err;
  EXPECT_EQ(json::parse(trailing.out).size(), 3u) << trailing.out;

  CliResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_NE(forget.out.find("held: newest clean restore point before infected snapshot " +
                            ids[3].substr(0, 8)),
            std::string::npos)
      << forget.out;
  EXPECT_EQ(Ids(), ids) << "forget removed a held snapshot";
  json listed = json::parse(Run("--json snapshots").out);
  EXPECT_TRUE(listed[2]["held"].get<bool>());
  EXPECT_FALSE(listed[3]["held"].get<bool>());
}

TEST_F(HoldCliTest, ForgetByIdRefusesAHeldSnapshotAndRemovesNothing) {
  const std::vector<std::string> ids = AttackAfterThreeDays();
  CliResult forget = Run("forget " + ids[0].substr(0, 8) + " " + ids[3].substr(0, 8));
  EXPECT_EQ(forget.exit_code, 1) << forget.out << forget.err;
  EXPECT_NE(forget.err.find("is held ("), std::string::npos) << forget.err;
  EXPECT_NE(forget.err.find("stormproof hold release " + ids[0].substr(0, 8)), std::string::npos);
  EXPECT_EQ(Ids(), ids);
}

TEST_F(HoldCliTest, AFalseAlarmReleasesItsHoldsAndCountsAsClean) {
  const std::vector<std::string> ids = AttackAfterThreeDays();
  // Named by a held snapshot, not the flagged one: refused, naming the flagged one.
  CliResult wrong = Run("hold release --false-alarm " + ids[2].substr(0, 8));
  EXPECT_EQ(wrong.exit_code, 1) << wrong.err;
  EXPECT_NE(wrong.err.find("holds stand because of " + ids[3].substr(0, 8)), std::string::npos)
      << wrong.err;

  CliResult accepted = Run("hold release --false-alarm " + ids[3].substr(0, 8) +
                           " --reason 'the client encrypted the archive on purpose'");
  ASSERT_EQ(accepted.exit_code, 0) << accepted.out << accepted.err;
  EXPECT_EQ(Held(), std::set<std::string>{});
  json listed = json::parse(Run("--json snapshots").out);
  EXPECT_TRUE(listed[3]["false_alarm"].get<bool>());
  // latest-clean is the newest snapshot again, and the next forget holds nothing again.
  CliResult restore = Run("--json restore latest-clean --target " + (dir_ / "restored").string());
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(LastJsonLine(restore.out)["snapshot_id"], ids[3]) << restore.out;
  CliResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  EXPECT_EQ(forget.out.find("held snapshot"), std::string::npos) << forget.out;
  EXPECT_EQ(Ids(), std::vector<std::string>{ids[3]});
  // Accepting it twice is refused.
  EXPECT_EQ(Run("hold release --false-alarm " + ids[3].substr(0, 8)).exit_code, 1);
}

TEST_F(HoldCliTest, AReleasedHoldIsNotPlacedAgainForTheSameAttack) {
  const std::vector<std::string> ids = AttackAfterThreeDays();
  CliResult released = Run("hold release " + ids[0].substr(0, 8));
  ASSERT_EQ(released.exit_code, 0) << released.err;
  EXPECT_NE(released.out.find("released 1 hold(s) on snapshot " + ids[0].substr(0, 8)),
            std::string::npos);
  CliResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  EXPECT_EQ(Ids(), (std::vector<std::string>{ids[1], ids[2], ids[3]}));
  EXPECT_EQ(Run("hold release " + ids[3].substr(0, 8)).exit_code, 1) << "not held";
}

TEST_F(HoldCliTest, APersonsHoldKeepsASnapshotUntilReleased) {
  BackUpThreeDays();
  const std::vector<std::string> ids = Ids();
  EXPECT_EQ(Run("hold add " + ids[0].substr(0, 8)).exit_code, 2) << "a hold needs a reason";
  CliResult added = Run("--json hold add " + ids[0].substr(0, 8) + " --reason 'legal hold'");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(LastJsonLine(added.out)["message_type"], "hold_added");
  ASSERT_EQ(Run("forget --keep-last 1").exit_code, 0);
  EXPECT_EQ(Ids(), (std::vector<std::string>{ids[0], ids[2]}));
  json holds = json::parse(Run("--json hold list").out);
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0]["reason"], "legal hold");
  EXPECT_TRUE(holds[0]["because"].is_null());
  ASSERT_EQ(Run("hold release " + ids[0].substr(0, 8)).exit_code, 0);
  EXPECT_EQ(json::parse(Run("--json hold list --all").out).size(), 1u);
  ASSERT_EQ(Run("forget --keep-last 1").exit_code, 0);
  EXPECT_EQ(Ids(), std::vector<std::string>{ids[2]});
}

TEST_F(HoldCliTest, ForgetHoldsTheCopiesOfTheCleanPointsInACopyRepository) {
  const std::vector<std::string> ids = AttackAfterThreeDays();
  const std::string copy_env =
      "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string() +
      " STORMPROOF_REPOSITORY=" + (dir_ / "offsite").string();
  ASSERT_EQ(RunStormproof("init", copy_env).exit_code, 0);
  CliResult copied = RunStormproof("copy --from-repo " + (dir_ / "repo").string() +
                                       " --from-password-file " + (dir_ / "password").string(),
                                   copy_env);
  ASSERT_EQ(copied.exit_code, 0) << copied.out << copied.err;
  // No backup ran there: nothing is held yet, but forget by id refuses what the copied
  // verdicts ask to hold, and the copy's forget places those holds.
  json listed = json::parse(RunStormproof("--json snapshots", copy_env).out);
  ASSERT_EQ(listed.size(), 4u);
  const std::string clean_point = listed[2]["short_id"];
  CliResult by_id = RunStormproof("forget " + clean_point, copy_env);
  EXPECT_EQ(by_id.exit_code, 1) << by_id.out << by_id.err;
  EXPECT_NE(by_id.err.find("is to be held ("), std::string::npos) << by_id.err;
  CliResult dry_json = RunStormproof("--json forget --keep-last 1 --dry-run", copy_env);
  ASSERT_EQ(dry_json.exit_code, 0) << dry_json.err;
  json planned = LastJsonLine(dry_json.out)["holds_placed"];
  ASSERT_EQ(planned.size(), 3u) << dry_json.out;
  EXPECT_TRUE(planned[0]["name"].is_null());
  CliResult dry = RunStormproof("forget --keep-last 1 --dry-run", copy_env);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would hold snapshot"), std::string::npos) << dry.out;
  CliResult forget = RunStormproof("forget --keep-last 1", copy_env);
  ASSERT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_NE(forget.out.find("held snapshot"), std::string::npos) << forget.out;
  json copies = json::parse(RunStormproof("--json snapshots", copy_env).out);
  ASSERT_EQ(copies.size(), 4u) << "forget removed a held copy";
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(copies[i]["held"].get<bool>()) << i;
  // The second forget places nothing new.
  CliResult again = RunStormproof("forget --keep-last 1", copy_env);
  EXPECT_EQ(again.out.find("held snapshot"), std::string::npos) << again.out;
}

// Interleaved: a hold placed after forget applied its policy, before it removes anything (a
// person's, or a backup of another host holding its group's clean points; both take only the
// shared lock, as forget does). Forget reads the holds again and keeps the snapshot.
TEST_F(HoldCliTest, AHoldPlacedWhileForgetRunsKeepsTheSnapshot) {
  BackUpThreeDays();
  const std::vector<std::string> ids = Ids();
  const fs::path paused = dir_ / "paused";
  const std::string command =
      "env " + env_ +
      " STORMPROOF_TEST_PAUSE='forget: decided' STORMPROOF_TEST_PAUSE_FILE=" + paused.string() +
      " " + STORMPROOF_BINARY + " forget --keep-last 1 >" + (dir_ / "out").string() + " 2>" +
      (dir_ / "err").string() + "; echo $? >" + (dir_ / "status").string();
  ASSERT_EQ(std::system(("(" + command + ") &").c_str()), 0);
  for (int i = 0; i < 6000 && !fs::exists(paused); ++i) ::usleep(10'000);
  ASSERT_TRUE(fs::exists(paused)) << ReadFile(dir_ / "err");
  ASSERT_EQ(Run("hold add " + ids[0].substr(0, 8) + " --reason 'placed meanwhile'").exit_code, 0);
  fs::remove(paused);  // resume the forget
  for (int i = 0; i < 6000 && ReadFile(dir_ / "status").empty(); ++i) ::usleep(10'000);
  EXPECT_EQ(ReadFile(dir_ / "status"), "0\n") << ReadFile(dir_ / "err");
  EXPECT_NE(
      ReadFile(dir_ / "err")
          .find("snapshot " + ids[0].substr(0, 8) + " kept: held since the policy was applied"),
      std::string::npos)
      << ReadFile(dir_ / "err");
  EXPECT_EQ(Ids(), (std::vector<std::string>{ids[0], ids[2]})) << "the held one stays";
}

// A hold's reason is repository text: forget prints it escaped, as every such text.
TEST_F(HoldCliTest, AHoldsReasonReachesTheTerminalEscaped) {
  BackUpThreeDays();
  const std::vector<std::string> ids = Ids();
  ASSERT_EQ(
      Run("hold add " + ids[0].substr(0, 8) + " --reason \"$(printf 'x\\033[2Jy')\"").exit_code, 0);
  CliResult forget = Run("forget --keep-last 1 --dry-run");
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  EXPECT_NE(forget.out.find("held: x\\x1b[2Jy"), std::string::npos) << forget.out;
  EXPECT_EQ(forget.out.find('\x1b'), std::string::npos);
  CliResult listed = Run("hold list");
  EXPECT_EQ(listed.out.find('\x1b'), std::string::npos) << listed.out;
}

}  // namespace
}  // namespace stormproof::testing
