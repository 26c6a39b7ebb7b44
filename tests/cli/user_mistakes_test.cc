// End-to-end tests of the mistakes a new user makes: a restic or borg repository (or an empty
// directory, or a file) given as --repo, and a mistyped command. Each gets one clear line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

class UserMistakesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-mistakes-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "password") << "correct horse\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `stormproof snapshots --repo REPO` with a password, as a user would run it.
  CliResult Snapshots(const std::string& repo) {
    return RunStormproof(
        "snapshots --repo '" + repo + "'",
        "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string());
  }

  // Runs a shell command for the fixture; fails the test when it fails.
  void Shell(const std::string& command) { ASSERT_EQ(std::system(command.c_str()), 0) << command; }

  static void ExpectOneLine(const CliResult& r, const std::string& line) {
    EXPECT_EQ(r.err, "stormproof: " + line + "\n");
    EXPECT_EQ(r.out, "");
  }

  fs::path dir_;
};

TEST_F(UserMistakesTest, AResticRepositoryIsNamedAsOne) {
  const std::string repo = (dir_ / "restic-repo").string();
  Shell("RESTIC_PASSWORD=x RESTIC_CACHE_DIR='" + (dir_ / "cache").string() +
        "' restic init -q -r '" + repo + "' >/dev/null");
  CliResult r = Snapshots(repo);
  EXPECT_EQ(r.exit_code, 1);
  ExpectOneLine(r, repo +
                       ": this is a restic repository, not a stormproof one (use restic, or the "
                       "plan's kind: restic)");
  // Named before any password is asked for.
  CliResult no_password = RunStormproof("snapshots --repo '" + repo + "' </dev/null", "");
  EXPECT_THAT(no_password.err, HasSubstr("this is a restic repository")) << no_password.err;
}

TEST_F(UserMistakesTest, ABorgRepositoryIsNamedAsOne) {
  const std::string repo = (dir_ / "borg-repo").string();
  Shell("BORG_PASSPHRASE=x BORG_BASE_DIR='" + (dir_ / "borg-home").string() +
        "' borg init -e repokey '" + repo + "' >/dev/null 2>&1");
  CliResult r = Snapshots(repo);
  EXPECT_EQ(r.exit_code, 1);
  ExpectOneLine(r, repo +
                       ": this is a borg repository, not a stormproof one (use borg, or the "
                       "plan's kind: borg)");
}

TEST_F(UserMistakesTest, AnEmptyDirectoryOrAFileIsNamedAsSuch) {
  fs::create_directories(dir_ / "empty");
  CliResult empty = Snapshots((dir_ / "empty").string());
  EXPECT_EQ(empty.exit_code, 1);
  ExpectOneLine(empty, (dir_ / "empty").string() +
                           ": this is an empty directory, not a stormproof repository (create "
                           "one with 'stormproof init')");
  std::ofstream(dir_ / "file") << "not a repository\n";
  CliResult file = Snapshots((dir_ / "file").string());
  EXPECT_EQ(file.exit_code, 1);
  ExpectOneLine(file, (dir_ / "file").string() + ": is not a directory");
  // Any other directory without a config keeps the plain message.
  fs::create_directories(dir_ / "other");
  std::ofstream(dir_ / "other" / "notes.txt") << "hello\n";
  ExpectOneLine(Snapshots((dir_ / "other").string()),
                (dir_ / "other").string() + ": not a stormproof repository (no config)");
}

TEST_F(UserMistakesTest, AMistypedCommandSuggestsTheNearestOne) {
  CliResult top = RunStormproof("snapshot --json");
  EXPECT_EQ(top.exit_code, 2);
  ExpectOneLine(top, "unknown command 'snapshot'; did you mean 'snapshots'?");
  CliResult nested = RunStormproof("plan chek --plan x.yaml");
  EXPECT_EQ(nested.exit_code, 2);
  ExpectOneLine(nested, "unknown command 'plan chek'; did you mean 'plan check'?");
  CliResult far = RunStormproof("--plan x.yaml frobnicate");
  EXPECT_EQ(far.exit_code, 2);
  ExpectOneLine(far, "unknown command 'frobnicate'; run 'stormproof --help' for the commands");
  CliResult far_nested = RunStormproof("plan zzzzzz");
  EXPECT_EQ(far_nested.exit_code, 2);
  ExpectOneLine(far_nested,
                "unknown command 'plan zzzzzz'; run 'stormproof plan --help' for the commands");
  // No command at all: the usage error, in one line like every other.
  CliResult none = RunStormproof("");
  EXPECT_EQ(none.exit_code, 2);
  ExpectOneLine(none, "A subcommand is required; run 'stormproof --help' for the usage");
}

// A flag CLI11 refuses is one line too, naming where the command's usage is told.
TEST_F(UserMistakesTest, ABadFlagValueIsOneLineNamingTheCommandsHelp) {
  CliResult bad = RunStormproof("plan render --plan x.yaml --format pdf");
  EXPECT_EQ(bad.exit_code, 2);
  ExpectOneLine(bad, "--format: pdf not in {md,html}; run 'stormproof plan render --help' for "
                     "the usage");
  CliResult unknown = RunStormproof("plan check --plan x.yaml --frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, ::testing::StartsWith("stormproof: ")) << unknown.err;
  EXPECT_THAT(unknown.err, ::testing::HasSubstr("--frobnicate")) << unknown.err;
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;
}

}  // namespace
}  // namespace stormproof::testing
