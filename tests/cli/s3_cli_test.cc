// End-to-end tests of the command line on object storage: the real binary against a real Ceph
// RADOS Gateway (tests/engine/s3/rgw.h) through --repo s3:http://127.0.0.1:PORT/bucket[/prefix],
// credentials from the AWS_* environment. init, backup, snapshots, restore and check --read-data
// work as on a directory; a missing bucket or an empty prefix is "no repository" (exit 10); a
// wrong secret is access denied (exit 14) in one line that holds no secret.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::StartsWith;

class S3CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ExportRgwCredentials(); }

  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-s3-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "sub");
    std::ofstream(dir_ / "password") << "correct horse\n";
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    Write("data/hello.txt", "hello, world\n");
    Write("data/sub/random.bin", RandomBytes(600 << 10));
    Write("data/sub/empty", "");
    bucket_ = UniqueBucketName(::testing::UnitTest::GetInstance()->current_test_info()->name());
    repo_ = RgwLocation(bucket_, "hosts/fs1");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  static std::string RandomBytes(size_t n) {
    std::mt19937_64 rng(7);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  }
  // `stormproof --repo REPO ARGS` with the password file and a cache under dir_.
  CliResult Run(const std::string& args, const std::string& repo, const std::string& env = "") {
    return RunStormproof(
        "--repo '" + repo + "' --cache-dir '" + (dir_ / "cache").string() + "' " + args,
        "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() + "' " +
            env);
  }
  CliResult Run(const std::string& args) { return Run(args, repo_); }
  std::string Data() const { return (dir_ / "data").string(); }

  fs::path dir_;
  std::string bucket_, repo_;
};

TEST_F(S3CliTest, InitBackupSnapshotsRestoreCheck) {
  CliResult init = Run("init");  // the bucket does not exist yet: init creates it
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.out, HasSubstr("created stormproof repository"));
  EXPECT_THAT(init.out, HasSubstr(repo_));
  EXPECT_FALSE(fs::exists("s3:http:")) << "nothing may be created in the working directory";

  CliResult backup = Run("backup " + Data());
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  CliResult again = Run("backup " + Data());  // unchanged: through the cache
  ASSERT_EQ(again.exit_code, 0) << again.err;

  CliResult snapshots = Run("--json snapshots");
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.err;
  nlohmann::json list = nlohmann::json::parse(snapshots.out);
  ASSERT_TRUE(list.is_array()) << snapshots.out;
  EXPECT_EQ(list.size(), 2u) << snapshots.out;

  const std::string target = (dir_ / "restored").string();
  CliResult restore = Run("restore latest --verify --target " + target);
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(::system(("diff -r " + Data() + " " + target + Data()).c_str()), 0);

  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  // The same repository without the cache: every read from the bucket.
  CliResult uncached = Run("--no-cache check --read-data");
  EXPECT_EQ(uncached.exit_code, 0) << uncached.out << uncached.err;
  EXPECT_TRUE(fs::exists(dir_ / "cache")) << "the cache lives under --cache-dir";
}

// The cache serves snapshots and the index to backups, but what proves must read the bucket:
// a snapshot file damaged in the bucket after the cache holds a good copy is found by check.
TEST_F(S3CliTest, CheckReadsTheBucketNotTheCache) {
  ASSERT_EQ(Run("init").exit_code, 0);
  ASSERT_EQ(Run("backup " + Data()).exit_code, 0);
  CliResult snapshots = Run("--json snapshots");  // the snapshot file is now in the cache
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.err;
  nlohmann::json list = nlohmann::json::parse(snapshots.out);
  ASSERT_EQ(list.size(), 1u) << snapshots.out;
  const std::string id = list[0]["id"].get<std::string>();
  ASSERT_FALSE(id.empty());

  RgwResponse damage =
      RgwRequest("PUT", "/" + bucket_ + "/hosts/fs1/snapshots/" + id, "damaged in the bucket");
  ASSERT_EQ(damage.status, 200) << damage.body << damage.error;
  ASSERT_EQ(Run("--json snapshots").exit_code, 0) << "the cached copy still reads";

  CliResult check = Run("check");
  EXPECT_NE(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(check.out + check.err, HasSubstr(id.substr(0, 8)));
}

TEST_F(S3CliTest, InitRefusesAPrefixThatHoldsSomething) {
  ASSERT_EQ(Run("init").exit_code, 0);
  CliResult second = Run("init");
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_THAT(second.err, StartsWith("stormproof: "));
  EXPECT_THAT(second.err, HasSubstr("not empty"));
  EXPECT_EQ(std::count(second.err.begin(), second.err.end(), '\n'), 1) << second.err;
}

TEST_F(S3CliTest, AMissingBucketOrAnEmptyPrefixIsNoRepository) {
  CliResult missing = Run("snapshots");
  EXPECT_EQ(missing.exit_code, 10) << missing.err;
  EXPECT_THAT(missing.err, StartsWith("stormproof: "));
  EXPECT_THAT(missing.err, HasSubstr(bucket_));
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;

  CreateRgwBucket(bucket_);
  CliResult empty = Run("snapshots");
  EXPECT_EQ(empty.exit_code, 10) << empty.err;
  EXPECT_EQ(empty.err, "stormproof: " + repo_ +
                           ": no repository there (nothing is stored under it); create one with "
                           "'stormproof init'\n");
}

TEST_F(S3CliTest, AWrongSecretIsAccessDeniedInOneLineWithoutTheSecret) {
  ASSERT_EQ(Run("init").exit_code, 0);
  const std::string wrong = "wrong-secret-0123456789abcdefghijklmnopqrstu";
  for (const char* command : {"snapshots", "init", "check"}) {
    CliResult r = Run(command, repo_, "AWS_SECRET_ACCESS_KEY=" + wrong);
    EXPECT_EQ(r.exit_code, 14) << command << ": " << r.err;
    EXPECT_THAT(r.err, StartsWith("stormproof: s3:http://"));
    EXPECT_THAT(r.err, HasSubstr("access denied"));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_THAT(r.err + r.out, Not(HasSubstr(wrong)));
    EXPECT_THAT(r.err + r.out, Not(HasSubstr(Rgw().secret_key)));
  }
}

// A plan repository in object storage: `run` backs up, drills and checks it with the keys of its
// credentials_file (stormproof's own environment has none), never treats the location as a path
// under --root, and keeps the secret out of its output and the catalog.
TEST_F(S3CliTest, RunUsesAPlanRepositoryInS3WithItsCredentialsFile) {
  Write("aws.ini", "[default]\naws_access_key_id = " + Rgw().access_key +
                       "\naws_secret_access_key = " + Rgw().secret_key + "\n");
  fs::permissions(dir_ / "aws.ini", fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directories(dir_ / "world/srv/files");
  Write("world/srv/files/greeting.txt", "hello\n");
  const std::string plan = R"(msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com, phone: "+44 1632 960000"}}
tiers:
  - {id: gold, rank: 2, rto: 4h, rpo: 15m, drill_every: monthly, retention: {keep_last: 3}}
systems:
  - id: files
    owner: ann
    tier: gold
    backup: {paths: [/srv/files], repositories: [offsite]}
    restore:
      verify: 'grep -q hello "$STORMPROOF_RESTORE_PATH/srv/files/greeting.txt"'
repositories:
  - id: offsite
    medium: object
    credentials_file: aws.ini
    region: us-east-1
    location: )";
  Write("plan.yaml", plan + repo_ + "\n");
  const std::string args = "--plan '" + (dir_ / "plan.yaml").string() + "' --password-file '" +
                           (dir_ / "password").string() + "' --cache-dir '" +
                           (dir_ / "cache").string() + "' run --init --root '" +
                           (dir_ / "world").string() + "'";
  CliResult run = RunStormproof(args,
                                "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION "
                                "STORMPROOF_KDF_TEST=1");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("backup files -> offsite: ok: 1 files")) << run.out;
  EXPECT_THAT(run.out, HasSubstr("drill files: ok")) << run.out;
  EXPECT_THAT(run.out, HasSubstr("check offsite: ok")) << run.out;
  EXPECT_FALSE(fs::exists(dir_ / "world/s3:http:"));
  ASSERT_TRUE(fs::exists(dir_ / "stormproof.db"));
  for (const std::string& text : {run.out, run.err, ReadAll((dir_ / "stormproof.db").string())}) {
    EXPECT_THAT(text, Not(HasSubstr(Rgw().secret_key)));
  }
  // The repository really is in the bucket: the command line finds the snapshot there.
  CliResult snapshots = Run("--json snapshots");
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.err;
  EXPECT_EQ(nlohmann::json::parse(snapshots.out).size(), 1u) << snapshots.out;
}

}  // namespace
}  // namespace stormproof::testing
