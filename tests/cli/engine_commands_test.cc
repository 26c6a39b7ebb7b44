// End-to-end tests of the backup engine commands: the real binary on real files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

class EngineCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-engine-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "sub");
    repo_ = (dir_ / "repo").string();
    std::ofstream(dir_ / "password") << "correct horse\n";
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string() +
           " STORMPROOF_REPOSITORY=" + repo_;
    Write("data/hello.txt", "hello, world\n");
    Write("data/sub/big.bin", RandomBytes(3 << 20));
    Write("data/sub/empty", "");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  static std::string RandomBytes(size_t n) {
    std::mt19937_64 rng(1);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  }
  CliResult Run(const std::string& args) { return RunStormproof(args, env_); }
  std::string Data() { return (dir_ / "data").string(); }

  fs::path dir_;
  std::string repo_, env_;
};

TEST_F(EngineCliTest, BackupAndRestoreRoundTrip) {
  ASSERT_EQ(Run("init").exit_code, 0);
  CliResult backup = Run("backup " + Data());
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_THAT(backup.out, HasSubstr("snapshot "));
  std::string target = (dir_ / "restored").string();
  CliResult restore = Run("restore latest --verify --target " + target);
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  std::string restored = target + Data();  // absolute paths are kept below the target
  EXPECT_EQ(::system(("diff -r " + Data() + " " + restored).c_str()), 0);
}

TEST_F(EngineCliTest, InitRefusesNonEmptyDirectory) {
  fs::create_directories(repo_);
  std::ofstream(fs::path(repo_) / "precious.txt") << "keep me";
  CliResult r = Run("init");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("not empty")) << r.err;
  EXPECT_TRUE(fs::exists(fs::path(repo_) / "precious.txt"));
}

TEST_F(EngineCliTest, WrongPasswordIsOneClearLine) {
  ASSERT_EQ(Run("init").exit_code, 0);
  CliResult r = RunStormproof("snapshots",
                              "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD=wrong "
                              "STORMPROOF_REPOSITORY=" +
                                  repo_);
  EXPECT_EQ(r.exit_code, 12);  // wrong password (docs/cli.md, EXIT STATUS)
  EXPECT_THAT(r.err, HasSubstr("wrong password")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(EngineCliTest, MissingRepositoryAndPassword) {
  CliResult missing = Run("snapshots");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr(repo_)) << missing.err;
  CliResult no_password =
      RunStormproof("snapshots --repo " + repo_ + " </dev/null", "STORMPROOF_KDF_TEST=1");
  EXPECT_NE(no_password.exit_code, 0);
}

TEST_F(EngineCliTest, UnchangedBackupReadsNothingNew) {
  ASSERT_EQ(Run("init").exit_code, 0);
  ASSERT_EQ(Run("backup " + Data()).exit_code, 0);
  CliResult second = Run("backup --json " + Data());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto summary = LastJsonLine(second.out);
  EXPECT_EQ(summary["message_type"], "summary");
  EXPECT_EQ(summary["files_unmodified"], 3);
  EXPECT_EQ(summary["files_new"], 0);
}

TEST_F(EngineCliTest, SnapshotsListsTagsAndFilters) {
  ASSERT_EQ(Run("init").exit_code, 0);
  ASSERT_EQ(Run("backup --tag client=acme " + Data()).exit_code, 0);
  ASSERT_EQ(Run("backup --tag client=other " + Data()).exit_code, 0);
  auto all = nlohmann::json::parse(Run("snapshots --json").out);
  EXPECT_EQ(all.size(), 2u);
  auto acme = nlohmann::json::parse(Run("snapshots --json --tag client=acme").out);
  ASSERT_EQ(acme.size(), 1u);
  EXPECT_EQ(acme[0]["tags"]["client"], "acme");
}

TEST_F(EngineCliTest, CheckPassesThenNamesTheDamagedPack) {
  ASSERT_EQ(Run("init").exit_code, 0);
  ASSERT_EQ(Run("backup " + Data()).exit_code, 0);
  CliResult clean = Run("check --read-data");
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  // Flip one byte in the middle of the largest pack.
  fs::path biggest;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(repo_) / "data")) {
    if (e.is_regular_file() && (biggest.empty() || e.file_size() > fs::file_size(biggest))) {
      biggest = e.path();
    }
  }
  ASSERT_FALSE(biggest.empty());
  {
    std::fstream f(biggest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(biggest) / 2));
    char c;
    f.seekg(f.tellp());
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x40);
    f.seekp(static_cast<std::streamoff>(fs::file_size(biggest) / 2));
    f.write(&c, 1);
  }
  CliResult damaged = Run("check --read-data");
  EXPECT_EQ(damaged.exit_code, 3);
  EXPECT_THAT(damaged.out, HasSubstr(biggest.filename().string())) << damaged.out;
  EXPECT_THAT(damaged.out, HasSubstr("big.bin")) << damaged.out;
}

TEST_F(EngineCliTest, RestoreUnknownSnapshotIsAnError) {
  ASSERT_EQ(Run("init").exit_code, 0);
  CliResult r = Run("restore deadbeef --target " + (dir_ / "t").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("no snapshot 'deadbeef'")) << r.err;
}

TEST_F(EngineCliTest, TwoBackupsAtOnceBothSucceed) {
  ASSERT_EQ(Run("init").exit_code, 0);
  fs::create_directories(dir_ / "other");
  Write("other/file.bin", RandomBytes(5 << 20));
  std::string bin = STORMPROOF_BINARY;
  std::string both = env_ + " " + bin + " backup -q " + Data() + " >/dev/null & a=$!; " + env_ +
                     " " + bin + " backup -q " + (dir_ / "other").string() +
                     " >/dev/null & b=$!; wait $a && wait $b";
  EXPECT_EQ(::system(("bash -c '" + both + "'").c_str()), 0);
  auto snapshots = nlohmann::json::parse(Run("snapshots --json").out);
  EXPECT_EQ(snapshots.size(), 2u);
  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out;
}

TEST_F(EngineCliTest, BackupOfMissingPathIsAUsageError) {
  ASSERT_EQ(Run("init").exit_code, 0);
  CliResult r = Run("backup " + (dir_ / "nope").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("nope"));
}

}  // namespace
}  // namespace stormproof::testing
