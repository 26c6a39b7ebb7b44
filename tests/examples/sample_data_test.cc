// The example MSP's sample data (examples/acme-msp/sample-data/generate) against the example plan
// itself: every system's backup paths exist under the generated root, and every system's verify
// command passes there, run the way a drill runs it (/bin/sh -c, STORMPROOF_RESTORE_PATH set).
// The same commands must fail on an empty root, so a passing verify means the data is right.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "continuity/plan/loader.h"
#include "continuity/plan/plan.h"
#include "tests/matchers.h"

namespace stormproof {
namespace {

namespace fs = std::filesystem;

const std::string kExample = std::string(STORMPROOF_EXAMPLES) + "/acme-msp";

struct Output {
  int exit_code = -1;
  std::string text;  // stdout and stderr
};

// Runs `command` with /bin/sh, capturing its output; `root` becomes STORMPROOF_RESTORE_PATH.
// A command that hangs is killed after 120 s and counts as failed.
Output RunShell(const std::string& command, const std::string& root) {
  std::string env = "STORMPROOF_RESTORE_PATH='" + root + "' ";
  std::string wrapped = env + "timeout 120 /bin/sh -c '" + [&] {
    std::string quoted;
    for (char c : command) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return quoted;
  }() + "' </dev/null 2>&1";
  Output out;
  FILE* pipe = ::popen(wrapped.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.text.append(buffer, n);
  int status = ::pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

class SampleDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("stormproof-sample-data-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_ / "empty");
    generated_ = new Output(Generate());
    plan_ = new plan::LoadResult(plan::LoadPlan(kExample + "/plan.yaml"));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete generated_;
    delete plan_;
  }

  static std::string Root() { return (*dir_ / "root").string(); }
  static Output Generate() {
    return RunShell(
        "'" + kExample + "/sample-data/generate' '" + Root() + "' --seed 3 --scale 0.02", "");
  }
  static const plan::Plan& Plan() { return plan_->plan; }

  // The systems that are backed up, i.e. the ones a drill restores and verifies.
  static std::vector<const plan::System*> BackedUp() {
    std::vector<const plan::System*> systems;
    for (const plan::System& s : Plan().systems) {
      if (!s.backup.paths.empty()) systems.push_back(&s);
    }
    return systems;
  }

  static fs::path* dir_;
  static Output* generated_;
  static plan::LoadResult* plan_;
};

fs::path* SampleDataTest::dir_ = nullptr;
Output* SampleDataTest::generated_ = nullptr;
plan::LoadResult* SampleDataTest::plan_ = nullptr;

// Every system is backed up, has a verify command, finds its paths and passes its verify command.
TEST_F(SampleDataTest, EveryBackupPathExistsAndEveryVerifyCommandPasses) {
  ASSERT_EQ(generated_->exit_code, 0) << generated_->text;
  ASSERT_TRUE(plan_->readable);
  EXPECT_GE(BackedUp().size(), 40u);
  for (const plan::System* s : BackedUp()) {
    for (const std::string& path : s->backup.paths) {
      EXPECT_TRUE(fs::is_directory(plan::HostPath(Root(), path))) << s->id << ": " << path;
    }
    ASSERT_FALSE(s->verify_command.empty()) << s->id;
    Output verify = RunShell(s->verify_command, Root());
    EXPECT_EQ(verify.exit_code, 0) << s->id << ": " << s->verify_command << "\n" << verify.text;
  }
}

// The verify commands can fail: on an empty root every one does, and one damaged byte in a SQL
// backup fails its system's checksum manifest.
TEST_F(SampleDataTest, VerifyCommandsFailOnMissingOrDamagedData) {
  ASSERT_EQ(generated_->exit_code, 0) << generated_->text;
  for (const plan::System* s : BackedUp()) {
    Output verify = RunShell(s->verify_command, (*dir_ / "empty").string());
    EXPECT_NE(verify.exit_code, 0) << s->id << ": " << s->verify_command;
  }
  const fs::path copy = *dir_ / "damaged";
  fs::remove_all(copy);
  fs::create_directories(copy);
  fs::copy(Root() + "/D", copy / "D", fs::copy_options::recursive);
  {
    std::fstream bak(copy / "D/SQLBackups/MES/MES_full.bak",
                     std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(bak.good());
    bak.seekp(5000);
    bak.put('\x5a');
  }
  bool found = false;
  for (const plan::System* s : BackedUp()) {
    if (s->id != "ppe-sql") continue;
    found = true;
    EXPECT_EQ(RunShell(s->verify_command, Root()).exit_code, 0);
    EXPECT_NE(RunShell(s->verify_command, copy.string()).exit_code, 0);
  }
  EXPECT_TRUE(found) << "ppe-sql is not in the example plan";
}

// Re-running with the same seed and scale writes nothing and removes files it did not produce.
TEST_F(SampleDataTest, RerunIsIdempotentAndRemovesStrayFiles) {
  ASSERT_EQ(generated_->exit_code, 0) << generated_->text;
  const fs::path stray = Root() + "/E/Shares/Finance/stray.tmp";
  fs::create_directories(stray.parent_path());
  std::ofstream(stray) << "not ours";
  const fs::path outside = Root() + "/srv/nas/keep.txt";  // not a system's path: left alone
  fs::create_directories(outside.parent_path());
  std::ofstream(outside) << "repository";
  Output again = Generate();
  ASSERT_EQ(again.exit_code, 0) << again.text;
  EXPECT_THAT(again.text, HasSubstr("0 files written, 1 removed")) << again.text;
  EXPECT_FALSE(fs::exists(stray));
  EXPECT_TRUE(fs::exists(outside));
}

}  // namespace
}  // namespace stormproof
