// S3 Object Lock against a real Ceph RGW (tests/engine/s3/rgw.h): a repository initialised
// under retention on a bucket created with Object Lock stores every file but locks with the
// retention its config records (multipart uploads too, which RGW 16 would leave unlocked), a
// retained version cannot be deleted, and a bucket without Object Lock is refused before
// anything is written. Also the client's version primitives (ListObjectVersions, GET and DELETE
// of one version) that recovery and the immutability check build on.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/time.h"
#include "engine/repository/repository.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/s3.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::s3 {
namespace {

using backend::Retention;
using internal::Client;
using internal::ObjectRetention;
using internal::ObjectVersion;
using repository::Repository;
using stormproof::testing::Rgw;
using stormproof::testing::RgwLocation;
using stormproof::testing::RgwRequest;
using stormproof::testing::RgwResponse;
using stormproof::testing::UniqueBucketName;

const bool kFastKdf = (setenv("STORMPROOF_KDF_TEST", "1", 1), true);
constexpr char kPassword[] = "correct horse battery staple";
constexpr char kPrefix[] = "repo";

Options RgwOptions(const std::string& bucket) {
  Result<Location> parsed = ParseLocation(RgwLocation(bucket, kPrefix));
  EXPECT_THAT(parsed, IsOk());
  Options options;
  options.location = *parsed;
  options.region = Rgw().region;
  options.credentials.access_key_id = Rgw().access_key;
  options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
  options.retry.first_delay = std::chrono::milliseconds(10);
  options.retry.max_delay = std::chrono::milliseconds(100);
  options.retry.max_total = std::chrono::seconds(20);
  return options;
}

// A bucket of its own with Object Lock, and a repository in it under `retention`.
class ObjectLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)kFastKdf;
    bucket_ = UniqueBucketName(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  Options LockedOptions() {
    Options options = RgwOptions(bucket_);
    options.create_with_object_lock = true;
    return options;
  }
  std::unique_ptr<Repository> InitLocked(Options options, Retention retention) {
    Result<std::unique_ptr<backend::Backend>> storage = CreateBackend(std::move(options));
    EXPECT_THAT(storage, IsOk());
    if (!storage) return nullptr;
    auto repo = Repository::Init(std::move(storage).value(), kPassword, {.retention = retention});
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }
  // A snapshot with one tree and a few data blobs, written under a shared lock.
  static void Backup(Repository& repo, int seed) {
    auto lock = repo.AcquireLock(Repository::LockKind::kShared);
    ASSERT_THAT(lock, IsOk());
    std::mt19937_64 random(static_cast<uint64_t>(seed));
    std::string data(200'000, '\0');  // incompressible: packs of about 600 kB
    for (int i = 0; i < 3; ++i) {
      for (char& c : data) c = static_cast<char>(random());
      ASSERT_THAT(
          repo.SaveBlob(repository::BlobType::kData, repo.BlobId(AsBytes(data)), AsBytes(data)),
          IsOk());
    }
    std::string tree = "{\"nodes\":[],\"seed\":" + std::to_string(seed) + "}";
    repository::Snapshot snapshot;
    snapshot.time_ns = SystemNowNs();
    snapshot.tree = repo.BlobId(AsBytes(tree));
    ASSERT_THAT(repo.SaveBlob(repository::BlobType::kTree, snapshot.tree, AsBytes(tree)), IsOk());
    ASSERT_THAT(repo.Flush(), IsOk());
    ASSERT_THAT(repo.SaveSnapshot(snapshot), IsOk());
  }
  // Every object under the repository's prefix, by key.
  std::vector<std::string> Keys(const Client& client) {
    std::vector<std::string> keys;
    EXPECT_THAT(client.ListObjects(std::string(kPrefix) + "/",
                                   [&](const internal::ListedObject& o) { keys.push_back(o.key); }),
                IsOk());
    return keys;
  }
  // Expects every object but locks to be retained in `mode` until at least `days` from now (by
  // the server's clock), and locks not at all. Returns how many objects were retained.
  int ExpectRetained(const Client& client, Retention::Mode mode, int days) {
    // Saved for days + E (backend::RetentionSpareDays): maintenance extends only older files.
    const int64_t wanted =
        client.ServerNowNs() + (days + backend::RetentionSpareDays({.days = days})) * kNsPerDay;
    int retained = 0;
    for (const std::string& key : Keys(client)) {
      SCOPED_TRACE(key);
      Result<ObjectRetention> held = client.GetObjectRetention(key);
      EXPECT_THAT(held, IsOk());
      if (!held) continue;
      if (key.starts_with(std::string(kPrefix) + "/locks/")) {
        EXPECT_FALSE(held->has_value()) << "a lock must stay removable";
        continue;
      }
      EXPECT_TRUE(held->has_value()) << "not retained";
      if (!held->has_value()) continue;
      EXPECT_EQ((*held)->mode, mode);
      // At least `days` from now (it was stored moments ago, with 5 minutes spare for the
      // upload), and not much more.
      EXPECT_GE((*held)->retain_until_ns, wanted);
      EXPECT_LE((*held)->retain_until_ns, wanted + 6 * kNsPerMinute);
      ++retained;
    }
    return retained;
  }

  std::string bucket_;
};

TEST_F(ObjectLockTest, EveryFileButLocksIsRetainedAsTheConfigSays) {
  auto repo = InitLocked(LockedOptions(), {Retention::Mode::kGovernance, 3});
  ASSERT_NE(repo, nullptr);
  Client client(RgwOptions(bucket_));
  EXPECT_THAT(client.BucketHasObjectLock(), IsOkAndHolds(true));
  Backup(*repo, 1);
  // Reopened from the config alone (no request but the config's): the next backup keeps it.
  repo.reset();
  auto opened = OpenBackend(RgwOptions(bucket_));
  ASSERT_THAT(opened, IsOk());
  auto again = Repository::Open(std::move(opened).value(), kPassword);
  ASSERT_THAT(again, IsOk());
  ASSERT_TRUE((*again)->retention().has_value());
  EXPECT_EQ((*again)->retention()->days, 3);
  auto lock = (*again)->AcquireLock(Repository::LockKind::kShared);  // a lock object to look at
  ASSERT_THAT(lock, IsOk());
  Backup(**again, 2);

  std::map<std::string, int> kinds;
  for (const std::string& key : Keys(client)) {
    kinds[key.substr(sizeof(kPrefix), key.find('/', sizeof(kPrefix)) - sizeof(kPrefix))]++;
  }
  EXPECT_EQ(kinds["config"], 1);
  EXPECT_EQ(kinds["keys"], 1);
  EXPECT_GE(kinds["locks"], 1);
  EXPECT_EQ(kinds["snapshots"], 2);
  EXPECT_GE(kinds["index"], 2);
  EXPECT_GE(kinds["data"], 2);
  int retained = ExpectRetained(client, Retention::Mode::kGovernance, 3);
  EXPECT_EQ(retained,
            kinds["config"] + kinds["keys"] + kinds["snapshots"] + kinds["index"] + kinds["data"]);
}

// What RGW stores is UTC with a "Z" (RGW refuses an offset).
TEST_F(ObjectLockTest, TheRetainUntilDateIsWrittenInUtc) {
  auto repo = InitLocked(LockedOptions(), {Retention::Mode::kGovernance, 1});
  ASSERT_NE(repo, nullptr);
  RgwResponse answer = RgwRequest("GET", "/" + bucket_ + "/" + kPrefix + "/config?retention=");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body, HasSubstr("<Mode>GOVERNANCE</Mode>"));
  EXPECT_THAT(answer.body,
              ::testing::ContainsRegex("<RetainUntilDate>[0-9T:.-]+Z</RetainUntilDate>"));
}

TEST_F(ObjectLockTest, ARetainedVersionCannotBeDeleted) {
  auto repo = InitLocked(LockedOptions(), {Retention::Mode::kGovernance, 1});
  ASSERT_NE(repo, nullptr);
  Backup(*repo, 1);
  Client client(RgwOptions(bucket_));
  std::vector<ObjectVersion> packs;
  ASSERT_THAT(client.ListObjectVersions(std::string(kPrefix) + "/data/",
                                        [&](const ObjectVersion& v) { packs.push_back(v); }),
              IsOk());
  ASSERT_FALSE(packs.empty());
  const ObjectVersion& pack = packs.front();
  EXPECT_TRUE(pack.is_latest);
  EXPECT_FALSE(pack.delete_marker);
  EXPECT_FALSE(pack.version_id.empty());
  EXPECT_GT(pack.size, 0u);
  EXPECT_GT(pack.modified_ns, 0);
  Status refused = client.DeleteObjectVersion(pack.key, pack.version_id);
  EXPECT_THAT(refused, ErrorIs(ErrorCode::kPermissionDenied, HasSubstr("AccessDenied")));
  // A plain DELETE only hides it behind a delete marker: the version stays readable.
  ASSERT_THAT(client.DeleteObject(pack.key), IsOk());
  EXPECT_THAT(client.GetObject(pack.key, 0, 0), ErrorIs(ErrorCode::kNotFound));
  std::vector<ObjectVersion> after;
  ASSERT_THAT(
      client.ListObjectVersions(pack.key, [&](const ObjectVersion& v) { after.push_back(v); }),
      IsOk());
  ASSERT_EQ(after.size(), 2u);
  EXPECT_TRUE(after[0].delete_marker && after[0].is_latest);
  EXPECT_EQ(after[1].version_id, pack.version_id);
  Result<Bytes> kept = client.GetObjectVersion(pack.key, pack.version_id);
  ASSERT_THAT(kept, IsOk());
  EXPECT_EQ(kept->size(), pack.size);
  // The bucket's owner may bypass GOVERNANCE (s3:BypassGovernanceRetention); never COMPLIANCE.
  EXPECT_THAT(client.DeleteObjectVersion(pack.key, pack.version_id, internal::Bypass::kGovernance),
              IsOk());
  EXPECT_THAT(client.GetObjectVersion(pack.key, pack.version_id), ErrorIs(ErrorCode::kNotFound));
}

TEST_F(ObjectLockTest, ComplianceModeHoldsEvenAgainstABypass) {
  auto repo = InitLocked(LockedOptions(), {Retention::Mode::kCompliance, 1});
  ASSERT_NE(repo, nullptr);
  Backup(*repo, 1);
  Client client(RgwOptions(bucket_));
  EXPECT_GT(ExpectRetained(client, Retention::Mode::kCompliance, 1), 0);
  std::vector<ObjectVersion> snapshots;
  ASSERT_THAT(client.ListObjectVersions(std::string(kPrefix) + "/snapshots/",
                                        [&](const ObjectVersion& v) { snapshots.push_back(v); }),
              IsOk());
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_THAT(client.DeleteObjectVersion(snapshots[0].key, snapshots[0].version_id,
                                         internal::Bypass::kGovernance),
              ErrorIs(ErrorCode::kPermissionDenied, HasSubstr("AccessDenied")));
  // Nor can it be shortened.
  internal::ObjectLock shorter{Retention::Mode::kCompliance, client.ServerNowNs() + kNsPerHour};
  EXPECT_FALSE(client.PutObjectRetention(snapshots[0].key, snapshots[0].version_id, shorter,
                                         internal::Bypass::kGovernance));
}

// RGW 16 stores a multipart upload without the lock headers of its initiation; the backend
// sets the retention after completing it and reads it back.
TEST_F(ObjectLockTest, AMultipartUploadEndsUpRetained) {
  Options options = LockedOptions();
  options.multipart_threshold = 64 << 10;  // every pack goes in parts
  auto repo = InitLocked(std::move(options), {Retention::Mode::kGovernance, 2});
  ASSERT_NE(repo, nullptr);
  Backup(*repo, 1);
  Client client(RgwOptions(bucket_));
  EXPECT_GT(ExpectRetained(client, Retention::Mode::kGovernance, 2), 0);
}

// Object Lock can only be turned on when a bucket is created: init under retention on a bucket
// without it is one line, and nothing is written.
TEST_F(ObjectLockTest, ABucketWithoutObjectLockIsRefusedAndNothingIsWritten) {
  stormproof::testing::CreateRgwBucket(bucket_);
  const std::string line = RgwLocation(bucket_, kPrefix) + ": bucket '" + bucket_ +
                           "' does not have Object Lock enabled (it can only be turned on when a "
                           "bucket is created: `stormproof init --object-lock` creates a new "
                           "bucket with it)";
  auto storage = CreateBackend(RgwOptions(bucket_));
  ASSERT_THAT(storage, IsOk());
  auto repo = Repository::Init(std::move(storage).value(), kPassword,
                               {.retention = Retention{Retention::Mode::kGovernance, 1}});
  EXPECT_THAT(repo, ErrorIs(ErrorCode::kInvalidArgument, line));
  Options with_retention = RgwOptions(bucket_);
  with_retention.retention = Retention{Retention::Mode::kGovernance, 1};
  EXPECT_THAT(CreateBackend(std::move(with_retention)), ErrorIs(ErrorCode::kInvalidArgument, line));
  // --object-lock on an existing plain bucket cannot turn it on either.
  auto existing = CreateBackend(LockedOptions());
  ASSERT_THAT(existing, IsOk());
  EXPECT_THAT(Repository::Init(std::move(existing).value(), kPassword,
                               {.retention = Retention{Retention::Mode::kCompliance, 1}}),
              ErrorIs(ErrorCode::kInvalidArgument, line));
  Client client(RgwOptions(bucket_));
  EXPECT_THAT(client.BucketHasObjectLock(), IsOkAndHolds(false));
  RgwResponse configuration = RgwRequest("GET", "/" + bucket_ + "?object-lock=");
  EXPECT_EQ(configuration.status, 404);
  EXPECT_THAT(configuration.body, HasSubstr("<Code>ObjectLockConfigurationNotFoundError</Code>"));
  std::vector<std::string> keys;
  ASSERT_THAT(
      client.ListObjects("", [&](const internal::ListedObject& o) { keys.push_back(o.key); }),
      IsOk());
  EXPECT_TRUE(keys.empty()) << keys.front();
}

// A backend opened on a bucket without Object Lock trusts the config; the server's refusal of
// the first PUT under retention is then the clear line.
TEST_F(ObjectLockTest, APutUnderRetentionIntoAPlainBucketIsOneClearLine) {
  stormproof::testing::CreateRgwBucket(bucket_);
  Options options = RgwOptions(bucket_);
  options.retention = Retention{Retention::Mode::kGovernance, 1};
  auto storage = OpenBackend(std::move(options));
  ASSERT_THAT(storage, IsOk());
  Status saved = (*storage)->Save({backend::FileType::kSnapshot, std::string(64, 'a')},
                                  AsBytes(std::string_view("x")));
  EXPECT_THAT(saved,
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("must have Object Lock enabled")));
  EXPECT_THAT(saved, ErrorIs(ErrorCode::kInvalidArgument,
                             HasSubstr("/" + bucket_ + "/repo/snapshots/aaaa")));
  std::printf("RGW's refusal: %s\n", saved.error().message().c_str());
}

}  // namespace
}  // namespace stormproof::s3

namespace stormproof::s3 {
namespace {

std::string Policy(const std::string& bucket, const std::string& arn, const std::string& allow,
                   const std::string& deny) {
  const std::string resources =
      R"(["arn:aws:s3:::)" + bucket + R"(", "arn:aws:s3:::)" + bucket + R"(/*"])";
  const std::string principal = R"({"AWS": [")" + arn + R"("]})";
  return R"({"Version": "2012-10-17", "Statement": [)"
         R"({"Effect": "Allow", "Principal": )" +
         principal + R"(, "Action": [)" + allow + R"(], "Resource": )" + resources +
         R"(}, {"Effect": "Deny", "Principal": )" + principal + R"(, "Action": [)" + deny +
         R"(], "Resource": )" + resources + "}]}";
}

// What a backup host's credentials need on a bucket with Object Lock (RGW 16): a PUT with lock
// headers needs only s3:PutObject (even with s3:PutObjectRetention denied); a multipart upload
// needs s3:PutObjectRetention too (RGW ignores the lock headers of its initiation, so the
// retention is set after completing it). With s3:BypassGovernanceRetention denied, such
// credentials can extend a retention but neither shorten it nor delete a version.
TEST_F(ObjectLockTest, UploadOnlyCredentialsWriteRetainedFilesAndCannotUndoThem) {
  static const stormproof::testing::RgwUser uploader =
      stormproof::testing::CreateRgwUser("object-lock-uploader");
  ASSERT_FALSE(uploader.secret_key.empty());
  Client owner(LockedOptions());
  ASSERT_THAT(owner.CreateBucket(internal::BucketObjectLock::kEnabled), IsOk());
  const std::string writes =
      R"("s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload")";
  const std::string never =
      R"("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention")";
  auto uploader_client = [&] {
    Options options = RgwOptions(bucket_);
    options.credentials.access_key_id = uploader.access_key;
    options.credentials.secret_access_key = SecretString(std::string(uploader.secret_key));
    options.multipart_threshold = 1024;
    return std::make_unique<Client>(std::move(options));
  };
  const std::string big(2000, 'm');  // over the threshold: a multipart upload

  // s3:PutObjectRetention denied: single PUTs are retained, multipart uploads fail clearly.
  ASSERT_EQ(
      RgwRequest("PUT", "/" + bucket_ + "?policy=",
                 Policy(bucket_, uploader.arn, writes, never + R"(, "s3:PutObjectRetention")"))
          .status,
      204);
  auto denied = uploader_client();
  internal::ObjectLock lock{Retention::Mode::kGovernance,
                            (denied->ServerNowNs() / kNsPerSecond + 86400) * kNsPerSecond};
  ASSERT_THAT(denied->PutObject("repo/data/1", AsBytes(std::string_view("x")),
                                internal::Overwrite::kAllowed, &lock),
              IsOk());
  EXPECT_THAT(owner.GetObjectRetention("repo/data/1"), IsOk());
  EXPECT_TRUE(owner.GetObjectRetention("repo/data/1")->has_value());
  EXPECT_THAT(denied->PutObject("repo/data/2", AsBytes(big), internal::Overwrite::kAllowed, &lock),
              ErrorIs(ErrorCode::kPermissionDenied, HasSubstr("s3:PutObjectRetention")));

  // s3:PutObjectRetention allowed, bypass denied: multipart works; only extending is possible.
  ASSERT_EQ(
      RgwRequest("PUT", "/" + bucket_ + "?policy=",
                 Policy(bucket_, uploader.arn, writes + R"(, "s3:PutObjectRetention")", never))
          .status,
      204);
  auto allowed = uploader_client();
  ASSERT_THAT(allowed->PutObject("repo/data/3", AsBytes(big), internal::Overwrite::kAllowed, &lock),
              IsOk());
  EXPECT_TRUE(owner.GetObjectRetention("repo/data/3")->has_value());
  internal::ObjectLock shorter{lock.mode, lock.retain_until_ns - kNsPerHour};
  internal::ObjectLock longer{lock.mode, lock.retain_until_ns + kNsPerHour};
  for (internal::Bypass bypass : {internal::Bypass::kNo, internal::Bypass::kGovernance}) {
    EXPECT_THAT(allowed->PutObjectRetention("repo/data/3", "", shorter, bypass),
                ErrorIs(ErrorCode::kPermissionDenied));
  }
  EXPECT_THAT(allowed->PutObjectRetention("repo/data/3", "", longer), IsOk());
  std::vector<ObjectVersion> versions;
  ASSERT_THAT(owner.ListObjectVersions("repo/data/3",
                                       [&](const ObjectVersion& v) { versions.push_back(v); }),
              IsOk());
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_THAT(allowed->DeleteObjectVersion("repo/data/3", versions[0].version_id,
                                           internal::Bypass::kGovernance),
              ErrorIs(ErrorCode::kPermissionDenied));
  EXPECT_THAT(owner.GetObject("repo/data/3", 0, 0), IsOk()) << "the owner reads its uploads";
}

}  // namespace
}  // namespace stormproof::s3
