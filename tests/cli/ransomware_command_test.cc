// End-to-end tests of ransomware detection on the command line (issue 16): a backup after files
// were encrypted in place is judged, says so and exits 3; `restore latest-clean` restores the
// last snapshot before the attack; canaries; --no-detect; what refuses `latest-clean`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "tests/cli/cli_runner.h"
#include "tests/cli/ransomware_fixture.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST_F(RansomwareCliTest, AnEncryptingAttackIsInfectedAndTheCleanPointIsTheLastBackupBefore) {
  BackUpThreeDays();
  const std::string before_attack = NewestId();
  const std::string original = ReadFile(FileOf(2, 5));
  Encrypt();

  CliResult backup = Run("backup " + Share().string());
  EXPECT_EQ(backup.exit_code, 3) << backup.out << backup.err;
  EXPECT_NE(backup.out.find("is INFECTED (score "), std::string::npos) << backup.out;
  EXPECT_NE(backup.err.find("warning: snapshot "), std::string::npos) << backup.err;
  EXPECT_NE(backup.out.find("newest clean restore point: snapshot " + before_attack.substr(0, 8)),
            std::string::npos)
      << backup.out;

  json listed = json::parse(Run("snapshots --json").out);
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed.back()["verdict"]["level"], "infected") << listed.back().dump();
  EXPECT_FALSE(listed.back()["verdict"]["reasons"].empty());
  EXPECT_EQ(listed[2]["verdict"]["level"], "clean");

  CliResult restore = Run("restore latest-clean --target " + (dir_ / "out").string());
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  EXPECT_NE(restore.err.find("restoring snapshot " + before_attack.substr(0, 8)),
            std::string::npos)
      << restore.err;
  EXPECT_NE(restore.err.find("newest clean snapshot; 1 newer flagged"), std::string::npos)
      << restore.err;
  fs::path restored = dir_ / "out" / FileOf(2, 5).relative_path();
  EXPECT_EQ(ReadFile(restored), original);
  EXPECT_FALSE(fs::exists(restored.parent_path() / "README-DECRYPT.txt"));
}

TEST_F(RansomwareCliTest, JsonSummaryCarriesTheVerdictAndTheCleanPoint) {
  BackUpThreeDays();
  Encrypt();
  CliResult backup = Run("--json backup " + Share().string());
  EXPECT_EQ(backup.exit_code, 3);
  json summary;
  std::istringstream lines(backup.out);
  for (std::string text; std::getline(lines, text);) {
    json line = json::parse(text);
    if (line["message_type"] == "summary") summary = line;
  }
  ASSERT_TRUE(summary.is_object()) << backup.out;
  EXPECT_EQ(summary["verdict"]["level"], "infected") << summary.dump();
  EXPECT_GE(summary["verdict"]["score"].get<int>(), 70);
  EXPECT_NE(summary["clean_point"].get<std::string>().find("newest clean restore point"),
            std::string::npos);

  CliResult restore = Run("--json restore latest-clean --target " + (dir_ / "out").string());
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_NE(restore.out.find("\"message_type\":\"restore_point\""), std::string::npos)
      << restore.out;
}

TEST_F(RansomwareCliTest, WithoutDetectionNothingIsJudged) {
  BackUpThreeDays();
  Encrypt();
  CliResult backup = Run("--json backup --no-detect " + Share().string());
  EXPECT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  json listed = json::parse(Run("snapshots --json").out);
  EXPECT_TRUE(listed.back()["verdict"].is_null()) << listed.back().dump();
}

TEST_F(RansomwareCliTest, AChangedCanaryIsInfectedOnItsOwn) {
  fs::path canary = Share() / "dept0" / "!Budget 2027.xlsx";
  std::ofstream(canary) << "decoy: nobody opens this\n";
  std::string flag = " --canary '" + canary.string() + "' ";
  for (int day = 1; day <= 3; ++day) {
    DailyChurn(day);
    ASSERT_EQ(Run("backup" + flag + Share().string()).exit_code, 0);
  }
  std::ofstream(canary, std::ios::app) << "touched\n";  // nothing else changed
  CliResult backup = Run("backup" + flag + Share().string());
  EXPECT_EQ(backup.exit_code, 3) << backup.out;
  EXPECT_NE(backup.out.find("is INFECTED"), std::string::npos) << backup.out;
  EXPECT_NE(backup.out.find("Budget 2027.xlsx"), std::string::npos) << backup.out;
}

TEST_F(RansomwareCliTest, LatestCleanNeedsOneGroupAndForgetRefusesIt) {
  BackUpThreeDays();
  fs::create_directories(dir_ / "other");
  std::ofstream(dir_ / "other" / "x.txt") << "x\n";
  ASSERT_EQ(Run("backup " + (dir_ / "other").string()).exit_code, 0);

  CliResult mixed = Run("restore latest-clean --target " + (dir_ / "out").string());
  EXPECT_EQ(mixed.exit_code, 2) << mixed.err;
  EXPECT_NE(mixed.err.find("choose one with --host, --path or --tag"), std::string::npos)
      << mixed.err;
  EXPECT_FALSE(fs::exists(dir_ / "out"));

  CliResult one = Run("restore latest-clean --path " + Share().string() + " --target " +
                      (dir_ / "out").string());
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.err.find("newest snapshot (none flagged)"), std::string::npos) << one.err;

  CliResult forget = Run("forget latest-clean");
  EXPECT_EQ(forget.exit_code, 2) << forget.err;
  EXPECT_NE(forget.err.find("restore point to keep"), std::string::npos) << forget.err;
  EXPECT_EQ(json::parse(Run("snapshots --json").out).size(), 4u);
}

}  // namespace
}  // namespace stormproof::testing
