// Repository access from the plan (access.h): where a plan repository is on this host, its
// password, the restic/borg timeouts, and which adapter a system is reached through.
#include "continuity/access/access.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "continuity/plan/loader.h"
#include "tests/matchers.h"

namespace stormproof::access {
namespace {

namespace fs = std::filesystem;

const char* kPlan = R"(version: 1
msp: {id: acme, name: Acme IT}
people: [{id: ann, name: Ann, contacts: {email: a@x.example}}]
tiers:
  - {id: t1, rank: 1, rto: 2h, rpo: 15m}
  - {id: t3, rank: 3, rto: 1d, rpo: 1d}
repositories:
  - {id: nas, location: /srv/nas}
  - {id: cloud, location: "s3:https://s3.example.com/b", medium: object}
  - {id: vault, location: /mnt/vault, medium: tape}
  - {id: rr, location: /srv/restic, kind: restic}
systems:
  - {id: db, owner: ann, tier: t1, backup: {paths: [/data/db], repositories: [cloud, nas]}}
  - {id: files, owner: ann, tier: t3, backup: {paths: [/data/files], repositories: [rr]}}
  - {id: cold, owner: ann, tier: t3, backup: {paths: [/data/cold], repositories: [cloud, vault]}}
  - id: legacy
    owner: ann
    tier: t3
    backup: {paths: [/data/legacy], repositories: [nas]}
    restore: {command: 'true'}
)";

plan::Plan LoadTestPlan() {
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", kPlan);
  EXPECT_TRUE(loaded.readable);
  return loaded.plan;
}

class PasswordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stormproof-access-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path;
  }

  fs::path dir_;
};

// The repository's own password_file wins over --password-file, which wins over the password.
TEST_F(PasswordTest, TheRepositorysOwnFileComesFirst) {
  plan::RepositorySpec repository;
  repository.id = "nas";
  AccessOptions access;
  access.password = "from-env";
  EXPECT_EQ(RepositoryPassword(repository, access).value(), "from-env");
  access.password_file = Write("global", "global-pw\nsecond line\n");
  EXPECT_EQ(RepositoryPassword(repository, access).value(), "global-pw");
  repository.password_file = Write("own", "own-pw\n");
  EXPECT_EQ(RepositoryPassword(repository, access).value(), "own-pw");
}

TEST_F(PasswordTest, NoPasswordOrAnUnusableFileNamesTheRepository) {
  plan::RepositorySpec repository;
  repository.id = "nas";
  Result<std::string> none = RepositoryPassword(repository, {});
  ASSERT_FALSE(none.has_value());
  EXPECT_THAT(none, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(none.error().message().rfind("repository 'nas': no password", 0), 0u)
      << none.error().message();
  repository.password_file = (dir_ / "missing").string();
  Result<std::string> missing = RepositoryPassword(repository, {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing, ErrorIs(ErrorCode::kNotFound));
  repository.password_file = Write("empty", "");
  Result<std::string> empty = RepositoryPassword(repository, {});
  ASSERT_FALSE(empty.has_value());
  EXPECT_THAT(empty, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(empty.error().message(), HasSubstr("is empty")) << empty.error().message();
}

TEST(HostPathTest, LocalRepositoriesLieUnderTheRootAndOthersAreRefused) {
  plan::Plan plan = LoadTestPlan();
  AccessOptions staged;
  staged.root = "/stage";
  EXPECT_EQ(RepositoryHostPath(*plan.FindRepository("nas"), {}).value(), "/srv/nas");
  EXPECT_EQ(RepositoryHostPath(*plan.FindRepository("nas"), staged).value(), "/stage/srv/nas");
  Result<std::string> cloud = RepositoryHostPath(*plan.FindRepository("cloud"), {});
  ASSERT_FALSE(cloud.has_value());
  EXPECT_THAT(cloud, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(cloud.error().message(),
            "repository 'cloud': s3:https://s3.example.com/b is not a local path (object storage "
            "and tape are not supported by this build)");
  EXPECT_FALSE(RepositoryHostPath(*plan.FindRepository("vault"), {}).has_value());
}

// restic and borg runs: a listing gets 10 minutes; a restore (or the file list that checks it)
// twice the system's RTO, at least 10 minutes: a restore that takes longer has failed anyway.
TEST(ToolTimeoutsTest, FollowTheSystemsRto) {
  using std::chrono::hours, std::chrono::minutes;
  plan::Plan plan = LoadTestPlan();
  ToolTimeouts db = ToolTimeoutsFor(plan, *plan.FindSystem("db"));  // tier rto 2h
  EXPECT_EQ(db.list, minutes(10));
  EXPECT_EQ(db.restore, hours(4));
  EXPECT_EQ(ToolTimeoutsFor(plan, *plan.FindSystem("files")).restore, hours(48));  // rto 1d
  plan::System quick = *plan.FindSystem("db");
  quick.rto = Duration::Minutes(2);
  EXPECT_EQ(ToolTimeoutsFor(plan, quick).restore, minutes(10));
  EXPECT_EQ(ToolTimeoutsFor(plan, quick).list, minutes(10));
}

// A restore command wins; else the first repository this host can read, in plan order (object
// storage and tape are skipped); else an error that says why each was skipped.
TEST(MakeAdapterTest, ChoosesTheCommandThenTheFirstReadableRepository) {
  plan::Plan plan = LoadTestPlan();
  AccessOptions access;
  access.password = "pw";
  std::string repository_id = "stale";
  auto command = MakeAdapter(plan, *plan.FindSystem("legacy"), access, &repository_id);
  ASSERT_THAT(command, IsOk());
  EXPECT_EQ((*command)->Name(), "command");
  EXPECT_EQ(repository_id, "");
  auto engine = MakeAdapter(plan, *plan.FindSystem("db"), access, &repository_id);
  ASSERT_THAT(engine, IsOk());
  EXPECT_EQ((*engine)->Name(), "stormproof");
  EXPECT_EQ(repository_id, "nas");
  auto restic = MakeAdapter(plan, *plan.FindSystem("files"), access, &repository_id);
  ASSERT_THAT(restic, IsOk());
  EXPECT_EQ((*restic)->Name(), "restic");
  EXPECT_EQ(repository_id, "rr");
  auto none = MakeAdapter(plan, *plan.FindSystem("cold"), access, &repository_id);
  ASSERT_FALSE(none.has_value());
  EXPECT_THAT(none, ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(none.error().message().rfind("system 'cold' has no restore command and no repository "
                                         "a drill can read (repository 'cloud': ",
                                         0),
            0u)
      << none.error().message();
  EXPECT_EQ(repository_id, "");
}

TEST(MakeAdapterTest, AResticRepositoryWithoutAPasswordIsRefused) {
  plan::Plan plan = LoadTestPlan();
  auto adapter =
      MakeRepositoryAdapter(plan, *plan.FindRepository("rr"), *plan.FindSystem("files"), {});
  ASSERT_FALSE(adapter.has_value());
  EXPECT_THAT(adapter, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(adapter.error().message().rfind("repository 'rr': no password", 0), 0u)
      << adapter.error().message();
}

}  // namespace
}  // namespace stormproof::access
