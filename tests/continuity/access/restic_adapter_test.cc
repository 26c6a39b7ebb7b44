// The restic adapter against the real restic program and real repositories.
#include <algorithm>

#include "tests/core/environment_fixture.h"
#include "continuity/access/internal/adapters.h"
#include "tests/continuity/access/external_fixture.h"
#include "tests/matchers.h"

namespace stormproof::access {
namespace {

using std::chrono::milliseconds;

bool Contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

class ResticAdapterTest : public ExternalRepoTest {
 protected:
  void SetUp() override {
    ExternalRepoTest::SetUp();
    repo_ = Path("repo");
    Restic({"init"});
  }

  void Restic(std::vector<std::string> args) {
    std::vector<std::string> argv = {"restic", "-r", repo_, "--no-cache", "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    Tool(argv, {{"RESTIC_PASSWORD_FILE", Path("password")}});
  }

  ExternalRepository Repository() const {
    ExternalRepository repository;
    repository.location = repo_;
    repository.password_file = Path("password");
    repository.paths = {source_};
    return repository;
  }

  RestorePoint OnlyPoint(Adapter& adapter) {
    Result<std::vector<RestorePoint>> points = adapter.List();
    EXPECT_THAT(points, IsOk());
    EXPECT_EQ(points.has_value() ? points->size() : 0u, 1u);
    return points.has_value() && !points->empty() ? points->front() : RestorePoint{};
  }

  std::string repo_;
};

TEST_F(ResticAdapterTest, ListsTheSnapshotWithItsTimeAndPaths) {
  Restic({"backup", source_});
  auto adapter = NewResticAdapter(Repository());
  EXPECT_EQ(adapter->Name(), "restic");
  RestorePoint point = OnlyPoint(*adapter);
  EXPECT_EQ(point.id.size(), 64u);
  EXPECT_EQ(point.paths, std::vector<std::string>{source_});
  EXPECT_FALSE(point.hostname.empty());
  EXPECT_LT(std::abs(NowNs() - point.time_ns), int64_t{60} * 1'000'000'000);
}

TEST_F(ResticAdapterTest, RestoresByteIdenticallyAndTheCheckFindsNoProblem) {
  Restic({"backup", source_});
  auto adapter = NewResticAdapter(Repository());
  RestorePoint point = OnlyPoint(*adapter);
  uint64_t reported = 0;
  Result<RestoreStats> stats =
      adapter->Restore(point, Path("target"), [&](const ProgressEvent& e) {
        reported = e.Get(ProgressUnit::kBytes)->done;
      });
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->files, kFixtureFiles);
  EXPECT_EQ(stats->bytes, kFixtureBytes);
  EXPECT_EQ(reported, kFixtureBytes);
  ExpectSameTree(source_, Path("target") + source_);

  Result<DataCheck> check = adapter->CheckData(point, Path("target"));
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->files_checked, kFixtureFiles);
  EXPECT_TRUE(check->problems.empty()) << check->problems.front();
}

TEST_F(ResticAdapterTest, RestoresOnlyTheSystemsPathsOfASnapshotHoldingTwoSystems) {
  const std::string other = Path("other-system");
  MakeTree(other);
  Restic({"backup", source_, other});
  ExternalRepository repository = Repository();
  repository.paths = {source_ + "/"};  // a trailing slash as a plan may write it
  auto adapter = NewResticAdapter(repository);
  RestorePoint point = OnlyPoint(*adapter);
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

TEST_F(ResticAdapterTest, ABackupPathTheSnapshotLacksIsAProblem) {
  Restic({"backup", source_});
  ExternalRepository repository = Repository();
  repository.paths = {source_, Path("never-backed-up")};
  auto adapter = NewResticAdapter(repository);
  RestorePoint point = OnlyPoint(*adapter);
  ASSERT_THAT(adapter->Restore(point, Path("target"), nullptr), IsOk());
  Result<DataCheck> check = adapter->CheckData(point, Path("target"));
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->problems,
            std::vector<std::string>{Path("never-backed-up") + ": not in the snapshot"});
}

TEST_F(ResticAdapterTest, CheckListsMissingAlteredAndRetypedFiles) {
  Restic({"backup", source_});
  auto adapter = NewResticAdapter(Repository());
  RestorePoint point = OnlyPoint(*adapter);
  ASSERT_THAT(adapter->Restore(point, Path("target"), nullptr), IsOk());
  const std::string restored = Path("target") + source_;
  fs::remove(restored + "/top.txt");
  WriteAll(restored + "/a/name with spaces", "spaces\nand more\n");
  fs::remove(restored + "/link");
  WriteAll(restored + "/link", "not a link");

  Result<DataCheck> check = adapter->CheckData(point, Path("target"));
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->problems.size(), 3u);
  EXPECT_TRUE(Contains(check->problems, source_ + "/top.txt: missing"));
  EXPECT_TRUE(Contains(check->problems,
                       source_ + "/a/name with spaces: size 7 in the snapshot, 16 restored"));
  EXPECT_TRUE(Contains(check->problems, source_ + "/link: not a symbolic link"));
}

TEST_F(ResticAdapterTest, WrongPasswordIsInvalidArgumentWithOneClearLine) {
  Restic({"backup", source_});
  ExternalRepository repository = Repository();
  repository.password_file = Path("wrong-password");
  Result<std::vector<RestorePoint>> points = NewResticAdapter(repository)->List();
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(points.error().message(),
            "restic snapshots " + repo_ + ": wrong password (no key in the repository matches it)");
  repository.password_file = "";
  repository.password = "correct horse";
  EXPECT_THAT(NewResticAdapter(repository)->List(), IsOk());
}

TEST_F(ResticAdapterTest, MissingRepositoryOrPasswordFileIsNotFound) {
  ExternalRepository repository = Repository();
  repository.location = Path("no-such-repo");
  Result<std::vector<RestorePoint>> points = NewResticAdapter(repository)->List();
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points, ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(points.error().message(), HasSubstr("no restic repository there"));

  repository = Repository();
  repository.password_file = Path("no-such-password-file");
  points = NewResticAdapter(repository)->List();
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points, ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(points.error().message(), HasSubstr("no-such-password-file"));
}

TEST_F(ResticAdapterTest, KeepsTheSystemsSnapshotsOldestFirst) {
  MakeTree(Path("other"));
  Restic({"backup", source_});
  Restic({"backup", Path("other")});
  Restic({"backup", source_ + "/a"});  // part of the system's paths counts

  ExternalRepository repository = Repository();
  Result<std::vector<RestorePoint>> points = NewResticAdapter(repository)->List();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 2u);
  EXPECT_EQ((*points)[0].paths, std::vector<std::string>{source_});
  EXPECT_EQ((*points)[1].paths, std::vector<std::string>{source_ + "/a"});
  EXPECT_LE((*points)[0].time_ns, (*points)[1].time_ns);

  repository.paths = {};
  EXPECT_EQ(NewResticAdapter(repository)->List()->size(), 3u);
  repository.paths = {Path("other")};
  EXPECT_EQ(NewResticAdapter(repository)->List()->size(), 1u);
}

TEST_F(ResticAdapterTest, SnapshotsTaggedWithTheSystemWin) {
  Restic({"backup", source_});
  Restic({"backup", "--tag", "payroll", source_});
  ExternalRepository repository = Repository();
  repository.system_id = "payroll";
  Result<std::vector<RestorePoint>> points = NewResticAdapter(repository)->List();
  ASSERT_THAT(points, IsOk());
  EXPECT_EQ(points->size(), 1u);
  repository.system_id = "someone-else";
  EXPECT_EQ(NewResticAdapter(repository)->List()->size(), 2u);
}

TEST_F(ResticAdapterTest, MissingProgramIsNotFound) {
  ExternalRepository repository = Repository();
  repository.program = "stormproof-no-such-restic";
  Result<std::vector<RestorePoint>> points = NewResticAdapter(repository)->List();
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points, ErrorIs(ErrorCode::kNotFound));
}

// What stormproof passes to restic: the allow-list, its private cache and the one password it
// uses; no other secret of stormproof's own environment (a fake restic records what it got).
TEST_F(ResticAdapterTest, ResticGetsOnlyThePasswordItNeeds) {
  ScopedEnvironment environment(ParentSecrets());
  const std::string env_file = Path("restic-env");
  ExternalRepository repository = Repository();
  repository.program = FakeTool("fake-restic", "env -0 > '" + env_file + "'; echo '[]'");
  Result<std::vector<RestorePoint>> points = NewResticAdapter(repository)->List();
  ASSERT_THAT(points, IsOk());
  std::map<std::string, std::string> child = ParseEnvironment(ReadAll(env_file));
  EXPECT_EQ(UnexpectedNames(child, {"RESTIC_CACHE_DIR", "RESTIC_PASSWORD_FILE", "PWD"}),
            std::vector<std::string>{});
  ExpectNoParentSecret(child);
  EXPECT_EQ(child["RESTIC_PASSWORD_FILE"], Path("password"));

  repository.password_file = "";
  repository.password = "inline password";  // e.g. from STORMPROOF_PASSWORD
  points = NewResticAdapter(repository)->List();
  ASSERT_THAT(points, IsOk());
  child = ParseEnvironment(ReadAll(env_file));
  EXPECT_EQ(UnexpectedNames(child, {"RESTIC_CACHE_DIR", "RESTIC_PASSWORD", "PWD"}),
            std::vector<std::string>{});
  ExpectNoParentSecret(child);
  EXPECT_EQ(child["RESTIC_PASSWORD"], "inline password");
}

TEST_F(ResticAdapterTest, RealResticIgnoresPasswordSettingsOfStormproofsEnvironment) {
  Restic({"backup", source_});
  ScopedEnvironment environment(ParentSecrets());
  auto adapter = NewResticAdapter(Repository());
  RestorePoint point = OnlyPoint(*adapter);
  Result<RestoreStats> stats = adapter->Restore(point, Path("target"), nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->files, kFixtureFiles);
}

TEST_F(ResticAdapterTest, AHungListingIsStoppedAtItsTimeout) {
  ExternalRepository repository = Repository();
  repository.program = HungTool("hung-restic");
  repository.list_timeout = milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  Result<std::vector<RestorePoint>> points = NewResticAdapter(repository)->List();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points, ErrorIs(ErrorCode::kIo));
  EXPECT_EQ(points.error().message(), "restic snapshots " + repo_ + ": timed out after 300ms");
  EXPECT_FALSE(StillRunsLater(std::stoi(ReadAll(Path("hung.pid")))));
}

TEST_F(ResticAdapterTest, AHungRestoreOrFileListIsStoppedAtTheRestoreTimeout) {
  ExternalRepository repository = Repository();
  repository.program = HungTool("hung-restic");
  repository.restore_timeout = std::chrono::seconds(1);
  auto adapter = NewResticAdapter(repository);
  RestorePoint point{"0123abcd", 0, {}, ""};
  Result<RestoreStats> stats = adapter->Restore(point, Path("target"), nullptr);
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().message(), "restic restore " + repo_ + ": timed out after 1s");
  EXPECT_FALSE(StillRunsLater(std::stoi(ReadAll(Path("hung.pid")))));
  Result<DataCheck> check = adapter->CheckData(point, Path("target"));
  ASSERT_FALSE(check.has_value());
  EXPECT_EQ(check.error().message(), "restic ls " + repo_ + ": timed out after 1s");
}

}  // namespace
}  // namespace stormproof::access
