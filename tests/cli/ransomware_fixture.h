// A share of office documents backed up for three days and then encrypted by ransomware, on the
// command line: the fixture of the ransomware CLI tests (ransomware_command_test.cc,
// hold_command_test.cc).
#ifndef STORMPROOF_TESTS_CLI_RANSOMWARE_FIXTURE_H_
#define STORMPROOF_TESTS_CLI_RANSOMWARE_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "tests/cli/cli_runner.h"

namespace stormproof::testing {

namespace fs = std::filesystem;

inline constexpr int kDirs = 6;
inline constexpr int kFilesPerDir = 10;

inline std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A page of office-like text: compressible, as the documents ransomware goes for are.
inline std::string Document(int dir, int file, int revision) {
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
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
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
    nlohmann::json all = nlohmann::json::parse(listed.out);
    return all.back()["id"].get<std::string>();
  }

  fs::path dir_;
  std::string env_;
};

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_CLI_RANSOMWARE_FIXTURE_H_
