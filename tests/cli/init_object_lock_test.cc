// `stormproof init --object-lock*` end to end against a real RGW (tests/engine/s3/rgw.h): a new
// bucket with Object Lock, the retention recorded and kept by the next backup, --json, and the
// one-line refusals (exit 2) of bad combinations, a local directory and a bucket without Object
// Lock, each leaving nothing behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

class InitObjectLockTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ExportRgwCredentials(); }

  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() /
           ("stormproof-init-lock-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "password") << "correct horse\n";
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(dir_ / "data" / "hello.txt") << "hello, world\n";
    bucket_ = UniqueBucketName(name);
    repo_ = RgwLocation(bucket_, "acme");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // With the local cache, whose backend must hand the retention on to the bucket's.
  CliResult Run(const std::string& args, const std::string& repo) {
    return RunStormproof(
        "--repo '" + repo + "' --cache-dir '" + (dir_ / "cache").string() + "' " + args,
        "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() + "'");
  }
  CliResult Run(const std::string& args) { return Run(args, repo_); }
  // The keys of every object in the bucket (none when it does not exist).
  std::string Listing() { return RgwRequest("GET", "/" + bucket_ + "?list-type=2").body; }

  fs::path dir_;
  std::string bucket_, repo_;
};

TEST_F(InitObjectLockTest, CreatesALockedBucketAndEveryBackupKeepsTheRetention) {
  CliResult init =
      Run("init --object-lock --object-lock-days 2 --object-lock-mode compliance --json");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  auto json = nlohmann::json::parse(init.out);
  EXPECT_EQ(json["object_lock"], nlohmann::json({{"mode", "compliance"}, {"days", 2}}));
  RgwResponse lock = RgwRequest("GET", "/" + bucket_ + "?object-lock=");
  EXPECT_THAT(lock.body, HasSubstr("<ObjectLockEnabled>Enabled</ObjectLockEnabled>"));
  RgwResponse config = RgwRequest("GET", "/" + bucket_ + "/acme/config");
  EXPECT_THAT(config.body, HasSubstr(R"("version": 2)"));

  CliResult backup = Run("backup --json " + (dir_ / "data").string());
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  const std::string listing = Listing();
  size_t at = listing.find("<Key>acme/snapshots/");
  ASSERT_NE(at, std::string::npos) << listing;
  std::string key = listing.substr(at + 5, listing.find("</Key>", at) - at - 5);
  RgwResponse retention = RgwRequest("GET", "/" + bucket_ + "/" + key + "?retention=");
  EXPECT_THAT(retention.body, HasSubstr("<Mode>COMPLIANCE</Mode>"));
}

TEST_F(InitObjectLockTest, SaysWhatIsLockedWithoutJson) {
  CliResult init = Run("init --object-lock-days 2");  // governance; the bucket is created locked
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.out, HasSubstr("Object Lock: every file but locks stays undeletable for 2 "
                                  "days (governance mode)"));
  EXPECT_THAT(RgwRequest("GET", "/" + bucket_ + "?object-lock=").body, HasSubstr("Enabled"));
}

TEST_F(InitObjectLockTest, BadCombinationsAreOneLineAndCreateNothing) {
  const std::string local = (dir_ / "local").string();
  struct Case {
    std::string args, repo, line;
  } cases[] = {
      {"init --object-lock", repo_,
       "stormproof: --object-lock: needs --object-lock-days N (how many days every file stays "
       "undeletable)\n"},
      {"init --object-lock-mode compliance", repo_,
       "stormproof: --object-lock-mode: needs --object-lock-days N\n"},
      {"init --object-lock-days 0", repo_,
       "stormproof: --object-lock-days: 0 is too short: give at least 2 days, so that a "
       "maintenance run (forget or prune, daily under `run`) extends the retention of the files "
       "in use before it ends\n"},
      {"init --object-lock-days 1", repo_,
       "stormproof: --object-lock-days: 1 is too short: give at least 2 days, so that a "
       "maintenance run (forget or prune, daily under `run`) extends the retention of the files "
       "in use before it ends\n"},
      {"init --object-lock-days 3 --object-lock-mode legal-hold", repo_,
       "stormproof: --object-lock-mode: 'legal-hold' is not governance or compliance\n"},
      {"init --object-lock-days 3", local,
       "stormproof: --object-lock-days: '" + local +
           "' is not object storage: Object Lock needs an s3: location on a bucket with Object "
           "Lock\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    CliResult result = Run(c.args, c.repo);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.err, c.line);
  }
  EXPECT_FALSE(fs::exists(local));
  EXPECT_EQ(RgwRequest("HEAD", "/" + bucket_).status, 404) << "no bucket was created";
}

TEST_F(InitObjectLockTest, ABucketWithoutObjectLockIsRefusedAndLeftEmpty) {
  CreateRgwBucket(bucket_);
  CliResult init = Run("init --object-lock --object-lock-days 2");
  EXPECT_EQ(init.exit_code, 2);
  EXPECT_EQ(init.err, "stormproof: " + repo_ + ": bucket '" + bucket_ +
                          "' does not have Object Lock enabled (it can only be turned on when a "
                          "bucket is created: `stormproof init --object-lock` creates a new "
                          "bucket with it)\n");
  EXPECT_THAT(Listing(), Not(HasSubstr("<Key>")));
}

}  // namespace
}  // namespace stormproof::testing
