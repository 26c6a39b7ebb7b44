// Repository access from the plan (access.h): where a plan repository is (a path on this host or
// an s3: location), its password, the restic/borg timeouts, and which adapter a system is reached
// through.
#include "continuity/access/access.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "continuity/plan/loader.h"
#include "tests/core/environment_fixture.h"
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
  - {id: cloud, location: "s3:https://s3.example.com/bucket", medium: object}
  - {id: vault, location: /mnt/vault, medium: tape}
  - {id: rr, location: /srv/restic, kind: restic}
  - {id: far, location: "sftp:backup@far.example:/srv/repo"}
  - {id: rs3, location: "s3:https://s3.example.com/restic", kind: restic}
  - {id: bs3, location: "s3:https://s3.example.com/borg", kind: borg}
  - {id: local, location: "local:/srv/spelled"}
systems:
  - {id: db, owner: ann, tier: t1, backup: {paths: [/data/db], repositories: [far, nas]}}
  - {id: files, owner: ann, tier: t3, backup: {paths: [/data/files], repositories: [rr]}}
  - {id: cold, owner: ann, tier: t3, backup: {paths: [/data/cold], repositories: [far, vault]}}
  - {id: web, owner: ann, tier: t3, backup: {paths: [/data/web], repositories: [cloud, nas]}}
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

// Local repositories lie under the staged root; an s3: location is never a path: it is used as
// written, root or not.
TEST(RepositoryLocationTest, LocalUnderTheRootAndS3AsWritten) {
  plan::Plan plan = LoadTestPlan();
  AccessOptions staged;
  staged.root = "/stage";
  EXPECT_EQ(RepositoryLocation(*plan.FindRepository("nas"), {}).value(), "/srv/nas");
  EXPECT_EQ(RepositoryLocation(*plan.FindRepository("nas"), staged).value(), "/stage/srv/nas");
  EXPECT_EQ(RepositoryLocation(*plan.FindRepository("local"), staged).value(),
            "/stage/srv/spelled");
  EXPECT_EQ(RepositoryLocation(*plan.FindRepository("cloud"), {}).value(),
            "s3:https://s3.example.com/bucket");
  EXPECT_EQ(RepositoryLocation(*plan.FindRepository("cloud"), staged).value(),
            "s3:https://s3.example.com/bucket");
  EXPECT_EQ(RepositoryLocation(*plan.FindRepository("rs3"), staged).value(),
            "s3:https://s3.example.com/restic");
}

TEST(RepositoryLocationTest, OtherSchemesTapeAndBorgOnS3AreRefused) {
  plan::Plan plan = LoadTestPlan();
  EXPECT_THAT(RepositoryLocation(*plan.FindRepository("far"), {}),
              ErrorIs(ErrorCode::kInvalidArgument,
                      "repository 'far': repository location 'sftp:backup@far.example:/srv/repo': "
                      "this build cannot use sftp: locations (supported: a local path, "
                      "local:PATH, s3:https://host/bucket[/prefix])"));
  EXPECT_THAT(RepositoryLocation(*plan.FindRepository("vault"), {}),
              ErrorIs(ErrorCode::kInvalidArgument,
                      "repository 'vault': tape is not supported by this build"));
  EXPECT_THAT(RepositoryLocation(*plan.FindRepository("bs3"), {}),
              ErrorIs(ErrorCode::kInvalidArgument,
                      HasSubstr("repository 'bs3': borg cannot use object storage")));
}

// The plan's credentials_file and region join the command line's storage options.
TEST(RepositoryStorageTest, AddsTheRepositorysCredentialsToTheCommandLinesOptions) {
  plan::RepositorySpec repository;
  repository.credentials_file = "/etc/stormproof/aws";
  repository.region = "eu-central-1";
  AccessOptions access;
  access.storage.ca_file = "/etc/ca.pem";
  access.storage.cache_dir = "/var/cache/x";
  storage::StorageOptions options = RepositoryStorage(repository, access);
  EXPECT_EQ(options.credentials.credentials_file, "/etc/stormproof/aws");
  EXPECT_EQ(options.credentials.region, "eu-central-1");
  EXPECT_EQ(options.ca_file, "/etc/ca.pem");
  EXPECT_EQ(options.cache_dir, "/var/cache/x");
}

// The plan's bucket_lookup overrides --s3-bucket-lookup; without one the command line's holds.
TEST(RepositoryStorageTest, ThePlansBucketLookupOverridesTheCommandLines) {
  AccessOptions access;
  access.storage.addressing = s3::Addressing::kPath;
  plan::RepositorySpec repository;
  EXPECT_EQ(RepositoryStorage(repository, access).addressing, s3::Addressing::kPath);
  repository.bucket_lookup = plan::BucketLookup::kDns;
  EXPECT_EQ(RepositoryStorage(repository, access).addressing, s3::Addressing::kVirtualHost);
  repository.bucket_lookup = plan::BucketLookup::kAuto;
  EXPECT_EQ(RepositoryStorage(repository, access).addressing, s3::Addressing::kAuto);
  repository.bucket_lookup = plan::BucketLookup::kPath;
  access.storage.addressing = s3::Addressing::kVirtualHost;
  EXPECT_EQ(RepositoryStorage(repository, access).addressing, s3::Addressing::kPath);
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
                                         "a drill can read (repository 'far': ",
                                         0),
            0u)
      << none.error().message();
  EXPECT_EQ(repository_id, "");
  auto s3 = MakeAdapter(plan, *plan.FindSystem("web"), access, &repository_id);
  ASSERT_THAT(s3, IsOk());  // nothing is opened yet: no credentials needed to make it
  EXPECT_EQ((*s3)->Name(), "stormproof");
  EXPECT_EQ(repository_id, "cloud");
}

// restic reads s3: itself: it gets the location unchanged, the credentials of the plan's
// credentials_file (not stormproof's own AWS_* variables) and --cacert, and nothing else secret.
TEST_F(PasswordTest, ResticOnS3GetsTheLocationAndThePlansCredentials) {
  const std::string tools = (dir_ / "bin").string();
  fs::create_directories(tools);
  const std::string fake = tools + "/restic";
  std::ofstream(fake) << "#!/bin/sh\nenv -0 > '" << (dir_ / "env").string() << "'\n"
                      << "echo \"$@\" > '" << (dir_ / "args").string() << "'\necho '[]'\n";
  fs::permissions(fake, fs::perms::owner_all);
  EnvironmentChanges changes = ParentSecrets();
  changes.push_back({"PATH", tools + ":/usr/bin:/bin"});
  ScopedEnvironment environment(changes);

  plan::Plan plan = LoadTestPlan();
  plan::RepositorySpec repository = *plan.FindRepository("rs3");
  repository.credentials_file = Write("aws",
                                      "[default]\naws_access_key_id = AKIDPLAN\n"
                                      "aws_secret_access_key = plan-secret-key\n");
  repository.region = "eu-west-2";
  AccessOptions access;
  access.password = "pw";
  access.storage.ca_file = "/etc/private-ca.pem";
  auto adapter = MakeRepositoryAdapter(plan, repository, *plan.FindSystem("files"), access);
  ASSERT_THAT(adapter, IsOk());
  ASSERT_THAT((*adapter)->List(), IsOk());

  std::ifstream args_file(dir_ / "args");
  std::string args((std::istreambuf_iterator<char>(args_file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(args,
            "-r s3:https://s3.example.com/restic --cacert /etc/private-ca.pem snapshots "
            "--json\n");
  std::ifstream env_file(dir_ / "env", std::ios::binary);
  std::string env((std::istreambuf_iterator<char>(env_file)), std::istreambuf_iterator<char>());
  std::map<std::string, std::string> child = ParseEnvironment(env);
  EXPECT_EQ(
      UnexpectedNames(child, {"RESTIC_CACHE_DIR", "RESTIC_PASSWORD", "PWD", "AWS_ACCESS_KEY_ID",
                              "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}),
      std::vector<std::string>{});
  ExpectNoParentSecret(child);
  EXPECT_EQ(child["AWS_ACCESS_KEY_ID"], "AKIDPLAN");
  EXPECT_EQ(child["AWS_SECRET_ACCESS_KEY"], "plan-secret-key");
  EXPECT_EQ(child["AWS_DEFAULT_REGION"], "eu-west-2");
}

// The plan's bucket_lookup reaches restic as its own option, -o s3.bucket-lookup=dns|path (auto,
// restic's default, is not passed).
TEST_F(PasswordTest, ResticOnS3GetsTheBucketLookup) {
  const std::string tools = (dir_ / "bin").string();
  fs::create_directories(tools);
  std::ofstream(tools + "/restic")
      << "#!/bin/sh\necho \"$@\" > '" << (dir_ / "args").string() << "'\necho '[]'\n";
  fs::permissions(tools + "/restic", fs::perms::owner_all);
  ScopedEnvironment environment(EnvironmentChanges{{"PATH", tools + ":/usr/bin:/bin"}});

  plan::Plan plan = LoadTestPlan();
  plan::RepositorySpec repository = *plan.FindRepository("rs3");
  repository.credentials_file = Write("aws",
                                      "[default]\naws_access_key_id = AKIDPLAN\n"
                                      "aws_secret_access_key = plan-secret-key\n");
  AccessOptions access;
  access.password = "pw";
  for (auto [lookup, flags] : {std::pair{plan::BucketLookup::kDns, "-o s3.bucket-lookup=dns "},
                               std::pair{plan::BucketLookup::kPath, "-o s3.bucket-lookup=path "},
                               std::pair{plan::BucketLookup::kAuto, ""}}) {
    repository.bucket_lookup = lookup;
    auto adapter = MakeRepositoryAdapter(plan, repository, *plan.FindSystem("files"), access);
    ASSERT_THAT(adapter, IsOk());
    ASSERT_THAT((*adapter)->List(), IsOk());
    std::ifstream args_file(dir_ / "args");
    std::string args((std::istreambuf_iterator<char>(args_file)), std::istreambuf_iterator<char>());
    EXPECT_EQ(args,
              "-r s3:https://s3.example.com/restic " + std::string(flags) + "snapshots --json\n");
  }
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
