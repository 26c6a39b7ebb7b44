// The command adapter with real shell commands.
#include <signal.h>

#include "tests/core/environment_fixture.h"
#include "continuity/access/internal/adapters.h"
#include "tests/continuity/access/external_fixture.h"
#include "tests/matchers.h"

namespace stormproof::access {
namespace {

using std::chrono::seconds;

class CommandAdapterTest : public ExternalRepoTest {
 protected:
  std::unique_ptr<Adapter> MakeCommand(const std::string& command, seconds timeout = seconds(60)) {
    return NewCommandAdapter(CommandRestore{command, timeout, "payroll"});
  }
  Result<RestoreStats> Restore(const std::string& command, seconds timeout = seconds(60)) {
    auto adapter = MakeCommand(command, timeout);
    return adapter->Restore(adapter->List()->front(), Path("target"), nullptr);
  }
};

TEST_F(CommandAdapterTest, ListsOneRestorePointOfUnknownTime) {
  Result<std::vector<RestorePoint>> points = MakeCommand("true")->List();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 1u);
  EXPECT_EQ(points->front().id, "command");
  EXPECT_EQ(points->front().time_ns, 0);
}

TEST_F(CommandAdapterTest, RestoresWithTheCommandAndReadsThePointTime) {
  auto adapter = MakeCommand(
      "cp -a '" + source_ +
      "' \"$STORMPROOF_RESTORE_PATH/src\" && "
      "case \"$STORMPROOF_RESTORE_POINT_FILE\" in \"$STORMPROOF_RESTORE_PATH\"*) exit 9;; esac && "
      "echo 2026-01-02T03:04:05.5+01:00 > \"$STORMPROOF_RESTORE_POINT_FILE\"");
  uint64_t reported = 0;
  Result<RestoreStats> stats = adapter->Restore(adapter->List()->front(), Path("target"),
                                                [&](const ProgressEvent& e) {
                                                  reported = e.Get(ProgressUnit::kBytes)->done;
                                                });
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->files, kFixtureFiles);
  EXPECT_EQ(stats->bytes, kFixtureBytes);
  EXPECT_EQ(reported, kFixtureBytes);
  EXPECT_EQ(stats->point_time_ns, 1767319445'500'000'000);  // 2026-01-02T02:04:05.5Z
  ExpectSameTree(source_, Path("target") + "/src");

  Result<DataCheck> check = adapter->CheckData(adapter->List()->front(), Path("target"));
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->files_checked, kFixtureFiles);
  EXPECT_TRUE(check->problems.empty());
}

TEST_F(CommandAdapterTest, AcceptsUnixSecondsAndNoTimeAtAll) {
  Result<RestoreStats> stats = Restore("echo 1767319445 > \"$STORMPROOF_RESTORE_POINT_FILE\"");
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->point_time_ns, int64_t{1767319445} * 1'000'000'000);
  stats = Restore("true");
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->point_time_ns, 0);
}

TEST_F(CommandAdapterTest, UnreadablePointTimeIsAParseError) {
  Result<RestoreStats> stats = Restore("echo yesterday > \"$STORMPROOF_RESTORE_POINT_FILE\"");
  ASSERT_FALSE(stats.has_value());
  EXPECT_THAT(stats, ErrorIs(ErrorCode::kParse));
  EXPECT_THAT(stats.error().message(), HasSubstr("'yesterday'"));
}

TEST_F(CommandAdapterTest, FailureNamesTheStatusAndTheLastStderrLine) {
  Result<RestoreStats> stats = Restore("echo working; echo 'tape 4 not found' >&2; exit 3");
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().message(), "restore command exited with status 3: tape 4 not found");
}

TEST_F(CommandAdapterTest, TimeoutEndsTheCommandAndEverythingItStarted) {
  const std::string pid_file = Path("pid");
  Result<RestoreStats> stats =
      Restore("sleep 30 & echo $! > '" + pid_file + "'; sleep 30", seconds(1));
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().message(), "restore command timed out after 1s");
  pid_t background = std::stoi(ReadAll(pid_file));
  std::string state = ReadAll("/proc/" + std::to_string(background) + "/stat");
  bool running = kill(background, 0) == 0 && state.find(") Z") == std::string::npos;
  EXPECT_FALSE(running);
}

TEST_F(CommandAdapterTest, CommandGetsAMinimalEnvironmentWithoutSecrets) {
  ScopedEnvironment environment(ParentSecrets());
  const std::string env_file = Path("env");
  Result<RestoreStats> stats = Restore("env -0 > '" + env_file + "'");
  ASSERT_THAT(stats, IsOk());
  std::map<std::string, std::string> child = ParseEnvironment(ReadAll(env_file));
  EXPECT_EQ(UnexpectedNames(child, {"STORMPROOF_RESTORE_PATH", "STORMPROOF_RESTORE_POINT_FILE",
                                    "STORMPROOF_SYSTEM", "PWD"}),
            std::vector<std::string>{});
  ExpectNoParentSecret(child);
  EXPECT_EQ(child["STORMPROOF_RESTORE_PATH"], Path("target"));
  EXPECT_EQ(child["STORMPROOF_SYSTEM"], "payroll");
  EXPECT_EQ(fs::path(child["STORMPROOF_RESTORE_POINT_FILE"]).filename(), "restore-point");
  EXPECT_EQ(child["PATH"], getenv("PATH"));
}

TEST_F(CommandAdapterTest, CheckComplainsWhenNothingWasRestored) {
  auto adapter = MakeCommand("true");
  ASSERT_THAT(adapter->Restore(adapter->List()->front(), Path("target"), nullptr), IsOk());
  Result<DataCheck> check = adapter->CheckData(adapter->List()->front(), Path("target"));
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->files_checked, 0u);
  EXPECT_EQ(check->problems.size(), 1u);
}

}  // namespace
}  // namespace stormproof::access
