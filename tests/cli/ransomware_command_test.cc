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

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kDirs = 6;
constexpr int kFilesPerDir = 10;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A page of office-like text: compressible, as the documents ransomware goes for are.
std::string Document(int dir, int file, int revision) {
  std::string text;
  for (int line = 0; text.size() < 12'000; ++line) {
    text += "Quarterly report " + std::to_string(dir) + "/" + std::to_string(file) + " rev " +
            std::to_string(revision) + ", line " + std::to_string(line) +
            ": revenue, costs and the plan for next year.\n";
  }
  return text;
}

class RansomwareCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-ransomware-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    for (int d = 0; d < kDirs; ++d) {
      fs::create_directories(Share() / ("dept" + std::to_string(d)));
      for (int f = 0; f < kFilesPerDir; ++f) Write(d, f, Document(d, f, 0));
    }
    std::ofstream(dir_ / "password") << "correct horse\n";
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string() +
           " STORMPROOF_REPOSITORY=" + (dir_ / "repo").string();
    ASSERT_EQ(Run("init").exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Run(const std::string& args) { return RunStormproof(args, env_); }
  fs::path Share() const { return dir_ / "share"; }
  fs::path FileOf(int d, int f) const {
    return Share() / ("dept" + std::to_string(d)) / ("report" + std::to_string(f) + ".txt");
  }
  void Write(int d, int f, const std::string& content) {
    std::ofstream(FileOf(d, f), std::ios::binary | std::ios::trunc) << content;
  }

  // A day's ordinary work: two documents revised.
  void DailyChurn(int day) {
    Write(day % kDirs, 0, Document(day % kDirs, 0, day));
    Write((day + 1) % kDirs, 1, Document((day + 1) % kDirs, 1, day));
  }

  // Three ordinary backups: the history the attack is judged against. Each must be clean.
  void BackUpThreeDays() {
    for (int day = 1; day <= 3; ++day) {
      DailyChurn(day);
      CliResult backup = Run("backup " + Share().string());
      ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
      ASSERT_NE(backup.out.find("(verdict: clean)"), std::string::npos) << backup.out;
    }
  }

  // Ransomware: every document overwritten in place with random bytes of the same size, and a
  // ransom note in every directory.
  void Encrypt() {
    std::mt19937_64 random(7);
    for (int d = 0; d < kDirs; ++d) {
      for (int f = 0; f < kFilesPerDir; ++f) {
        std::string content = ReadFile(FileOf(d, f));
        for (char& c : content) c = static_cast<char>(random());
        Write(d, f, content);
      }
      std::ofstream(Share() / ("dept" + std::to_string(d)) / "README-DECRYPT.txt")
          << "Your files are encrypted. Pay to get them back.\n";
    }
  }

  // The id of the newest snapshot, from `snapshots --json`.
  std::string NewestId() {
    CliResult listed = Run("snapshots --json");
    json all = json::parse(listed.out);
    return all.back()["id"].get<std::string>();
  }

  fs::path dir_;
  std::string env_;
};

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
