// End-to-end tests of how the real binary treats secrets: key strength in release and test
// builds, weak and damaged key files, password files others may read, and core dumps.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class KeySecurityCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-key-security-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    repo_ = (dir_ / "repo").string();
    password_file_ = (dir_ / "password").string();
    std::ofstream(password_file_) << "correct horse\n";
    ::chmod(password_file_.c_str(), 0600);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The environment of every command; `test_kdf`: with STORMPROOF_KDF_TEST=1.
  std::string Env(bool test_kdf = true) const {
    return std::string(test_kdf ? "STORMPROOF_KDF_TEST=1 " : "") +
           "STORMPROOF_PASSWORD_FILE=" + password_file_ + " STORMPROOF_REPOSITORY=" + repo_;
  }
  CliResult Run(const std::string& args, bool test_kdf = true) {
    return RunStormproof(args, Env(test_kdf));
  }
  CliResult RunRelease(const std::string& args, bool test_kdf = true) {
    return RunStormproof(args, Env(test_kdf), STORMPROOF_RELEASE_BINARY);
  }
  std::string KeyName() const {
    for (const auto& e : fs::directory_iterator(fs::path(repo_) / "keys")) {
      return e.path().filename().string();
    }
    return "";
  }
  json KeyFile() const { return json::parse(ReadAll(repo_ + "/keys/" + KeyName())); }

  fs::path dir_;
  std::string repo_, password_file_;
};

// STORMPROOF_KDF_TEST weakens keys only in the test copy of the CLI: the release binary, which
// does not link the test KDF, makes keys of full strength whatever the environment says.
TEST_F(KeySecurityCliTest, ReleaseBinaryIgnoresTheTestKdf) {
  CliResult init = RunRelease("init");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(KeyFile()["ops"], 4);
  EXPECT_EQ(KeyFile()["mem"], 56 << 20);
  CliResult check = RunRelease("check");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(check.out, Not(HasSubstr("warning:"))) << check.out;

  fs::remove_all(repo_);
  ASSERT_EQ(Run("init").exit_code, 0);
  EXPECT_EQ(KeyFile()["ops"], 1) << "the test copy honours STORMPROOF_KDF_TEST";
  EXPECT_EQ(KeyFile()["mem"], 8192);
}

// Test hooks are inert in the release binary, like the test KDF: a STORMPROOF_TEST_FAIL_AT or
// STORMPROOF_TEST_CRASH_AT left in an operator's environment (copied from a CI job, a shell
// profile) must not fail or SIGKILL a real backup, and STORMPROOF_TEST_CRASH_TRACE must not make
// it append to an arbitrary file. The test copy of the CLI honours them.
TEST_F(KeySecurityCliTest, ReleaseBinaryIgnoresCrashPointHooks) {
  const std::string trace = (dir_ / "trace").string();
  CliResult test_copy = RunStormproof("init", Env(false) + " STORMPROOF_TEST_FAIL_AT=1");
  EXPECT_NE(test_copy.exit_code, 0) << "the test copy must honour the hook";
  EXPECT_THAT(test_copy.err, HasSubstr("injected I/O error")) << test_copy.err;
  fs::remove_all(repo_);
  CliResult failed = RunStormproof(
      "init", Env(false) + " STORMPROOF_TEST_FAIL_AT=1 STORMPROOF_TEST_CRASH_TRACE=" + trace,
      STORMPROOF_RELEASE_BINARY);
  EXPECT_EQ(failed.exit_code, 0) << failed.err;
  EXPECT_FALSE(fs::exists(trace)) << "the release binary wrote a crash trace";
  fs::remove_all(repo_);
  CliResult killed = RunStormproof("init", Env(false) + " STORMPROOF_TEST_CRASH_AT=1",
                                   STORMPROOF_RELEASE_BINARY);
  EXPECT_EQ(killed.exit_code, 0) << "killed by a test crash point: " << killed.err;
}

TEST_F(KeySecurityCliTest, CheckWarnsAboutAWeakKeyFileAndStillPasses) {
  ASSERT_EQ(Run("init").exit_code, 0);  // 1 pass over 8 KiB
  const std::string warning =
      "warning: key " + KeyName() +
      ": weak Argon2id parameters: 1 pass over 8 KiB, below the floor of 2 passes over 19 MiB "
      "for new keys (replace it: 'stormproof key passwd' with its password)\n";
  CliResult check = RunRelease("check", /*test_kdf=*/false);
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.out, HasSubstr(warning)) << check.out;
  EXPECT_THAT(check.out, HasSubstr("no errors were found")) << check.out;
  CliResult as_json = RunRelease("check --json", /*test_kdf=*/false);
  EXPECT_EQ(as_json.exit_code, 0) << as_json.err;
  json summary = json::parse(as_json.out);
  EXPECT_EQ(summary["ok"], true);
  ASSERT_EQ(summary["warnings"].size(), 1u);
  EXPECT_EQ(summary["warnings"][0].get<std::string>() + "\n", warning.substr(9));
  // key passwd replaces it with a key of full strength; the warning goes.
  ASSERT_EQ(RunRelease("key passwd --new-password-file " + password_file_, false).exit_code, 0);
  EXPECT_EQ(KeyFile()["ops"], 4);
  EXPECT_THAT(RunRelease("check", false).out, Not(HasSubstr("warning:")));
}

TEST_F(KeySecurityCliTest, DamagedKeyFileIsNamedNotCalledAWrongPassword) {
  ASSERT_EQ(Run("init").exit_code, 0);
  const std::string key = repo_ + "/keys/" + KeyName();
  fs::resize_file(key, fs::file_size(key) - 40);
  CliResult r = Run("snapshots");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "stormproof: no key in " + repo_ + "/keys can be used: key file " + key +
                       " is damaged: not a JSON key file\n");
}

TEST_F(KeySecurityCliTest, PasswordFileReadableByOthersIsWarnedAboutOnce) {
  ASSERT_EQ(Run("init").exit_code, 0);
  CliResult private_file = Run("snapshots");
  EXPECT_EQ(private_file.exit_code, 0);
  EXPECT_EQ(private_file.err, "");
  ::chmod(password_file_.c_str(), 0644);
  const std::string warning = "warning: password file " + password_file_ +
                              " is readable by group or others (chmod 600 " + password_file_ +
                              ")\n";
  CliResult shared = Run("snapshots");
  EXPECT_EQ(shared.exit_code, 0);
  EXPECT_EQ(shared.err, warning);
  // Read twice (the current and the new password): said once.
  CliResult twice = Run("key add --new-password-file " + password_file_);
  EXPECT_EQ(twice.exit_code, 0) << twice.err;
  EXPECT_EQ(twice.err, warning);
}

// The process cannot dump core once it runs: checked while it waits for its password, which it
// reads from a FIFO this test writes.
TEST_F(KeySecurityCliTest, CoreDumpsAreOffBeforeThePasswordIsRead) {
  ASSERT_EQ(Run("init").exit_code, 0);
  const std::string fifo = (dir_ / "password.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    rlimit core{};  // start from the largest core size allowed, so that 0 means stormproof set it
    ::getrlimit(RLIMIT_CORE, &core);
    core.rlim_cur = core.rlim_max;
    ::setrlimit(RLIMIT_CORE, &core);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execl(STORMPROOF_RELEASE_BINARY, "stormproof", "snapshots", "--repo", repo_.c_str(),
            "--password-file", fifo.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int writer = -1;
  for (int i = 0; i < 1000 && writer < 0; ++i) {  // until the child opens the FIFO (<= 10 s)
    writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string limits = ReadAll("/proc/" + std::to_string(child) + "/limits");
  struct stat proc {};
  int stat_result = ::stat(("/proc/" + std::to_string(child) + "/status").c_str(), &proc);
  if (writer >= 0) {
    const char password[] = "correct horse\n";
    EXPECT_EQ(::write(writer, password, sizeof password - 1),
              static_cast<ssize_t>(sizeof password - 1));
    ::close(writer);
  } else {
    ::kill(child, SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_GE(writer, 0) << "stormproof never opened its password file";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::istringstream lines(limits);
  std::string line, soft;
  while (std::getline(lines, line)) {
    if (line.rfind("Max core file size", 0) == 0) std::istringstream(line.substr(26)) >> soft;
  }
  EXPECT_EQ(soft, "0") << limits;
  // Not dumpable: the files in its /proc directory belong to root (which tells only when the
  // test, and so stormproof, does not run as root).
  if (::getuid() != 0) {
    ASSERT_EQ(stat_result, 0);
    EXPECT_EQ(proc.st_uid, 0u);
  }
}

}  // namespace
}  // namespace stormproof::testing
