// The borg adapter against the real borg program and real repositories.
#include <stdlib.h>
#include <time.h>

#include <algorithm>

#include "tests/core/environment_fixture.h"
#include "continuity/access/internal/adapters.h"
#include "tests/continuity/access/external_fixture.h"
#include "tests/matchers.h"

namespace stormproof::access {
namespace {

using std::chrono::milliseconds;

class BorgAdapterTest : public ExternalRepoTest {
 protected:
  void SetUp() override {
    ExternalRepoTest::SetUp();
    repo_ = Path("repo");
    Borg({"init", "--encryption=repokey", repo_});
  }

  void Borg(std::vector<std::string> args) {
    std::vector<std::string> argv = {"borg"};
    argv.insert(argv.end(), args.begin(), args.end());
    Tool(argv, {{"BORG_PASSPHRASE", "correct horse"}, {"BORG_BASE_DIR", Path("borg-home")}});
  }

  void Create(const std::string& name, const std::string& path) {
    Borg({"create", repo_ + "::" + name, path});
  }

  ExternalRepository Repository() const {
    ExternalRepository repository;
    repository.location = repo_;
    repository.password_file = Path("password");
    repository.system_id = "payroll";
    return repository;
  }

  std::string repo_;
};

TEST_F(BorgAdapterTest, ListsTheArchiveAtItsTime) {
  Create("payroll-2026-01-01", source_);
  auto adapter = NewBorgAdapter(Repository());
  EXPECT_EQ(adapter->Name(), "borg");
  Result<std::vector<RestorePoint>> points = adapter->List();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 1u);
  EXPECT_EQ(points->front().id, "payroll-2026-01-01");
  EXPECT_LT(std::abs(NowNs() - points->front().time_ns), int64_t{60} * 1'000'000'000);
}

// borg 1.2 prints local time without an offset: the adapter must read it in the same zone.
TEST_F(BorgAdapterTest, ReadsArchiveTimesInTheLocalTimeZone) {
  const char* old_tz = getenv("TZ");
  std::string saved = old_tz == nullptr ? "" : old_tz;
  setenv("TZ", "America/New_York", 1);
  tzset();
  Create("payroll-1", source_);
  Result<std::vector<RestorePoint>> points = NewBorgAdapter(Repository())->List();
  old_tz == nullptr ? unsetenv("TZ") : setenv("TZ", saved.c_str(), 1);
  tzset();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 1u);
  EXPECT_LT(std::abs(NowNs() - points->front().time_ns), int64_t{60} * 1'000'000'000);
}

TEST_F(BorgAdapterTest, RestoresByteIdenticallyAndTheCheckFindsNoProblem) {
  Create("payroll-1", source_);
  auto adapter = NewBorgAdapter(Repository());
  RestorePoint point = adapter->List()->front();
  Result<RestoreStats> stats = adapter->Restore(point, Path("target"), nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->files, kFixtureFiles);
  EXPECT_EQ(stats->bytes, kFixtureBytes);
  ExpectSameTree(source_, Path("target") + source_);

  Result<DataCheck> check = adapter->CheckData(point, Path("target"));
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->files_checked, kFixtureFiles);
  EXPECT_TRUE(check->problems.empty()) << check->problems.front();
}

// One archive holding two systems' paths: a drill of one restores and checks only its own.
TEST_F(BorgAdapterTest, RestoresOnlyTheSystemsPathsOfAnArchiveHoldingTwoSystems) {
  const std::string other = Path("other-system");
  MakeTree(other);
  Borg({"create", repo_ + "::payroll-1", source_, other});
  ExternalRepository repository = Repository();
  repository.paths = {source_ + "/"};  // a trailing slash as a plan may write it
  auto adapter = NewBorgAdapter(repository);
  RestorePoint point = adapter->List()->front();
  Result<RestoreStats> stats = adapter->Restore(point, Path("target"), nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->files, kFixtureFiles);
  EXPECT_EQ(stats->bytes, kFixtureBytes);
  ExpectSameTree(source_, Path("target") + source_);
  EXPECT_FALSE(fs::exists(Path("target") + other));

  Result<DataCheck> check = adapter->CheckData(point, Path("target"));
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->files_checked, kFixtureFiles);
  EXPECT_TRUE(check->problems.empty()) << check->problems.front();
}

TEST_F(BorgAdapterTest, ABackupPathTheArchiveLacksIsAProblem) {
  Create("payroll-1", source_);
  ExternalRepository repository = Repository();
  repository.paths = {source_, Path("never-backed-up")};
  auto adapter = NewBorgAdapter(repository);
  RestorePoint point = adapter->List()->front();
  ASSERT_THAT(adapter->Restore(point, Path("target"), nullptr), IsOk());
  Result<DataCheck> check = adapter->CheckData(point, Path("target"));
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->problems,
            std::vector<std::string>{Path("never-backed-up") + ": not in the archive"});
}

TEST_F(BorgAdapterTest, CheckListsMissingAndAlteredFiles) {
  Create("payroll-1", source_);
  auto adapter = NewBorgAdapter(Repository());
  RestorePoint point = adapter->List()->front();
  ASSERT_THAT(adapter->Restore(point, Path("target"), nullptr), IsOk());
  const std::string restored = Path("target") + source_;
  fs::remove(restored + "/a/b/deep.bin");
  WriteAll(restored + "/top.txt", "top\n");

  Result<DataCheck> check = adapter->CheckData(point, Path("target"));
  ASSERT_THAT(check, IsOk());
  const std::string relative = source_.substr(1);  // borg lists paths without the leading '/'
  std::sort(check->problems.begin(), check->problems.end());  // borg lists in directory order
  EXPECT_EQ(check->problems,
            (std::vector<std::string>{relative + "/a/b/deep.bin: missing",
                                      relative + "/top.txt: size 10 in the archive, 4 restored"}));
}

TEST_F(BorgAdapterTest, WrongPasswordIsInvalidArgumentWithOneClearLine) {
  Create("payroll-1", source_);
  ExternalRepository repository = Repository();
  repository.password_file = Path("wrong-password");
  Result<std::vector<RestorePoint>> points = NewBorgAdapter(repository)->List();
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(points.error().message(), "borg list " + repo_ + ": wrong passphrase");
  repository.password_file = "";
  repository.password = "correct horse";
  EXPECT_THAT(NewBorgAdapter(repository)->List(), IsOk());
}

TEST_F(BorgAdapterTest, MissingRepositoryIsNotFound) {
  ExternalRepository repository = Repository();
  repository.location = Path("no-such-repo");
  Result<std::vector<RestorePoint>> points = NewBorgAdapter(repository)->List();
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points, ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(points.error().message(), HasSubstr("does not exist"));
  EXPECT_THAT(points.error().message(), Not(HasSubstr("\n")));
}

TEST_F(BorgAdapterTest, KeepsArchivesNamedAfterTheSystemOldestFirst) {
  Create("payroll-a", source_);
  Create("intranet-a", source_);
  Create("payroll-b", source_);
  Result<std::vector<RestorePoint>> points = NewBorgAdapter(Repository())->List();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 2u);
  EXPECT_EQ((*points)[0].id, "payroll-a");
  EXPECT_EQ((*points)[1].id, "payroll-b");
  EXPECT_LE((*points)[0].time_ns, (*points)[1].time_ns);

  ExternalRepository repository = Repository();
  repository.system_id = "no-archive-named-so";
  EXPECT_EQ(NewBorgAdapter(repository)->List()->size(), 3u);
}

TEST_F(BorgAdapterTest, DoesNotTouchTheUsersHome) {
  Create("payroll-1", source_);
  const std::string home = Path("user-home");
  fs::create_directories(home);
  const char* old_home = getenv("HOME");
  std::string saved = old_home == nullptr ? "" : old_home;
  setenv("HOME", home.c_str(), 1);
  bool listed = NewBorgAdapter(Repository())->List().has_value();
  old_home == nullptr ? unsetenv("HOME") : setenv("HOME", saved.c_str(), 1);
  EXPECT_TRUE(listed);
  EXPECT_TRUE(fs::is_empty(home));
}

TEST_F(BorgAdapterTest, RelativeRepositoryPathStillRestores) {
  Create("payroll-1", source_);
  ExternalRepository repository = Repository();
  repository.location = fs::relative(repo_, fs::current_path()).string();
  ASSERT_NE(repository.location[0], '/');
  auto adapter = NewBorgAdapter(repository);
  Result<std::vector<RestorePoint>> points = adapter->List();
  ASSERT_THAT(points, IsOk());
  Result<RestoreStats> stats = adapter->Restore(points->front(), Path("target"), nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->files, kFixtureFiles);
}

// What stormproof passes to borg: the allow-list, its private directories, its fixed answers to
// borg's questions and the passphrase; no other secret of stormproof's own environment.
TEST_F(BorgAdapterTest, BorgGetsOnlyThePassphraseItNeeds) {
  ScopedEnvironment environment(ParentSecrets());
  const std::string env_file = Path("borg-env");
  ExternalRepository repository = Repository();
  repository.program =
      FakeTool("fake-borg", "env -0 > '" + env_file + "'; echo '{\"archives\": []}'");
  Result<std::vector<RestorePoint>> points = NewBorgAdapter(repository)->List();
  ASSERT_THAT(points, IsOk());
  std::map<std::string, std::string> child = ParseEnvironment(ReadAll(env_file));
  EXPECT_EQ(UnexpectedNames(
                child,
                {"BORG_PASSPHRASE", "BORG_BASE_DIR", "BORG_CONFIG_DIR", "BORG_CACHE_DIR",
                 "BORG_SECURITY_DIR", "BORG_KEYS_DIR", "BORG_RELOCATED_REPO_ACCESS_IS_OK",
                 "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK", "BORG_DISPLAY_PASSPHRASE",
                 "BORG_CHECK_I_KNOW_WHAT_I_AM_DOING", "BORG_DELETE_I_KNOW_WHAT_I_AM_DOING", "PWD"}),
            std::vector<std::string>{});
  ExpectNoParentSecret(child);
  EXPECT_EQ(child["BORG_PASSPHRASE"], "correct horse");
}

TEST_F(BorgAdapterTest, RealBorgIgnoresPassphraseSettingsOfStormproofsEnvironment) {
  Create("payroll-1", source_);
  ScopedEnvironment environment(ParentSecrets());
  auto adapter = NewBorgAdapter(Repository());
  Result<std::vector<RestorePoint>> points = adapter->List();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 1u);
  Result<RestoreStats> stats = adapter->Restore(points->front(), Path("target"), nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->files, kFixtureFiles);
}

TEST_F(BorgAdapterTest, AHungListingIsStoppedAtItsTimeout) {
  ExternalRepository repository = Repository();
  repository.program = HungTool("hung-borg");
  repository.list_timeout = milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  Result<std::vector<RestorePoint>> points = NewBorgAdapter(repository)->List();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points, ErrorIs(ErrorCode::kIo));
  EXPECT_EQ(points.error().message(), "borg list " + repo_ + ": timed out after 300ms");
  EXPECT_FALSE(StillRunsLater(std::stoi(ReadAll(Path("hung.pid")))));
}

TEST_F(BorgAdapterTest, AHungExtractIsStoppedAtTheRestoreTimeout) {
  ExternalRepository repository = Repository();
  repository.program = HungTool("hung-borg");
  repository.restore_timeout = std::chrono::seconds(1);
  Result<RestoreStats> stats =
      NewBorgAdapter(repository)->Restore({"payroll-1", 0, {}, ""}, Path("target"), nullptr);
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().message(), "borg extract " + repo_ + ": timed out after 1s");
  EXPECT_FALSE(StillRunsLater(std::stoi(ReadAll(Path("hung.pid")))));
}

}  // namespace
}  // namespace stormproof::access
