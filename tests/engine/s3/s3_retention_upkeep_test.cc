// Retention and prune agree, against a real Ceph RGW (tests/engine/s3/rgw.h): on a bucket with
// Object Lock, prune hides what it deletes behind delete markers and never sends a version DELETE
// for a version still retained; maintenance extends the retention of old objects in use (visible
// through GetObjectRetention); the versions whose retention ended are deleted for good, with the
// delete markers that hid them. Requests are counted through the fault proxy (no fault injected).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "engine/pruner/pruner.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/internal/retention_upkeep.h"
#include "engine/s3/s3.h"
#include "tests/engine/s3/fault_proxy.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::s3 {
namespace {

using backend::Retention;
using internal::Client;
using internal::ObjectVersion;
using repository::Repository;
using stormproof::testing::FaultProxy;
using stormproof::testing::Rgw;
using stormproof::testing::UniqueBucketName;
using ::testing::HasSubstr;

const bool kFastKdf = (setenv("STORMPROOF_KDF_TEST", "1", 1), true);
constexpr char kPassword[] = "correct horse battery staple";

class RetentionUpkeepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)kFastKdf;
    bucket_ = UniqueBucketName(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // Through the counting proxy, on a bucket created with Object Lock.
  Options ProxiedOptions() {
    Result<Location> parsed = ParseLocation("s3:" + proxy_.endpoint() + "/" + bucket_ + "/repo");
    EXPECT_THAT(parsed, IsOk());
    Options options;
    options.location = *parsed;
    options.region = Rgw().region;
    options.credentials.access_key_id = Rgw().access_key;
    options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
    options.retry.max_total = std::chrono::seconds(20);
    options.create_with_object_lock = true;
    return options;
  }
  std::unique_ptr<Repository> InitLocked() {
    auto storage = CreateBackend(ProxiedOptions());
    EXPECT_THAT(storage, IsOk());
    if (!storage) return nullptr;
    auto repo = Repository::Init(std::move(storage).value(), kPassword,
                                 {.retention = Retention{Retention::Mode::kGovernance, 1}});
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }
  // A snapshot of two random data blobs and a tree (a data pack and a tree pack), under a
  // shared lock.
  static repository::Id Backup(Repository& repo, int seed) {
    auto lock = repo.AcquireLock(Repository::LockKind::kShared);
    EXPECT_THAT(lock, IsOk());
    std::mt19937_64 random(static_cast<uint64_t>(seed));
    std::string data(20'000, '\0');
    repository::Node file;
    file.name = "file" + std::to_string(seed);
    for (int i = 0; i < 2; ++i) {
      for (char& c : data) c = static_cast<char>(random());
      repository::Id id = repo.BlobId(AsBytes(data));
      EXPECT_THAT(repo.SaveBlob(repository::BlobType::kData, id, AsBytes(data)), IsOk());
      file.content.push_back(id);
    }
    repository::Tree tree;
    tree.nodes.push_back(file);
    Bytes encoded = repository::EncodeTree(tree);
    repository::Snapshot snapshot;
    snapshot.paths = {"/" + file.name};
    snapshot.time_ns = SystemNowNs();
    snapshot.tree = repo.BlobId(encoded);
    EXPECT_THAT(repo.SaveBlob(repository::BlobType::kTree, snapshot.tree, encoded), IsOk());
    EXPECT_THAT(repo.Flush(), IsOk());
    auto id = repo.SaveSnapshot(snapshot);
    EXPECT_THAT(id, IsOk());
    return id ? *id : repository::Id{};
  }
  std::vector<ObjectVersion> Versions(const Client& client, const std::string& prefix) {
    std::vector<ObjectVersion> versions;
    EXPECT_THAT(
        client.ListObjectVersions(prefix, [&](const ObjectVersion& v) { versions.push_back(v); }),
        IsOk());
    return versions;
  }
  // The version DELETEs the proxy saw ("DELETE /bucket/key?versionId=...").
  std::vector<std::string> VersionDeletes() {
    std::vector<std::string> deletes;
    for (const std::string& request : proxy_.requests()) {
      if (request.starts_with("DELETE ") && request.find("versionId=") != std::string::npos) {
        deletes.push_back(request);
      }
    }
    return deletes;
  }

  FaultProxy proxy_{Rgw().host, Rgw().port};
  std::string bucket_;
};

TEST_F(RetentionUpkeepTest, PruneHidesWhatItDeletesAndNeverDeletesARetainedVersion) {
  auto repo = InitLocked();
  ASSERT_NE(repo, nullptr);
  repository::Id forgotten = Backup(*repo, 1);
  Backup(*repo, 2);
  Client client(ProxiedOptions());
  proxy_.ResetCounts();
  auto maintenance = repository::Maintenance::Begin(*repo);
  ASSERT_THAT(maintenance, IsOk());
  ASSERT_THAT((*maintenance)->RemoveSnapshot(forgotten), IsOk());
  auto stats = pruner::Prune(**maintenance, pruner::PruneOptions{}, {});
  ASSERT_THAT(stats, IsOk());  // a refused DELETE (403) would fail it
  maintenance->reset();
  EXPECT_EQ(stats->packs_unused, 2u);  // its data pack and its tree pack
  // The snapshot file, the packs and the old index files: hidden, retained for a day.
  EXPECT_GE(stats->hidden_retained_files, 4u);
  EXPECT_GT(stats->hidden_earliest_release_ns, client.ServerNowNs() + 23 * kNsPerHour);
  EXPECT_EQ(stats->retention_checked, 0u);  // everything is younger than E (1 day)
  // Version DELETEs only for lock files (never retained), none for a data or metadata file.
  for (const std::string& request : VersionDeletes()) {
    EXPECT_THAT(request, HasSubstr("/repo/locks/"));
  }
  // The forgotten snapshot's file: a delete marker on top, its version still there and retained.
  std::vector<ObjectVersion> versions = Versions(client, "repo/snapshots/" + forgotten.Hex());
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_TRUE(versions[0].delete_marker && versions[0].is_latest);
  auto held = client.GetObjectRetention(versions[1].key, versions[1].version_id);
  ASSERT_THAT(held, IsOk());
  ASSERT_TRUE(held->has_value());
  EXPECT_GT((*held)->retain_until_ns, client.ServerNowNs() + 23 * kNsPerHour);
}

// What a maintenance run two days from now does (the upkeep's clock moved on; RGW's stays):
// every object in use is older than E, so each one's retention is read, and extended to
// then + N + E, as GetObjectRetention shows; a second run at that instant extends nothing.
TEST_F(RetentionUpkeepTest, ExtendsTheRetentionOfObjectsOlderThanTheExtensionPeriod) {
  auto repo = InitLocked();
  ASSERT_NE(repo, nullptr);
  Backup(*repo, 3);
  Client client(ProxiedOptions());
  const Retention retention{Retention::Mode::kGovernance, 1};
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;
  const std::string packs = "repo/data/";
  auto any = [](const std::string&) { return true; };
  backend::Backend::RetentionUpkeep first;
  ASSERT_THAT(internal::ExtendRetentionUnder(client, packs, any, retention, &first, later), IsOk());
  EXPECT_EQ(first.checked, 2u);  // the data pack and the tree pack
  EXPECT_EQ(first.extended, 2u);
  std::vector<ObjectVersion> versions = Versions(client, packs);
  ASSERT_EQ(versions.size(), 2u);
  for (const ObjectVersion& v : versions) {
    auto held = client.GetObjectRetention(v.key);
    ASSERT_THAT(held, IsOk());
    ASSERT_TRUE(held->has_value());
    EXPECT_GE((*held)->retain_until_ns, later + 2 * kNsPerDay);  // N + E = 2 days
    EXPECT_EQ((*held)->mode, Retention::Mode::kGovernance);
  }
  backend::Backend::RetentionUpkeep second;
  ASSERT_THAT(internal::ExtendRetentionUnder(client, packs, any, retention, &second, later),
              IsOk());
  EXPECT_EQ(second.checked, 2u);
  EXPECT_EQ(second.extended, 0u);
}

// An attacker with the backup host's credentials PUTs garbage over a pack in use (a new version;
// versioning keeps the original). Maintenance extends every stored version of it, the original
// included: otherwise the good content's retention would end after N + E days while the file is
// still in use. The overwrite is counted; a pack stored twice with the same bytes (a retried
// PUT) is not.
TEST_F(RetentionUpkeepTest, ExtendsEveryVersionOfAnOverwrittenFileAndCountsIt) {
  auto repo = InitLocked();
  ASSERT_NE(repo, nullptr);
  Backup(*repo, 4);
  Client client(ProxiedOptions());
  const std::string packs = "repo/data/";
  std::vector<ObjectVersion> stored = Versions(client, packs);
  ASSERT_EQ(stored.size(), 2u);
  const ObjectVersion original = stored[0];
  ASSERT_THAT(client.PutObject(original.key, AsBytes(std::string_view("garbage")),
                               internal::Overwrite::kAllowed),
              IsOk());
  auto same = client.GetObject(stored[1].key, 0, 0);
  ASSERT_THAT(same, IsOk());
  ASSERT_THAT(client.PutObject(stored[1].key, same->data, internal::Overwrite::kAllowed), IsOk());
  const Retention retention{Retention::Mode::kGovernance, 1};
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;
  auto any = [](const std::string&) { return true; };
  backend::Backend::RetentionUpkeep upkeep;
  ASSERT_THAT(internal::ExtendRetentionUnder(client, packs, any, retention, &upkeep, later),
              IsOk());
  EXPECT_EQ(upkeep.overwritten, 1u);
  EXPECT_EQ(upkeep.checked, 4u);  // both versions of both packs
  EXPECT_EQ(upkeep.extended, 4u);
  auto held = client.GetObjectRetention(original.key, original.version_id);
  ASSERT_THAT(held, IsOk());
  ASSERT_TRUE(held->has_value());
  EXPECT_GE((*held)->retain_until_ns, later + 2 * kNsPerDay);  // the original: N + E from then
}

// A version whose retention ended (set a few seconds ahead, in governance) is deleted for good
// with the delete marker that hid it; one still retained stays, with no DELETE sent for it; an
// overwritten object's older version stays too, and so does every version of one overwritten and
// then removed.
TEST_F(RetentionUpkeepTest, PurgesVersionsWhoseRetentionEndedAndKeepsTheOthers) {
  auto storage = CreateBackend(ProxiedOptions());
  ASSERT_THAT(storage, IsOk());
  backend::Backend& backend = **storage;
  ASSERT_THAT(backend.SetRetention({Retention::Mode::kGovernance, 1}), IsOk());
  Client client(ProxiedOptions());
  const std::string brief = "repo/snapshots/" + std::string(64, 'a');
  const std::string kept = "repo/snapshots/" + std::string(64, 'b');
  internal::ObjectLock seconds{Retention::Mode::kGovernance,
                               (FloorSeconds(client.ServerNowNs()) + 2) * kNsPerSecond};
  ASSERT_THAT(client.PutObject(brief, AsBytes(std::string_view("brief")),
                               internal::Overwrite::kAllowed, &seconds),
              IsOk());
  ASSERT_THAT(backend.Save({backend::FileType::kSnapshot, std::string(64, 'b')},
                           AsBytes(std::string_view("kept"))),
              IsOk());
  // Overwritten, not removed: its older version is not ours to purge, expired or not.
  const std::string overwritten = "repo/snapshots/" + std::string(64, 'c');
  for (std::string_view content : {"first", "second"}) {
    ASSERT_THAT(client.PutObject(overwritten, AsBytes(content), internal::Overwrite::kAllowed,
                                 &seconds),
                IsOk());
  }
  // Written over with other content and then removed: the evidence of an attack stays whole.
  const std::string attacked = "repo/snapshots/" + std::string(64, 'd');
  for (std::string_view content : {"good", "garbage"}) {
    ASSERT_THAT(client.PutObject(attacked, AsBytes(content), internal::Overwrite::kAllowed,
                                 &seconds),
                IsOk());
  }
  ASSERT_THAT(backend.Remove({backend::FileType::kSnapshot, std::string(64, 'd')}), IsOk());
  ASSERT_THAT(backend.Remove({backend::FileType::kSnapshot, std::string(64, 'a')}), IsOk());
  ASSERT_THAT(backend.Remove({backend::FileType::kSnapshot, std::string(64, 'b')}), IsOk());
  // Until RGW's clock is past the short retention (and our margin).
  while (client.ServerNowNs() < seconds.retain_until_ns + 5 * kNsPerSecond / 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    (void)client.HeadBucket();
  }
  proxy_.ResetCounts();
  backend::Backend::HiddenVersions hidden;
  ASSERT_THAT(backend.PurgeExpiredVersions(&hidden), IsOk());
  EXPECT_EQ(hidden.purged_files, 1u);
  EXPECT_EQ(hidden.purged_bytes, 5u);
  EXPECT_EQ(hidden.retained_files, 1u);
  EXPECT_EQ(hidden.retained_bytes, 4u);
  EXPECT_TRUE(Versions(client, brief).empty());  // version and delete marker gone
  EXPECT_EQ(Versions(client, kept).size(), 2u);  // marker and retained version stay
  EXPECT_EQ(Versions(client, overwritten).size(), 2u);
  EXPECT_EQ(Versions(client, attacked).size(), 3u);  // both versions and the marker
  std::vector<std::string> deletes = VersionDeletes();
  // Besides the purge's two, the marker that told our canonical id (under locks/, hiding nothing).
  std::erase_if(deletes, [](const std::string& r) { return r.find("/repo/locks/") != r.npos; });
  EXPECT_EQ(deletes.size(), 2u);
  for (const std::string& request : deletes) EXPECT_THAT(request, HasSubstr(brief));
}

// A delete marker someone else placed (another user, as an attacker holding other credentials
// would): its key is not purged once the retention ends, but counted; the upkeep keeps every
// version of it retained as if it were in use. Our own markers are still purged.
TEST_F(RetentionUpkeepTest, AFileSomeoneElseHidIsNeverPurgedAndIsReported) {
  auto storage = CreateBackend(ProxiedOptions());
  ASSERT_THAT(storage, IsOk());
  backend::Backend& backend = **storage;
  ASSERT_THAT(backend.SetRetention({Retention::Mode::kGovernance, 1}), IsOk());
  Client client(ProxiedOptions());
  internal::ObjectLock seconds{Retention::Mode::kGovernance,
                               (FloorSeconds(client.ServerNowNs()) + 2) * kNsPerSecond};
  const std::string ours = "repo/snapshots/" + std::string(64, 'a');
  const std::string theirs = "repo/snapshots/" + std::string(64, 'e');
  for (const std::string& key : {ours, theirs}) {
    ASSERT_THAT(client.PutObject(key, AsBytes(std::string_view("snapshot")),
                                 internal::Overwrite::kAllowed, &seconds),
                IsOk());
  }
  ASSERT_THAT(backend.Remove({backend::FileType::kSnapshot, std::string(64, 'a')}), IsOk());
  stormproof::testing::RgwUser other = stormproof::testing::CreateRgwUser("upkeep-other-hider");
  const std::string b = "arn:aws:s3:::" + bucket_;
  auto policy = stormproof::testing::PutRgwBucketPolicy(
      bucket_, R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": )"
               R"({"AWS": [")" + other.arn + R"("]}, "Action": "s3:*", "Resource": [")" + b +
                   R"(", ")" + b + R"(/*"]}]})");
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  Options as_other = ProxiedOptions();
  as_other.credentials.access_key_id = other.access_key;
  as_other.credentials.secret_access_key = SecretString(std::string(other.secret_key));
  Client attacker(std::move(as_other));
  ASSERT_THAT(attacker.DeleteObject(theirs), IsOk());  // a delete marker of the other user
  while (client.ServerNowNs() < seconds.retain_until_ns + 5 * kNsPerSecond / 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    (void)client.HeadBucket();
  }
  backend::Backend::HiddenVersions hidden;
  ASSERT_THAT(backend.PurgeExpiredVersions(&hidden), IsOk());
  EXPECT_EQ(hidden.foreign_markers, 1u);
  EXPECT_EQ(hidden.purged_files, 1u);            // ours
  EXPECT_TRUE(Versions(client, ours).empty());
  EXPECT_EQ(Versions(client, theirs).size(), 2u);  // the marker and the version, both kept
  // The upkeep keeps the hidden version retained (its retention has ended: it is extended), as a
  // run days from now does.
  backend::Backend::RetentionUpkeep upkeep;
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;
  auto any = [](const std::string&) { return true; };
  ASSERT_THAT(internal::ExtendRetentionUnder(
                  client, "repo/snapshots/", any, {Retention::Mode::kGovernance, 1}, &upkeep,
                  later, [&] { return internal::OwnCanonicalId(client, "repo/"); }),
              IsOk());
  EXPECT_EQ(upkeep.extended, 1u);
  std::vector<ObjectVersion> versions = Versions(client, theirs);
  ASSERT_EQ(versions.size(), 2u);
  auto held = client.GetObjectRetention(versions[1].key, versions[1].version_id);
  ASSERT_THAT(held, IsOk());
  ASSERT_TRUE(held->has_value());
  EXPECT_GT((*held)->retain_until_ns, later + kNsPerDay);
}

}  // namespace
}  // namespace stormproof::s3
