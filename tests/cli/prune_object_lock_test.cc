// `stormproof forget` and `prune` end to end on a bucket with Object Lock, against a real RGW
// (tests/engine/s3/rgw.h): prune says what stays hidden under retention and until when (text and
// --json), forget alone reports its retention upkeep, and nothing retained is deleted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/s3/internal/client.h"
#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

class PruneObjectLockTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ExportRgwCredentials(); }

  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() /
           ("stormproof-prune-lock-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "password") << "correct horse\n";
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    bucket_ = UniqueBucketName(name);
    repo_ = RgwLocation(bucket_, "acme");
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Run(const std::string& args) {
    return RunStormproof(
        "--repo '" + repo_ + "' --no-cache " + args,
        "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() + "'");
  }
  void Backup(const std::string& content) {
    std::ofstream(dir_ / "data" / "file.txt") << content;
    CliResult backup = Run("backup " + (dir_ / "data").string());
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
  }

  fs::path dir_;
  std::string bucket_;
  std::string repo_;
};

TEST_F(PruneObjectLockTest, PruneReportsWhatStaysHiddenUntilItsRetentionEnds) {
  CliResult init = Run("init --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'a')));
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'b')));
  CliResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  EXPECT_THAT(forget.out, Not(HasSubstr("object lock:")));  // all younger than E: nothing read
  CliResult text = Run("prune --dry-run");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  CliResult pruned = Run("prune");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_THAT(pruned.out,
              MatchesRegex("(.|\n)*object lock: [0-9]+ file\\(s\\) \\([^)]+\\) hidden by "
                           "forget/prune stay until their retention ends; the earliest can go "
                           "on 20[0-9-]+ [0-9:]+ UTC\n(.|\n)*"));
  CliResult json = Run("prune --json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::string last = json.out.substr(0, json.out.find_last_not_of('\n') + 1);
  auto summary = nlohmann::json::parse(last.substr(last.rfind('\n') + 1));  // the summary line
  EXPECT_GE(summary["hidden_retained_files"].get<int>(), 3);  // snapshot, packs, old index
  EXPECT_EQ(summary["retention_extended"], 0);
  EXPECT_TRUE(summary["hidden_earliest_release"].is_string());
  CliResult check = Run("check");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// Someone with the backup host's credentials PUTs garbage over a pack (a new version): prune
// counts it in --json and says on stderr what it means and what to do.
TEST_F(PruneObjectLockTest, PruneReportsFilesOverwrittenAfterTheyWereWritten) {
  CliResult init = Run("init --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::string noise(50'000, '\0');  // incompressible: its data pack is the largest
  uint64_t state = 1;
  for (char& c : noise) c = static_cast<char>((state = state * 6364136223846793005u + 1) >> 56);
  ASSERT_NO_FATAL_FAILURE(Backup(noise));
  auto location = s3::ParseLocation(repo_);
  ASSERT_THAT(location, IsOk());
  s3::Options options;
  options.location = *location;
  options.region = Rgw().region;
  options.credentials.access_key_id = Rgw().access_key;
  options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
  s3::internal::Client client(std::move(options));
  // The largest pack: the data pack (garbage over the tree pack would stop prune reading trees).
  std::string pack;
  uint64_t largest = 0;
  ASSERT_THAT(client.ListObjects("acme/data/",
                                 [&](const s3::internal::ListedObject& o) {
                                   if (o.size > largest) largest = o.size, pack = o.key;
                                 }),
              IsOk());
  ASSERT_FALSE(pack.empty());
  ASSERT_THAT(client.PutObject(pack, AsBytes(std::string_view("garbage")),
                               s3::internal::Overwrite::kAllowed),
              IsOk());
  CliResult json = Run("prune --json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::string last = json.out.substr(0, json.out.find_last_not_of('\n') + 1);
  auto summary = nlohmann::json::parse(last.substr(last.rfind('\n') + 1));
  EXPECT_EQ(summary["overwritten_files"], 1);
  EXPECT_THAT(json.err, HasSubstr("warning: 1 file(s) in use were overwritten after they were "
                                  "written, by an attack or a faulty tool"));
  EXPECT_THAT(json.err, HasSubstr("'stormproof check --read-data'"));
  EXPECT_THAT(json.err, HasSubstr("'repair --as-of'"));
}

// Someone with other credentials hides a snapshot file behind a delete marker: prune (as the
// owner) would see that snapshot's data as unused; it refuses, changes nothing but the retentions,
// and says who hid what; the hidden version stays.
TEST_F(PruneObjectLockTest, PruneRefusesWhenSomeoneElseHidAFile) {
  CliResult init = Run("init --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'a')));
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'b')));
  RgwUser other = CreateRgwUser("prune-other-hider");
  const std::string b = "arn:aws:s3:::" + bucket_;
  RgwResponse policy = PutRgwBucketPolicy(
      bucket_, R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": )"
               R"({"AWS": [")" + other.arn + R"("]}, "Action": "s3:*", "Resource": [")" + b +
                   R"(", ")" + b + R"(/*"]}]})");
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  auto location = s3::ParseLocation(repo_);
  ASSERT_THAT(location, IsOk());
  s3::Options options;
  options.location = *location;
  options.region = Rgw().region;
  options.credentials.access_key_id = other.access_key;
  options.credentials.secret_access_key = SecretString(std::string(other.secret_key));
  s3::internal::Client attacker(std::move(options));
  std::string snapshot;
  ASSERT_THAT(attacker.ListObjects("acme/snapshots/",
                                   [&](const s3::internal::ListedObject& o) { snapshot = o.key; },
                                   1),
              IsOk());
  ASSERT_FALSE(snapshot.empty());
  ASSERT_THAT(attacker.DeleteObject(snapshot), IsOk());

  CliResult prune = Run("prune --json");
  EXPECT_EQ(prune.exit_code, 1) << prune.out << prune.err;
  EXPECT_THAT(prune.err, HasSubstr("1 file(s) were hidden by someone else"));
  EXPECT_THAT(prune.err, HasSubstr("'repair --as-of'"));
  EXPECT_THAT(prune.err, HasSubstr("prune changed nothing"));
  int versions = 0;
  ASSERT_THAT(attacker.ListObjectVersions(snapshot, [&](const s3::internal::ObjectVersion& v) {
    if (!v.delete_marker) ++versions;
  }), IsOk());
  EXPECT_EQ(versions, 1);
  CliResult packs = Run("check");  // the other snapshot's data is all there
  EXPECT_EQ(packs.exit_code, 0) << packs.out << packs.err;
}

}  // namespace
}  // namespace stormproof::testing
