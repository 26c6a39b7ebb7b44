// Exit codes a script can tell apart (apps/stormproof/exit_codes.h, docs/cli.md EXIT STATUS): the
// real binary on a real repository that is missing, locked, opened with a wrong password or
// damaged. Each code must mean one thing whatever the command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "engine/backend/backend.h"
#include "engine/crypto/crypto.h"
#include "engine/repository/lock.h"
#include "engine/repository/repository.h"
#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

// The numbers docs/cli.md promises; spelled out here so that a renumbering fails this test.
constexpr int kUsage = 2;
constexpr int kProblems = 3;
constexpr int kNoRepository = 10;
constexpr int kLocked = 11;
constexpr int kWrongPassword = 12;
constexpr int kCorrupt = 13;

class ExitCodesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-exit-codes-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "data/hello.txt") << "hello, world\n";
    std::ofstream(dir_ / "password") << "correct horse\n";
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string() +
           " STORMPROOF_REPOSITORY=" + Repo();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Repo() const { return (dir_ / "repo").string(); }
  CliResult Run(const std::string& args) { return RunStormproof(args, env_); }
  void InitAndBackUp() {
    ASSERT_EQ(Run("init").exit_code, 0);
    CliResult backup = Run("backup -q " + (dir_ / "data").string());
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
  }
  // Flips one byte inside the first blob of every pack (just after the pack's salt), so that
  // every blob read from the repository fails its authentication.
  void DamageEveryPack() {
    size_t damaged = 0;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(Repo()) / "data")) {
      if (!e.is_regular_file()) continue;
      std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
      const auto at = static_cast<std::streamoff>(crypto::kSaltSize + 20);
      char c = 0;
      f.seekg(at);
      f.read(&c, 1);
      c = static_cast<char>(c ^ 0x40);
      f.seekp(at);
      f.write(&c, 1);
      ++damaged;
    }
    ASSERT_GT(damaged, 0u);
  }

  fs::path dir_;
  std::string env_;
};

TEST_F(ExitCodesTest, MissingRepositoryExits10) {
  for (const char* command : {"snapshots", "check", "backup -q /dev/null", "key list"}) {
    CliResult r = Run(command);
    EXPECT_EQ(r.exit_code, kNoRepository) << command << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("repository directory does not exist")) << r.err;
  }
}

TEST_F(ExitCodesTest, NoRepositoryGivenIsStillAUsageError) {
  CliResult r = RunStormproof("snapshots", "STORMPROOF_KDF_TEST=1");
  EXPECT_EQ(r.exit_code, kUsage) << r.err;
}

TEST_F(ExitCodesTest, WrongPasswordExits12WithTheSameMessage) {
  InitAndBackUp();
  for (const char* command : {"snapshots", "check", "ls latest", "key list"}) {
    CliResult r = RunStormproof(command,
                                "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD=wrong "
                                "STORMPROOF_REPOSITORY=" +
                                    Repo());
    EXPECT_EQ(r.exit_code, kWrongPassword) << command << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("wrong password: no key in ")) << r.err;
  }
}

TEST_F(ExitCodesTest, LockedRepositoryExits11) {
  InitAndBackUp();
  // This test process holds the exclusive lock (alive, on this host: not stale).
  auto backend = backend::OpenLocalBackend(Repo());
  ASSERT_THAT(backend, IsOk());
  auto repo = repository::Repository::Open(std::move(backend).value(), "correct horse");
  ASSERT_THAT(repo, IsOk());
  auto lock = (*repo)->AcquireLock(repository::Repository::LockKind::kExclusive);
  ASSERT_THAT(lock, IsOk());
  for (const std::string& command : {"backup -q " + (dir_ / "data").string(), std::string("prune"),
                                     std::string("check"), std::string("forget --keep-last 1")}) {
    CliResult r = Run(command);
    EXPECT_EQ(r.exit_code, kLocked) << command << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("locked")) << r.err;
  }
  lock->reset();
  EXPECT_EQ(Run("check").exit_code, 0);  // the same commands run once the lock is gone
}

TEST_F(ExitCodesTest, CorruptDataExits13WhereItStopsTheCommand) {
  InitAndBackUp();
  DamageEveryPack();
  CliResult ls = Run("ls latest");
  EXPECT_EQ(ls.exit_code, kCorrupt) << ls.out << ls.err;
  EXPECT_THAT(ls.err, HasSubstr("cannot be decrypted")) << ls.err;
  CliResult json = Run("--json ls latest");
  EXPECT_EQ(json.exit_code, kCorrupt) << json.err;
}

TEST_F(ExitCodesTest, CheckStillReportsDamageItFoundAsProblems) {
  // check's job is to find damage: what it finds is exit 3 (docs/cli.md), never 13.
  InitAndBackUp();
  DamageEveryPack();
  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, kProblems) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("damaged pack")) << check.out;
}

TEST_F(ExitCodesTest, HelpListsEveryCode) {
  CliResult help = Run("--help");
  ASSERT_EQ(help.exit_code, 0);
  for (const char* line : {"  10 the repository does not exist", "  11 locked",
                           "  12 wrong password", "  13 corrupt", "130, 143  interrupted"}) {
    EXPECT_THAT(help.out, HasSubstr(line)) << line << "\n" << help.out;
  }
}

}  // namespace
}  // namespace stormproof::testing
