// Retention and prune agree, against a real Ceph RGW (tests/engine/s3/rgw.h): on a bucket with
// Object Lock, prune hides what it deletes behind delete markers and never sends a version DELETE
// for a version still retained; maintenance extends the retention of old objects in use (visible
// through GetObjectRetention); the versions whose retention ended are deleted for good, with the
// delete markers that hid them. Requests are counted through the fault proxy (no fault injected).
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "engine/cache/cache.h"
#include "engine/pruner/pruner.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"
#include "engine/s3/as_of.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/internal/marker_record.h"
#include "engine/s3/internal/retention_record.h"
#include "engine/s3/internal/retention_upkeep.h"
#include "engine/s3/s3.h"
#include "tests/engine/s3/fault_proxy.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"
#include "tests/support/rgw_s3_options.h"

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
// The retention every repository and backend here keeps (N = 1 day, so E = 1 day too).
const Retention kOneDay{Retention::Mode::kGovernance, 1};

class RetentionUpkeepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)kFastKdf;
    bucket_ = UniqueBucketName(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // Through the counting proxy, on a bucket created with Object Lock, signed as `user` (default:
  // the bucket's owner).
  Options ProxiedOptions(const stormproof::testing::RgwUser* user = nullptr) {
    Options options = stormproof::testing::RgwS3Options(
        "s3:" + proxy_.endpoint() + "/" + bucket_ + "/repo", user);
    options.retry.max_total = std::chrono::seconds(20);
    options.create_with_object_lock = true;
    return options;
  }
  // With a record place for the markers (the repository adds its id), as the cache gives.
  std::unique_ptr<Repository> InitLocked() {
    auto storage = CreateBackend(ProxiedOptions());
    EXPECT_THAT(storage, IsOk());
    if (!storage) return nullptr;
    (*storage)->SetRecordPlace({RecordPlace().folder, ""});
    auto repo = Repository::Init(std::move(storage).value(), kPassword, {.retention = kOneDay});
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

  void TearDown() override { std::filesystem::remove_all(MarkersFolder()); }

  // A backend on a new bucket with Object Lock, keeping what it saves for a day, with `place`
  // for the record of its delete markers (none when empty).
  std::unique_ptr<backend::Backend> RetainingBackend(
      const backend::Backend::RecordPlace& place = {}) {
    auto storage = CreateBackend(ProxiedOptions());
    EXPECT_THAT(storage, IsOk());
    if (!storage) return nullptr;
    EXPECT_THAT((*storage)->SetRetention(kOneDay), IsOk());
    (*storage)->SetRecordPlace(place);
    return std::move(storage).value();
  }

  // A record place for a backend made here (Backend::SetRecordPlace): a folder of this test's
  // own (removed first) and a made-up repository id.
  backend::Backend::RecordPlace RecordPlace() {
    std::filesystem::remove_all(MarkersFolder());
    return {MarkersFolder(), std::string(64, 'd')};
  }
  std::string MarkersFolder() const {
    return (std::filesystem::temp_directory_path() / ("stormproof-markers-" + bucket_)).string();
  }
  // The record of our delete markers at `place`, as the backend keeps it (read under its lock,
  // released once read: the backend takes it again when it changes the record).
  internal::MarkerRecord Markers(const backend::Backend::RecordPlace& place) {
    internal::RecordFileLock lock(MarkersPath(place));
    return internal::MarkerRecord(
        MarkersPath(place), {place.repository_id, ProxiedOptions().location.ToString(), "repo/"},
        lock);
  }
  static std::string MarkersPath(const backend::Backend::RecordPlace& place) {
    return place.folder + "/" + internal::MarkerRecordName(place.repository_id);
  }
  // Waits until RGW's clock is past `until` (and our margin).
  static void WaitPast(const Client& client, int64_t until) {
    while (client.ServerNowNs() < until + 5 * kNsPerSecond / 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      (void)client.HeadBucket();
    }
  }

  // The upkeep of every object under `prefix` (internal::ExtendRetentionUnder) under kOneDay, as
  // run at `at` by the upkeep's clock, with `markers` and a record named `record_name` when
  // given; adds to `upkeep`.
  static Status Upkeep(Client& client, const std::string& prefix, int64_t at,
                       backend::Backend::RetentionUpkeep* upkeep,
                       internal::MarkerRecord* markers = nullptr,
                       const std::string& record_name = "") {
    return internal::ExtendRetentionUnder(
        client, prefix, [](const std::string&) { return true; }, kOneDay, upkeep, at, markers,
        record_name);
  }
  // The retain-until date of `key`'s version `version_id` ("" = the latest); -1 when it has no
  // retention. A failed request fails the current test.
  static int64_t RetainedUntilNs(const Client& client, const std::string& key,
                                 const std::string& version_id = "") {
    auto held = client.GetObjectRetention(key, version_id);
    EXPECT_THAT(held, IsOk()) << key;
    return held && held->has_value() ? (*held)->retain_until_ns : -1;
  }
  // A governance lock for an object put here, until `seconds` after RGW's now (whole seconds).
  static internal::ObjectLock LockFor(const Client& client, int64_t seconds) {
    return {Retention::Mode::kGovernance,
            (FloorSeconds(client.ServerNowNs()) + seconds) * kNsPerSecond};
  }
  // An empty folder of this test's own, `name` and the bucket's name (removed by the test).
  std::string EmptyFolder(const std::string& name) const {
    const std::string folder =
        (std::filesystem::temp_directory_path() / (name + "-" + bucket_)).string();
    std::filesystem::remove_all(folder);
    std::filesystem::create_directories(folder);
    return folder;
  }
  // What the purge of `backend` (Backend::PurgeExpiredVersions) counted; a failure fails the
  // current test.
  static backend::Backend::HiddenVersions Purge(backend::Backend& backend) {
    backend::Backend::HiddenVersions hidden;
    EXPECT_THAT(backend.PurgeExpiredVersions(&hidden), IsOk());
    return hidden;
  }
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
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
  EXPECT_GT(RetainedUntilNs(client, versions[1].key, versions[1].version_id),
            client.ServerNowNs() + 23 * kNsPerHour);
}

// What a maintenance run two days from now does (the upkeep's clock moved on; RGW's stays):
// every object in use is older than E, so each one's retention is read, and extended to
// then + N + E, as GetObjectRetention shows; a second run at that instant extends nothing.
TEST_F(RetentionUpkeepTest, ExtendsTheRetentionOfObjectsOlderThanTheExtensionPeriod) {
  auto repo = InitLocked();
  ASSERT_NE(repo, nullptr);
  Backup(*repo, 3);
  Client client(ProxiedOptions());
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;
  const std::string packs = "repo/data/";
  backend::Backend::RetentionUpkeep first;
  ASSERT_THAT(Upkeep(client, packs, later, &first), IsOk());
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
  ASSERT_THAT(Upkeep(client, packs, later, &second), IsOk());
  EXPECT_EQ(second.checked, 2u);
  EXPECT_EQ(second.extended, 0u);
}

// An attacker with the backup host's credentials PUTs garbage over a pack in use (a new version;
// versioning keeps the original). Maintenance extends every stored version of it, the original
// included: otherwise the good content's retention would end after N + E days while the file is
// still in use. The overwrite is counted; a pack stored twice with the same bytes (a retried
// PUT) is not.
// The original of an overwritten file keeps its retention and is extended; a version stored
// without any retention (the garbage, and a same-content copy put without a lock) is not one
// stormproof wrote: it is counted, never locked (that would keep an attacker's bytes for good).
TEST_F(RetentionUpkeepTest, ExtendsTheRetainedVersionsOfAnOverwrittenFileAndLocksNoOther) {
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
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;
  backend::Backend::RetentionUpkeep upkeep;
  ASSERT_THAT(Upkeep(client, packs, later, &upkeep), IsOk());
  EXPECT_EQ(upkeep.overwritten, 1u);
  EXPECT_EQ(upkeep.checked, 4u);  // both versions of both packs
  EXPECT_EQ(upkeep.extended, 2u);    // the two originals
  EXPECT_EQ(upkeep.unretained, 2u);  // the two put without a lock
  EXPECT_EQ(upkeep.first_unretained, std::min(original.key, stored[1].key));
  // The original: N + E from then.
  EXPECT_GE(RetainedUntilNs(client, original.key, original.version_id), later + 2 * kNsPerDay);
  std::string garbage;
  for (const ObjectVersion& v : Versions(client, original.key)) {
    if (v.is_latest) garbage = v.version_id;
  }
  EXPECT_EQ(RetainedUntilNs(client, original.key, garbage), -1) << "the garbage was locked";
}

// A PUT of `body` at `key` signed as `user`, without x-amz-acl: the object belongs to `user`, and
// the bucket owner may not even read its retention. Returns the HTTP status (0: no answer).
long PutAsWithoutOwnerAcl(const stormproof::testing::RgwUser& user, const std::string& path,
                          const std::string& body) {
  CURL* curl = curl_easy_init();
  const std::string url = Rgw().endpoint + path, sigv4 = "aws:amz:" + Rgw().region + ":s3";
  const std::string login = user.access_key + ":" + user.secret_key;
  curl_slist* headers = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, login.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION,
                   +[](char*, size_t size, size_t n, void*) { return size * n; });
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return status;
}

// Another user overwrites one pack without bucket-owner-full-control: the owner is refused that
// version's retention (403). Every other version is still extended, and the upkeep then fails in
// one line naming how many and the first.
TEST_F(RetentionUpkeepTest, OneVersionTheOwnerCannotTouchLeavesNoOtherToExpire) {
  auto repo = InitLocked();
  ASSERT_NE(repo, nullptr);
  Backup(*repo, 5);
  Backup(*repo, 6);
  Client client(ProxiedOptions());
  std::vector<ObjectVersion> packs = Versions(client, "repo/data/");
  ASSERT_EQ(packs.size(), 4u);
  stormproof::testing::RgwUser other = stormproof::testing::CreateRgwUser("upkeep-no-owner-acl");
  auto policy = stormproof::testing::PutRgwBucketPolicy(
      bucket_, stormproof::testing::FullAccessPolicy(bucket_, other.arn));
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  ASSERT_EQ(PutAsWithoutOwnerAcl(other, "/" + bucket_ + "/" + packs[0].key, "garbage"), 200);
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;
  backend::Backend::RetentionUpkeep upkeep;
  Status done = Upkeep(client, "repo/data/", later, &upkeep);
  EXPECT_THAT(done, ErrorIs(ErrorCode::kPermissionDenied,
                            HasSubstr("1 of 5 object versions under ")));
  EXPECT_THAT(done.error().message(), HasSubstr("(the others were); the first: "));
  EXPECT_THAT(done.error().message(), HasSubstr(packs[0].key));
  EXPECT_EQ(upkeep.refused, 1u);
  EXPECT_EQ(upkeep.extended, 4u);
  for (const ObjectVersion& v : packs) {
    EXPECT_GE(RetainedUntilNs(client, v.key, v.version_id), later + kNsPerDay) << v.key;
  }
}

// A version whose retention ended (set a few seconds ahead, in governance) is deleted for good
// with the delete marker that hid it; one still retained stays, with no DELETE sent for it; an
// overwritten object's older version stays too, and so does every version of one overwritten and
// then removed.
TEST_F(RetentionUpkeepTest, PurgesVersionsWhoseRetentionEndedAndKeepsTheOthers) {
  std::unique_ptr<backend::Backend> storage = RetainingBackend(RecordPlace());
  ASSERT_NE(storage, nullptr);
  backend::Backend& backend = *storage;
  Client client(ProxiedOptions());
  const std::string brief = "repo/snapshots/" + std::string(64, 'a');
  const std::string kept = "repo/snapshots/" + std::string(64, 'b');
  const internal::ObjectLock seconds = LockFor(client, 2);
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
  WaitPast(client, seconds.retain_until_ns);
  proxy_.ResetCounts();
  const backend::Backend::HiddenVersions hidden = Purge(backend);
  EXPECT_EQ(hidden.purged_files, 1u);
  EXPECT_EQ(hidden.purged_bytes, 5u);
  EXPECT_EQ(hidden.retained_files, 1u);
  EXPECT_EQ(hidden.retained_bytes, 4u);
  EXPECT_TRUE(Versions(client, brief).empty());  // version and delete marker gone
  EXPECT_EQ(Versions(client, kept).size(), 2u);  // marker and retained version stay
  EXPECT_EQ(Versions(client, overwritten).size(), 2u);
  EXPECT_EQ(Versions(client, attacked).size(), 3u);  // both versions and the marker
  std::vector<std::string> deletes = VersionDeletes();
  EXPECT_EQ(deletes.size(), 2u);  // the version and the marker
  for (const std::string& request : deletes) EXPECT_THAT(request, HasSubstr(brief));
}

// Delete markers someone else placed: another user, and a second key of our own user, which
// the server names with our owner id (as every IAM key of one AWS account shares the account's
// canonical id). Neither is in the record of our markers, so neither key is purged once the
// retention ends: both are counted, and the upkeep keeps every version of them retained as if in
// use. Our own marker (Remove, recorded) is still purged.
TEST_F(RetentionUpkeepTest, AFileHiddenWithAnyOtherCredentialsIsNeverPurgedAndIsReported) {
  const backend::Backend::RecordPlace place = RecordPlace();
  std::unique_ptr<backend::Backend> storage = RetainingBackend(place);
  ASSERT_NE(storage, nullptr);
  backend::Backend& backend = *storage;
  Client client(ProxiedOptions());
  const internal::ObjectLock seconds = LockFor(client, 2);
  const std::string ours = "repo/snapshots/" + std::string(64, 'a');
  const std::string theirs = "repo/snapshots/" + std::string(64, 'e');
  const std::string same_owner = "repo/snapshots/" + std::string(64, 'f');
  for (const std::string& key : {ours, theirs, same_owner}) {
    ASSERT_THAT(client.PutObject(key, AsBytes(std::string_view("snapshot")),
                                 internal::Overwrite::kAllowed, &seconds),
                IsOk());
  }
  ASSERT_THAT(backend.Remove({backend::FileType::kSnapshot, std::string(64, 'a')}), IsOk());
  stormproof::testing::RgwUser other = stormproof::testing::CreateRgwUser("upkeep-other-hider");
  auto policy = stormproof::testing::PutRgwBucketPolicy(
      bucket_, stormproof::testing::FullAccessPolicy(bucket_, other.arn));
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  Client attacker(ProxiedOptions(&other));
  ASSERT_THAT(attacker.DeleteObject(theirs), IsOk());  // a delete marker of the other user
  const stormproof::testing::RgwUser owner_key = stormproof::testing::AddRgwOwnerKey();
  Client second_key(ProxiedOptions(&owner_key));
  ASSERT_THAT(second_key.DeleteObject(same_owner), IsOk());
  std::vector<ObjectVersion> hidden_by_key = Versions(client, same_owner);
  std::vector<ObjectVersion> hidden_by_us = Versions(client, ours);
  ASSERT_FALSE(hidden_by_key.empty());
  ASSERT_FALSE(hidden_by_us.empty());
  EXPECT_EQ(hidden_by_key[0].owner_id, hidden_by_us[0].owner_id);  // the server cannot tell
  WaitPast(client, seconds.retain_until_ns);
  const backend::Backend::HiddenVersions hidden = Purge(backend);
  EXPECT_EQ(hidden.foreign_markers, 2u);
  EXPECT_EQ(hidden.purged_files, 1u);  // ours
  EXPECT_TRUE(Versions(client, ours).empty());
  EXPECT_EQ(Versions(client, theirs).size(), 2u);  // the marker and the version, both kept
  EXPECT_EQ(Versions(client, same_owner).size(), 2u);
  // The upkeep keeps the hidden versions retained (their retention has ended: they are
  // extended), as a run days from now does.
  backend::Backend::RetentionUpkeep upkeep;
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;
  internal::MarkerRecord markers = Markers(place);
  ASSERT_THAT(Upkeep(client, "repo/snapshots/", later, &upkeep, &markers), IsOk());
  EXPECT_EQ(upkeep.hidden_by_others, 2u);
  EXPECT_EQ(upkeep.extended, 2u);
  for (const std::string& key : {theirs, same_owner}) {
    std::vector<ObjectVersion> versions = Versions(client, key);
    ASSERT_EQ(versions.size(), 2u);
    EXPECT_GT(RetainedUntilNs(client, versions[1].key, versions[1].version_id), later + kNsPerDay)
        << key;
  }
}

// Under Object Lock, a removal without a record place (no cache folder: --no-cache) is refused
// before any request, in one line: its marker could never count as ours. A lock is removed.
TEST_F(RetentionUpkeepTest, ARemovalUnderRetentionWithoutARecordPlaceIsRefused) {
  std::unique_ptr<backend::Backend> storage = RetainingBackend();
  ASSERT_NE(storage, nullptr);
  backend::Backend& backend = *storage;
  const backend::Handle snapshot{backend::FileType::kSnapshot, std::string(64, 'a')};
  ASSERT_THAT(backend.Save(snapshot, AsBytes(std::string_view("snapshot"))), IsOk());
  const backend::Handle lock{backend::FileType::kLock, std::string(64, 'b')};
  ASSERT_THAT(backend.Save(lock, AsBytes(std::string_view("lock"))), IsOk());
  proxy_.ResetCounts();
  EXPECT_THAT(backend.Remove(snapshot),
              ErrorIs(ErrorCode::kInvalidArgument,
                      HasSubstr("not removed: under Object Lock a removal needs this machine's "
                                "record of stormproof's delete markers")));
  EXPECT_EQ(proxy_.counts().total(), 0);
  EXPECT_THAT(backend.Remove(lock), IsOk());
  EXPECT_THAT(backend.Size(snapshot), IsOk());  // still there
  EXPECT_THAT(backend.Size(lock), ErrorIs(ErrorCode::kNotFound));
}

// A file `repair --as-of` hid (a snapshot written after its TIME) is recorded as the
// roll-back's: once its retention ends, prune's purge leaves it (not counted as someone else's),
// and the upkeep keeps it retained, so a later roll-back can bring it back, until released.
TEST_F(RetentionUpkeepTest, AFileRepairHidIsNeverPurgedAndStaysRetained) {
  const backend::Backend::RecordPlace place = RecordPlace();
  std::unique_ptr<backend::Backend> storage = RetainingBackend(place);
  ASSERT_NE(storage, nullptr);
  backend::Backend& backend = *storage;
  Client client(ProxiedOptions());
  (void)client.HeadBucket();
  const int64_t as_of = client.ServerNowNs() - kNsPerSecond;  // before the snapshot
  std::this_thread::sleep_for(std::chrono::seconds(1));       // Last-Modified has seconds
  const internal::ObjectLock seconds = LockFor(client, 3);
  const std::string later_snapshot = "repo/snapshots/" + std::string(64, 'c');
  ASSERT_THAT(client.PutObject(later_snapshot, AsBytes(std::string_view("written after")),
                               internal::Overwrite::kAllowed, &seconds),
              IsOk());
  RollBack rollback(ProxiedOptions());
  rollback.RecordHidingIn(place);
  auto plan = rollback.Plan(as_of);
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->hides(), 1);
  auto outcome = rollback.Apply(*plan, std::nullopt);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->hidden, 1);
  EXPECT_EQ(outcome->hidden_recorded, 1);
  EXPECT_EQ(outcome->record_error, "");
  WaitPast(client, seconds.retain_until_ns);
  const backend::Backend::HiddenVersions hidden = Purge(backend);
  EXPECT_EQ(hidden.purged_files, 0u);
  EXPECT_EQ(hidden.foreign_markers, 0u);
  EXPECT_EQ(Versions(client, later_snapshot).size(), 2u);  // the marker and the version
  backend::Backend::RetentionUpkeep upkeep;
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;
  internal::MarkerRecord markers = Markers(place);
  ASSERT_THAT(Upkeep(client, "repo/snapshots/", later, &upkeep, &markers), IsOk());
  EXPECT_EQ(upkeep.hidden_by_repair, 1u);
  EXPECT_EQ(upkeep.hidden_by_others, 0u);  // prune does not refuse because of it
  EXPECT_EQ(upkeep.extended, 1u);
  // Released (prune --release-repair-hidden): from then on a removal of ours, which the purge
  // counts (still retained: the upkeep above extended it) instead of leaving alone.
  backend::Backend::RetentionUpkeep release;
  release.release_repair_hidden = true;
  ASSERT_THAT(backend.ExtendRetention(backend::FileType::kSnapshot, &release), IsOk());
  ASSERT_EQ(release.released.size(), 1u);
  EXPECT_EQ(release.released[0].name, "snapshots/" + std::string(64, 'c'));
  EXPECT_EQ(release.hidden_by_repair, 0u);
  const backend::Backend::HiddenVersions after = Purge(backend);
  EXPECT_EQ(after.retained_files, 1u);
  EXPECT_EQ(after.foreign_markers, 0u);
}

// After `repair --as-of` the attacker's versions stay beside the good content as evidence,
// without retention: the garbage over a pack (noncurrent now that the pack is restored) and a
// garbage snapshot the roll-back hid. Neither matters now: counted as unretained_restored, not
// as unretained (a sign of attack, which would fail the daily upkeep for good), and never
// locked. The garbage is counted as unretained while it is current.
TEST_F(RetentionUpkeepTest, TheAttackersVersionsLeftAfterARollBackAreNoSignOfAttack) {
  const backend::Backend::RecordPlace place = RecordPlace();
  std::unique_ptr<backend::Backend> storage = RetainingBackend(place);  // creates the bucket
  ASSERT_NE(storage, nullptr);
  Client client(ProxiedOptions());
  (void)client.HeadBucket();
  const internal::ObjectLock hour = LockFor(client, 3600);
  const std::string pack = "repo/data/aa/" + std::string(64, 'a');
  ASSERT_THAT(client.PutObject(pack, AsBytes(std::string_view("the good pack")),
                               internal::Overwrite::kAllowed, &hour),
              IsOk());
  (void)client.HeadBucket();
  const int64_t as_of = (FloorSeconds(client.ServerNowNs()) + 1) * kNsPerSecond;
  WaitPast(client, as_of);  // the attacker's writes stamped after as_of
  ASSERT_THAT(client.PutObject(pack, AsBytes(std::string_view("garbage")),
                               internal::Overwrite::kAllowed),
              IsOk());
  const std::string garbage_snapshot = "repo/snapshots/" + std::string(64, 'e');
  ASSERT_THAT(client.PutObject(garbage_snapshot, AsBytes(std::string_view("garbage")),
                               internal::Overwrite::kAllowed),
              IsOk());
  internal::MarkerRecord markers = Markers(place);
  backend::Backend::RetentionUpkeep attacked;
  ASSERT_THAT(Upkeep(client, "repo/", client.ServerNowNs() + 2 * kNsPerDay, &attacked, &markers),
              IsOk());
  EXPECT_EQ(attacked.overwritten, 1u);
  EXPECT_EQ(attacked.unretained, 2u);  // the garbage over the pack, the garbage snapshot
  EXPECT_EQ(attacked.unretained_restored, 0u);

  RollBack rollback(ProxiedOptions());
  rollback.RecordHidingIn(place);
  auto plan = rollback.Plan(as_of);
  ASSERT_THAT(plan, IsOk());
  auto outcome = rollback.Apply(*plan, kOneDay);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->restored, 1);
  EXPECT_EQ(outcome->hidden, 1);
  EXPECT_EQ(outcome->hidden_recorded, 1);

  backend::Backend::RetentionUpkeep upkeep;
  internal::MarkerRecord recorded = Markers(place);
  ASSERT_THAT(Upkeep(client, "repo/", client.ServerNowNs() + 2 * kNsPerDay, &upkeep, &recorded),
              IsOk());
  EXPECT_EQ(upkeep.overwritten, 0u);
  EXPECT_EQ(upkeep.hidden_by_repair, 1u);
  EXPECT_EQ(upkeep.hidden_by_others, 0u);
  EXPECT_EQ(upkeep.unretained, 0u) << upkeep.first_unretained;
  EXPECT_EQ(upkeep.unretained_restored, 2u);
  for (const ObjectVersion& v : Versions(client, "repo/")) {
    if (v.delete_marker || v.size != std::string_view("garbage").size()) continue;
    EXPECT_EQ(RetainedUntilNs(client, v.key, v.version_id), -1)
        << v.key << ": the attacker's version was locked";
  }
}

// After a lost record every marker of ours is unrecorded: counted as someone else's. Adopting
// names each such file and records its marker as ours (a dry run only names them); the next
// upkeep counts none, and the purge then deletes the file once its retention ended.
TEST_F(RetentionUpkeepTest, AdoptingHiddenFilesRecordsTheirMarkersAsOurs) {
  const backend::Backend::RecordPlace place = RecordPlace();
  std::unique_ptr<backend::Backend> storage = RetainingBackend(place);
  ASSERT_NE(storage, nullptr);
  backend::Backend& backend = *storage;
  Client client(ProxiedOptions());
  const internal::ObjectLock seconds = LockFor(client, 2);
  const std::string name = std::string(64, 'a');
  ASSERT_THAT(client.PutObject("repo/snapshots/" + name, AsBytes(std::string_view("snapshot")),
                               internal::Overwrite::kAllowed, &seconds),
              IsOk());
  ASSERT_THAT(backend.Remove({backend::FileType::kSnapshot, name}), IsOk());
  std::filesystem::remove_all(place.folder);  // the record is lost
  bool accept = false;  // what may_adopt answers
  std::vector<std::string> asked;
  auto upkeep = [&](bool adopt, bool dry_run) {
    backend::Backend::RetentionUpkeep stats;
    stats.adopt_hidden = adopt;
    stats.may_adopt = [&](const std::string& file, int64_t hidden_ns) {
      asked.push_back(file);
      EXPECT_GT(hidden_ns, 0);
      return accept;
    };
    stats.dry_run = dry_run;
    EXPECT_THAT(backend.ExtendRetention(backend::FileType::kSnapshot, &stats), IsOk());
    return stats;
  };
  backend::Backend::RetentionUpkeep lost = upkeep(false, false);
  EXPECT_EQ(lost.hidden_by_others, 1u);
  EXPECT_THAT(lost.record_note, HasSubstr("no record of stormproof's delete markers"));
  EXPECT_TRUE(asked.empty()) << "asked without adopt_hidden";
  // Only what may_adopt accepts is adopted (prune: a cutoff, never what the index needs); the
  // others are named and stay someone else's.
  backend::Backend::RetentionUpkeep refused = upkeep(true, false);
  EXPECT_EQ(asked, std::vector<std::string>{"snapshots/" + name});  // relative to the repository
  EXPECT_TRUE(refused.adopted.empty());
  ASSERT_EQ(refused.not_adopted.size(), 1u);
  EXPECT_EQ(refused.not_adopted[0].name, "snapshots/" + name);
  EXPECT_EQ(refused.hidden_by_others, 1u);
  accept = true;
  backend::Backend::RetentionUpkeep named = upkeep(true, true);
  ASSERT_EQ(named.adopted.size(), 1u);
  EXPECT_EQ(named.adopted[0].name, "snapshots/" + name);
  EXPECT_EQ(upkeep(false, false).hidden_by_others, 1u);  // the dry run recorded nothing
  backend::Backend::RetentionUpkeep adopted = upkeep(true, false);
  ASSERT_EQ(adopted.adopted.size(), 1u);
  EXPECT_EQ(adopted.hidden_by_others, 0u);
  EXPECT_EQ(upkeep(false, false).hidden_by_others, 0u);
  WaitPast(client, seconds.retain_until_ns);
  const backend::Backend::HiddenVersions hidden = Purge(backend);
  EXPECT_EQ(hidden.purged_files, 1u);
  EXPECT_EQ(hidden.foreign_markers, 0u);
}

// A record of our markers that is there but cannot be read (damaged, another repository's, a
// newer format) is never written over: a removal refuses before it places its marker, and a
// purge leaves the file as it was, so that none of its entries (repair's hides) is lost.
TEST_F(RetentionUpkeepTest, ARecordThatCannotBeReadStopsRemovalsAndIsKept) {
  const backend::Backend::RecordPlace place = RecordPlace();
  std::unique_ptr<backend::Backend> storage = RetainingBackend(place);
  ASSERT_NE(storage, nullptr);
  backend::Backend& backend = *storage;
  Client client(ProxiedOptions());
  const std::string first(64, 'a'), second(64, 'b');
  for (const std::string& name : {first, second}) {
    ASSERT_THAT(backend.Save({backend::FileType::kSnapshot, name},
                             AsBytes(std::string_view("snapshot"))),
                IsOk());
  }
  ASSERT_THAT(backend.Remove({backend::FileType::kSnapshot, first}), IsOk());
  std::string bytes = ReadFile(MarkersPath(place));
  ASSERT_FALSE(bytes.empty());
  bytes[bytes.size() - 40] ^= 1;
  std::ofstream(MarkersPath(place), std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_THAT(backend.Remove({backend::FileType::kSnapshot, second}),
              ErrorIs(ErrorCode::kFailedCheck, HasSubstr("not written over")));
  EXPECT_THAT(backend.ModifiedNs({backend::FileType::kSnapshot, second}), IsOk())
      << "the marker was placed though it could not be recorded";
  const backend::Backend::HiddenVersions hidden = Purge(backend);
  EXPECT_EQ(hidden.foreign_markers, 1u);
  EXPECT_EQ(ReadFile(MarkersPath(place)), bytes) << "the purge wrote over the record";
}

// ---- The record of earlier upkeep (internal/retention_record.h) ----

class RetentionRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              ("stormproof-record-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);  // the cache folder, which holds retention/
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }
  std::string Path() const { return (folder_ / "retention" / "pack").string(); }
  // A record of `binding` noting one version, saved.
  void SaveOne(const internal::RecordBinding& binding) {
    internal::RetentionRecord record(Path(), binding);
    record.Note("repo/data/ab/ab01", "v1", 1234);
    ASSERT_THAT(record.Save(), IsOk());
  }

  const internal::RecordBinding binding_{std::string(64, 'a'), "s3:http://h/b/repo",
                                         "repo/data/"};
  std::filesystem::path folder_;
};

TEST_F(RetentionRecordTest, RecordsADateByKeyAndVersionAndForgetsWhatWasNotNotedAgain) {
  internal::RetentionRecord first(Path(), binding_);
  EXPECT_THAT(first.note(), HasSubstr("no record of earlier upkeep at " + Path()));
  first.Note("repo/data/ab/ab01", "v1", 1234);
  first.Note("repo/data/ab/ab02", "v1", 5678);
  ASSERT_THAT(first.Save(), IsOk());
  EXPECT_EQ(std::filesystem::status(folder_ / "retention").permissions(),
            std::filesystem::perms::owner_all);
  internal::RetentionRecord second(Path(), binding_);
  EXPECT_EQ(second.note(), "");
  EXPECT_EQ(second.RecordedUntilNs("repo/data/ab/ab01", "v1"), 1234);
  EXPECT_EQ(second.RecordedUntilNs("repo/data/ab/ab01", "v2"), 0);  // another version: unknown
  EXPECT_EQ(second.RecordedUntilNs("repo/data/ab/ab03", "v1"), 0);
  second.Note("repo/data/ab/ab02", "v1", 9999);
  ASSERT_THAT(second.Save(), IsOk());
  internal::RetentionRecord third(Path(), binding_);
  EXPECT_EQ(third.RecordedUntilNs("repo/data/ab/ab01", "v1"), 0);  // no longer there
  EXPECT_EQ(third.RecordedUntilNs("repo/data/ab/ab02", "v1"), 9999);
  EXPECT_EQ(third.loaded(), 1u);
}

// Another repository, location or prefix; a flipped byte; a truncated file; something else
// there: each counts as empty, with a line saying why, and never fails.
TEST_F(RetentionRecordTest, ADamagedOrForeignRecordCountsAsEmptyAndSaysWhy) {
  for (const internal::RecordBinding& other :
       {internal::RecordBinding{std::string(64, 'b'), binding_.location, binding_.prefix},
        internal::RecordBinding{binding_.repository_id, "s3:http://h/other/repo",
                                binding_.prefix},
        internal::RecordBinding{binding_.repository_id, binding_.location, "repo/index/"}}) {
    ASSERT_NO_FATAL_FAILURE(SaveOne(other));
    internal::RetentionRecord record(Path(), binding_);
    EXPECT_EQ(record.loaded(), 0u);
    EXPECT_THAT(record.note(), HasSubstr("belongs to another repository, location or prefix"));
  }
  auto damage = [&](const std::function<void(std::string*)>& how) {
    ASSERT_NO_FATAL_FAILURE(SaveOne(binding_));
    std::ifstream in(Path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    how(&bytes);
    std::ofstream(Path(), std::ios::binary | std::ios::trunc) << bytes;
  };
  for (const auto& how : std::vector<std::function<void(std::string*)>>{
           [](std::string* b) { (*b)[b->size() - 40] ^= 1; },  // a date
           [](std::string* b) { b->resize(b->size() - 1); },
           [](std::string* b) { *b = "{\"not\": \"a record\"}"; }}) {
    ASSERT_NO_FATAL_FAILURE(damage(how));
    internal::RetentionRecord record(Path(), binding_);
    EXPECT_EQ(record.RecordedUntilNs("repo/data/ab/ab01", "v1"), 0);
    EXPECT_THAT(record.note(), HasSubstr("record of earlier upkeep " + Path() + " is damaged"));
  }
  std::filesystem::remove(Path());
  std::filesystem::create_directory(Path());  // not a file at all
  internal::RetentionRecord unreadable(Path(), binding_);
  EXPECT_EQ(unreadable.loaded(), 0u);
  EXPECT_THAT(unreadable.note(), HasSubstr(Path()));
  EXPECT_THAT(unreadable.note(), HasSubstr("every retention is read"));
  EXPECT_FALSE(unreadable.Save().has_value());  // an error to note, never a crash
}

// A second upkeep with the record reads no retention at all: each object is read (and
// extended) again only once its recorded date comes within N days of the run, about once every
// E days. The figures (requests of the second run, with and without the record) go to the log.
TEST_F(RetentionUpkeepTest, ARecordOfEarlierUpkeepSparesTheSecondRunsReads) {
  constexpr int kObjects = 240;
  Client client(ProxiedOptions());
  ASSERT_THAT(client.CreateBucket(internal::BucketObjectLock::kEnabled), IsOk());
  const internal::ObjectLock lock = LockFor(client, 2 * 86400);
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = w; i < kObjects; i += 4) {
        std::string name = std::to_string(10000 + i);
        EXPECT_THAT(client.PutObject("repo/data/" + name, AsBytes(name),
                                     internal::Overwrite::kAllowed, &lock),
                    IsOk());
      }
    });
  }
  for (std::thread& t : writers) t.join();
  const std::string folder = EmptyFolder("stormproof-upkeep-record");
  auto run = [&](int64_t at, bool with_record) {
    backend::Backend::RetentionUpkeep upkeep;
    if (with_record) {
      upkeep.record_folder = folder;
      upkeep.repository_id = std::string(64, 'c');
    }
    proxy_.ResetCounts();
    EXPECT_THAT(Upkeep(client, "repo/data/", at, &upkeep, nullptr, "pack"), IsOk());
    return std::make_pair(upkeep, proxy_.counts());
  };
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;  // all older than E (1 day)
  backend::Backend::RetentionUpkeep first = run(later, true).first;
  EXPECT_EQ(first.checked, static_cast<uint64_t>(kObjects));
  EXPECT_EQ(first.extended, static_cast<uint64_t>(kObjects));
  EXPECT_THAT(first.record_note, HasSubstr("no record of earlier upkeep"));
  auto [second, with_record] = run(later + kNsPerHour, true);
  EXPECT_EQ(second.checked, 0u);
  EXPECT_EQ(second.extended, 0u);
  EXPECT_EQ(second.retained_as_recorded, static_cast<uint64_t>(kObjects));
  EXPECT_EQ(second.record_note, "");
  auto [unrecorded, without_record] = run(later + kNsPerHour, false);
  EXPECT_EQ(unrecorded.checked, static_cast<uint64_t>(kObjects));
  EXPECT_EQ(unrecorded.extended, 0u);
  EXPECT_EQ(with_record.get, 0);
  EXPECT_EQ(with_record.total(), with_record.list);
  EXPECT_EQ(without_record.get, kObjects);
  std::printf("second upkeep of %d objects: %d requests with the record (%d listing), %d "
              "without (%d GetObjectRetention)\n",
              kObjects, with_record.total(), with_record.list, without_record.total(),
              without_record.get);
  // E days on, the recorded dates (then + N + E) come within N days: read and extended again.
  backend::Backend::RetentionUpkeep due = run(later + kNsPerDay + kNsPerHour, true).first;
  EXPECT_EQ(due.checked, static_cast<uint64_t>(kObjects));
  EXPECT_EQ(due.extended, static_cast<uint64_t>(kObjects));
  std::filesystem::remove_all(folder);
}

// After a record run, someone writes a new version over a pack (an attacker's overwrite, no
// retention) and removes its record: the new version is not in the record (keyed by version),
// so it is read and extended, and a missing record just means every retention is read.
TEST_F(RetentionUpkeepTest, AVersionWrittenSinceTheRecordIsReadAndAMissingRecordReadsAll) {
  auto repo = InitLocked();
  ASSERT_NE(repo, nullptr);
  Backup(*repo, 5);
  Client client(ProxiedOptions());
  const std::string folder = EmptyFolder("stormproof-upkeep-record");
  auto run = [&](int64_t at) {
    backend::Backend::RetentionUpkeep upkeep;
    upkeep.record_folder = folder;
    upkeep.repository_id = repo->id().Hex();
    EXPECT_THAT(Upkeep(client, "repo/data/", at, &upkeep, nullptr, "pack"), IsOk());
    return upkeep;
  };
  const int64_t later = client.ServerNowNs() + 2 * kNsPerDay;
  EXPECT_EQ(run(later).extended, 2u);  // both packs, recorded
  std::vector<ObjectVersion> stored = Versions(client, "repo/data/");
  ASSERT_EQ(stored.size(), 2u);
  // A new version written with a (brief) lock: one without any is not stormproof's and is never
  // extended (ExtendsTheRetainedVersionsOfAnOverwrittenFileAndLocksNoOther).
  const internal::ObjectLock brief = LockFor(client, 60);
  ASSERT_THAT(client.PutObject(stored[0].key, AsBytes(std::string_view("garbage")),
                               internal::Overwrite::kAllowed, &brief),
              IsOk());
  // Its Last-Modified is now: seen from later, it is older than E and must be looked at.
  backend::Backend::RetentionUpkeep after = run(later + kNsPerHour);
  EXPECT_EQ(after.retained_as_recorded, 2u);  // the two recorded originals
  EXPECT_EQ(after.checked, 1u);               // the new version
  EXPECT_EQ(after.extended, 1u);
  EXPECT_EQ(after.overwritten, 1u);
  std::vector<ObjectVersion> versions = Versions(client, stored[0].key);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_GE(RetainedUntilNs(client, versions[0].key, versions[0].version_id),
            later + 2 * kNsPerDay);
  std::filesystem::remove_all(folder);
  backend::Backend::RetentionUpkeep missing = run(later + 2 * kNsPerHour);
  EXPECT_EQ(missing.checked, 3u);
  EXPECT_EQ(missing.retained_as_recorded, 0u);
  EXPECT_THAT(missing.record_note, HasSubstr("no record of earlier upkeep"));
  std::filesystem::remove_all(folder);
}

// Through the repository and the local cache, as prune and forget run: the record of each
// type lives in the repository's cache folder, bound to its id, location and prefix, and the
// evidence is kept up like the rest.
TEST_F(RetentionUpkeepTest, TheRecordLivesInTheCacheFolderOneFilePerTypeEvidenceIncluded) {
  const std::string folder =
      (std::filesystem::temp_directory_path() / ("stormproof-upkeep-cache-" + bucket_)).string();
  std::filesystem::remove_all(folder);
  auto storage = CreateBackend(ProxiedOptions());
  ASSERT_THAT(storage, IsOk());
  auto cached = cache::NewCachingBackend(std::move(storage).value(), {folder});
  ASSERT_THAT(cached, IsOk());
  auto repo = Repository::Init(std::move(cached).value(), kPassword, {.retention = kOneDay});
  ASSERT_THAT(repo, IsOk());
  Backup(**repo, 6);
  {
    auto lock = (*repo)->AcquireLock(Repository::LockKind::kShared);
    ASSERT_THAT(lock, IsOk());
    ASSERT_THAT((*repo)->SaveEvidence("{\"runs\": []}"), IsOk());
  }
  proxy_.ResetCounts();
  backend::Backend::RetentionUpkeep upkeep;
  ASSERT_THAT((*repo)->ExtendRetention(&upkeep), IsOk());
  EXPECT_EQ(upkeep.checked, 0u);  // all younger than E
  bool listed_evidence = false;
  for (const std::string& request : proxy_.requests()) {
    if (request.find("versions") != std::string::npos &&
        request.find("evidence") != std::string::npos) {
      listed_evidence = true;
    }
  }
  EXPECT_TRUE(listed_evidence);
  for (const char* type : {"config", "key", "snapshot", "index", "pack", "evidence"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(folder + "/retention/" + type)) << type;
  }
  internal::RetentionRecord packs(folder + "/retention/pack",
                                  {(*repo)->id().Hex(), (*repo)->backend().Location(),
                                   "repo/data/"});
  EXPECT_EQ(packs.note(), "");
  internal::RetentionRecord elsewhere(folder + "/retention/pack",
                                      {std::string(64, '0'), (*repo)->backend().Location(),
                                       "repo/data/"});
  EXPECT_THAT(elsewhere.note(), HasSubstr("belongs to another repository"));
  repo->reset();
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace stormproof::s3
