// The way back after an attack, against a real Ceph RGW (docs/object-storage.md, "After an
// attack: step by step"): a repository in a bucket with Object Lock in COMPLIANCE mode, backed up
// by a backup host with upload-only credentials. An attacker then does everything it can — with
// the backup host's credentials, and in a second case with the bucket owner's, who may delete —
// and `stormproof repair --as-of TIME` with the maintenance credentials puts the repository back:
// every kept snapshot is there, the newest restores byte-identical, `check --read-data` passes.
// Through the real CLI (the test copy); the attacker talks to the gateway directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "engine/s3/as_of.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/s3.h"
#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/fault_proxy.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using s3::internal::Bypass;
using s3::internal::Client;
using s3::internal::ObjectVersion;
using s3::internal::Overwrite;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kPrefix[] = "hosts/fs1";

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// The summary: the last line of --json output (progress lines may come before it).
nlohmann::json Summary(const std::string& out) {
  size_t end = out.find_last_not_of('\n');
  size_t start = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1));
}

// What the attacker managed, counted.
struct Damage {
  int versions_deleted = 0, versions_refused = 0;
  int markers_put = 0, markers_refused = 0;
  int overwritten = 0, garbage_snapshots = 0;
};

class S3AttackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ExportRgwCredentials();  // the owner's: the MSP's maintenance credentials
    uploader_ = new RgwUser(CreateRgwUser("backup-host-attacked"));
  }

  void SetUp() override {
    ASSERT_FALSE(uploader_->secret_key.empty());
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() /
           ("stormproof-s3-attack-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "sub");
    std::ofstream(dir_ / "password") << "correct horse\n";
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    bucket_ = UniqueBucketName(name);
    repo_ = "s3:" + proxy_.endpoint() + "/" + bucket_ + "/" + kPrefix;
    CliResult init = Owner("init --object-lock --object-lock-days 2 --object-lock-mode compliance");
    ASSERT_EQ(init.exit_code, 0) << init.err;
    RgwResponse policy = PutRgwBucketPolicy(bucket_, UploadOnlyPolicy(bucket_, uploader_->uid));
    ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / "data" / name, std::ios::binary) << text;
  }
  CliResult Run(const std::string& args, const std::string& env) {
    return RunStormproof(
        "--repo '" + repo_ + "' --cache-dir '" + (dir_ / "cache").string() + "' " + args,
        "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() +
            "' XDG_STATE_HOME='" + (dir_ / "state").string() + "' " + env);
  }
  CliResult Owner(const std::string& args) { return Run(args, ""); }
  CliResult BackupHost(const std::string& args) {
    return Run(args, "AWS_ACCESS_KEY_ID=" + uploader_->access_key +
                         " AWS_SECRET_ACCESS_KEY=" + uploader_->secret_key);
  }
  std::string Data() const { return (dir_ / "data").string(); }

  // A client of the gateway itself (no proxy) with the owner's or `user`'s credentials.
  std::unique_ptr<Client> ClientAs(const RgwUser* user) const {
    auto location = s3::ParseLocation(RgwLocation(bucket_));
    EXPECT_TRUE(location.has_value());
    s3::Options options;
    options.location = *location;
    options.region = Rgw().region;
    options.credentials.access_key_id = user ? user->access_key : Rgw().access_key;
    options.credentials.secret_access_key =
        SecretString(std::string(user ? user->secret_key : Rgw().secret_key));
    options.retry.max_attempts = 2;
    return std::make_unique<Client>(std::move(options));
  }
  // The owner's options for the repository, through the proxy.
  s3::Options ProxyOptions() const {
    auto location = s3::ParseLocation("s3:" + proxy_.endpoint() + "/" + bucket_ + "/" + kPrefix);
    EXPECT_THAT(location, IsOk());
    s3::Options options;
    options.location = *location;
    options.region = Rgw().region;
    options.credentials.access_key_id = Rgw().access_key;
    options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
    return options;
  }
  // The lock files that hold (current, not empty), by key.
  std::set<std::string> LiveLockKeys() const {
    std::set<std::string> keys;
    for (const ObjectVersion& v : Versions()) {
      if (v.is_latest && !v.delete_marker && v.size > 0 &&
          v.key.find("/locks/") != std::string::npos) {
        keys.insert(v.key);
      }
    }
    return keys;
  }
  // Every version and delete marker in the bucket (the owner lists them).
  std::vector<ObjectVersion> Versions() const {
    std::vector<ObjectVersion> all;
    Status listed = ClientAs(nullptr)->ListObjectVersions(
        "", [&](const ObjectVersion& v) { all.push_back(v); });
    EXPECT_THAT(listed, IsOk());
    return all;
  }

  // Three backups by the backup host; returns the snapshot ids, and leaves the moment after the
  // last write in as_of_ (a whole second, strictly before anything the attacker writes).
  std::set<std::string> BackUpThreeTimes() {
    Write("hello.txt", "hello, world\n");
    Write("sub/random.bin", RandomBytes(300 << 10, 1));
    EXPECT_EQ(BackupHost("backup " + Data()).exit_code, 0);
    Write("sub/more.bin", RandomBytes(200 << 10, 2));
    EXPECT_EQ(BackupHost("backup " + Data()).exit_code, 0);
    Write("hello.txt", "hello again\n");
    CliResult last = BackupHost("backup " + Data());
    EXPECT_EQ(last.exit_code, 0) << last.err;
    int64_t newest = 0;
    for (const ObjectVersion& v : Versions()) newest = std::max(newest, v.modified_ns);
    as_of_ = (FloorSeconds(newest) + 1) * kNsPerSecond;
    // What the attacker writes must be stamped after as_of_ by the server's clock.
    auto client = ClientAs(nullptr);
    (void)client->BucketVersioning();  // learns the server's time from the answer's Date
    while (client->ServerNowNs() <= as_of_ + kNsPerSecond) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      (void)client->BucketVersioning();
    }
    return SnapshotIds();
  }
  std::set<std::string> SnapshotIds() {
    CliResult listed = Owner("--no-cache --json snapshots");
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    std::set<std::string> ids;
    for (const auto& s : nlohmann::json::parse(listed.out)) ids.insert(s["id"].get<std::string>());
    return ids;
  }

  // The attack with `attacker`'s client: garbage over some packs, an index file and a snapshot
  // (the same size for one pack: an encryption in place), a garbage snapshot, then every version
  // deleted (also bypassing governance), then a delete marker on every key, then a second
  // garbage snapshot on top.
  Damage Attack(Client& attacker) {
    Damage damage;
    std::vector<ObjectVersion> before = Versions();
    int packs = 0;
    bool snapshot_done = false, index_done = false;
    for (const ObjectVersion& v : before) {
      if (!v.is_latest || v.delete_marker) continue;
      bool pack = v.key.find("/data/") != std::string::npos && packs < 2;
      bool snapshot = v.key.find("/snapshots/") != std::string::npos && !snapshot_done;
      bool index = v.key.find("/index/") != std::string::npos && !index_done;
      if (!pack && !snapshot && !index) continue;
      std::string garbage = RandomBytes(pack && packs == 0 ? v.size : 1000, v.size);
      if (attacker.PutObject(v.key, AsBytes(garbage), Overwrite::kAllowed)) ++damage.overwritten;
      packs += pack;
      snapshot_done |= snapshot;
      index_done |= index;
    }
    const std::string root = std::string(kPrefix) + "/";
    if (attacker.PutObject(root + "snapshots/" + std::string(64, 'a'), AsBytes(RandomBytes(500, 3)),
                           Overwrite::kAllowed)) {
      ++damage.garbage_snapshots;
    }
    // Every version (the attacker's own garbage, unretained, may go; locks carry no retention):
    // counted are the repository's versions from before the attack.
    for (const ObjectVersion& v : before) {
      if (v.key.find("/locks/") != std::string::npos) continue;
      for (Bypass bypass : {Bypass::kNo, Bypass::kGovernance}) {
        Status deleted = attacker.DeleteObjectVersion(v.key, v.version_id, bypass);
        ++(deleted ? damage.versions_deleted : damage.versions_refused);
        if (deleted) break;
      }
    }
    for (const ObjectVersion& v : Versions()) {
      (void)attacker.DeleteObjectVersion(v.key, v.version_id, Bypass::kGovernance);
    }
    std::set<std::string> keys;
    for (const ObjectVersion& v : Versions()) keys.insert(v.key);
    for (const std::string& key : keys) {
      ++(attacker.DeleteObject(key) ? damage.markers_put : damage.markers_refused);
    }
    if (attacker.PutObject(root + "snapshots/" + std::string(64, 'b'), AsBytes(RandomBytes(500, 4)),
                           Overwrite::kAllowed)) {
      ++damage.garbage_snapshots;
    }
    return damage;
  }

  // Rolls back with the owner's credentials, through the proxy (counted), and checks that the
  // repository is as it was: every snapshot, the newest restoring byte-identical, all data read.
  // `garbage_current`: the garbage snapshots still current after the attack (hidden by it).
  void RollBackAndVerify(const std::set<std::string>& snapshots, int garbage_current) {
    const size_t versions_after_attack = Versions().size();
    const std::string time = "'" + FormatRfc3339(as_of_) + "'";
    CliResult dry = Owner("--json repair --as-of " + time + " --dry-run");
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    auto planned = Summary(dry.out);
    EXPECT_EQ(Versions().size(), versions_after_attack) << "the dry run changed something";
    EXPECT_GT(planned["restored"].get<int>(), 0) << dry.out;
    EXPECT_EQ(planned["hidden"].get<int>(), garbage_current) << dry.out;

    proxy_.ResetCounts();
    auto start = std::chrono::steady_clock::now();
    CliResult rolled = Owner("--json repair --as-of " + time);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
    auto summary = Summary(rolled.out);
    EXPECT_EQ(summary["restored"], planned["restored"]);
    EXPECT_EQ(summary["hidden"], planned["hidden"]);
    EXPECT_EQ(summary["copied_through_here"], 0) << "RGW copies versions on the server";
    // Recorded as the roll-back's on this machine: prune keeps them and never purges them.
    EXPECT_EQ(summary["hidden_recorded"], summary["hidden"]);
    EXPECT_EQ(summary["record_error"], "");
    EXPECT_TRUE(summary["check"]["ok"].get<bool>()) << rolled.out;
    EXPECT_EQ(summary["newest_snapshots"].size(), 1u);
    std::printf(
        "[ rollback ] %d restored, %d hidden, %d unchanged: %d requests (%d PUT, %d DELETE, "
        "%d GET, %d LIST), %.2f s with the check\n",
        summary["restored"].get<int>(), summary["hidden"].get<int>(),
        summary["unchanged"].get<int>(), proxy_.counts().total(), proxy_.counts().put,
        proxy_.counts().del, proxy_.counts().get, proxy_.counts().list, seconds);
    EXPECT_EQ(rolled.out.find(Rgw().secret_key), std::string::npos);
    // Each restored file is retained again as the config asks (1 day, compliance, from now).
    auto owner = ClientAs(nullptr);
    for (const auto& change : summary["changes"]) {
      if (change["action"] != "restore") continue;
      auto retention =
          owner->GetObjectRetention(std::string(kPrefix) + "/" + change["name"].get<std::string>());
      ASSERT_THAT(retention, IsOk());
      ASSERT_TRUE(retention->has_value()) << change["name"] << " was restored unretained";
      EXPECT_EQ((*retention)->mode, backend::Retention::Mode::kCompliance);
      EXPECT_GT((*retention)->retain_until_ns, owner->ServerNowNs() + kNsPerDay);
    }

    EXPECT_EQ(SnapshotIds(), snapshots) << "a kept snapshot was lost, or garbage shows";
    const std::string target = (dir_ / "restored").string();
    CliResult restore = Owner("--no-cache restore latest --verify --target " + target);
    ASSERT_EQ(restore.exit_code, 0) << restore.err;
    EXPECT_EQ(::system(("diff -r " + Data() + " " + target + Data()).c_str()), 0);
    CliResult check = Owner("--no-cache check --read-data");
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

    CliResult again = Owner("--json repair --as-of " + time + " --dry-run");
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(Summary(again.out)["hidden"], 0) << "nothing left to hide";
  }

  static RgwUser* uploader_;
  FaultProxy proxy_{Rgw().host, Rgw().port};
  fs::path dir_;
  std::string bucket_, repo_;
  int64_t as_of_ = 0;
};

RgwUser* S3AttackTest::uploader_ = nullptr;

// The backup host's credentials stolen: they may write but not delete. Every delete (a version,
// with or without the governance bypass, or a delete marker) is refused; what the attacker can
// do — write garbage over packs, an index file and a snapshot, and add garbage snapshots —
// only adds versions, and the roll-back makes the old ones current again.
TEST_F(S3AttackTest, WithTheBackupHostsCredentialsNothingIsLost) {
  std::set<std::string> snapshots = BackUpThreeTimes();
  ASSERT_EQ(snapshots.size(), 3u);
  Damage damage = Attack(*ClientAs(uploader_));
  EXPECT_EQ(damage.versions_deleted, 0);
  EXPECT_GT(damage.versions_refused, 0);
  EXPECT_EQ(damage.markers_put, 0);
  EXPECT_EQ(damage.overwritten, 4) << "2 packs, an index file, a snapshot";
  EXPECT_EQ(damage.garbage_snapshots, 2);
  EXPECT_NE(Owner("--no-cache check --read-data").exit_code, 0) << "the attack did no damage";
  CliResult said = Owner("repair --dry-run --as-of '" + FormatRfc3339(as_of_) + "'");
  ASSERT_EQ(said.exit_code, 0) << said.err;
  EXPECT_THAT(said.out,
              HasSubstr("would hide snapshots/" + std::string(64, 'a') + " (was written "));
  EXPECT_THAT(said.out,
              HasSubstr("would restore 2 packs to the version of the moment, would hide 0"));
  EXPECT_THAT(said.out, HasSubstr("note: 2 snapshot files written after "));
  EXPECT_THAT(said.out, HasSubstr("would restore 4 files, would hide 2, 10 unchanged\n"));

  RollBackAndVerify(snapshots, 2);
  // The garbage snapshots the roll-back hid are not someone else's: prune goes ahead.
  CliResult pruned = Owner("prune");
  EXPECT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;
  EXPECT_THAT(pruned.err, Not(HasSubstr("hidden by someone else")));
}

// Credentials that may delete (the bucket owner's, stolen): COMPLIANCE refuses every version
// delete, also with the governance bypass; the delete markers hide every file, the garbage
// overwrites and new snapshots pile on top, and the roll-back still brings all of it back.
TEST_F(S3AttackTest, WithCredentialsThatMayDeleteComplianceModeLosesNoSnapshot) {
  std::set<std::string> snapshots = BackUpThreeTimes();
  ASSERT_EQ(snapshots.size(), 3u);
  Damage damage = Attack(*ClientAs(nullptr));
  EXPECT_EQ(damage.versions_deleted, 0) << "COMPLIANCE let a version be deleted";
  EXPECT_GT(damage.versions_refused, 0);
  EXPECT_GT(damage.markers_put, 10) << "delete markers hide every file";
  EXPECT_EQ(damage.garbage_snapshots, 2);
  CliResult snapshots_now = Owner("--no-cache snapshots");
  EXPECT_NE(snapshots_now.exit_code, 0) << "the config is hidden: " << snapshots_now.out;

  // The first garbage snapshot was unretained: the attacker deleted it for good; the second is
  // on top.
  RollBackAndVerify(snapshots, 1);
}

// A snapshot written after TIME is hidden and recorded, in the state folder, as the roll-back's:
// the output names the record, says the files are kept only where it is and how to release
// them, and prune goes ahead. Rolled back with --no-cache, the hide cannot be recorded: the
// output warns, and prune refuses naming --adopt-hidden-before.
TEST_F(S3AttackTest, TheFilesARollBackHidesAreKeptAndSaySo) {
  BackUpThreeTimes();
  const std::string root = std::string(kPrefix) + "/";
  auto owner = ClientAs(nullptr);
  ASSERT_THAT(owner->PutObject(root + "snapshots/" + std::string(64, 'e'),
                               AsBytes(RandomBytes(500, 7)), Overwrite::kAllowed),
              IsOk());
  const std::string time = "'" + FormatRfc3339(as_of_) + "'";
  CliResult rolled = Owner("repair --as-of " + time);
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  // Kept only where the record is: the output names it (the state folder, not the cache).
  EXPECT_THAT(rolled.out, MatchesRegex(
                              "(.|\n)*hidden files are kept only where this record is: " +
                              (dir_ / "state").string() + "/stormproof/[0-9a-f]{32}/"
                              "delete-markers-[0-9a-f]{16} \\(this machine, this user\\)\\. "
                              "prune run there keeps them retained and never deletes them(.|\n)*"));
  EXPECT_THAT(rolled.out, HasSubstr("prune run elsewhere counts them as hidden by someone else "
                                    "and refuses"));
  CliResult pruned = Owner("prune");
  EXPECT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;

  ASSERT_THAT(owner->PutObject(root + "snapshots/" + std::string(64, 'f'),
                               AsBytes(RandomBytes(500, 8)), Overwrite::kAllowed),
              IsOk());
  // A record that cannot be read is never written over: the roll-back changes nothing.
  std::smatch found;
  const std::regex kRecord("kept only where this record is: (\\S+) ");
  ASSERT_TRUE(std::regex_search(rolled.out, found, kRecord)) << rolled.out;
  const std::string record = found[1].str();
  std::string bytes;
  {
    std::ifstream in(record, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_FALSE(bytes.empty()) << record;
  std::ofstream(record, std::ios::binary | std::ios::trunc) << bytes.substr(1);
  CliResult unreadable = Owner("repair --as-of " + time);
  EXPECT_NE(unreadable.exit_code, 0) << unreadable.out;
  EXPECT_THAT(unreadable.err, HasSubstr("nothing rolled back: record of stormproof's delete "
                                        "markers " + record));
  EXPECT_THAT(unreadable.err, HasSubstr("not written over"));
  EXPECT_THAT(owner->GetObject(root + "snapshots/" + std::string(64, 'f'), 0, 0), IsOk())
      << "hidden though the hide could not be recorded";
  std::ofstream(record, std::ios::binary | std::ios::trunc) << bytes;
  CliResult uncached = Owner("--no-cache repair --as-of " + time);
  ASSERT_EQ(uncached.exit_code, 0) << uncached.out << uncached.err;
  EXPECT_THAT(uncached.out, HasSubstr("warning: the delete markers placed were not recorded as "
                                      "this roll-back's (no record of stormproof's delete "
                                      "markers is kept on this machine (no cache or no home "
                                      "folder))"));
  CliResult refused = Owner("prune");
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  // The snapshot, and whatever the roll-back hid of what the prune wrote after TIME (the index).
  EXPECT_THAT(refused.err, HasSubstr(" file(s) were hidden by someone else"));
  EXPECT_THAT(refused.err, HasSubstr("'stormproof prune --adopt-hidden-before TIME'"));
}

// A live lock stops the roll-back (a backup may still be writing); --force goes ahead and hides
// it (an unreadable lock would stop the check that follows, and every backup after it); a
// malformed TIME, a bucket without versioning and a local directory are one-line refusals.
TEST_F(S3AttackTest, RefusesWhatItCannotRollBack) {
  std::set<std::string> snapshots = BackUpThreeTimes();
  const std::string time = "'" + FormatRfc3339(as_of_) + "'";
  ASSERT_THAT(
      ClientAs(uploader_)->PutObject(std::string(kPrefix) + "/locks/" + std::string(64, 'c'),
                                     AsBytes(std::string("not a lock")), Overwrite::kAllowed),
      IsOk());
  CliResult locked = Owner("repair --as-of " + time);
  EXPECT_EQ(locked.exit_code, 11) << locked.err;
  EXPECT_THAT(locked.err, HasSubstr("stop every backup and maintenance job first"));
  EXPECT_THAT(locked.err, HasSubstr("--force"));
  CliResult forced = Owner("repair --as-of " + time + " --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_THAT(forced.out,
              HasSubstr("hid locks/" + std::string(64, 'c') + " (was a live lock, written "));
  EXPECT_THAT(forced.out, HasSubstr("restored 0 files, hid 1, "));

  // The same moment in the other spellings TIME may take.
  const std::string utc = FormatUtc(as_of_);  // "2026-12-07 01:17:04 UTC"
  for (const std::string& spelling :
       {utc, utc.substr(0, 19), FormatRfc3339(as_of_ + kNsPerHour).substr(0, 19) + "+01:00"}) {
    CliResult dry = Owner("--json repair --dry-run --as-of '" + spelling + "'");
    ASSERT_EQ(dry.exit_code, 0) << spelling << ": " << dry.err;
    EXPECT_EQ(Summary(dry.out)["as_of"], FormatRfc3339(as_of_)) << spelling;
  }
  CliResult bad_time = Owner("repair --as-of yesterday");
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_EQ(bad_time.err,
            "stormproof: --as-of: 'yesterday' is not a time: write 2026-12-06T14:00:00Z, "
            "'2026-12-06 14:00' (UTC) or 2026-12-06T15:00:00+01:00\n");
  const std::string plain = CreateRgwBucket(UniqueBucketName("plain"));
  CliResult unversioned = RunStormproof("--repo " + RgwLocation(plain) + " repair --as-of " + time);
  EXPECT_EQ(unversioned.exit_code, 2) << unversioned.err;
  EXPECT_THAT(unversioned.err, HasSubstr("keeps no object versions"));
  CliResult local =
      RunStormproof("--repo " + (dir_ / "local").string() + " repair --as-of " + time);
  EXPECT_EQ(local.exit_code, 2) << local.err;
  EXPECT_THAT(local.err, HasSubstr("is a local directory"));
  CliResult mixed = Owner("repair index --as-of " + time);
  EXPECT_EQ(mixed.exit_code, 2) << mixed.err;
  EXPECT_EQ(SnapshotIds(), snapshots);
}

// A key the repository never writes — "data/../config", which an HTTP client that squashed
// dot-dot segments would turn into another path than the one signed — is left alone and named;
// the roll-back of everything else goes on. A change the server refuses is reported and the
// others are still made. A TIME without an offset is printed back as the UTC moment it was read
// as, before anything changes; the roll-back holds its own lock file while it applies, so that a
// backup started after the planning stops it, and removes it afterwards.
TEST_F(S3AttackTest, LeavesForeignKeysAloneAndGoesOnPastAFailedChange) {
  std::set<std::string> snapshots = BackUpThreeTimes();
  const std::string root = std::string(kPrefix) + "/";
  auto owner = ClientAs(nullptr);
  ASSERT_THAT(owner->PutObject(root + "data/../config", AsBytes(std::string("garbage")),
                               Overwrite::kAllowed),
              IsOk());
  ASSERT_THAT(owner->PutObject(root + "notes.txt", AsBytes(std::string("hi")), Overwrite::kAllowed),
              IsOk());
  std::string snapshot_key;
  for (const ObjectVersion& v : Versions()) {
    if (v.key.find("/snapshots/") != std::string::npos && snapshot_key.empty()) snapshot_key = v.key;
  }
  ASSERT_THAT(owner->PutObject(snapshot_key, AsBytes(RandomBytes(700, 5)), Overwrite::kAllowed),
              IsOk());
  ASSERT_THAT(owner->PutObject(root + "snapshots/" + std::string(64, 'e'),
                               AsBytes(RandomBytes(500, 6)), Overwrite::kAllowed),
              IsOk());
  bool stored_as_named = false;
  for (const ObjectVersion& v : Versions()) stored_as_named |= v.key == root + "data/../config";
  ASSERT_TRUE(stored_as_named) << "the gateway rewrote the key";

  // Through the library, via the proxy: the first change is refused, the other still made.
  s3::RollBack rollback(ProxyOptions());
  auto plan = rollback.Plan(as_of_);
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(plan->foreign, 2);
  EXPECT_EQ(plan->first_foreign, "data/../config");
  ASSERT_EQ(plan->changes.size(), 2u) << "restore the snapshot, hide the new one";
  proxy_.FailNext(1, 403, "AccessDenied");
  auto applied = rollback.Apply(*plan, std::nullopt);
  ASSERT_THAT(applied, IsOk());
  ASSERT_EQ(applied->failed.size(), 1u);
  EXPECT_THAT(applied->failed[0].error, HasSubstr("access denied"));
  EXPECT_EQ(applied->restored + applied->hidden, 1);

  // A backup started after the planning: the roll-back's lock sees it and gives way.
  const std::string other_lock = root + "locks/" + std::string(64, 'd');
  ASSERT_THAT(owner->PutObject(other_lock, AsBytes(std::string("a backup's lock")),
                               Overwrite::kAllowed),
              IsOk());
  auto held = rollback.HoldLock({});
  ASSERT_FALSE(held.has_value());
  EXPECT_EQ(held.error().code(), ErrorCode::kLocked);
  EXPECT_THAT(held.error().message(), HasSubstr("locks/" + std::string(64, 'd')));
  ASSERT_THAT(owner->DeleteObject(other_lock), IsOk());

  // The CLI: the moment first, the foreign keys named and left, the rest rolled back.
  const std::string no_offset = FormatUtc(as_of_).substr(0, 19);  // "2026-12-07 01:17:04"
  CliResult rolled = Owner("repair --as-of '" + no_offset + "'");
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(rolled.out.rfind("rolling back to " + FormatUtc(as_of_) + " (--as-of '" + no_offset +
                                 "', no offset given: read as UTC)\n",
                             0),
            0u)
      << rolled.out;
  EXPECT_THAT(rolled.out, HasSubstr("left alone: 2 objects whose names stormproof never writes "
                                    "(first: data/../config)\n"));
  EXPECT_THAT(rolled.out, HasSubstr("check: no errors were found"));
  CliResult json = Owner("--json repair --dry-run --as-of '" + no_offset + "'");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Summary(json.out)["as_of_utc"], FormatUtc(as_of_));
  EXPECT_EQ(Summary(json.out)["as_of_zone_given"], false);
  EXPECT_EQ(Summary(json.out)["foreign"], 2);
  EXPECT_EQ(SnapshotIds(), snapshots);
  int locks_left = 0, foreign_current = 0;
  for (const ObjectVersion& v : Versions()) {
    if (!v.is_latest || v.delete_marker) continue;
    // The backup host releases its locks by emptying them (it may not delete).
    locks_left += v.key.find("/locks/") != std::string::npos && v.size > 0;
    foreign_current += v.key == root + "data/../config" || v.key == root + "notes.txt";
  }
  EXPECT_EQ(locks_left, 0) << "the roll-back's lock was left behind";
  EXPECT_EQ(foreign_current, 2) << "a foreign key was touched";
}

// The roll-back takes its own lock before it plans: what it restores and hides is decided from a
// version listing made while no backup or maintenance job can start (one starting later sees the
// lock and waits), never from one made before.
TEST_F(S3AttackTest, TheRollBackLocksBeforeItLists) {
  BackUpThreeTimes();
  proxy_.ResetCounts();
  CliResult rolled = Owner("repair --as-of '" + FormatRfc3339(as_of_) + "'");
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  const std::vector<std::string> requests = proxy_.requests();
  std::string all;
  for (const std::string& r : requests) all += r + "\n";
  auto first = [&](const std::function<bool(const std::string&)>& is) {
    return std::find_if(requests.begin(), requests.end(), is) - requests.begin();
  };
  auto lock_put = first([](const std::string& r) {
    return r.starts_with("PUT ") && r.find("/locks/") != std::string::npos;
  });
  auto listing = first([](const std::string& r) {  // every version under the prefix
    return r.starts_with("GET ") && r.find("versions") != std::string::npos &&
           r.find("%2Flocks%2F") == std::string::npos;
  });
  ASSERT_LT(listing, static_cast<std::ptrdiff_t>(requests.size())) << all;
  EXPECT_LT(lock_put, listing) << "planned before locking:\n" << all;
}

// The roll-back's lock is refreshed while it applies, as a backup's is (a roll-back may take longer
// than the 30 minutes after which others judge a lock stale): a new file every refresh interval,
// the old one removed. Not refreshed for 20 minutes by the holder's clock (the machine was
// suspended), or removed by another process as stale, it is lost for good, never revived, and
// the roll-back makes no further change.
TEST_F(S3AttackTest, TheRollBacksLockIsRefreshedAndALostOneStopsTheRollBack) {
  s3::RollBack rollback(ProxyOptions());
  const std::string root = std::string(kPrefix) + "/";
  std::atomic<int64_t> elapsed{0};
  s3::RollBackLockTiming timing;
  timing.refresh_interval = std::chrono::milliseconds(200);
  timing.elapsed_ns = [&] { return elapsed.load(); };
  auto held = rollback.HoldLock({}, timing);
  ASSERT_THAT(held, IsOk());
  const std::string first = (*held)->name();
  std::string now = first;
  for (int i = 0; i < 250 && now == first; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    now = (*held)->name();
  }
  ASSERT_NE(now, first) << "the lock was never refreshed";
  EXPECT_THAT((*held)->Held(), IsOk());
  std::set<std::string> live;
  for (int i = 0; i < 5 && live.size() != 1; ++i) live = LiveLockKeys();  // one refresh at a time
  ASSERT_EQ(live.size(), 1u);
  EXPECT_NE(*live.begin(), root + first) << "the first lock file was not replaced";

  // The machine slept 21 minutes: others may have judged the lock stale.
  elapsed += 21 * kNsPerMinute;
  EXPECT_THAT((*held)->Held(),
              ErrorIs(ErrorCode::kLocked, HasSubstr("not refreshed for 21 minutes")));
  s3::RollBackPlan plan;
  for (char c : {'e', 'f'}) {
    plan.changes.push_back({"snapshots/" + std::string(64, c),
                            s3::RollBackStep{s3::RollBackStep::Action::kHide}, {}});
  }
  auto applied = rollback.Apply(plan, std::nullopt, {}, held->get());
  ASSERT_THAT(applied, IsOk());
  EXPECT_EQ(applied->hidden + applied->restored, 0);
  EXPECT_EQ(applied->not_made, 2);
  EXPECT_THAT(applied->lock_lost, HasSubstr("the roll-back's lock locks/"));
  EXPECT_THAT(applied->lock_lost, HasSubstr("was lost (it was not refreshed for 21 minutes)"));
  for (const ObjectVersion& v : Versions()) {
    EXPECT_EQ(v.key.find("/snapshots/eeee"), std::string::npos) << "a change was made";
  }
  ASSERT_THAT((*held)->Release(), IsOk());
  EXPECT_TRUE(LiveLockKeys().empty()) << "the released lock stayed";

  // Another process removes the lock as stale: the next refresh sees it gone and gives up.
  timing.elapsed_ns = {};
  auto second = rollback.HoldLock({}, timing);
  ASSERT_THAT(second, IsOk());
  auto owner = ClientAs(nullptr);
  Status still = Ok();
  for (int i = 0; i < 250 && still; ++i) {
    (void)owner->DeleteObject(root + (*second)->name());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    still = (*second)->Held();
  }
  EXPECT_THAT(still, ErrorIs(ErrorCode::kLocked, HasSubstr("another process removed it as stale")));
  EXPECT_TRUE(LiveLockKeys().empty()) << "a lost lock was revived";
}

}  // namespace
}  // namespace stormproof::testing
