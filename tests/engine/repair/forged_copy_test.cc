// Review R8-1: a backup host holds the password and may add files. It plants a second copy of a
// blob in use — garbage sealed under the blob's id, or a genuine copy later damaged — in a pack
// and index file of its own whose name sorts before every other index file's, so that it is
// loaded first (the reviewer's plant2.py). Every reader must fall back to the genuine copy:
// restore and prune succeed, check names the planted pack but no snapshot, repair snapshots
// loses nothing, and repair index leaves the bad copy out of the index it rebuilds.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "engine/checker/checker.h"
#include "engine/pruner/pruner.h"
#include "engine/repair/index_repair.h"
#include "engine/repair/snapshot_repair.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/tree.h"
#include "engine/repository/tree_store.h"
#include "engine/restorer/restorer.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repair {
namespace {

namespace fs = std::filesystem;
using backend::FileType;
using repository::BlobLocation;
using repository::BlobType;
using repository::Id;
using repository::Repository;
using repository::Snapshot;
using repository::testing::RandomData;
using repository::testing::Store;

const Bytes kA = RandomData(5000, 1), kB = RandomData(7000, 2);

class ForgedCopyTest : public ::testing::Test {
 protected:
  // The repository's own index file is given a name in the middle of the name space (its first
  // hex digit 4..b, by building the repository again until it is), so that PlantCopy's file
  // sorts before or after it within a few tries (a quarter of the names at least, each way).
  void SetUp() override {
    for (int tries = 1;; ++tries) {
      store_ = Store();
      ASSERT_NO_FATAL_FAILURE(Build());
      const std::vector<std::string> indexes = store_.Names(FileType::kIndex);
      ASSERT_EQ(indexes.size(), 1u);
      const char first = indexes[0][0];
      if ((first >= '4' && first <= '9') || (first >= 'a' && first <= 'b') || tries == 200) break;
    }
  }

  void Build() {
    repo_ = store_.Init();
    repository::Tree root;
    for (const auto& [name, content] : std::map<std::string, Bytes>{{"a", kA}, {"b", kB}}) {
      repository::Node file;
      file.name = name;
      file.size = content.size();
      file.content.push_back(repo_->BlobId(content));
      ASSERT_THAT(repo_->SaveBlob(BlobType::kData, file.content.back(), content), IsOk());
      root.nodes.push_back(file);
    }
    Bytes encoded = repository::EncodeTree(root);
    snapshot_.tree = repo_->BlobId(encoded);
    ASSERT_THAT(repo_->SaveBlob(BlobType::kTree, snapshot_.tree, encoded), IsOk());
    ASSERT_TRUE(repo_->Flush());
    snapshot_.time_ns = 1;
    snapshot_.paths = {"/data"};
    auto id = repo_->SaveSnapshot(snapshot_);
    ASSERT_THAT(id, IsOk());
    snapshot_.id = *id;
  }

  enum class Loaded { kFirst, kLast };
  // Stores `content` as blob `id` in a pack and index file of their own (as a backup host whose
  // index is not loaded does), saved again until the index file's name sorts before (kFirst) or
  // after (kLast) every other one, so that it is loaded then. Returns the pack's id. After 200
  // tries the last is kept: with the repository's own index named as SetUp names it, each try
  // succeeds with odds of at least 1 in 4, so 200 fail together with odds below 10^-24.
  Id PlantCopy(BlobType type, const Id& id, const Bytes& content, Loaded loaded = Loaded::kFirst) {
    for (int tries = 1;; ++tries) {
      const std::set<std::string> before = store_.ContentNames();
      auto host = Repository::Open(store_.View(), repository::testing::kPassword,
                                   {.index = Repository::IndexLoad::kUnderFirstLock});
      EXPECT_THAT(host, IsOk());
      if (!host) return {};
      EXPECT_THAT((*host)->SaveBlob(type, id, content), IsOkAndHolds(true));
      EXPECT_TRUE((*host)->Flush());
      std::string pack, index;
      for (const std::string& name : store_.Names(FileType::kPack)) {
        if (!before.contains(name)) pack = name;
      }
      std::vector<std::string> indexes = store_.Names(FileType::kIndex);
      for (const std::string& name : indexes) {
        if (!before.contains(name)) index = name;
      }
      EXPECT_FALSE(pack.empty() || index.empty());
      const std::string& wanted = loaded == Loaded::kFirst
                                      ? *std::min_element(indexes.begin(), indexes.end())
                                      : *std::max_element(indexes.begin(), indexes.end());
      if (index == wanted || tries == 200) {
        return *Id::FromHex(pack);
      }
      EXPECT_TRUE(store_.raw().Remove({FileType::kIndex, index}));
      EXPECT_TRUE(store_.raw().Remove({FileType::kPack, pack}));
    }
  }

  // Plants garbage under the snapshot's root tree id: a copy whose MAC verifies (sealed with
  // the repository key) but whose content does not match its id.
  Id PlantForgedRootTree() { return PlantCopy(BlobType::kTree, snapshot_.tree, RandomData(94, 9)); }

  // Plants a genuine copy of kA, then damages its sealed bytes in the planted pack.
  Id PlantDamagedCopyOfA(Loaded loaded = Loaded::kFirst) {
    const Id a = repo_->BlobId(kA);
    Id pack = PlantCopy(BlobType::kData, a, kA, loaded);
    auto fresh = Reopen();
    std::vector<BlobLocation> copies = fresh->FindBlobLocations(BlobType::kData, a);
    EXPECT_EQ(copies.size(), 2u);
    BlobLocation at = loaded == Loaded::kFirst ? copies.front() : copies.back();
    EXPECT_EQ(at.pack, pack);
    store_.Rewrite({FileType::kPack, pack.Hex()},
                   [&](Bytes& b) { b[at.offset + at.length / 2] ^= 1; });
    return pack;
  }

  std::unique_ptr<Repository> Reopen() {
    auto repo = store_.Open();
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }

  // Restores the snapshot from a repository opened afresh; file name -> content.
  std::map<std::string, Bytes> Restored() {
    std::string scratch = (fs::temp_directory_path() / "stormproof-forged-XXXXXX").string();
    EXPECT_NE(::mkdtemp(scratch.data()), nullptr);
    restorer::RestoreOptions options;
    options.target = scratch + "/target";
    std::vector<std::string> errors;
    auto summary = restorer::Restore(*Reopen(), snapshot_, options, nullptr,
                                     [&](const std::string& path, const Error& e) {
                                       errors.push_back(path + ": " + e.message());
                                     });
    EXPECT_THAT(summary, IsOk());
    EXPECT_TRUE(errors.empty()) << errors.front();
    std::map<std::string, Bytes> files;
    for (const auto& entry : fs::directory_iterator(options.target)) {
      std::ifstream in(entry.path(), std::ios::binary);
      files[entry.path().filename().string()] =
          Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    fs::remove_all(scratch);
    return files;
  }

  void ExpectRestoresIntact() {
    EXPECT_EQ(Restored(), (std::map<std::string, Bytes>{{"a", kA}, {"b", kB}}));
  }

  static checker::CheckReport CheckAll(const Repository& repo) {
    return checker::Check(repo, {.read_data_fraction = 1}, nullptr);
  }

  // The planted copy is damaged, nothing else: no snapshot is affected.
  void ExpectCheckBlamesOnly(const Id& planted) {
    checker::CheckReport report = CheckAll(*Reopen());
    EXPECT_EQ(report.damaged_packs, std::set<std::string>{planted.Hex()});
    EXPECT_TRUE(report.affected.empty()) << report.affected.begin()->first;
  }

  void ExpectPruneKeepsTheGenuineData(const Id& planted) {
    auto repo = Reopen();
    auto maintenance = repository::Maintenance::Begin(*repo);
    ASSERT_THAT(maintenance, IsOk());
    ASSERT_THAT(pruner::Prune(**maintenance, {}, nullptr), IsOk());
    maintenance->reset();
    EXPECT_FALSE(store_.ContentNames().contains(planted.Hex()));
    ExpectRestoresIntact();
    checker::CheckReport report = CheckAll(*Reopen());
    EXPECT_TRUE(report.ok()) << report.errors.front();
  }

  RepairSnapshotsReport RepairSnapshotsDryRun() {
    auto repo = Reopen();
    auto lock = repo->AcquireLock(Repository::LockKind::kShared);
    EXPECT_THAT(lock, IsOk());
    auto report = PlanRepairSnapshots(*repo, **lock, {}, nullptr);
    EXPECT_THAT(report, IsOk());
    return report ? *report : RepairSnapshotsReport{};
  }

  // Repairs the index; the rebuilt one locates `blob` only outside `planted`, and check reads
  // everything clean (the planted pack, no longer indexed, is at most a note).
  void ExpectRepairIndexDropsTheCopy(BlobType type, const Id& blob, const Id& planted) {
    auto repo = Reopen();
    auto maintenance = repository::Maintenance::Begin(*repo);
    ASSERT_THAT(maintenance, IsOk());
    auto report = RepairIndex(**maintenance, {}, nullptr);
    ASSERT_THAT(report, IsOk());
    maintenance->reset();
    ASSERT_EQ(report->bad_copies.size(), 1u);
    EXPECT_THAT(report->bad_copies[0], HasSubstr(blob.Hex() + " in pack " + planted.Hex()));
    EXPECT_FALSE(report->lost_data());
    auto fresh = Reopen();
    std::vector<BlobLocation> copies = fresh->FindBlobLocations(type, blob);
    ASSERT_EQ(copies.size(), 1u);
    EXPECT_NE(copies[0].pack, planted);
    checker::CheckReport check = CheckAll(*fresh);
    EXPECT_TRUE(check.ok()) << check.errors.front();
    ExpectRestoresIntact();
  }

  Store store_;
  std::unique_ptr<Repository> repo_;
  Snapshot snapshot_;
};

TEST_F(ForgedCopyTest, AForgedRootTreeReadFirstIsSkippedByEveryReader) {
  const size_t blobs = Reopen()->IndexedBlobCount();
  const Id planted = PlantForgedRootTree();
  auto repo = Reopen();
  std::vector<BlobLocation> copies = repo->FindBlobLocations(BlobType::kTree, snapshot_.tree);
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(copies[0].pack, planted) << "the forged copy is loaded first";
  EXPECT_EQ(repo->IndexedBlobCount(), blobs) << "a second copy is not a second blob";
  EXPECT_THAT(
      repo->LoadBlobAt(BlobType::kTree, snapshot_.tree, copies[0], repository::IdCheck::kRehash),
      ErrorIs(ErrorCode::kCorrupt));
  EXPECT_THAT(repository::LoadTree(*repo, snapshot_.tree), IsOk());

  ExpectRestoresIntact();
  ExpectCheckBlamesOnly(planted);
  RepairSnapshotsReport repair = RepairSnapshotsDryRun();
  EXPECT_EQ(repair.unchanged, 1u);
  EXPECT_TRUE(repair.repaired.empty());
  ExpectPruneKeepsTheGenuineData(planted);
}

TEST_F(ForgedCopyTest, RepairIndexLeavesAForgedRootTreeOut) {
  const Id planted = PlantForgedRootTree();
  ExpectRepairIndexDropsTheCopy(BlobType::kTree, snapshot_.tree, planted);
}

TEST_F(ForgedCopyTest, ADamagedCopyReadFirstIsSkippedByEveryReader) {
  const Id planted = PlantDamagedCopyOfA();
  ExpectRestoresIntact();
  ExpectCheckBlamesOnly(planted);
  RepairSnapshotsReport repair = RepairSnapshotsDryRun();
  EXPECT_EQ(repair.data_blobs_lost, 0u);
  EXPECT_TRUE(repair.repaired.empty());
  ExpectPruneKeepsTheGenuineData(planted);
}

TEST_F(ForgedCopyTest, RepairIndexLeavesADamagedCopyOut) {
  const Id planted = PlantDamagedCopyOfA();
  ExpectRepairIndexDropsTheCopy(BlobType::kData, repo_->BlobId(kA), planted);
}

// A forged copy of a file's data read first: garbage of another length (restore lays the file
// out by the length of a copy that verifies) or of the same length (its MAC verifies, so restore,
// which otherwise skips re-hashing, re-hashes a blob that has several copies).
TEST_F(ForgedCopyTest, AForgedDataCopyReadFirstRestoresTheGenuineData) {
  for (size_t length : {size_t{50}, kA.size()}) {
    SCOPED_TRACE(length);
    const Id planted = PlantCopy(BlobType::kData, repo_->BlobId(kA), RandomData(length, 8));
    ExpectRestoresIntact();
    ExpectCheckBlamesOnly(planted);
    ASSERT_TRUE(store_.raw().Remove({FileType::kPack, planted.Hex()}));
    ExpectRestoresIntact();  // the planted pack gone: its index entry leads nowhere
    auto repo = Reopen();
    auto maintenance = repository::Maintenance::Begin(*repo);
    ASSERT_THAT(maintenance, IsOk());
    ASSERT_THAT(RepairIndex(**maintenance, {}, nullptr), IsOk());
  }
}

// A planted index entry claims that the genuine pack of kA and kB holds kB at another place: the
// entry is wrong, not the pack. Check names the entry but no snapshot (kA and kB are intact where
// their own entries say), reads the pack, and restore falls back past the wrong entry.
TEST_F(ForgedCopyTest, AWrongIndexEntryDoesNotCondemnTheGenuinePack) {
  const Id pack_of_a = repo_->FindBlob(BlobType::kData, repo_->BlobId(kA))->pack;
  repository::IndexedPack lie{pack_of_a, {{BlobType::kData, repo_->BlobId(kB), 40, 100, 90}}};
  {
    auto repo = Reopen();
    auto maintenance = repository::Maintenance::Begin(*repo);
    ASSERT_THAT(maintenance, IsOk());
    ASSERT_THAT((*maintenance)->RewriteIndex(std::span(&lie, 1), {}), IsOk());
  }
  ASSERT_EQ(Reopen()->FindBlobLocations(BlobType::kData, repo_->BlobId(kB)).size(), 2u);
  checker::CheckReport report = CheckAll(*Reopen());
  EXPECT_TRUE(report.damaged_packs.empty()) << *report.damaged_packs.begin();
  EXPECT_TRUE(report.affected.empty()) << report.affected.begin()->first;
  ASSERT_EQ(report.errors.size(), 1u) << report.errors[0] << "\n" << report.errors[1];
  EXPECT_THAT(report.errors[0],
              HasSubstr("pack " + pack_of_a.Hex() + ": its header does not list blob " +
                        repo_->BlobId(kB).Hex()));
  EXPECT_EQ(report.packs, 2u);
  EXPECT_GT(report.blobs_read, 0u);
  ExpectRestoresIntact();
}

// Review R8-5: check reads every pack that any location names, not only the first locations:
// a damaged copy loaded last is found, and its pack is not called unindexed.
TEST_F(ForgedCopyTest, CheckReadsAPackHoldingOnlySecondCopies) {
  const Id planted = PlantDamagedCopyOfA(Loaded::kLast);
  ExpectCheckBlamesOnly(planted);
  checker::CheckReport report = CheckAll(*Reopen());
  EXPECT_TRUE(report.notes.empty()) << report.notes.front();
}

}  // namespace
}  // namespace stormproof::repair
