// A config rewritten to name no Object Lock, against a real Ceph RGW (tests/engine/s3/rgw.h):
// every backup host holds the key, so one can write a config that verifies and names no
// object_lock into a repository made with `init --object-lock`, and every later backup would
// write files without retention, every forget and prune remove them with plain DELETEs. The
// bucket still has Object Lock and keeps the config's versions: maintenance refuses to remove
// anything until it is given the retention the repository was created with, and backups warn
// (docs/repository-format.md, "Object Lock"). Backend::HoldsRetention is forwarded by every
// wrapper.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/cache/cache.h"
#include "engine/repository/config.h"
#include "engine/repository/internal/read_only_storage.h"
#include "engine/repository/key_file.h"
#include "engine/repository/repository.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/s3.h"
#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using s3::internal::Client;
using s3::internal::ObjectVersion;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "correct horse";
constexpr char kRefusal[] =
    "/acme/config: names no Object Lock retention, but the bucket has Object Lock and the "
    "config was rewritten since the repository was created";

// The summary: the last line of --json output (progress lines may come before it).
nlohmann::json Summary(const std::string& out) {
  std::string last = out.substr(0, out.find_last_not_of('\n') + 1);
  return nlohmann::json::parse(last.substr(last.rfind('\n') + 1));
}

class RewrittenConfigTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ExportRgwCredentials(); }

  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() /
           ("stormproof-rewritten-config-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "password") << kPassword << "\n";
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    bucket_ = UniqueBucketName(name);
    repo_ = RgwLocation(bucket_, "acme");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `as`: another user's credentials ("AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=..."); ""
  // runs as the bucket's owner.
  CliResult Run(const std::string& args, const std::string& as = "") {
    return RunStormproof(
        "--repo '" + repo_ + "' --cache-dir '" + (dir_ / "cache").string() + "' " + args,
        as + " STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() +
            "' XDG_STATE_HOME='" + (dir_ / "state").string() + "'");
  }
  void Backup(const std::string& content) {
    std::ofstream(dir_ / "data" / "file.txt") << content;
    CliResult backup = Run("backup " + (dir_ / "data").string());
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
  }
  s3::Options OwnerOptions() const {
    auto location = s3::ParseLocation(repo_);
    EXPECT_THAT(location, IsOk());
    s3::Options options;
    options.location = *location;
    options.region = Rgw().region;
    options.credentials.access_key_id = Rgw().access_key;
    options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
    return options;
  }
  // Two snapshots of different data, the older forgotten (under the config's own retention):
  // prune has a pack to remove.
  void InitLockedWithDataToPrune() {
    CliResult init = Run("init --object-lock-days 2");
    ASSERT_EQ(init.exit_code, 0) << init.err;
    ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'a')));
    ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'b')));
    CliResult forget = Run("forget --keep-last 1");
    ASSERT_EQ(forget.exit_code, 0) << forget.err;
  }
  // What a backup host holding the password can do: open the master key with it and write a
  // config that verifies, names no object_lock and is otherwise the same (a new version).
  void RewriteConfigWithoutObjectLock() {
    Client client(OwnerOptions());
    std::string key_name;
    ASSERT_THAT(client.ListObjects("acme/keys/",
                                   [&](const s3::internal::ListedObject& o) { key_name = o.key; }),
                IsOk());
    auto key_bytes = client.GetObject(key_name, 0, 0);
    ASSERT_THAT(key_bytes, IsOk());
    auto key_file = repository::ParseKeyFile(key_bytes->data);
    ASSERT_THAT(key_file, IsOk());
    auto master = repository::UnlockKeyFile(*key_file, kPassword);
    ASSERT_THAT(master, IsOk());
    auto config_bytes = client.GetObject("acme/config", 0, 0);
    ASSERT_THAT(config_bytes, IsOk());
    auto parsed = repository::ParseConfig(config_bytes->data);
    ASSERT_THAT(parsed, IsOk());
    ASSERT_TRUE(parsed->config.object_lock.has_value());
    auto chunker = repository::OpenConfigSecret(master->encryption, parsed->secret);
    ASSERT_THAT(chunker, IsOk());
    repository::Config config = parsed->config;
    config.chunker = *chunker;
    config.object_lock.reset();
    config.version = repository::kPlainConfigVersion;
    const Bytes rewritten = repository::EncodeConfig(config, master->encryption);
    ASSERT_THAT(client.PutObject("acme/config", rewritten, s3::internal::Overwrite::kAllowed),
                IsOk());
  }
  // Every stored version and delete marker but the locks' (which forget takes and removes).
  std::vector<std::string> VersionsButLocks() const {
    Client client(OwnerOptions());
    std::vector<std::string> versions;
    EXPECT_THAT(client.ListObjectVersions("acme/",
                                          [&](const ObjectVersion& v) {
                                            if (v.key.starts_with("acme/locks/")) return;
                                            versions.push_back(v.key + " " + v.version_id +
                                                               (v.is_latest ? " latest" : ""));
                                          }),
                IsOk());
    return versions;
  }

  fs::path dir_;
  std::string bucket_;
  std::string repo_;
};

// Without the days the repository was created with, prune and forget refuse in one line naming
// the config, and change nothing (before: prune deleted with plain DELETEs nobody recorded, and
// wrote its new index without retention).
TEST_F(RewrittenConfigTest, PruneAndForgetRefuseAConfigRewrittenWithoutObjectLock) {
  ASSERT_NO_FATAL_FAILURE(InitLockedWithDataToPrune());
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'c')));  // forget has one to remove
  ASSERT_NO_FATAL_FAILURE(RewriteConfigWithoutObjectLock());
  const std::vector<std::string> before = VersionsButLocks();

  CliResult prune = Run("prune");
  EXPECT_EQ(prune.exit_code, 13) << prune.out << prune.err;
  EXPECT_THAT(prune.err, HasSubstr(kRefusal));
  EXPECT_THAT(prune.err, HasSubstr("give the retention the repository was created with "
                                   "(prune --object-lock-days, the plan's object_lock)"));
  CliResult forget = Run("forget --keep-last 1");
  EXPECT_NE(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_THAT(forget.err, HasSubstr(kRefusal));
  EXPECT_EQ(VersionsButLocks(), before);
}

// With --object-lock-days, prune keeps that retention: the upkeep runs, what it removes is
// hidden under retention (recorded as stormproof's: a second prune finds no one else's marker),
// and the index it writes is retained.
TEST_F(RewrittenConfigTest, PruneWithTheDaysItWasCreatedWithKeepsThemUp) {
  ASSERT_NO_FATAL_FAILURE(InitLockedWithDataToPrune());
  ASSERT_NO_FATAL_FAILURE(RewriteConfigWithoutObjectLock());

  CliResult prune = Run("prune --json --object-lock-days 2");
  ASSERT_EQ(prune.exit_code, 0) << prune.out << prune.err;
  nlohmann::json summary = Summary(prune.out);
  EXPECT_GE(summary["hidden_retained_files"].get<int>(), 1) << prune.out;
  Client client(OwnerOptions());
  int indexes = 0;
  ASSERT_THAT(client.ListObjectVersions("acme/index/",
                                        [&](const ObjectVersion& v) {
                                          if (!v.is_latest || v.delete_marker) return;
                                          ++indexes;
                                          auto held = client.GetObjectRetention(v.key,
                                                                                v.version_id);
                                          EXPECT_THAT(held, IsOk());
                                          EXPECT_TRUE(held && held->has_value()) << v.key;
                                        }),
              IsOk());
  EXPECT_GE(indexes, 1);
  CliResult again = Run("prune --object-lock-days 2");
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

// `init` without --object-lock on a bucket that has it writes the config once: nothing was
// rewritten, so backups do not warn and forget and prune remove as on any bucket.
TEST_F(RewrittenConfigTest, APlainRepositoryOnALockedBucketStillForgetsAndPrunes) {
  Client client(OwnerOptions());
  ASSERT_THAT(client.CreateBucket(s3::internal::BucketObjectLock::kEnabled), IsOk());
  CliResult init = Run("init");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::ofstream(dir_ / "data" / "file.txt") << std::string(50'000, 'a');
  CliResult first = Run("backup " + (dir_ / "data").string());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.err, Not(HasSubstr("warning")));
  ASSERT_NO_FATAL_FAILURE(Backup(std::string(50'000, 'b')));
  CliResult forget = Run("forget --keep-last 1");
  EXPECT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  CliResult prune = Run("prune");
  EXPECT_EQ(prune.exit_code, 0) << prune.out << prune.err;
  EXPECT_THAT(prune.err, Not(HasSubstr("rewritten")));
}

// A backup into the rewritten repository still runs, and says on stderr (and in --json's
// summary) that its files are written without retention.
TEST_F(RewrittenConfigTest, ABackupWarnsThatItsFilesGoWithoutRetention) {
  CliResult init = Run("init --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ASSERT_NO_FATAL_FAILURE(RewriteConfigWithoutObjectLock());
  std::ofstream(dir_ / "data" / "file.txt") << "after the rewrite";
  CliResult text = Run("backup " + (dir_ / "data").string());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.err, HasSubstr("stormproof: warning: s3:"));
  EXPECT_THAT(text.err, HasSubstr(kRefusal));
  EXPECT_THAT(text.err, HasSubstr("this backup's files are written without retention"));
  CliResult json = Run("backup --json " + (dir_ / "data").string());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json summary = Summary(json.out);
  ASSERT_EQ(summary["warnings"].size(), 1u) << json.out;
  EXPECT_THAT(summary["warnings"][0].get<std::string>(), HasSubstr(kRefusal));
}

// ---- Backend::HoldsRetention ----

// A view of a retaining memory backend (shared, so a repository can be made and opened again)
// that says whether it holds retention and, before SetRetention, answers the config's dry run
// as S3 does (Backend::ExtendRetention): overwritten when `config_rewritten`.
class HoldingBackend : public backend::Backend {
 public:
  HoldingBackend() : HoldingBackend(backend::NewRetainingMemoryBackend(), true, false) {}
  HoldingBackend(std::shared_ptr<backend::Backend> inner, bool holds, bool config_rewritten)
      : inner_(std::move(inner)), holds_(holds), config_rewritten_(config_rewritten) {}
  Status Save(const backend::Handle& h, ByteView data) override { return inner_->Save(h, data); }
  Result<Bytes> Load(const backend::Handle& h, uint64_t offset, uint64_t length) const override {
    return inner_->Load(h, offset, length);
  }
  Result<uint64_t> Size(const backend::Handle& h) const override { return inner_->Size(h); }
  Result<int64_t> ModifiedNs(const backend::Handle& h) const override {
    return inner_->ModifiedNs(h);
  }
  Status Remove(const backend::Handle& h) override { return inner_->Remove(h); }
  Status List(backend::FileType type,
              const std::function<void(const std::string&, uint64_t)>& each) const override {
    return inner_->List(type, each);
  }
  std::string Location() const override { return "holding"; }
  Result<bool> HoldsRetention() const override { return holds_; }
  Status SetRetention(const backend::Retention& retention) override {
    retention_set_ = true;
    return inner_->SetRetention(retention);
  }
  Status ExtendRetention(backend::FileType type, RetentionUpkeep* stats) override {
    if (type == backend::FileType::kConfig && stats->dry_run && config_rewritten_) {
      ++stats->overwritten;
    }
    if (!retention_set_) return Ok();
    return inner_->ExtendRetention(type, stats);
  }
  Status PurgeExpiredVersions(HiddenVersions* stats) override {
    return inner_->PurgeExpiredVersions(stats);
  }

 private:
  std::shared_ptr<backend::Backend> inner_;
  const bool holds_, config_rewritten_;
  bool retention_set_ = false;
};

// Repository::KeepRetention and CheckMayDelete on a config that names no retention: refused
// only where the storage holds retention and shows the config rewritten; with trusted days the
// removals go on (under them).
TEST(ConfigWithoutRetentionTest, RemovalsNeedTrustedDaysOnlyWhenRewrittenWhereRetentionHolds) {
  setenv("STORMPROOF_KDF_TEST", "1", 1);
  struct Case {
    bool holds, rewritten, refused;
  };
  for (const Case& c : {Case{true, true, true}, Case{true, false, false},
                        Case{false, true, false}}) {
    SCOPED_TRACE(::testing::Message() << "holds " << c.holds << ", rewritten " << c.rewritten);
    std::shared_ptr<backend::Backend> store = backend::NewRetainingMemoryBackend();
    auto made = std::make_unique<HoldingBackend>(store, c.holds, false);
    ASSERT_THAT(repository::Repository::Init(std::move(made), kPassword), IsOk());
    auto repo = repository::Repository::Open(
        std::make_unique<HoldingBackend>(store, c.holds, c.rewritten), kPassword);
    ASSERT_THAT(repo, IsOk());
    EXPECT_THAT((*repo)->ConfigRewrittenWithoutRetention(), IsOkAndHolds(c.refused));
    backend::Backend::RetentionUpkeep kept;
    if (c.refused) {
      EXPECT_THAT((*repo)->KeepRetention(std::nullopt, &kept),
                  ErrorIs(ErrorCode::kCorrupt, HasSubstr("holding/config: names no Object Lock "
                                                         "retention")));
      EXPECT_THAT(
          (*repo)->CheckMayDelete(),
          ErrorIs(ErrorCode::kCorrupt, HasSubstr("nothing is removed without a retention")));
      ASSERT_THAT((*repo)->KeepRetention(backend::Retention{{}, 2}, &kept), IsOk());
    } else {
      EXPECT_THAT((*repo)->KeepRetention(std::nullopt, &kept), IsOk());
    }
    EXPECT_THAT((*repo)->CheckMayDelete(), IsOk());
  }
}

// Storage that will not tell whether it holds retention (HoldsRetention: kPermissionDenied, as S3
// credentials without s3:GetBucketObjectLockConfiguration), whose config's versions would show
// it rewritten were they asked for.
class RefusingToTellBackend final : public HoldingBackend {
 public:
  explicit RefusingToTellBackend(std::shared_ptr<backend::Backend> inner)
      : HoldingBackend(std::move(inner), false, true) {}
  std::string Location() const override { return "refusing-to-tell"; }
  Result<bool> HoldsRetention() const override {
    return Error::PermissionDenied("refusing-to-tell: cannot tell whether bucket 'b' has Object "
                                   "Lock: access denied (AccessDenied): these credentials lack "
                                   "s3:GetBucketObjectLockConfiguration");
  }
};

// Storage that will not tell: removals go on as before it was asked (before, KeepRetention and
// CheckMayDelete failed with the refusal, so forget and prune refused forever under the
// documented policy), with one warning line on stderr naming what is missing; a backup's
// question (ConfigRewrittenWithoutRetention) is answered no, so it stays silent.
TEST(ConfigWithoutRetentionTest, RemovalsGoOnWithOneWarningWhenTheStorageWillNotTell) {
  setenv("STORMPROOF_KDF_TEST", "1", 1);
  std::shared_ptr<backend::Backend> store = backend::NewRetainingMemoryBackend();
  ASSERT_THAT(repository::Repository::Init(std::make_unique<HoldingBackend>(store, false, false),
                                           kPassword),
              IsOk());
  auto repo =
      repository::Repository::Open(std::make_unique<RefusingToTellBackend>(store), kPassword);
  ASSERT_THAT(repo, IsOk());
  EXPECT_THAT((*repo)->ConfigRewrittenWithoutRetention(), IsOkAndHolds(false));
  ::testing::internal::CaptureStderr();
  backend::Backend::RetentionUpkeep kept;
  EXPECT_THAT((*repo)->KeepRetention(std::nullopt, &kept), IsOk());
  EXPECT_THAT((*repo)->CheckMayDelete(), IsOk());
  const std::string err = ::testing::internal::GetCapturedStderr();
  const std::string warning =
      "stormproof: warning: refusing-to-tell: cannot tell whether bucket 'b' has Object Lock: "
      "access denied (AccessDenied): these credentials lack s3:GetBucketObjectLockConfiguration: "
      "a config rewritten without Object Lock cannot be detected without it";
  EXPECT_THAT(err, HasSubstr(warning));
  EXPECT_EQ(err.find(warning), err.rfind(warning)) << err;  // once
}

// What the storage can hold, whatever a wrapper lets be written.
std::unique_ptr<backend::Backend> Wrapped(std::unique_ptr<backend::Backend> inner, bool cache,
                                          const fs::path& folder) {
  if (cache) {
    auto cached = cache::NewCachingBackend(std::move(inner), {.directory = folder.string()});
    EXPECT_THAT(cached, IsOk());
    return cached ? std::move(cached).value() : nullptr;
  }
  return repository::RefuseWrites(std::move(inner), Error::Corrupt("read-only"));
}

TEST(HoldsRetentionTest, EveryWrapperForwardsWhatTheStorageHolds) {
  const fs::path folder = fs::temp_directory_path() /
                          ("stormproof-holds-retention-" + std::to_string(::getpid()));
  for (bool cache : {true, false}) {
    EXPECT_THAT(Wrapped(std::make_unique<HoldingBackend>(), cache, folder)->HoldsRetention(),
                IsOkAndHolds(true))
        << (cache ? "caching" : "read-only");
    EXPECT_THAT(Wrapped(backend::NewMemoryBackend(), cache, folder)->HoldsRetention(),
                IsOkAndHolds(false))
        << (cache ? "caching" : "read-only");
  }
  fs::remove_all(folder);
}

// S3 asks the bucket: Object Lock or not, opened (which trusts the bucket) or created.
TEST_F(RewrittenConfigTest, AnS3BackendAsksTheBucketWhetherItHoldsRetention) {
  s3::Options locked = OwnerOptions();
  locked.create_with_object_lock = true;
  auto created = s3::CreateBackend(std::move(locked));
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT((*created)->HoldsRetention(), IsOkAndHolds(true));
  auto opened = s3::OpenBackend(OwnerOptions());
  ASSERT_THAT(opened, IsOk());
  EXPECT_THAT((*opened)->HoldsRetention(), IsOkAndHolds(true));

  s3::Options plain = OwnerOptions();
  auto location = s3::ParseLocation(RgwLocation(UniqueBucketName("plain"), "acme"));
  ASSERT_THAT(location, IsOk());
  plain.location = *location;
  auto unlocked = s3::CreateBackend(std::move(plain));
  ASSERT_THAT(unlocked, IsOk());
  EXPECT_THAT((*unlocked)->HoldsRetention(), IsOkAndHolds(false));
}

// The maintenance policy docs/object-storage.md gave before it named
// s3:GetBucketObjectLockConfiguration (SET-UPS), for `user_arn` on `bucket`, with
// `extra_bucket_action` ("" for none) added to its bucket-level actions.
std::string DocumentedPolicy(const std::string& bucket, const std::string& user_arn,
                             const std::string& extra_bucket_action) {
  const std::string b = "arn:aws:s3:::" + bucket;
  const std::string principal = R"("Principal": {"AWS": [")" + user_arn + R"("]}, )";
  const std::string extra = extra_bucket_action.empty() ? "" : ", \"" + extra_bucket_action + "\"";
  return R"({"Version": "2012-10-17", "Statement": [)"
         R"({"Sid": "StormproofBucket", "Effect": "Allow", )" + principal +
         R"("Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads")" +
         extra + R"(], "Resource": ")" + b + R"("}, )"
         R"({"Sid": "StormproofObjects", "Effect": "Allow", )" + principal +
         R"("Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", )"
         R"("s3:AbortMultipartUpload"], "Resource": ")" + b + R"(/*"}]})";
}

// A plain bucket and credentials with exactly the documented policy, which may neither read the
// bucket's Object Lock configuration nor list versions: backup, forget, prune --dry-run and
// prune all run (before: forget and prune failed "access denied (AccessDenied)" for good, and
// the dry run listed the config's versions); forget and prune say once what they cannot detect.
// With s3:GetBucketObjectLockConfiguration added (the policy the docs give now), no warning.
TEST_F(RewrittenConfigTest, TheDocumentedPolicyForgetsAndPrunesAPlainBucket) {
  CliResult init = Run("init");  // as the bucket's owner, who creates it
  ASSERT_EQ(init.exit_code, 0) << init.err;
  RgwUser maintainer = CreateRgwUser("rewritten-config-documented-" + std::to_string(::getpid()));
  ASSERT_FALSE(maintainer.access_key.empty());
  ASSERT_EQ(PutRgwBucketPolicy(bucket_, DocumentedPolicy(bucket_, maintainer.arn, "")).status,
            204);
  const std::string as = "AWS_ACCESS_KEY_ID=" + maintainer.access_key +
                         " AWS_SECRET_ACCESS_KEY=" + maintainer.secret_key;
  for (char content : {'a', 'b', 'c'}) {
    std::ofstream(dir_ / "data" / "file.txt") << std::string(50'000, content);
    CliResult backup = Run("backup " + (dir_ / "data").string(), as);
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
    EXPECT_THAT(backup.err, Not(HasSubstr("warning")));
  }
  const std::string warning =
      "has Object Lock: access denied (AccessDenied): these credentials lack "
      "s3:GetBucketObjectLockConfiguration: a config rewritten without Object Lock cannot be "
      "detected without it";
  CliResult forget = Run("forget --keep-last 2", as);
  EXPECT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_THAT(forget.err, HasSubstr(warning));
  CliResult dry_run = Run("prune --dry-run", as);
  EXPECT_EQ(dry_run.exit_code, 0) << dry_run.out << dry_run.err;
  CliResult prune = Run("prune", as);
  EXPECT_EQ(prune.exit_code, 0) << prune.out << prune.err;
  EXPECT_THAT(prune.err, HasSubstr(warning));
  EXPECT_EQ(prune.err.find(warning), prune.err.rfind(warning)) << prune.err;  // once

  ASSERT_EQ(PutRgwBucketPolicy(bucket_, DocumentedPolicy(bucket_, maintainer.arn,
                                                         "s3:GetBucketObjectLockConfiguration"))
                .status,
            204);
  CliResult told = Run("forget --keep-last 1 --prune", as);
  EXPECT_EQ(told.exit_code, 0) << told.out << told.err;
  EXPECT_THAT(told.err, Not(HasSubstr("warning")));
}

}  // namespace
}  // namespace stormproof::testing
