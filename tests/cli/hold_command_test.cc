// End-to-end tests of holds on the command line (issue 16, "Acting on it"): an infected backup
// holds the newest clean restore points, forget keeps them whatever its policy and refuses to
// remove one by id, `hold release` (and `--false-alarm`) lets them go, `hold add` holds by hand.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
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

  // As AttackAfterThreeDays, and then every pack the third backup (the newest clean restore
  // point, held) wrote is damaged: one byte flipped in its middle. Returns the ids.
  std::vector<std::string> AttackAfterThreeDaysAndDamageTheRestorePoint() {
    for (int day = 1; day <= 3; ++day) {
      const std::set<fs::path> before = Packs();
      DailyChurn(day);
      CliResult backup = Run("backup " + Share().string());
      EXPECT_EQ(backup.exit_code, 0) << backup.out << backup.err;
      if (day < 3) continue;
      for (const fs::path& pack : Packs()) {
        if (before.contains(pack)) continue;
        std::fstream file(pack, std::ios::in | std::ios::out | std::ios::binary);
        const std::streamoff middle = static_cast<std::streamoff>(fs::file_size(pack) / 2);
        char byte = 0;
        file.seekg(middle);
        file.get(byte);
        file.seekp(middle);
        file.put(static_cast<char>(byte ^ 0x01));
      }
    }
    Encrypt();
    CliResult backup = Run("backup " + Share().string());
    EXPECT_EQ(backup.exit_code, 3) << backup.out << backup.err;
    return Ids();
  }

  std::set<fs::path> Packs() const {
    std::set<fs::path> packs;
    for (const auto& entry : fs::recursive_directory_iterator(dir_ / "repo" / "data")) {
      if (entry.is_regular_file()) packs.insert(entry.path());
    }
    return packs;
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
  ASSERT_EQ(summary["marks"].size(), 4u) << summary.dump();
  const std::vector<std::string> ids = Ids();
  ASSERT_EQ(ids.size(), 4u);
  for (const json& mark : summary["marks"]) EXPECT_EQ(mark["kind"], "hold");
  // The clean points and the infected snapshot itself (review R12-1: forgetting it made the
  // snapshots after the attack count as clean).
  EXPECT_EQ(Held(), (std::set<std::string>{ids[0], ids[1], ids[2], ids[3]}));
  // Global options may follow the subcommand, as after `key list`.
  CliResult trailing = Run("hold list --json --repo " + (dir_ / "repo").string());
  ASSERT_EQ(trailing.exit_code, 0) << trailing.err;
  EXPECT_EQ(json::parse(trailing.out).size(), 4u) << trailing.out;

  CliResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_NE(forget.out.find("held: newest clean restore point before infected snapshot " +
                            ids[3].substr(0, 8)),
            std::string::npos)
      << forget.out;
  EXPECT_EQ(Ids(), ids) << "forget removed a held snapshot";
  json listed = json::parse(Run("--json snapshots").out);
  EXPECT_TRUE(listed[2]["held"].get<bool>());
  EXPECT_TRUE(listed[3]["held"].get<bool>());
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
  EXPECT_EQ(Run("hold release " + ids[0].substr(0, 8)).exit_code, 1) << "not held";
  // The infected snapshot's own hold, released by a person, is placed again while the attack
  // stands (R13-H1/M2): released alone, a forget could remove the flag and make the encrypted
  // newest snapshot "clean". The release says so and names the ways to end the attack.
  CliResult evidence = Run("hold release " + ids[3].substr(0, 8));
  ASSERT_EQ(evidence.exit_code, 0) << evidence.err;
  EXPECT_NE(evidence.err.find("the next forget holds it again"), std::string::npos)
      << evidence.err;
  ASSERT_EQ(Run("forget --keep-last 1").exit_code, 0);
  EXPECT_EQ(Held(), (std::set<std::string>{ids[1], ids[2], ids[3]}));
  EXPECT_EQ(Ids(), (std::vector<std::string>{ids[1], ids[2], ids[3]}));
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
  ASSERT_EQ(planned.size(), 4u) << dry_json.out;
  EXPECT_TRUE(planned[0]["name"].is_null());
  CliResult dry = RunStormproof("forget --keep-last 1 --dry-run", copy_env);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would hold snapshot"), std::string::npos) << dry.out;
  CliResult forget = RunStormproof("forget --keep-last 1", copy_env);
  ASSERT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_NE(forget.out.find("held snapshot"), std::string::npos) << forget.out;
  json copies = json::parse(RunStormproof("--json snapshots", copy_env).out);
  ASSERT_EQ(copies.size(), 4u) << "forget removed a held copy";
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(copies[i]["held"].get<bool>()) << i;
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

// Review R12-1: the infected snapshot was not held, so `forget <it>` (the obvious cleanup) or a
// policy removed it; then nothing was flagged and latest-clean was the newest, encrypted,
// snapshot. The infected snapshot is held itself; a repository whose clean points were held
// before that gets its hold at the next forget (by id, forget refuses it meanwhile).
TEST_F(HoldCliTest, TheInfectedSnapshotIsHeldSoLatestCleanStaysBeforeTheAttack) {
  const std::vector<std::string> ids = AttackAfterThreeDays();
  for (int day = 5; day <= 6; ++day) {  // after the attack: judged clean against encrypted parents
    DailyChurn(day);
    Run("backup " + Share().string());
  }
  CliResult by_id = Run("forget " + ids[3].substr(0, 8));
  EXPECT_EQ(by_id.exit_code, 1) << by_id.out << by_id.err;
  EXPECT_NE(by_id.err.find("is held (the first snapshot of the attack (infected snapshot " +
                           ids[3].substr(0, 8)),
            std::string::npos)
      << by_id.err;
  // As before R12-1: the infected snapshot's own hold is not there.
  json holds = json::parse(Run("--json hold list").out);
  for (const json& hold : holds) {
    if (hold["snapshot"] != ids[3]) continue;
    const std::string name = hold["name"];
    for (const auto& entry : fs::recursive_directory_iterator(dir_ / "repo")) {
      if (entry.path().filename() == name) fs::remove(entry.path());
    }
  }
  ASSERT_FALSE(Held().contains(ids[3]));
  CliResult pending = Run("forget " + ids[3].substr(0, 8));
  EXPECT_EQ(pending.exit_code, 1) << pending.out << pending.err;
  EXPECT_NE(pending.err.find("is to be held ("), std::string::npos) << pending.err;
  CliResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_NE(forget.out.find("held snapshot " + ids[3].substr(0, 8)), std::string::npos)
      << forget.out;
  const std::vector<std::string> left = Ids();
  ASSERT_EQ(left.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(left.begin(), left.begin() + 4), ids);
  CliResult restore = Run("--json restore latest-clean --target " + (dir_ / "restored").string());
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(LastJsonLine(restore.out)["snapshot_id"], ids[2]) << restore.out;
}

// Review R12-3: a flagged snapshot arrives while forget is paused at its decision: a copy brings
// the infected snapshot into the copy repository, which holds nothing for it yet (a scan's flag
// did the same before scan placed holds itself). Forget reads the snapshots and marks again
// before removing, places the holds the flag asks for and removes none of what they hold. Fails
// when that read only looks at the standing holds.
TEST_F(HoldCliTest, AFlagArrivingWhileForgetDecidesHoldsWhatItAsksFor) {
  BackUpThreeDays();
  const std::string copy_env =
      "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string() +
      " STORMPROOF_REPOSITORY=" + (dir_ / "offsite").string();
  const std::string copy = "copy --from-repo " + (dir_ / "repo").string() +
                           " --from-password-file " + (dir_ / "password").string();
  ASSERT_EQ(RunStormproof("init", copy_env).exit_code, 0);
  ASSERT_EQ(RunStormproof(copy, copy_env).exit_code, 0);
  Encrypt();
  ASSERT_EQ(Run("backup " + Share().string()).exit_code, 3);
  auto offsite_ids = [&] {
    std::vector<std::string> ids;
    for (const json& s : json::parse(RunStormproof("--json snapshots", copy_env).out)) {
      ids.push_back(s["id"]);
    }
    return ids;
  };
  const std::vector<std::string> before = offsite_ids();
  ASSERT_EQ(before.size(), 3u);
  const fs::path paused = dir_ / "paused";
  const std::string command =
      "env " + env_ + " " + copy_env +
      " STORMPROOF_TEST_PAUSE='forget: decided' STORMPROOF_TEST_PAUSE_FILE=" + paused.string() +
      " " + STORMPROOF_BINARY + " forget --keep-last 1 >" + (dir_ / "out").string() + " 2>" +
      (dir_ / "err").string() + "; echo $? >" + (dir_ / "status").string();
  ASSERT_EQ(std::system(("(" + command + ") &").c_str()), 0);
  for (int i = 0; i < 6000 && !fs::exists(paused); ++i) ::usleep(10'000);
  ASSERT_TRUE(fs::exists(paused)) << ReadFile(dir_ / "err");
  CliResult copied = RunStormproof(copy, copy_env);
  ASSERT_EQ(copied.exit_code, 0) << copied.out << copied.err;
  fs::remove(paused);  // resume the forget
  for (int i = 0; i < 6000 && ReadFile(dir_ / "status").empty(); ++i) ::usleep(10'000);
  EXPECT_EQ(ReadFile(dir_ / "status"), "0\n") << ReadFile(dir_ / "err");
  const std::vector<std::string> after = offsite_ids();
  ASSERT_EQ(after.size(), 4u) << ReadFile(dir_ / "out") << ReadFile(dir_ / "err");
  EXPECT_EQ(std::vector<std::string>(after.begin(), after.begin() + 3), before);
  EXPECT_NE(ReadFile(dir_ / "out").find("held snapshot " + after[3].substr(0, 8)),
            std::string::npos)
      << ReadFile(dir_ / "out");
  EXPECT_NE(ReadFile(dir_ / "err").find("snapshot " + before[0].substr(0, 8) +
                                        " kept: held since the policy was applied"),
            std::string::npos)
      << ReadFile(dir_ / "err");
}

// Review R11-9: `repair snapshots --forget` rewrites the held restore point, which lost data,
// and removes it; the repaired snapshot takes over its hold, and forget's policy keeps it.
TEST_F(HoldCliTest, ARepairedHeldSnapshotIsHeldAndForgetKeepsIt) {
  const std::vector<std::string> ids = AttackAfterThreeDaysAndDamageTheRestorePoint();
  ASSERT_EQ(ids.size(), 4u);
  ASSERT_EQ(Held(), (std::set<std::string>{ids[0], ids[1], ids[2], ids[3]}));
  CliResult repaired = Run("--json repair snapshots --forget");
  ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;
  const json summary = LastJsonLine(repaired.out);
  ASSERT_EQ(summary["repaired"].size(), 1u) << summary.dump();
  const json& repair = summary["repaired"][0];
  EXPECT_EQ(repair["original"], ids[2]);
  EXPECT_TRUE(repair["original_removed"].get<bool>());
  const std::string repaired_id = repair["repaired"];
  ASSERT_EQ(repair["marks"].size(), 2u) << repair.dump();
  EXPECT_EQ(repair["marks"][0]["kind"], "hold");
  EXPECT_EQ(repair["marks"][1]["kind"], "release");  // the original's, gone with it

  EXPECT_EQ(Held(), (std::set<std::string>{ids[0], ids[1], repaired_id, ids[3]}));
  bool listed = false;
  for (const json& hold : json::parse(Run("--json hold list").out)) {
    if (hold["snapshot"] != repaired_id) continue;
    listed = true;
    EXPECT_EQ(hold["because"], ids[3]);
    const std::string reason = hold["reason"];
    EXPECT_EQ(reason.rfind("repaired from snapshot " + ids[2].substr(0, 8) +
                               ", held: newest clean restore point before ",
                           0),
              0u)
        << reason;
    EXPECT_NE(reason.find("snapshot " + ids[3].substr(0, 8)), std::string::npos) << reason;
  }
  EXPECT_TRUE(listed);
  CliResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_EQ(Ids(), (std::vector<std::string>{ids[0], ids[1], repaired_id, ids[3]}));
}

// Without --forget the held original stays, and forget by id refuses it while it is held.
TEST_F(HoldCliTest, AHeldSnapshotRepairedWithoutForgetStaysAndCannotBeForgotten) {
  const std::vector<std::string> ids = AttackAfterThreeDaysAndDamageTheRestorePoint();
  ASSERT_EQ(ids.size(), 4u);
  CliResult repaired = Run("repair snapshots");
  ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;
  EXPECT_NE(repaired.out.find("  held snapshot "), std::string::npos) << repaired.out;
  const std::vector<std::string> after = Ids();
  ASSERT_EQ(after.size(), 5u);
  EXPECT_EQ(Held().size(), 5u);
  CliResult forget = Run("forget " + ids[2].substr(0, 8));
  EXPECT_EQ(forget.exit_code, 1) << forget.out << forget.err;
  EXPECT_NE(forget.err.find("is held ("), std::string::npos) << forget.err;
  EXPECT_EQ(Ids(), after);
}

// The window left after that re-read: a hold placed after forget read the holds again, before
// it removes the snapshot. Forget reads the holds once more after removing and saves the
// snapshot again (a new id), held, saying so in one line; exit 3. Fails without that last read.
TEST_F(HoldCliTest, AHoldPlacedAfterForgetsReReadSavesTheSnapshotAgain) {
  BackUpThreeDays();
  const std::vector<std::string> ids = Ids();
  const fs::path paused = dir_ / "paused";
  const std::string command = "env " + env_ + " STORMPROOF_TEST_PAUSE='forget: holds read again' " +
                              "STORMPROOF_TEST_PAUSE_FILE=" + paused.string() + " " +
                              STORMPROOF_BINARY + " forget --keep-last 1 >" +
                              (dir_ / "out").string() + " 2>" + (dir_ / "err").string() +
                              "; echo $? >" + (dir_ / "status").string();
  ASSERT_EQ(std::system(("(" + command + ") &").c_str()), 0);
  for (int i = 0; i < 6000 && !fs::exists(paused); ++i) ::usleep(10'000);
  ASSERT_TRUE(fs::exists(paused)) << ReadFile(dir_ / "err");
  ASSERT_EQ(Run("hold add " + ids[0].substr(0, 8) + " --reason 'placed meanwhile'").exit_code, 0);
  fs::remove(paused);  // resume the forget
  for (int i = 0; i < 6000 && ReadFile(dir_ / "status").empty(); ++i) ::usleep(10'000);
  EXPECT_EQ(ReadFile(dir_ / "status"), "3\n") << ReadFile(dir_ / "err");
  const std::string err = ReadFile(dir_ / "err");
  EXPECT_NE(err.find("warning: snapshot " + ids[0].substr(0, 8) +
                     " was held while forget removed it (the hold was placed meanwhile): saved "
                     "again as snapshot "),
            std::string::npos)
      << err;
  const std::vector<std::string> left = Ids();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_NE(left[0], ids[0]);
  EXPECT_EQ(left[1], ids[2]);
  EXPECT_TRUE(Held().contains(left[0]));
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

// R12-6: `hold list --all` says who released each hold, when and why, and lists the false
// alarms people accepted: a forged or mistaken release is seen. Marks' texts reach the terminal
// escaped.
TEST_F(HoldCliTest, HoldListNamesWhoReleasedAHoldAndTheAcceptedFalseAlarms) {
  const std::vector<std::string> ids = AttackAfterThreeDays();
  ASSERT_EQ(Run("hold release " + ids[0].substr(0, 8) + " --reason \"$(printf 'x\\033[2Jy')\"")
                .exit_code,
            0);
  const json holds = json::parse(Run("--json hold list --all").out);
  size_t released = 0;
  for (const json& hold : holds) {
    if (hold["standing"].get<bool>()) {
      EXPECT_TRUE(hold["released_by"].is_null()) << hold;
      EXPECT_TRUE(hold["release_reason"].is_null()) << hold;
      continue;
    }
    ++released;
    EXPECT_EQ(hold["snapshot"], ids[0]);
    EXPECT_NE(hold["released_by"].get<std::string>().find('@'), std::string::npos) << hold;
    EXPECT_TRUE(hold["released_at"].is_string()) << hold;
    EXPECT_EQ(hold["release_reason"], "x\x1b[2Jy");
  }
  EXPECT_EQ(released, 1u) << holds;
  CliResult listed = Run("hold list --all");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(": x\\x1b[2Jy"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("released "), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find('\x1b'), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("False alarms accepted:\n  none"), std::string::npos) << listed.out;

  ASSERT_EQ(Run("hold release --false-alarm " + ids[3].substr(0, 8) + " --reason 'on purpose'")
                .exit_code,
            0);
  const json alarms = json::parse(Run("--json hold list --false-alarms").out);
  ASSERT_EQ(alarms.size(), 1u) << alarms;
  EXPECT_EQ(alarms[0]["snapshot"], ids[3]);
  EXPECT_EQ(alarms[0]["reason"], "on purpose");
  EXPECT_TRUE(alarms[0]["standing"].get<bool>());
  EXPECT_NE(alarms[0]["accepted_by"].get<std::string>().find('@'), std::string::npos);
  listed = Run("hold list --all");
  EXPECT_NE(listed.out.find("False alarms accepted:\n" + ids[3].substr(0, 8)), std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("on purpose"), std::string::npos) << listed.out;
  // `hold list --json` stays an array of holds.
  for (const json& hold : json::parse(Run("--json hold list --all").out)) {
    EXPECT_TRUE(hold.contains("placed_by")) << hold;
  }
}

// R12-8: after an attack is over and the systems restored, a person vouches for a snapshot
// taken after the recovery (`hold resolve`): latest-clean moves on to it and says why, while
// the holds stand. Resolving at the flagged snapshot itself, or where nothing is flagged, is
// refused.
TEST_F(HoldCliTest, ResolvingAnAttackLetsLatestCleanMoveOnAndKeepsTheHolds) {
  const std::vector<std::string> ids = AttackAfterThreeDays();
  const std::set<std::string> held = Held();
  ASSERT_FALSE(held.empty());
  for (int d = 0; d < kDirs; ++d) {
    for (int f = 0; f < kFilesPerDir; ++f) Write(d, f, Document(d, f, 10));
    fs::remove(Share() / ("dept" + std::to_string(d)) / "README-DECRYPT.txt");
  }
  CliResult recovered = Run("backup " + Share().string());
  ASSERT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
  const std::string after = NewestId();
  auto restore_point = [&](const std::string& target) {
    CliResult restore = Run("--json restore latest-clean --target " + (dir_ / target).string());
    EXPECT_EQ(restore.exit_code, 0) << restore.err;
    std::istringstream lines(restore.out);
    for (std::string line; std::getline(lines, line);) {
      const json j = json::parse(line, nullptr, false);
      if (j.is_object() && j.value("message_type", "") == "restore_point") return j;
    }
    return json();
  };
  EXPECT_EQ(restore_point("pinned")["snapshot_id"], ids[2]);

  EXPECT_EQ(Run("hold resolve " + ids[3].substr(0, 8)).exit_code, 1) << "flagged itself";
  EXPECT_EQ(Run("hold resolve " + ids[1].substr(0, 8)).exit_code, 1) << "nothing flagged before";
  CliResult resolved =
      Run("hold resolve " + after.substr(0, 8) + " --reason 'restored from backup on day 5'");
  ASSERT_EQ(resolved.exit_code, 0) << resolved.out << resolved.err;
  EXPECT_NE(resolved.out.find("attack resolved at snapshot " + after.substr(0, 8)),
            std::string::npos)
      << resolved.out;

  const json point = restore_point("after");
  EXPECT_EQ(point["snapshot_id"], after) << point;
  EXPECT_NE(point["reason"].get<std::string>().find(" vouched for snapshot " + after.substr(0, 8)),
            std::string::npos)
      << point;
  EXPECT_NE(point["reason"].get<std::string>().find("resolved: root@"), std::string::npos)
      << "who wrote the resolution (anyone holding the key could have): " << point;
  EXPECT_EQ(Held(), held);
  const json resolutions = json::parse(Run("--json hold list --resolutions").out);
  ASSERT_EQ(resolutions.size(), 1u) << resolutions;
  EXPECT_EQ(resolutions[0]["resolves"], json::array({ids[3]}));
  EXPECT_EQ(resolutions[0]["reason"], "restored from backup on day 5");
  EXPECT_EQ(Run("hold resolve " + after.substr(0, 8)).exit_code, 1) << "resolved already";
}

}  // namespace
}  // namespace stormproof::testing
