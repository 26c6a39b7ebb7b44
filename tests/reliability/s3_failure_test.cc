// Failures of the network and the server between stormproof and S3 (docs/reliability.md, "On
// object storage"): real stormproof processes talk to the test binary's Ceph RGW through the
// fault-injecting proxy (tests/engine/s3/fault_proxy.h), which drops connections mid-upload and
// mid-download, answers 500, 503 SlowDown and 429, answers slowly, or stops listening; and
// through the test hooks of the S3 backend (engine/s3/test_hooks.cc), which skew the clock
// requests are signed with and shorten the retry budget. Also wrong credentials and a missing
// bucket.
//
// Each operation ends either completed (through retries) or with exactly one line on stderr that
// names the location and no secret, and a non-zero exit. Afterwards the repository is whole:
// check --read-data passes, every earlier snapshot restores byte-identical, and the next backup
// succeeds with no manual step.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/fault_proxy.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"
#include "tests/reliability/background_process.h"
#include "tests/reliability/restored_tree.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void WriteRandomFiles(const fs::path& dir, int text_files, size_t random_bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  fs::create_directories(dir / "docs");
  for (int f = 0; f < text_files; ++f) {
    std::string text(1000 + rng() % 20000, ' ');
    for (char& c : text) c = "abcdefgh \n"[rng() % 10];
    std::ofstream(dir / "docs" / (std::to_string(f) + ".txt")) << text;
  }
  std::string random(random_bytes, '\0');
  for (char& c : random) c = static_cast<char>(rng());
  std::ofstream(dir / "disk.img", std::ios::binary) << random;
}

// The lines of `text` that are not empty.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (std::istringstream in(text); std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

class S3FailureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ExportRgwCredentials();
    work_ = fs::temp_directory_path() / ("stormproof-s3-failure-" + std::to_string(::getpid()));
    fs::remove_all(work_);
    // d1: the earlier snapshot every test starts with; d2: what the operations under test back
    // up (a data pack of about 2.5 MiB, a tree pack, an index and a snapshot each).
    WriteRandomFiles(work_ / "d1", 20, 1 << 20, 1);
    WriteRandomFiles(work_ / "d2", 30, 2 << 20, 2);
  }
  static void TearDownTestSuite() { fs::remove_all(work_); }

  void SetUp() override {
    proxy_ = std::make_unique<FaultProxy>(Rgw().host, Rgw().port);
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    bucket_ = CreateRgwBucket(UniqueBucketName(test));
    location_ = "s3:" + proxy_->endpoint() + "/" + bucket_;
    ASSERT_EQ(Run("init").exit_code, 0);
    CliResult first = Run("backup " + D("d1"));
    ASSERT_EQ(first.exit_code, 0) << first.err;
  }

  static std::string D(const char* name) { return (work_ / name).string(); }

  // Runs stormproof on this test's repository (through the proxy) with `env` added.
  CliResult Run(const std::string& args, const std::string& env = "") const {
    return RunStormproof("--quiet " + args, Environment() + " " + env);
  }
  std::string Environment() const {
    return "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD=weather STORMPROOF_REPOSITORY=" +
           location_ + " XDG_CACHE_HOME=" + (work_ / "cache").string() +
           " XDG_STATE_HOME=" + (work_ / "state").string();
  }
  // `args` as a background process.
  std::unique_ptr<Background> Start(const std::string& args, const std::string& env = "") const {
    static int started = 0;
    return std::make_unique<Background>(
        "exec env " + Environment() + " " + env + " " + STORMPROOF_BINARY + " --quiet " + args,
        work_ / ("background" + std::to_string(++started)));
  }

  // A failure as the user must see it: a non-zero exit and one line on stderr naming the
  // location (and `reason`), without a secret.
  void ExpectOneClearLine(int exit_code, const std::string& err, const std::string& location,
                          const std::string& reason) const {
    EXPECT_NE(exit_code, 0);
    EXPECT_EQ(Lines(err).size(), 1u) << err;
    EXPECT_THAT(err, HasSubstr(location));
    EXPECT_THAT(err, HasSubstr(reason));
    EXPECT_THAT(err, Not(HasSubstr(Rgw().secret_key)));
  }

  // The repository after the failure: see the file comment. Every fault is off by now.
  void ExpectWhole() const {
    CliResult check = Run("check --read-data");
    ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
    json snapshots = json::parse(Run("snapshots --json").out);
    ASSERT_GE(snapshots.size(), 1u);
    for (const json& s : snapshots) {
      std::string source = s["paths"][0];
      fs::path target = work_ / ("restored-" + s["short_id"].get<std::string>());
      CliResult restore =
          Run("restore " + s["id"].get<std::string>() + " --target " + target.string());
      ASSERT_EQ(restore.exit_code, 0) << restore.err;
      EXPECT_TRUE(Contents(source) == Contents(target.string() + source))
          << "snapshot of " << source << " does not restore byte-identical";
      fs::remove_all(target);
    }
    CliResult next = Run("backup " + D("d2"));
    ASSERT_EQ(next.exit_code, 0) << next.err;
  }

  // Waits until a background backup has stored something (its lock at least).
  void AwaitFirstPut(Background& backup) const {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (backup.Running() && proxy_->counts().put < 1 &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  static inline fs::path work_;
  std::unique_ptr<FaultProxy> proxy_;
  std::string bucket_, location_;
};

TEST_F(S3FailureTest, ConnectionDroppedMidUploadIsRetried) {
  proxy_->ResetCounts();
  proxy_->DropNextRequestMidBody(3);
  CliResult backup = Run("backup " + D("d2"));
  EXPECT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_GE(proxy_->counts().put, 3 + 4) << "the dropped uploads were not sent again";
  ExpectWhole();
}

TEST_F(S3FailureTest, ConnectionDroppedMidDownloadIsRetried) {
  fs::path target = work_ / "restored-dropped";
  proxy_->DropNextResponseMidBody(3);
  CliResult restore = Run("restore latest --target " + target.string());
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_TRUE(Contents(D("d1")) == Contents(target.string() + D("d1")));
  fs::remove_all(target);
  proxy_->DropNextResponseMidBody(3);
  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  ExpectWhole();
}

TEST_F(S3FailureTest, ServerErrorsAndSlowDownAreRetried) {
  proxy_->FailNext(1, 500);
  proxy_->FailNext(1, 503, "SlowDown");
  proxy_->FailNext(1, 429);
  CliResult backup = Run("backup " + D("d2"));
  EXPECT_EQ(backup.exit_code, 0) << backup.err;
  proxy_->FailNext(1, 503, "SlowDown");
  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  ExpectWhole();
}

TEST_F(S3FailureTest, SlowResponsesOnlyTakeLonger) {
  proxy_->DelayResponses(std::chrono::milliseconds(150));
  CliResult backup = Run("backup " + D("d2"));
  EXPECT_EQ(backup.exit_code, 0) << backup.err;
  proxy_->DelayResponses(std::chrono::milliseconds(0));
  ExpectWhole();
}

// The server goes away in the middle of a backup and comes back a second later: the backup's
// retries (default budget) carry it through.
TEST_F(S3FailureTest, ServerStoppedAndRestartedDuringABackup) {
  proxy_->ResetCounts();
  proxy_->DelayResponses(std::chrono::milliseconds(100));  // a backup long enough to interrupt
  auto backup = Start("backup " + D("d2"));
  AwaitFirstPut(*backup);
  ASSERT_TRUE(backup->Running()) << "the backup ended before the server could stop: "
                                 << backup->err();
  proxy_->Pause();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  proxy_->Resume();
  proxy_->DelayResponses(std::chrono::milliseconds(0));
  EXPECT_EQ(backup->Wait(), 0) << backup->err();
  ExpectWhole();
}

// The server does not come back within the retry budget (2 s here, 120 s by default): one line,
// a non-zero exit, and once it is back the dead backup's lock is cleared by the next command.
TEST_F(S3FailureTest, ServerThatNeverComesBackEndsInOneLine) {
  proxy_->ResetCounts();
  proxy_->DelayResponses(std::chrono::milliseconds(100));
  auto backup = Start("backup " + D("d2"), "STORMPROOF_TEST_S3_RETRY_SECONDS=2");
  AwaitFirstPut(*backup);
  ASSERT_TRUE(backup->Running()) << backup->err();
  proxy_->Pause();
  const int exit_code = backup->Wait();
  ExpectOneClearLine(exit_code, backup->err(), location_, "check the endpoint and the network");
  proxy_->Resume();
  proxy_->DelayResponses(std::chrono::milliseconds(0));
  ExpectWhole();
}

TEST_F(S3FailureTest, WrongSecretKeyIsOneLineWithoutTheSecret) {
  const std::string wrong = "wRoNgSeCrEt0123456789abcdefghijklmnopqrst";
  CliResult backup = Run("backup " + D("d2"), "AWS_SECRET_ACCESS_KEY=" + wrong);
  ExpectOneClearLine(backup.exit_code, backup.err, location_, "SignatureDoesNotMatch");
  EXPECT_EQ(backup.exit_code, 14);
  EXPECT_THAT(backup.err + backup.out, Not(HasSubstr(wrong)));
  ExpectWhole();
}

TEST_F(S3FailureTest, UnknownAccessKeyIsOneLine) {
  CliResult check = Run("check", "AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000");
  ExpectOneClearLine(check.exit_code, check.err, location_, "InvalidAccessKeyId");
  EXPECT_EQ(check.exit_code, 14);
  ExpectWhole();
}

// A missing bucket is reported, not created, by every command but init.
TEST_F(S3FailureTest, MissingBucketIsOneLineAndNothingIsCreated) {
  const std::string missing = UniqueBucketName("missing");
  const std::string elsewhere = "s3:" + proxy_->endpoint() + "/" + missing;
  CliResult backup = Run("backup " + D("d2"), "STORMPROOF_REPOSITORY=" + elsewhere);
  ExpectOneClearLine(backup.exit_code, backup.err, elsewhere, "does not exist");
  EXPECT_EQ(backup.exit_code, 10);
  EXPECT_EQ(RgwRequest("HEAD", "/" + missing).status, 404) << "the bucket was created";
  ExpectWhole();
}

// A clock 20 minutes off either way: the server refuses every request (RequestTimeTooSkewed);
// the line says what to fix.
TEST_F(S3FailureTest, ClockTwentyMinutesOffIsOneLine) {
  for (const char* skew : {"1200", "-1200"}) {
    SCOPED_TRACE(std::string("clock off by ") + skew + " s");
    CliResult backup = Run("backup " + D("d2"), std::string("STORMPROOF_TEST_S3_CLOCK_SKEW=") + skew);
    ExpectOneClearLine(backup.exit_code, backup.err, location_, "RequestTimeTooSkewed");
    EXPECT_THAT(backup.err, HasSubstr("20 minutes"));
  }
  ExpectWhole();
}

}  // namespace
}  // namespace stormproof::testing
