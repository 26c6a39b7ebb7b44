// End-to-end tests of the command line on object storage: the real binary against a real Ceph
// RADOS Gateway (tests/engine/s3/rgw.h) through --repo s3:http://127.0.0.1:PORT/bucket[/prefix],
// credentials from the AWS_* environment. init, backup, snapshots, restore and check --read-data
// work as on a directory; a missing bucket or an empty prefix is "no repository" (exit 10); a
// wrong secret is access denied (exit 14) in one line that holds no secret.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/fault_proxy.h"
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

// `copy` from a local repository (its own password) into the bucket: the copy restores
// byte-identical from object storage, check --read-data passes, a second copy writes nothing.
TEST_F(S3CliTest, CopyFromALocalRepositoryIntoTheBucketRestores) {
  const std::string local = (dir_ / "local").string();
  std::ofstream(dir_ / "local-password") << "local secret\n";
  fs::permissions(dir_ / "local-password", fs::perms::owner_read | fs::perms::owner_write);
  const std::string local_env =
      "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "local-password").string() + "'";
  ASSERT_EQ(RunStormproof("--repo '" + local + "' init", local_env).exit_code, 0);
  CliResult backup = RunStormproof("--repo '" + local + "' --quiet backup " + Data(), local_env);
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  ASSERT_EQ(Run("init").exit_code, 0);

  const std::string copy = "--json copy --from-repo '" + local + "'";
  const std::string from = "STORMPROOF_FROM_PASSWORD_FILE='" + (dir_ / "local-password").string() + "'";
  CliResult copied = Run(copy, repo_, from);
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  nlohmann::json summary = nlohmann::json::parse(copied.out);
  EXPECT_EQ(summary["copied"], 1) << copied.out;
  EXPECT_GT(summary["bytes_written"].get<uint64_t>(), 600u << 10);

  const std::string target = (dir_ / "restored").string();
  CliResult restore = Run("restore latest --verify --target " + target);
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(::system(("diff -r " + Data() + " " + target + Data()).c_str()), 0);
  CliResult check = Run("--no-cache check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  CliResult again = Run(copy, repo_, from);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["already_copied"], 1) << again.out;
  EXPECT_EQ(nlohmann::json::parse(again.out)["bytes_written"], 0) << again.out;
}

// `copy --from-credentials-file` reaches an s3: source with its own credentials while the
// environment's (the destination's) are not valid for it; the secret is never printed.
TEST_F(S3CliTest, CopyFromTheBucketWithTheSourcesOwnCredentialsFile) {
  ASSERT_EQ(Run("init").exit_code, 0);
  ASSERT_EQ(Run("--quiet backup " + Data()).exit_code, 0);
  const std::string secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  Write("source-credentials", std::string("[offsite-reader]\naws_access_key_id = ") +
                                  std::getenv("AWS_ACCESS_KEY_ID") +
                                  "\naws_secret_access_key = " + secret + "\n");
  const std::string local = (dir_ / "local").string();
  ASSERT_EQ(RunStormproof("--repo '" + local + "' init",
                          "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" +
                              (dir_ / "password").string() + "'")
                .exit_code,
            0);
  const std::string copy = "--json copy --from-repo '" + repo_ + "' --from-password-file '" +
                           (dir_ / "password").string() + "'";
  const std::string wrong_env = "AWS_SECRET_ACCESS_KEY=not-the-secret";
  CliResult refused = Run(copy, local, wrong_env);
  EXPECT_EQ(refused.exit_code, 14) << refused.err;  // the environment's credentials: denied
  CliResult copied = Run(copy + " --from-profile offsite-reader --from-credentials-file '" +
                             (dir_ / "source-credentials").string() + "'",
                         local, wrong_env);
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_EQ(nlohmann::json::parse(copied.out)["copied"], 1) << copied.out;
  EXPECT_THAT(copied.out + copied.err + refused.err, Not(HasSubstr(secret)));
  CliResult missing = Run(copy + " --from-credentials-file '" + (dir_ / "nope").string() + "'",
                          local, wrong_env);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr((dir_ / "nope").string()));
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

// A repository written by a newer stormproof is the same failure wherever it lives: exit 1 (it
// was exit 2, "usage", on object storage, though no flag was wrong).
TEST_F(S3CliTest, ANewerFormatVersionExitsAsItDoesLocally) {
  ASSERT_EQ(Run("init").exit_code, 0);
  const std::string key = "/" + bucket_ + "/hosts/fs1/config";
  RgwResponse config = RgwRequest("GET", key);
  ASSERT_EQ(config.status, 200) << config.error;
  const std::string newer =
      std::regex_replace(config.body, std::regex("\"version\": *1"), "\"version\": 99");
  ASSERT_NE(newer, config.body);
  ASSERT_EQ(RgwRequest("PUT", key, newer).status, 200);
  const fs::path local = dir_ / "local";
  ASSERT_EQ(Run("init", local.string()).exit_code, 0);
  std::ofstream(local / "config", std::ios::binary | std::ios::trunc) << newer;
  CliResult here = Run("snapshots", local.string());
  ASSERT_EQ(here.exit_code, 1) << here.err;
  CliResult there = Run("snapshots");
  EXPECT_THAT(there.err, HasSubstr("newer than this stormproof understands"));
  EXPECT_EQ(there.exit_code, here.exit_code) << there.err;
}

// Opening S3 storage asks the server nothing, so the cache folder is made before the first
// request finds the bucket missing: a mistyped bucket must not leave that folder behind.
TEST_F(S3CliTest, AMissingBucketLeavesNoCacheFolder) {
  CliResult missing = Run("snapshots");
  ASSERT_EQ(missing.exit_code, 10) << missing.err;
  std::vector<std::string> left;
  if (fs::exists(dir_ / "cache")) {
    for (const auto& entry : fs::recursive_directory_iterator(dir_ / "cache")) {
      left.push_back(entry.path().string());
    }
  }
  EXPECT_THAT(left, ::testing::IsEmpty());
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

// `run` copies a local repository into a plan repository in the bucket (copy_from), which
// `run --init` creates with the plan's object_lock (a bucket with Object Lock; every snapshot
// retained); the copy's forget opens it with its maintenance_credentials_file.
TEST_F(S3CliTest, RunCopiesIntoAnObjectLockedPlanRepository) {
  for (const char* name : {"upload.ini", "maintenance.ini"}) {
    Write(name, "[default]\naws_access_key_id = " + Rgw().access_key +
                    "\naws_secret_access_key = " + Rgw().secret_key + "\n");
    fs::permissions(dir_ / name, fs::perms::owner_read | fs::perms::owner_write);
  }
  fs::create_directories(dir_ / "world/srv/files");
  Write("world/srv/files/greeting.txt", "hello\n");
  Write("plan.yaml", R"(msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com, phone: "+44 1632 960000"}}
tiers:
  - {id: gold, rank: 2, rto: 4h, rpo: 15m, retention: {keep_last: 3}}
systems:
  - {id: files, owner: ann, tier: gold, backup: {paths: [/srv/files], repositories: [local]}}
repositories:
  - {id: local, location: /srv/repo}
  - id: offsite
    copy_from: local
    object_lock: {mode: governance, days: 1}
    credentials_file: upload.ini
    maintenance_credentials_file: maintenance.ini
    region: us-east-1
    location: )" + repo_ + "\n");
  CliResult run = RunStormproof(
      "--plan '" + (dir_ / "plan.yaml").string() + "' --password-file '" +
          (dir_ / "password").string() + "' --cache-dir '" + (dir_ / "cache").string() +
          "' run --init --root '" + (dir_ / "world").string() + "'",
      "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION STORMPROOF_KDF_TEST=1");
  EXPECT_THAT(run.out, HasSubstr("copy files local -> offsite: ok: copied 1 snapshot(s)"))
      << run.out;
  // The plan's object_lock is a claim run proves: the owner's credentials (here in both files)
  // may bypass governance, so the copy is NOT immutable: a breach (exit 3), what was allowed.
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("prove immutability of offsite: failed: NOT immutable: "))
      << run.out;
  EXPECT_THAT(run.out, HasSubstr("forget files in offsite: ok")) << run.out;
  EXPECT_THAT(RgwRequest("GET", "/" + bucket_ + "?object-lock=").body,
              HasSubstr("<ObjectLockEnabled>Enabled</ObjectLockEnabled>"));
  const std::string listing = RgwRequest("GET", "/" + bucket_ + "?list-type=2").body;
  size_t at = listing.find("<Key>hosts/fs1/snapshots/");
  ASSERT_NE(at, std::string::npos) << listing;
  std::string key = listing.substr(at + 5, listing.find("</Key>", at) - at - 5);
  EXPECT_THAT(RgwRequest("GET", "/" + bucket_ + "/" + key + "?retention=").body,
              HasSubstr("<Mode>GOVERNANCE</Mode>"));
  CliResult snapshots = Run("--json snapshots");
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.err;
  auto listed = nlohmann::json::parse(snapshots.out);
  ASSERT_EQ(listed.size(), 1u) << snapshots.out;
  EXPECT_TRUE(listed[0].contains("copied_from")) << snapshots.out;
}

// A plan repository whose config records a weaker Object Lock than the plan's object_lock (as
// when someone with PutObject replaced the config): run writes nothing into it and says so in
// one line naming both; the action fails (a breach, exit 3).
TEST_F(S3CliTest, RunRefusesARepositoryWhoseObjectLockIsWeakerThanThePlans) {
  fs::create_directories(dir_ / "world/srv/files");
  Write("world/srv/files/greeting.txt", "hello\n");
  Write("owner.ini", "[default]\naws_access_key_id = " + Rgw().access_key +
                         "\naws_secret_access_key = " + Rgw().secret_key + "\n");
  auto plan = [&](int days) {
    const std::string more =
        days > 1 ? "  - {id: more, owner: ann, tier: gold, backup: {paths: [/srv/more], "
                   "repositories: [local]}}\n"
                 : "";
    Write("plan.yaml", std::string(R"(msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com, phone: "+44 1632 960000"}}
tiers:
  - {id: gold, rank: 2, rto: 4h, rpo: 15m}
systems:
  - {id: files, owner: ann, tier: gold, backup: {paths: [/srv/files], repositories: [local]}}
)") + more + R"(repositories:
  - {id: local, location: /srv/repo}
  - id: offsite
    copy_from: local
    object_lock: {mode: governance, days: )" + std::to_string(days) + R"(}
    credentials_file: owner.ini
    region: us-east-1
    location: )" + repo_ + "\n");
  };
  auto run = [&] {
    return RunStormproof("--plan '" + (dir_ / "plan.yaml").string() + "' --password-file '" +
                             (dir_ / "password").string() + "' --cache-dir '" +
                             (dir_ / "cache").string() + "' run --init --root '" +
                             (dir_ / "world").string() + "'",
                         "STORMPROOF_KDF_TEST=1");
  };
  plan(1);
  CliResult first = run();  // exit 3: the owner's credentials may bypass governance (not proven)
  ASSERT_THAT(first.out, HasSubstr("copy files local -> offsite: ok")) << first.out << first.err;
  plan(30);  // the plan asks more than the repository's config records, and a new system
  fs::create_directories(dir_ / "world/srv/more");
  Write("world/srv/more/notes.txt", "more\n");
  CliResult refused = run();
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_THAT(refused.out + refused.err,
              HasSubstr("repository offsite: the repository's config records governance for 1 "
                        "day, weaker than the governance for 30 days the plan expects: nothing "
                        "is written"))
      << refused.out << refused.err;
  CliResult snapshots = Run("--json snapshots");
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.err;
  EXPECT_EQ(nlohmann::json::parse(snapshots.out).size(), 1u) << "nothing was copied";
}

// The example MSP's offsite copy, end to end: `run --init` creates the object-locked bucket and
// repository with the maintenance (owner's) credentials, never the backup host's; once the
// upload-only policy of docs/object-storage.md is on the bucket, run copies into it with the
// upload-only credentials and proves its immutability with them (on the check cadence: not
// again in the next run), and `status` shows it proven. The proof's JSON holds no secret.
TEST_F(S3CliTest, RunProvesTheUploadOnlyObjectLockedCopyAndStatusShowsItProven) {
  const RgwUser uploader = CreateRgwUser("cli-proof-host");
  Write("upload.ini", "[default]\naws_access_key_id = " + uploader.access_key +
                          "\naws_secret_access_key = " + uploader.secret_key + "\n");
  Write("maintenance.ini", "[default]\naws_access_key_id = " + Rgw().access_key +
                               "\naws_secret_access_key = " + Rgw().secret_key + "\n");
  fs::create_directories(dir_ / "world/srv/files");
  Write("world/srv/files/greeting.txt", "hello\n");
  Write("plan.yaml", R"(msp: {id: acme, name: Acme IT}
run: {check_every: daily}  # a proof counts a day: what is retained 1 + 1 days outlasts it
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com, phone: "+44 1632 960000"}}
tiers:
  - {id: gold, rank: 2, rto: 4h, rpo: 15m}
systems:
  - {id: files, owner: ann, tier: gold, backup: {paths: [/srv/files], repositories: [local]}}
repositories:
  - {id: local, location: /srv/repo}
  - id: offsite
    copy_from: local
    immutable: true
    object_lock: {mode: compliance, days: 1}
    credentials_file: upload.ini
    maintenance_credentials_file: maintenance.ini
    region: us-east-1
    location: )" + repo_ + "\n");
  const std::string plan_args = "--plan '" + (dir_ / "plan.yaml").string() + "' --password-file '" +
                                (dir_ / "password").string() + "' --cache-dir '" +
                                (dir_ / "cache").string() + "' ";
  const std::string no_env =
      "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION STORMPROOF_KDF_TEST=1";
  const std::string root = " --root '" + (dir_ / "world").string() + "'";
  // No policy yet: the uploader may not write into the owner's bucket (a breach), but the bucket
  // and the repository are the owner's (with the uploader's credentials the owner could not read
  // the config).
  CliResult created = RunStormproof(plan_args + "run --init" + root, no_env);
  EXPECT_EQ(created.exit_code, 3) << created.out << created.err;
  CliResult owner_reads = Run("--json snapshots");
  ASSERT_EQ(owner_reads.exit_code, 0) << owner_reads.out << owner_reads.err;
  EXPECT_THAT(RgwRequest("GET", "/" + bucket_ + "?object-lock=").body,
              HasSubstr("<ObjectLockEnabled>Enabled</ObjectLockEnabled>"));

  RgwResponse policy = PutRgwBucketPolicy(bucket_, UploadOnlyPolicy(bucket_, uploader.uid));
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  CliResult run = RunStormproof(plan_args + "--json run" + root, no_env);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  nlohmann::json proof;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("kind", "") == "immutability" &&
        j.value("message_type", "") == "action") {
      proof = j;
    }
  }
  ASSERT_FALSE(proof.is_null()) << run.out;
  EXPECT_EQ(proof["repository"], "offsite");
  EXPECT_EQ(proof["outcome"], "ok") << proof.dump();
  EXPECT_THAT(proof["summary"].get<std::string>(),
              HasSubstr("immutability proven (compliance 1 days"));
  EXPECT_THAT(proof["summary"].get<std::string>(), HasSubstr("upload.ini"));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr(uploader.secret_key)));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr(Rgw().secret_key)));

  CliResult status = RunStormproof(plan_args + "status", no_env);
  EXPECT_THAT(status.out, HasSubstr("repository offsite: immutable: proven")) << status.out;
  CliResult again = RunStormproof(plan_args + "run --dry-run" + root, no_env);
  EXPECT_THAT(again.out, Not(HasSubstr("prove immutability"))) << again.out;

  // A proof made with the owner's (maintenance) credentials says nothing of what the backup
  // hosts can destroy: recorded with its access key id, but status does not count it, and says
  // why; the backup hosts' proof still counts, and run proves nothing again.
  CliResult owner =
      Run("--plan '" + (dir_ / "plan.yaml").string() + "' check --immutability");
  EXPECT_THAT(owner.out, HasSubstr("(access key " + Rgw().access_key + ")")) << owner.out;
  EXPECT_THAT(owner.out, HasSubstr("recorded in ")) << owner.out;
  // (They are the plan's maintenance_credentials_file here: named as such.)
  EXPECT_THAT(owner.out, HasSubstr("not counted by status: made with the maintenance "
                                   "credentials (" + Rgw().access_key + "), which may delete"))
      << owner.out << owner.err;
  status = RunStormproof(plan_args + "status", no_env);
  EXPECT_THAT(status.out, HasSubstr("repository offsite: immutable: proven")) << status.out;
  EXPECT_THAT(status.out, HasSubstr("not counted: made with the maintenance credentials (" +
                                    Rgw().access_key + ")"))
      << status.out;
  EXPECT_THAT(status.out + owner.out + owner.err, Not(HasSubstr(Rgw().secret_key)));
  again = RunStormproof(plan_args + "run --dry-run" + root, no_env);
  EXPECT_THAT(again.out, Not(HasSubstr("prove immutability"))) << again.out;
}

// A plan repository whose credentials may write but not delete, with no
// maintenance_credentials_file: the forget fails before removing anything, with one line saying
// which credentials it needs (a breach, exit 3); the backup itself is done.
TEST_F(S3CliTest, RunsForgetWithUploadOnlyCredentialsIsOneClearLine) {
  const RgwUser uploader = CreateRgwUser("cli-backup-host");
  CreateRgwBucket(bucket_);
  const std::string resources =
      R"(["arn:aws:s3:::)" + bucket_ + R"(", "arn:aws:s3:::)" + bucket_ + R"(/*"])";
  const std::string principal = R"({"AWS": [")" + uploader.arn + R"("]})";
  RgwResponse policy = PutRgwBucketPolicy(
      bucket_, R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": )" +
                   principal + R"(, "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject"],)"
                   R"( "Resource": )" + resources +
                   R"(}, {"Effect": "Deny", "Principal": )" + principal +
                   R"(, "Action": ["s3:DeleteObject"], "Resource": )" + resources + "}]}");
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  ASSERT_EQ(Run("init").exit_code, 0);  // the owner's credentials
  Write("upload.ini", "[default]\naws_access_key_id = " + uploader.access_key +
                          "\naws_secret_access_key = " + uploader.secret_key + "\n");
  fs::create_directories(dir_ / "world/srv/files");
  Write("world/srv/files/greeting.txt", "hello\n");
  // An earlier snapshot of the same host and path, so that keep_last 1 has one to remove.
  ASSERT_EQ(Run("--quiet backup --tag system=files " + (dir_ / "world/srv/files").string())
                .exit_code,
            0);
  Write("plan.yaml", R"(msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com, phone: "+44 1632 960000"}}
tiers:
  - {id: gold, rank: 2, rto: 4h, rpo: 15m, retention: {keep_last: 1}}
systems:
  - {id: files, owner: ann, tier: gold, backup: {paths: [/srv/files], repositories: [offsite]}}
repositories:
  - id: offsite
    credentials_file: upload.ini
    region: us-east-1
    location: )" + repo_ + "\n");
  CliResult run = RunStormproof(
      "--plan '" + (dir_ / "plan.yaml").string() + "' --password-file '" +
          (dir_ / "password").string() + "' --cache-dir '" + (dir_ / "cache").string() +
          "' run --root '" + (dir_ / "world").string() + "'",
      "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION STORMPROOF_KDF_TEST=1");
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("backup files -> offsite: ok")) << run.out;
  std::string forget_line;
  std::istringstream lines(run.out + run.err);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("forget files in offsite: error") != std::string::npos) forget_line = line;
  }
  EXPECT_THAT(forget_line, HasSubstr("these credentials may not delete objects")) << run.out;
  EXPECT_THAT(forget_line, HasSubstr("maintenance_credentials_file")) << run.out;
  EXPECT_THAT(run.out + run.err, Not(HasSubstr(uploader.secret_key)));
  CliResult snapshots = Run("--json snapshots");
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.err;
  EXPECT_EQ(nlohmann::json::parse(snapshots.out).size(), 2u) << "nothing was forgotten";
}

// What an unchanged backup costs on object storage, request by request, as the server sees them
// (a FaultProxy in between records them): the list in docs/object-storage.md ("What a backup
// costs"), which users price. With a warm cache nothing is downloaded but the key file, and the
// requests do not depend on the number of files or folders.
class S3BackupRequestsTest : public S3CliTest {
 protected:
  // Requests in words: "GET config", "LIST index/", "PUT locks/*", "PUT data/*" (a file's name
  // is "*", the bucket and the repository's prefix are left out).
  std::string Kind(const std::string& request) const {
    const std::string method = request.substr(0, request.find(' '));
    std::string target = request.substr(request.find(' ') + 1);
    target = std::regex_replace(target, std::regex("%2F"), "/");
    target = std::regex_replace(target, std::regex("(data/)?[0-9a-f]{2}/[0-9a-f]{64}"), "$1*");
    target = std::regex_replace(target, std::regex("[0-9a-f]{64}"), "*");
    const std::string prefix = "/" + bucket_ + "/hosts/fs1/";
    if (target.rfind(prefix, 0) == 0) return method + " " + target.substr(prefix.size());
    if (target == "/" + bucket_ + "?object-lock=") return method + " ?object-lock";
    std::smatch listed;
    if (method == "GET" &&
        std::regex_search(target, listed, std::regex("list-type=2.*prefix=hosts/fs1/([^&]*)"))) {
      return "LIST " + listed[1].str();
    }
    return method + " " + target;
  }

  // The requests of a second `backup` of `files` files in ten folders, nothing changed since the
  // first, with the cache the first one filled. `*tree_saved`: whether it saved a tree all the
  // same, because a folder above the backed-up one changed (the shared temporary directory).
  std::vector<std::string> UnchangedBackupRequests(int files, bool* tree_saved) {
    for (int i = 0; i < files; ++i) {
      const fs::path folder = dir_ / "data" / ("folder" + std::to_string(i % 10));
      fs::create_directories(folder);
      std::ofstream(folder / ("file" + std::to_string(i)), std::ios::binary) << "file " << i;
    }
    // Our own temporary files (the runner's stderr files) stay out of the folders above data/.
    fs::create_directories(dir_ / "tmp");
    const char* saved_tmpdir = std::getenv("TMPDIR");
    const std::string old_tmpdir = saved_tmpdir ? saved_tmpdir : "";
    ::setenv("TMPDIR", (dir_ / "tmp").c_str(), 1);
    FaultProxy proxy(Rgw().host, Rgw().port);
    const std::string repo = "s3:" + proxy.endpoint() + "/" + bucket_ + "/hosts/fs1";
    EXPECT_EQ(Run("init", repo).exit_code, 0);
    CliResult first = Run("backup " + Data(), repo);
    EXPECT_EQ(first.exit_code, 0) << first.err;
    proxy.ResetCounts();
    CliResult unchanged = Run("--json backup " + Data(), repo);
    std::vector<std::string> kinds;
    for (const std::string& request : proxy.requests()) kinds.push_back(Kind(request));
    saved_tmpdir ? ::setenv("TMPDIR", old_tmpdir.c_str(), 1) : ::unsetenv("TMPDIR");
    EXPECT_EQ(unchanged.exit_code, 0) << unchanged.err;
    std::string out = unchanged.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    const std::string last_line = out.substr(out.rfind('\n') + 1);  // the summary
    nlohmann::json summary = nlohmann::json::parse(last_line, nullptr, false);
    EXPECT_EQ(summary.value("files_unmodified", -1), files + 3) << unchanged.out;
    *tree_saved = summary.value("bytes_added", 0) > 0;
    return kinds;
  }

  // The documented sequence (docs/object-storage.md), with the tree pack and its index file when
  // a folder above the backed-up one changed.
  static std::vector<std::string> Expected(bool tree_saved) {
    std::vector<std::string> requests = {
        "GET config",       // the repository's config; a missing bucket answers here
        "LIST keys/",       // the key files
        "GET keys/*",       // the key the password opens
        "PUT locks/*",      // our lock
        "LIST locks/",      // no other lock: nothing more to read
        "LIST index/",      // the index, read once, under the lock (files from the cache)
        "GET ?object-lock",  // the config names no Object Lock: does the bucket have it?
        "LIST snapshots/",  // the parent snapshot (from the cache)
        "LIST evidence/",   // the marks the verdict's history is read with
        "LIST data/",       // every pack the snapshot relies on is still there
        "HEAD locks/*",     // our lock still held before the snapshot is written
        "PUT snapshots/*",  // the new snapshot
        "HEAD locks/*",     // and after
        "DELETE locks/*"};  // our lock removed
    if (tree_saved) {
      requests.insert(requests.begin() + 9,
                      {"PUT data/*", "HEAD locks/*", "PUT index/*", "HEAD locks/*"});
    }
    return requests;
  }
};

TEST_F(S3BackupRequestsTest, AnUnchangedBackupMakesFourteenRequests) {
  bool tree_saved = false;
  const std::vector<std::string> requests = UnchangedBackupRequests(10, &tree_saved);
  EXPECT_THAT(requests, ::testing::ElementsAreArray(Expected(tree_saved)));
  if (!tree_saved) {
    EXPECT_LE(requests.size(), 14u);
  }
}

TEST_F(S3BackupRequestsTest, ThirtyTimesAsManyFilesMakeNoMoreRequests) {
  bool tree_saved = false;
  const std::vector<std::string> requests = UnchangedBackupRequests(300, &tree_saved);
  EXPECT_THAT(requests, ::testing::ElementsAreArray(Expected(tree_saved)));
}

// Review finding R11-6: every command that shows verdicts or plans holds (snapshots, backup,
// forget, hold list, scan, ...) reads every mark, and a scanned history has one per snapshot.
// Marks another machine placed are downloaded once; with a warm cache the next `snapshots`
// makes not one GET of a mark, only the listing of evidence/.
TEST_F(S3BackupRequestsTest, MarksAreDownloadedOnceThenReadFromTheCache) {
  constexpr int kMarks = 50;
  FaultProxy proxy(Rgw().host, Rgw().port);
  const std::string repo = "s3:" + proxy.endpoint() + "/" + bucket_ + "/hosts/fs1";
  ASSERT_EQ(Run("init", repo).exit_code, 0);
  CliResult backup = Run("backup " + Data(), repo);
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  for (int i = 0; i < kMarks; ++i) {  // from another machine: its own cache
    CliResult added = RunStormproof(
        "--repo '" + repo + "' --cache-dir '" + (dir_ / "other-cache").string() +
            "' hold add latest --reason 'legal hold " + std::to_string(i) + "'",
        "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() + "'");
    ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
  }
  struct Counted {
    CliResult listed;
    int requests = 0, mark_gets = 0, evidence_lists = 0;
  };
  auto snapshots = [&] {
    proxy.ResetCounts();
    Counted counted{Run("--json snapshots", repo)};
    for (const std::string& request : proxy.requests()) {
      const std::string kind = Kind(request);
      ++counted.requests;
      counted.mark_gets += kind == "GET evidence/mark-*";
      counted.evidence_lists += kind == "LIST evidence/";
    }
    return counted;
  };
  const Counted cold = snapshots();
  const Counted warm = snapshots();
  std::printf("snapshots with %d marks: %d requests (%d GETs of marks) with a cold cache, %d "
              "(%d) with a warm one\n",
              kMarks, cold.requests, cold.mark_gets, warm.requests, warm.mark_gets);
  ASSERT_EQ(cold.listed.exit_code, 0) << cold.listed.err;
  ASSERT_EQ(warm.listed.exit_code, 0) << warm.listed.err;
  EXPECT_EQ(warm.listed.out, cold.listed.out);
  EXPECT_EQ(cold.mark_gets, kMarks);
  EXPECT_EQ(warm.mark_gets, 0);
  EXPECT_EQ(warm.evidence_lists, 1);
  CliResult holds = Run("--json hold list", repo);
  ASSERT_EQ(holds.exit_code, 0) << holds.err;
  EXPECT_EQ(nlohmann::json::parse(holds.out).size(), static_cast<size_t>(kMarks));
}

}  // namespace
}  // namespace stormproof::testing
