// End-to-end tests of the command line on object storage: the real binary against a real Ceph
// RADOS Gateway (tests/engine/s3/rgw.h) through --repo s3:http://127.0.0.1:PORT/bucket[/prefix],
// credentials from the AWS_* environment. init, backup, snapshots, restore and check --read-data
// work as on a directory; a missing bucket or an empty prefix is "no repository" (exit 10); a
// wrong secret is access denied (exit 14) in one line that holds no secret.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
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
        "LIST snapshots/",  // the parent snapshot (from the cache)
        "LIST data/",       // every pack the snapshot relies on is still there
        "HEAD locks/*",     // our lock still held before the snapshot is written
        "PUT snapshots/*",  // the new snapshot
        "HEAD locks/*",     // and after
        "DELETE locks/*"};  // our lock removed
    if (tree_saved) {
      requests.insert(requests.begin() + 7,
                      {"PUT data/*", "HEAD locks/*", "PUT index/*", "HEAD locks/*"});
    }
    return requests;
  }
};

TEST_F(S3BackupRequestsTest, AnUnchangedBackupMakesTwelveRequests) {
  bool tree_saved = false;
  const std::vector<std::string> requests = UnchangedBackupRequests(10, &tree_saved);
  EXPECT_THAT(requests, ::testing::ElementsAreArray(Expected(tree_saved)));
  if (!tree_saved) {
    EXPECT_LE(requests.size(), 12u);
  }
}

TEST_F(S3BackupRequestsTest, ThirtyTimesAsManyFilesMakeNoMoreRequests) {
  bool tree_saved = false;
  const std::vector<std::string> requests = UnchangedBackupRequests(300, &tree_saved);
  EXPECT_THAT(requests, ::testing::ElementsAreArray(Expected(tree_saved)));
}

}  // namespace
}  // namespace stormproof::testing
