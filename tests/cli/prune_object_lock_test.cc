// `stormproof forget` and `prune` end to end on a bucket with Object Lock, against a real RGW
// (tests/engine/s3/rgw.h): prune says what stays hidden under retention and until when (text and
// --json), forget alone reports its retention upkeep, and nothing retained is deleted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
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

  // With the cache under dir_/`cache` and the state folder (the record of our delete markers)
  // under dir_/`cache`-state: another name is another maintenance machine.
  CliResult Run(const std::string& args, const std::string& cache = "cache") {
    return RunStormproof(
        "--repo '" + repo_ + "' --cache-dir '" + (dir_ / cache).string() + "' " + args,
        "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() +
            "' XDG_STATE_HOME='" + (dir_ / (cache + "-state")).string() + "'");
  }
  // The names of the snapshots and index files a refused adoption lists, as
  // --adopt-hidden-file options.
  static std::string NamedInRefusal(const std::string& err) {
    static const std::regex kName("(snapshots|index)/[0-9a-f]{64}");
    std::string options;
    for (auto it = std::sregex_iterator(err.begin(), err.end(), kName);
         it != std::sregex_iterator(); ++it) {
      options += " --adopt-hidden-file " + it->str();
    }
    return options;
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

// forget's delete markers are recorded on the machine that placed them. Without a cache folder
// a removal under Object Lock is refused; on a new maintenance machine (another state folder)
// prune refuses, naming --adopt-hidden-before; a hidden snapshot is never adopted by a cutoff
// alone: it is listed and must be named (a dry run changes nothing); then prune runs.
TEST_F(PruneObjectLockTest, OnANewMaintenanceMachineHiddenFilesAreAdoptedDeliberately) {
  CliResult init = Run("init --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'a')));
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'b')));
  CliResult uncached = RunStormproof(
      "--repo '" + repo_ + "' --no-cache forget --keep-last 1",
      "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() + "'");
  EXPECT_NE(uncached.exit_code, 0) << uncached.out;
  EXPECT_THAT(uncached.err, HasSubstr("not removed: under Object Lock a removal needs this "
                                      "machine's record of stormproof's delete markers"));
  CliResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  EXPECT_EQ(Run("prune --dry-run", "cache").exit_code, 0) << "the record is in the state folder";

  CliResult refused = Run("prune", "new-machine");
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("1 file(s) were hidden by someone else"));
  EXPECT_THAT(refused.err, HasSubstr("'stormproof prune --adopt-hidden-before TIME'"));
  CliResult unnamed = Run("prune --adopt-hidden-before 2100-01-01T00:00:00Z", "new-machine");
  EXPECT_NE(unnamed.exit_code, 0) << unnamed.out;
  EXPECT_THAT(unnamed.err, MatchesRegex(".*1 hidden snapshot, index, key or config file\\(s\\) "
                                        "[^\n]*: snapshots/[0-9a-f]{64} \\(hidden [^\n]*; "
                                        "nothing adopted: [^\n]*--adopt-hidden-file NAME\n"));
  const std::string named = NamedInRefusal(unnamed.err);
  CliResult dry = Run("prune --dry-run" + named, "new-machine");
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, MatchesRegex("would adopt 1 hidden file\\(s\\) as stormproof's own "
                                    "removals [^\n]*\n  snapshots/[0-9a-f]{64} \\(hidden "
                                    "20[0-9-]+ [0-9:]+ UTC\\)\n"));
  EXPECT_EQ(Run("prune", "new-machine").exit_code, 1) << "the dry run adopted something";
  CliResult adopted = Run("prune" + named, "new-machine");
  ASSERT_EQ(adopted.exit_code, 0) << adopted.out << adopted.err;
  EXPECT_THAT(adopted.out, HasSubstr("adopted 1 hidden file(s) as stormproof's own removals"));
  CliResult again = Run("prune", "new-machine");
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

// Packs hidden by markers a new machine has no record of are adopted only when hidden before
// the cutoff the operator names, and never one the current index names (an attacker's hide of
// a pack in use): that one is printed as not adopted and stays retained.
TEST_F(PruneObjectLockTest, HiddenPacksAreAdoptedOnlyBeforeTheCutoffAndNeverWhenInUse) {
  CliResult init = Run("init --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'a')));
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'b')));
  ASSERT_EQ(Run("forget --keep-last 1").exit_code, 0);
  CliResult pruned = Run("prune");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;
  // The attacker hides a pack in use.
  auto location = s3::ParseLocation(repo_);
  ASSERT_THAT(location, IsOk());
  s3::Options options;
  options.location = *location;
  options.region = Rgw().region;
  options.credentials.access_key_id = Rgw().access_key;
  options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
  s3::internal::Client client(std::move(options));
  std::string in_use;
  ASSERT_THAT(client.ListObjectVersions("acme/data/",
                                        [&](const s3::internal::ObjectVersion& v) {
                                          if (v.is_latest && !v.delete_marker) in_use = v.key;
                                        }),
              IsOk());
  ASSERT_FALSE(in_use.empty());
  ASSERT_THAT(client.DeleteObject(in_use), IsOk());
  const std::string attacked = in_use.substr(std::string("acme/").size());

  CliResult unnamed = Run("prune --adopt-hidden-before 2000-01-01T00:00:00Z", "new-machine");
  EXPECT_NE(unnamed.exit_code, 0) << unnamed.out;
  const std::string named = NamedInRefusal(unnamed.err);
  ASSERT_FALSE(named.empty()) << unnamed.err;
  CliResult early =
      Run("prune --dry-run --adopt-hidden-before 2000-01-01T00:00:00Z" + named, "new-machine");
  ASSERT_EQ(early.exit_code, 0) << early.err;
  const std::string early_adopted = early.out.substr(0, early.out.find("would not adopt"));
  EXPECT_THAT(early_adopted, Not(HasSubstr("data/"))) << early.out;
  EXPECT_THAT(early.out, HasSubstr("would not adopt"));
  CliResult late =
      Run("prune --dry-run --adopt-hidden-before 2100-01-01T00:00:00Z" + named, "new-machine");
  ASSERT_EQ(late.exit_code, 0) << late.err;
  const size_t not_adopted = late.out.find("would not adopt");
  ASSERT_NE(not_adopted, std::string::npos) << late.out;
  EXPECT_THAT(late.out.substr(0, not_adopted), HasSubstr("  data/")) << late.out;
  EXPECT_THAT(late.out.substr(0, not_adopted), Not(HasSubstr(attacked))) << late.out;
  EXPECT_THAT(late.out.substr(not_adopted), HasSubstr(attacked)) << late.out;
}

// Someone without the key rewrites the config with fewer days (a new version; its mac no longer
// matches): prune does not take the upkeep's days from it. Without --object-lock-days it says so
// and changes nothing; with it the upkeep runs and prune then refuses the read-only repository.
TEST_F(PruneObjectLockTest, PruneNeverTakesTheUpkeepsDaysFromARewrittenConfig) {
  CliResult init = Run("init --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'a')));
  auto location = s3::ParseLocation(repo_);
  ASSERT_THAT(location, IsOk());
  s3::Options options;
  options.location = *location;
  options.region = Rgw().region;
  options.credentials.access_key_id = Rgw().access_key;
  options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
  s3::internal::Client client(std::move(options));
  auto config = client.GetObject("acme/config", 0, 0);
  ASSERT_THAT(config, IsOk());
  auto doc = nlohmann::json::parse(std::string(AsText(config->data)));
  doc["object_lock"]["days"] = 1;
  ASSERT_THAT(client.PutObject("acme/config", AsBytes(doc.dump(2) + "\n"),
                               s3::internal::Overwrite::kAllowed),
              IsOk());

  CliResult untrusted = Run("prune");
  EXPECT_EQ(untrusted.exit_code, 13) << untrusted.out << untrusted.err;
  EXPECT_THAT(untrusted.err, HasSubstr("/config: config mac does not match (altered): the "
                                       "retention upkeep does not take its days from it"));
  CliResult kept = Run("prune --object-lock-days 2");
  EXPECT_EQ(kept.exit_code, 13) << kept.out << kept.err;
  EXPECT_THAT(kept.err, HasSubstr("config mac does not match (altered): nothing is written"));
}

}  // namespace
}  // namespace stormproof::testing
