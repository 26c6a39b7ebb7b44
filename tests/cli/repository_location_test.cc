// End-to-end tests of --repo locations: a location this build cannot serve (sftp:, b2:, a
// malformed s3:) is refused with one line and exit 2 and creates nothing anywhere — before the
// fix, `init --repo s3:https://host/bucket` made a local directory "s3:https:" in the working
// directory and reported success —; restic's local:DIR spelling and a directory whose name holds
// a ':' still work.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::StartsWith;

class RepositoryLocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-location-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "work");
    std::ofstream(dir_ / "password") << "correct horse\n";
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `stormproof ARGS` run in dir_/work with a password file and no S3 credentials at all.
  CliResult Run(const std::string& args, const std::string& env = "") {
    const std::string home = (dir_ / "home").string();
    return RunStormproof(
        args, "cd '" + (dir_ / "work").string() + "' && env -u AWS_ACCESS_KEY_ID " +
                  "-u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE HOME='" + home +
                  "' XDG_CACHE_HOME='" + home + "/cache' XDG_STATE_HOME='" + home +
                  "/state' STORMPROOF_KDF_TEST=1 " +
                  "STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() + "' " + env);
  }

  // Everything under dir_/work and dir_/home: what a command left on disk.
  std::vector<std::string> Created() const {
    std::vector<std::string> found;
    for (const char* where : {"work", "home"}) {
      if (!fs::exists(dir_ / where)) continue;
      for (const auto& entry : fs::recursive_directory_iterator(dir_ / where)) {
        found.push_back(fs::relative(entry.path(), dir_).string());
      }
    }
    return found;
  }

  fs::path dir_;
};

// One line on stderr, nothing on stdout.
void ExpectOneErrorLine(const CliResult& r, const std::string& start) {
  EXPECT_THAT(r.err, StartsWith("stormproof: " + start)) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(RepositoryLocationTest, InitRefusesAnS3LocationItCannotParseAndCreatesNothing) {
  for (const char* location : {"s3:", "s3:https:", "s3:https://host", "s3:garbage",
                               "s3:ftp://host/bucket", "s3:https://host/Bad_Bucket"}) {
    CliResult r = Run("init --repo '" + std::string(location) + "'");
    EXPECT_EQ(r.exit_code, 2) << location << ": " << r.err;
    ExpectOneErrorLine(r, "invalid S3 location '" + std::string(location) + "': ");
  }
  EXPECT_THAT(Created(), ::testing::IsEmpty());
}

TEST_F(RepositoryLocationTest, InitRefusesSchemesThisBuildCannotUse) {
  for (const char* location :
       {"b2:foo", "sftp:x:/y", "rest:http://host:8000/", "https://host/bucket", "azure:c:/"}) {
    const std::string text = location;
    const std::string scheme = text.substr(0, text.find(':'));
    CliResult r = Run("init --repo '" + text + "'");
    EXPECT_EQ(r.exit_code, 2) << text << ": " << r.err;
    EXPECT_EQ(r.err, "stormproof: repository location '" + text + "': this build cannot use " +
                         scheme +
                         ": locations (supported: a local path, local:PATH, "
                         "s3:https://host/bucket[/prefix])\n");
    EXPECT_EQ(r.out, "");
  }
  EXPECT_THAT(Created(), ::testing::IsEmpty());
}

TEST_F(RepositoryLocationTest, EveryCommandRefusesThemTheSameWay) {
  for (const char* command : {"snapshots", "check", "backup /etc/hostname", "stats", "prune"}) {
    CliResult r = Run(std::string(command) + " --repo b2:foo");
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err;
    ExpectOneErrorLine(r, "repository location 'b2:foo': this build cannot use b2: locations");
  }
  CliResult from_environment = Run("snapshots", "STORMPROOF_REPOSITORY=sftp:x:/y");
  EXPECT_EQ(from_environment.exit_code, 2) << from_environment.err;
  ExpectOneErrorLine(from_environment, "repository location 'sftp:x:/y': ");
  EXPECT_THAT(Created(), ::testing::IsEmpty());
}

TEST_F(RepositoryLocationTest, S3WithoutCredentialsSaysWhatToSetAndCreatesNothing) {
  CliResult r = Run("init --repo s3:http://127.0.0.1:9/acme-offsite");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  ExpectOneErrorLine(r, "s3:http://127.0.0.1:9/acme-offsite: ");
  EXPECT_THAT(r.err, HasSubstr("AWS_ACCESS_KEY_ID"));
  CliResult snapshots = Run("snapshots --repo s3:http://127.0.0.1:9/acme-offsite");
  EXPECT_EQ(snapshots.exit_code, 2) << snapshots.err;
  EXPECT_THAT(Created(), ::testing::IsEmpty());
}

// A malformed STORMPROOF_S3_BUCKET_LOOKUP is met only when an s3: location is opened: plan
// commands and local repositories run as without it; a command on an s3: location exits 2 with
// one line naming the location, the variable and the words it may hold, and creates nothing.
TEST_F(RepositoryLocationTest, ABadBucketLookupVariableFailsOnlyS3Locations) {
  const std::string bad = "STORMPROOF_S3_BUCKET_LOOKUP=virtual";
  const std::string check = "plan check --as-of 2026-11-26 --plan '" +
                            std::string(STORMPROOF_EXAMPLES) + "/acme-msp/plan.yaml'";
  CliResult clean = Run(check);
  CliResult with_bad = Run(check, bad);
  EXPECT_NE(with_bad.exit_code, 2) << with_bad.err;
  EXPECT_EQ(with_bad.exit_code, clean.exit_code) << with_bad.err;
  EXPECT_EQ(with_bad.out, clean.out);
  EXPECT_EQ(with_bad.err, clean.err);

  const std::string repo = (dir_ / "work" / "repo").string();
  CliResult init = Run("init --repo '" + repo + "'", bad);
  EXPECT_EQ(init.exit_code, 0) << init.err;
  CliResult snapshots = Run("snapshots --repo '" + repo + "'", bad);
  EXPECT_EQ(snapshots.exit_code, 0) << snapshots.err;
  fs::remove_all(repo);

  const std::string s3 = "s3:http://127.0.0.1:9/acme-offsite";
  const std::string credentials = "AWS_ACCESS_KEY_ID=AKEXAMPLE AWS_SECRET_ACCESS_KEY=secret ";
  for (const char* command : {"init", "snapshots"}) {
    CliResult r = Run(std::string(command) + " --repo " + s3, credentials + bad);
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err;
    ExpectOneErrorLine(r, s3 + ": STORMPROOF_S3_BUCKET_LOOKUP='virtual' is not auto, dns or "
                               "path: correct or unset it");
  }
  EXPECT_THAT(Created(), ::testing::IsEmpty());
}

TEST_F(RepositoryLocationTest, LocalSpellingIsADirectory) {
  const std::string repo = (dir_ / "work" / "repo").string();
  CliResult init = Run("init --repo 'local:" + repo + "'");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_TRUE(fs::exists(fs::path(repo) / "config"));
  EXPECT_FALSE(fs::exists(dir_ / "work" / "local:"));
  CliResult plain = Run("snapshots --repo '" + repo + "'");
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  CliResult spelled = Run("snapshots --repo local:repo");  // relative to the working directory
  EXPECT_EQ(spelled.exit_code, 0) << spelled.err;
}

TEST_F(RepositoryLocationTest, ADirectoryWithAColonIsWrittenWithDotSlash) {
  CliResult init = Run("init --repo ./x:y");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_TRUE(fs::exists(dir_ / "work" / "x:y" / "config"));
  EXPECT_EQ(Run("snapshots --repo local:x:y").exit_code, 0);
  CliResult bare = Run("snapshots --repo xy:z");
  EXPECT_EQ(bare.exit_code, 2);
  ExpectOneErrorLine(bare, "repository location 'xy:z': this build cannot use xy: locations");
}

TEST_F(RepositoryLocationTest, HelpNamesTheStorageFlags) {
  CliResult help = RunStormproof("--help");
  for (const char* flag :
       {"--cacert", "--insecure-tls", "--cache-dir", "--no-cache", "STORMPROOF_CACERT",
        "STORMPROOF_CACHE_DIR", "AWS_ACCESS_KEY_ID", "14 access denied"}) {
    EXPECT_THAT(help.out, HasSubstr(flag));
  }
}

}  // namespace
}  // namespace stormproof::testing
