// The stormproof-engine adapter against a real repository on disk: listing a system's
// snapshots, restoring under the plan's paths (also from a staged root), and the data check
// finding what differs after the restore.
#include "continuity/access/internal/engine_adapter.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "engine/archiver/archiver.h"
#include "continuity/drill/drill.h"
#include "continuity/plan/loader.h"
#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "tests/matchers.h"

namespace stormproof::access {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class EngineAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("STORMPROOF_KDF_TEST", "1", 1);
    dir_ = fs::temp_directory_path() / ("engine-adapter-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    stage_ = dir_ / "stage";
    WriteFile(stage_ / "srv/app/config.ini", "[app]\nname=demo\n");
    WriteFile(stage_ / "srv/app/data/big.bin", std::string(3 << 20, 'x') + "tail");
    WriteFile(stage_ / "srv/app/empty", "");
    fs::create_symlink("config.ini", stage_ / "srv/app/link");
    WriteFile(stage_ / "srv/other/file", "not this system");
    auto backend = backend::CreateLocalBackend((dir_ / "repo").string());
    ASSERT_THAT(backend, IsOk());
    auto repo = repository::Repository::Init(std::move(backend).value(), "pw");
    ASSERT_THAT(repo, IsOk());
    repo_ = std::move(repo).value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Backup(std::vector<std::string> paths, std::map<std::string, std::string> tags) {
    archiver::BackupOptions options;
    options.paths = std::move(paths);
    options.tags = std::move(tags);
    auto snapshot = archiver::Backup(*repo_, options, {}, {});
    EXPECT_THAT(snapshot, IsOk());
    return snapshot ? snapshot->id.Hex() : "";
  }

  std::unique_ptr<Adapter> MakeAdapter(std::string system = "app") {
    return NewEngineAdapter(
        {(dir_ / "repo").string(), "pw", std::move(system), {(stage_ / "srv/app").string()}});
  }

  fs::path dir_, stage_;
  std::unique_ptr<repository::Repository> repo_;
};

TEST_F(EngineAdapterTest, RestoresAStagedSystemUnderItsPlanPaths) {
  std::string other = Backup({(stage_ / "srv/other").string()}, {{"system", "other"}});
  std::string id =
      Backup({(stage_ / "srv/app").string()}, {{"system", "app"}, {"root", stage_.string()}});
  std::unique_ptr<Adapter> adapter = MakeAdapter();
  EXPECT_EQ(adapter->Name(), "stormproof");
  auto points = adapter->List();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 1u) << "only the system's own snapshots";
  EXPECT_EQ((*points)[0].id, id);
  EXPECT_NE((*points)[0].id, other);

  fs::path target = dir_ / "target";
  fs::create_directories(target);
  auto stats = adapter->Restore((*points)[0], target.string(), {});
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->files, 3u);
  EXPECT_EQ(stats->bytes, (3u << 20) + 4 + 16);
  EXPECT_EQ(ReadFile(target / "srv/app/config.ini"), "[app]\nname=demo\n");
  EXPECT_EQ(fs::read_symlink(target / "srv/app/link"), "config.ini");
  EXPECT_FALSE(fs::exists(target / "srv/other"));

  auto check = adapter->CheckData((*points)[0], target.string());
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->files_checked, 3u);
  EXPECT_TRUE(check->problems.empty()) << check->problems[0];
}

TEST_F(EngineAdapterTest, DataCheckFindsChangedAndMissingFiles) {
  Backup({(stage_ / "srv/app").string()}, {{"system", "app"}, {"root", stage_.string()}});
  std::unique_ptr<Adapter> adapter = MakeAdapter();
  auto points = adapter->List();
  ASSERT_THAT(points, IsOk());
  fs::path target = dir_ / "target";
  ASSERT_THAT(adapter->Restore(points->back(), target.string(), {}), IsOk());
  {
    std::fstream f(target / "srv/app/data/big.bin",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1 << 20);
    f.put('y');  // same size, one byte changed
  }
  fs::remove(target / "srv/app/config.ini");
  auto check = adapter->CheckData(points->back(), target.string());
  ASSERT_THAT(check, IsOk());
  ASSERT_EQ(check->problems.size(), 2u);
  std::string all = check->problems[0] + "\n" + check->problems[1];
  EXPECT_THAT(all, HasSubstr("config.ini: not restored")) << all;
  EXPECT_THAT(all, HasSubstr("big.bin")) << all;
}

TEST_F(EngineAdapterTest, DrillsRestoreAsForAnUntrustedRepository) {
  ASSERT_EQ(::mkfifo((stage_ / "srv/app/pipe").c_str(), 0644), 0);
  ASSERT_EQ(::chmod((stage_ / "srv/app/config.ini").c_str(), 04755), 0);
  Backup({(stage_ / "srv/app").string()}, {{"system", "app"}, {"root", stage_.string()}});
  std::unique_ptr<Adapter> adapter = MakeAdapter();
  auto points = adapter->List();
  ASSERT_THAT(points, IsOk());
  fs::path target = dir_ / "target";
  auto stats = adapter->Restore(points->back(), target.string(), {});
  ASSERT_THAT(stats, IsOk());
  EXPECT_FALSE(fs::exists(fs::symlink_status(target / "srv/app/pipe"))) << "no special files";
  struct stat st {};
  ASSERT_EQ(::stat((target / "srv/app/config.ini").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u) << "setuid cleared, also as root";
  auto check = adapter->CheckData(points->back(), target.string());
  ASSERT_THAT(check, IsOk());
  EXPECT_TRUE(check->problems.empty())
      << "the skipped fifo is not a problem: " << check->problems[0];
}

TEST_F(EngineAdapterTest, UntaggedSnapshotsAreFoundByTheirPaths) {
  std::string id = Backup({(stage_ / "srv/app").string()}, {});
  auto points = MakeAdapter()->List();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 1u);
  EXPECT_EQ((*points)[0].id, id);
}

// A restore point's verdict is as it stands now: a verdict given later (a scan, a slow attack's
// earlier step) raises it, and a false alarm a person accepted counts as clean for drill --clean.
TEST_F(EngineAdapterTest, RestorePointsCarryLaterVerdictsAndAcceptedFalseAlarms) {
  std::string first = Backup({(stage_ / "srv/app").string()}, {{"system", "app"}});
  WriteFile(stage_ / "srv/app/config.ini", "[app]\nname=changed\n");
  std::string second = Backup({(stage_ / "srv/app").string()}, {{"system", "app"}});
  auto verdict_mark = [](const std::string& id, repository::Verdict::Level level, bool false_alarm) {
    repository::Mark mark;
    mark.kind = repository::Mark::Kind::kVerdict;
    mark.snapshot = *crypto::Id::FromHex(id);
    mark.hostname = "central";
    mark.username = "ops";
    mark.reason = false_alarm ? "accepted as a false alarm" : "scanned";
    mark.verdict = repository::Verdict{.level = level, .score = 0, .reasons = {mark.reason}};
    mark.false_alarm = false_alarm;
    return mark;
  };
  ASSERT_THAT(repo_->SaveMark(verdict_mark(first, repository::Verdict::Level::kClean, false)),
              IsOk());
  ASSERT_THAT(repo_->SaveMark(verdict_mark(second, repository::Verdict::Level::kInfected, false)),
              IsOk());
  auto points = MakeAdapter()->List();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 2u);
  EXPECT_EQ((*points)[0].verdict, "clean");
  EXPECT_EQ((*points)[1].id, second);
  EXPECT_EQ((*points)[1].verdict, "infected");
  EXPECT_FALSE((*points)[1].false_alarm);

  ASSERT_THAT(repo_->SaveMark(verdict_mark(second, repository::Verdict::Level::kClean, true)),
              IsOk());
  points = MakeAdapter()->List();
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 2u);
  EXPECT_EQ((*points)[1].verdict, "infected");
  EXPECT_TRUE((*points)[1].false_alarm);
}

TEST_F(EngineAdapterTest, WrongPasswordIsAClearError) {
  std::unique_ptr<Adapter> adapter =
      NewEngineAdapter({(dir_ / "repo").string(), "wrong", "app", {}});
  auto points = adapter->List();
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points.error().message(), HasSubstr("wrong password")) << points.error().message();
}

TEST_F(EngineAdapterTest, MissingRepositoryIsAClearError) {
  std::unique_ptr<Adapter> adapter =
      NewEngineAdapter({(dir_ / "nothing-here").string(), "pw", "app", {}});
  auto points = adapter->List();
  ASSERT_FALSE(points.has_value());
  EXPECT_THAT(points.error().message(), HasSubstr("nothing-here")) << points.error().message();
}

// When one copy of a system is gone, the other copies are listed (not restored): a copy holding
// a restore point would have saved the day, with more data lost than the RPO when it is older.
TEST_F(EngineAdapterTest, OtherCopiesSayWhetherTheyWouldHaveSavedTheDay) {
  Backup({(stage_ / "srv/app").string()}, {{"system", "app"}});
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", R"(version: 1
msp: {id: acme, name: Acme IT}
people: [{id: ann, name: Ann, contacts: {email: a@x.example}}]
tiers: [{id: t1, rank: 1, rto: 2h, rpo: 2h}]
repositories:
  - {id: gone, location: )" + (dir_ / "gone").string() + R"(}
  - {id: repo, location: )" + (dir_ / "repo").string() + R"(}
systems:
  - id: app
    owner: ann
    tier: t1
    backup: {paths: [)" + (stage_ / "srv/app").string() + R"(], repositories: [gone, repo]}
)");
  ASSERT_TRUE(loaded.readable);
  const plan::Plan& plan = loaded.plan;
  AccessOptions access;
  access.password = "pw";
  const int64_t hour = 3600LL * 1'000'000'000;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::vector<std::string> lines =
      drill::OtherCopies(plan, *plan.FindSystem("app"), "gone", access, now + hour);
  EXPECT_EQ(lines, std::vector<std::string>{"copy repo has a restore point 1h old (listed, not "
                                            "restored): it would have saved the day"});
  lines = drill::OtherCopies(plan, *plan.FindSystem("app"), "gone", access, now + 3 * hour);
  EXPECT_EQ(lines, std::vector<std::string>{
                       "copy repo has a restore point 3h old (listed, not restored): it would "
                       "have saved the day, but lost more data than the RPO 2h"});
}

}  // namespace
}  // namespace stormproof::access
