// `stormproof forget` and `prune` end to end on a bucket with Object Lock, against a real RGW
// (tests/engine/s3/rgw.h): prune says what stays hidden under retention and until when (text and
// --json), forget alone reports its retention upkeep, and nothing retained is deleted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "core/time.h"
#include "engine/s3/internal/client.h"
#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"
#include "tests/support/rgw_s3_options.h"

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
  // `init --object-lock-days 2`, then for each character of `fills` a backup of a file of
  // 50 000 of it.
  void InitLocked(const std::string& fills) {
    CliResult init = Run("init --object-lock-days 2");
    ASSERT_EQ(init.exit_code, 0) << init.err;
    for (char fill : fills) ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, fill)));
  }
  // Hides a pack in use behind a delete marker, as an attacker with the owner's credentials
  // would; its name in the repository ("data/...") in `name`.
  void HideAPackInUse(std::string* name) {
    s3::internal::Client client(RgwS3Options(repo_));
    std::string in_use;
    ASSERT_THAT(client.ListObjectVersions("acme/data/",
                                          [&](const s3::internal::ObjectVersion& v) {
                                            if (v.is_latest && !v.delete_marker) in_use = v.key;
                                          }),
                IsOk());
    ASSERT_FALSE(in_use.empty());
    ASSERT_THAT(client.DeleteObject(in_use), IsOk());
    *name = in_use.substr(std::string("acme/").size());
  }
  // The summary line of a --json run (its last).
  static nlohmann::json Summary(const CliResult& json) {
    std::string last = json.out.substr(0, json.out.find_last_not_of('\n') + 1);
    return nlohmann::json::parse(last.substr(last.rfind('\n') + 1));
  }

  fs::path dir_;
  std::string bucket_;
  std::string repo_;
};

TEST_F(PruneObjectLockTest, PruneReportsWhatStaysHiddenUntilItsRetentionEnds) {
  ASSERT_NO_FATAL_FAILURE(InitLocked("ab"));
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
  nlohmann::json summary = Summary(json);
  EXPECT_GE(summary["hidden_retained_files"].get<int>(), 3);  // snapshot, packs, old index
  EXPECT_EQ(summary["retention_extended"], 0);
  EXPECT_TRUE(summary["hidden_earliest_release"].is_string());
  CliResult check = Run("check");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// Someone with the backup host's credentials PUTs garbage over a pack in use (a new version):
// the data a kept snapshot needs is no longer there, so prune changes nothing; it says why, that
// the retention upkeep ran first and found the file overwritten, and what to do.
TEST_F(PruneObjectLockTest, PruneRefusesAndSaysAFileInUseWasOverwrittenAfterItWasWritten) {
  ASSERT_NO_FATAL_FAILURE(InitLocked(""));
  std::string noise(50'000, '\0');  // incompressible: its data pack is the largest
  uint64_t state = 1;
  for (char& c : noise) c = static_cast<char>((state = state * 6364136223846793005u + 1) >> 56);
  ASSERT_NO_FATAL_FAILURE(Backup(noise));
  s3::internal::Client client(RgwS3Options(repo_));
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
  EXPECT_NE(json.exit_code, 0) << json.out;
  EXPECT_THAT(json.err, HasSubstr("(the pack is 7 bytes, smaller than the index says)"));
  EXPECT_THAT(json.err, HasSubstr("(prune changed nothing)"));
  EXPECT_THAT(json.err, HasSubstr("the retention upkeep ran first"));
  EXPECT_THAT(json.err, HasSubstr("1 file(s) were overwritten after they were written (an "
                                  "attack or a faulty tool"));
  EXPECT_THAT(json.err, HasSubstr("'stormproof check --read-data'"));
  EXPECT_THAT(json.err, HasSubstr("'repair --as-of'"));
  CliResult after = Run("prune --json");  // nothing changed: the same again
  EXPECT_EQ(after.exit_code, json.exit_code) << after.err;
}

// Someone with other credentials hides a snapshot file behind a delete marker: prune (as the
// owner) would see that snapshot's data as unused; it refuses, changes nothing but the retentions,
// and says who hid what; the hidden version stays.
TEST_F(PruneObjectLockTest, PruneRefusesWhenSomeoneElseHidAFile) {
  ASSERT_NO_FATAL_FAILURE(InitLocked("ab"));
  RgwUser other = CreateRgwUser("prune-other-hider");
  const std::string b = "arn:aws:s3:::" + bucket_;
  RgwResponse policy = PutRgwBucketPolicy(
      bucket_, R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": )"
               R"({"AWS": [")" + other.arn + R"("]}, "Action": "s3:*", "Resource": [")" + b +
                   R"(", ")" + b + R"(/*"]}]})");
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  s3::internal::Client attacker(RgwS3Options(repo_, &other));
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
  ASSERT_NO_FATAL_FAILURE(InitLocked("ab"));
  CliResult uncached = RunStormproof(
      "--repo '" + repo_ + "' --no-cache forget --keep-last 1",
      "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() + "'");
  EXPECT_NE(uncached.exit_code, 0) << uncached.out;
  EXPECT_THAT(uncached.err, HasSubstr("not removed: under Object Lock a removal needs this "
                                      "machine's record of stormproof's delete markers"));
  // A state folder of another user (root under sudo keeping a user's HOME): refused, naming it.
  if (::geteuid() == 0) {
    fs::create_directories(dir_ / "cache-state");
    ASSERT_EQ(::chown((dir_ / "cache-state").c_str(), 54321, 54321), 0);
    CliResult foreign = Run("forget --keep-last 1");
    EXPECT_NE(foreign.exit_code, 0) << foreign.out;
    EXPECT_THAT(foreign.err, HasSubstr("not removed: " + (dir_ / "cache-state").string() +
                                       ": owned by uid 54321, not by this user (uid 0)"));
    ASSERT_EQ(::chown((dir_ / "cache-state").c_str(), 0, 0), 0);
  }
  CliResult forget = Run("forget --keep-last 1");
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  EXPECT_EQ(Run("prune --dry-run", "cache").exit_code, 0) << "the record is in the state folder";

  CliResult refused = Run("prune", "new-machine");
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("1 file(s) were hidden by someone else"));
  EXPECT_THAT(refused.err, HasSubstr("'stormproof prune --adopt-hidden-before TIME'"));
  // The new machine has no record yet: a cutoff may be as late as now, never later.
  CliResult future = Run("prune --adopt-hidden-before 2100-01-01T00:00:00Z", "new-machine");
  EXPECT_EQ(future.exit_code, 2) << future.out << future.err;
  EXPECT_THAT(future.err, HasSubstr("--adopt-hidden-before 2100-01-01T00:00:00Z: later than "));
  CliResult unnamed =
      Run("prune --adopt-hidden-before " + FormatRfc3339Nanos(SystemNowNs()), "new-machine");
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
  ASSERT_NO_FATAL_FAILURE(InitLocked("ab"));
  ASSERT_EQ(Run("forget --keep-last 1").exit_code, 0);
  CliResult pruned = Run("prune");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;
  // The attacker hides a pack in use.
  std::string attacked;
  ASSERT_NO_FATAL_FAILURE(HideAPackInUse(&attacked));

  CliResult unnamed = Run("prune --adopt-hidden-before 2000-01-01T00:00:00Z", "new-machine");
  EXPECT_NE(unnamed.exit_code, 0) << unnamed.out;
  const std::string named = NamedInRefusal(unnamed.err);
  ASSERT_FALSE(named.empty()) << unnamed.err;
  // The snapshots named were hidden after the cutoff: refused unless forced.
  CliResult named_late =
      Run("prune --dry-run --adopt-hidden-before 2000-01-01T00:00:00Z" + named, "new-machine");
  EXPECT_EQ(named_late.exit_code, 1) << named_late.out << named_late.err;
  EXPECT_THAT(named_late.err, HasSubstr("named with --adopt-hidden-file were hidden after "
                                        "--adopt-hidden-before's TIME"));
  const std::string forced = " --adopt-hidden-force" + named;
  CliResult early =
      Run("prune --dry-run --adopt-hidden-before 2000-01-01T00:00:00Z" + forced, "new-machine");
  ASSERT_EQ(early.exit_code, 0) << early.err;
  const std::string early_adopted = early.out.substr(0, early.out.find("would not adopt"));
  EXPECT_THAT(early_adopted, Not(HasSubstr("data/"))) << early.out;
  EXPECT_THAT(early.out, HasSubstr("would not adopt"));
  const std::string now = FormatRfc3339Nanos(SystemNowNs());
  CliResult late = Run("prune --dry-run --adopt-hidden-before " + now + named, "new-machine");
  ASSERT_EQ(late.exit_code, 0) << late.err;
  const size_t not_adopted = late.out.find("would not adopt");
  ASSERT_NE(not_adopted, std::string::npos) << late.out;
  EXPECT_THAT(late.out.substr(0, not_adopted), HasSubstr("  data/")) << late.out;
  EXPECT_THAT(late.out.substr(0, not_adopted), Not(HasSubstr(attacked))) << late.out;
  EXPECT_THAT(late.out.substr(not_adopted), HasSubstr(attacked)) << late.out;
}

// A service user without a home folder (systemd, no HOME): a removal under Object Lock is
// refused naming the real cause, with a cache folder given (no state folder) or without one (no
// cache folder either), never "run without --no-cache".
TEST_F(PruneObjectLockTest, WithoutAHomeFolderARemovalSaysWhatIsMissing) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run as a uid without a home directory";
  ASSERT_NO_FATAL_FAILURE(InitLocked("ab"));
  const uid_t service = 54321;  // no passwd entry: no home directory
  fs::copy_file(dir_ / "password", dir_ / "service-password");
  fs::create_directories(dir_ / "service-cache");
  for (const char* file : {"service-password", "service-cache"}) {
    ASSERT_EQ(::chown((dir_ / file).c_str(), service, service), 0) << file;
  }
  const std::string password = (dir_ / "service-password").string();
  const std::string env =
      "setpriv --reuid=54321 --regid=54321 --clear-groups env -u HOME -u XDG_STATE_HOME -u "
      "XDG_CACHE_HOME STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" +
      password + "'";
  const std::string refused =
      "not removed: under Object Lock a removal needs this machine's record of stormproof's "
      "delete markers";
  CliResult cached = RunStormproof("--repo '" + repo_ + "' --cache-dir '" +
                                       (dir_ / "service-cache").string() + "' forget --keep-last 1",
                                   env);
  EXPECT_NE(cached.exit_code, 0) << cached.out;
  EXPECT_THAT(cached.err, HasSubstr(refused));
  EXPECT_THAT(cached.err, HasSubstr("when a cache is used: no state folder to keep it in: neither "
                                    "XDG_STATE_HOME (an absolute path) nor HOME is set"));
  CliResult uncached = RunStormproof("--repo '" + repo_ + "' forget --keep-last 1", env);
  EXPECT_NE(uncached.exit_code, 0) << uncached.out;
  EXPECT_THAT(uncached.err, HasSubstr(refused));
  EXPECT_THAT(uncached.err, HasSubstr("when a cache is used: no cache folder: neither --cache-dir, "
                                      "XDG_CACHE_HOME nor HOME is set"));
  EXPECT_THAT(uncached.err, Not(HasSubstr("--no-cache")));
}

// Adoption is bounded by when this machine's record of its delete markers was begun: every
// marker stormproof placed since is in it, so one placed later and not in it (an attacker's
// hide of a pack in use) is never adopted by a cutoff (a TIME after the record's begin is
// refused) nor by name, unless forced with --adopt-hidden-force.
TEST_F(PruneObjectLockTest, AdoptionIsBoundedByWhenThisMachinesRecordWasBegun) {
  ASSERT_NO_FATAL_FAILURE(InitLocked("ab"));
  ASSERT_EQ(Run("forget --keep-last 1").exit_code, 0);  // begins the record
  int64_t begun = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "cache-state")) {
    if (!entry.path().filename().string().starts_with("delete-markers-") ||
        entry.path().extension() == ".lock") {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    std::smatch match;
    ASSERT_TRUE(std::regex_search(bytes, match, std::regex("\nbegun ([0-9]+)\n")));
    begun = std::stoll(match[1].str());
  }
  ASSERT_GT(begun, 0) << "no record of delete markers under " << (dir_ / "cache-state");
  // The attacker's marker comes well after the record's begin, whatever the listing's precision.
  while (SystemNowNs() < begun + 1'500'000'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string attacked;
  ASSERT_NO_FATAL_FAILURE(HideAPackInUse(&attacked));

  const std::string now = FormatRfc3339Nanos(SystemNowNs());
  CliResult late = Run("prune --dry-run --adopt-hidden-before " + now);
  EXPECT_EQ(late.exit_code, 2) << late.out << late.err;
  EXPECT_THAT(late.err, HasSubstr(": later than " + FormatRfc3339(begun) +
                                  ", when this machine's record of stormproof's delete markers "
                                  "was begun"));
  CliResult named = Run("prune --dry-run --adopt-hidden-file " + attacked);
  EXPECT_EQ(named.exit_code, 1) << named.out << named.err;
  const std::string bound =
      "this machine's record of stormproof's delete markers was begun (" + FormatUtc(begun) + "): ";
  EXPECT_THAT(named.err, HasSubstr("1 file(s) named with --adopt-hidden-file were hidden after " +
                                   bound + attacked + " (hidden "));
  EXPECT_EQ(Run("prune --dry-run --adopt-hidden-force").exit_code, 2)
      << "--adopt-hidden-force needs --adopt-hidden-file";
  CliResult forced = Run("prune --dry-run --adopt-hidden-force --adopt-hidden-file " + attacked);
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_THAT(forced.out, HasSubstr("would adopt 1 hidden file(s)"));
  EXPECT_THAT(forced.out, HasSubstr("  " + attacked + " (hidden "));
  EXPECT_EQ(Run("prune").exit_code, 1) << "the dry runs adopted something";
}

// Someone without the key rewrites the config with fewer days (a new version; its mac no longer
// matches): prune does not take the upkeep's days from it. Without --object-lock-days it says so
// and changes nothing; with it the upkeep runs and prune then refuses the read-only repository.
TEST_F(PruneObjectLockTest, PruneNeverTakesTheUpkeepsDaysFromARewrittenConfig) {
  ASSERT_NO_FATAL_FAILURE(InitLocked("a"));
  s3::internal::Client client(RgwS3Options(repo_));
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
