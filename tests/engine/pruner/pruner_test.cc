// Prune against real (in-memory) repositories: what it frees, that every blob a remaining
// snapshot uses survives (check --read-data passes and the data reads back), that it refuses
// rather than guesses on a damaged or busy repository, and that a crash at any of its writes
// leaves a consistent repository that the next prune tidies.
#include "engine/pruner/pruner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/engine/repository/repository_fixtures.h"
#include "engine/checker/checker.h"
#include "engine/repository/tree.h"
#include "tests/matchers.h"

namespace stormproof::pruner {
namespace {

using backend::FileType;
using repository::BlobType;
using repository::Id;
using repository::Repository;
using repository::Snapshot;
using repository::testing::RandomData;
using repository::testing::Store;

// Fails the Nth change (save or remove) of a pack or index file, and every change after it: a
// process that died at that instant.
class CrashingBackend final : public backend::Backend {
 public:
  CrashingBackend(std::unique_ptr<backend::Backend> target, int crash_at)
      : target_(std::move(target)), crash_at_(crash_at) {}

  Status Save(const backend::Handle& handle, ByteView data) override {
    if (Crashed(handle)) return Error::Io("crashed before saving " + handle.name);
    return target_->Save(handle, data);
  }
  Status Remove(const backend::Handle& handle) override {
    if (Crashed(handle)) return Error::Io("crashed before removing " + handle.name);
    return target_->Remove(handle);
  }
  Result<Bytes> Load(const backend::Handle& handle, uint64_t offset,
                     uint64_t length) const override {
    return target_->Load(handle, offset, length);
  }
  Result<uint64_t> Size(const backend::Handle& handle) const override {
    return target_->Size(handle);
  }
  Result<int64_t> ModifiedNs(const backend::Handle& handle) const override {
    return target_->ModifiedNs(handle);
  }
  Status List(FileType type,
              const std::function<void(const std::string&, uint64_t)>& each) const override {
    return target_->List(type, each);
  }
  std::string Location() const override { return target_->Location(); }

  int changes() const { return changes_; }

 private:
  bool Crashed(const backend::Handle& handle) {
    if (handle.type != FileType::kPack && handle.type != FileType::kIndex) return false;
    return ++changes_ >= crash_at_;
  }

  std::unique_ptr<backend::Backend> target_;
  int crash_at_;
  std::atomic<int> changes_{0};
};

// Prunes as `stormproof prune` does: under the exclusive lock (repository::Maintenance), or, for
// a dry run, under a shared lock.
Result<PruneStats> PruneLocked(Repository& repo, const PruneOptions& options,
                               const ProgressFn& progress) {
  if (options.dry_run) {
    STORMPROOF_ASSIGN_OR_RETURN(auto lock, repo.AcquireLock(Repository::LockKind::kShared));
    return PlanPrune(repo, *lock, options, progress);
  }
  STORMPROOF_ASSIGN_OR_RETURN(auto maintenance, repository::Maintenance::Begin(repo));
  return Prune(*maintenance, options, progress);
}

class PrunerTest : public ::testing::Test {
 protected:
  void SetUp() override { repo_ = store_.Init(); }

  // Saves a snapshot of one file made of `chunks`, each new chunk in a pack of this snapshot
  // (the repository is flushed at the end), and returns it.
  Snapshot Backup(Repository& repo, const std::vector<Bytes>& chunks) {
    repository::Node file;
    file.name = "file" + std::to_string(++backups_);
    for (const Bytes& chunk : chunks) {
      Id id = repo.BlobId(chunk);
      EXPECT_THAT(repo.SaveBlob(BlobType::kData, id, chunk), IsOk());
      file.content.push_back(id);
    }
    repository::Tree tree;
    tree.nodes.push_back(file);
    Bytes encoded = repository::EncodeTree(tree);
    Snapshot snapshot;
    snapshot.paths = {"/" + file.name};
    snapshot.tree = repo.BlobId(encoded);
    EXPECT_THAT(repo.SaveBlob(BlobType::kTree, snapshot.tree, encoded), IsOk());
    EXPECT_TRUE(repo.Flush());
    auto id = repo.SaveSnapshot(snapshot);
    EXPECT_THAT(id, IsOk());
    snapshot.id = *id;
    return snapshot;
  }
  Snapshot Backup(const std::vector<Bytes>& chunks) { return Backup(*repo_, chunks); }

  std::unique_ptr<Repository> Reopen() {
    auto repo = store_.Open();
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }

  static void ExpectSound(Repository& repo) {
    checker::CheckReport report = checker::Check(repo, {.read_data_fraction = 1}, nullptr);
    EXPECT_TRUE(report.ok()) << (report.errors.empty() ? "" : report.errors.front());
    EXPECT_TRUE(report.notes.empty()) << report.notes.front();
  }

  // Every chunk reads back, verified, from a repository opened afresh.
  void ExpectReadable(const std::vector<Bytes>& chunks) {
    auto repo = Reopen();
    ASSERT_NE(repo, nullptr);
    for (const Bytes& chunk : chunks) {
      auto loaded = repo->LoadBlob(BlobType::kData, repo->BlobId(chunk));
      ASSERT_THAT(loaded, IsOk());
      EXPECT_EQ(*loaded, chunk);
    }
  }

  std::set<std::string> Files() const { return store_.ContentNames(); }

  Store store_;
  std::unique_ptr<Repository> repo_;
  int backups_ = 0;
};

const Bytes kA = RandomData(5000, 1), kB = RandomData(7000, 2), kC = RandomData(3000, 3),
            kD = RandomData(9000, 4);

TEST_F(PrunerTest, DeletesThePacksOfForgottenSnapshots) {
  Snapshot old = Backup({kA, kB});
  Backup({kC, kD});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  auto stats = PruneLocked(*repo_, {}, nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->snapshots, 1u);
  EXPECT_EQ(stats->packs, 4u);  // a data and a tree pack per backup
  EXPECT_EQ(stats->packs_unused, 2u);
  EXPECT_EQ(stats->packs_kept, 2u);
  EXPECT_EQ(stats->blobs_removed, 3u);  // A, B and the old tree
  EXPECT_GT(stats->bytes_freed(), 12000);
  EXPECT_EQ(store_.Names(FileType::kPack).size(), 2u);
  EXPECT_EQ(store_.Names(FileType::kIndex).size(), 1u);
  ExpectSound(*repo_);
  ExpectReadable({kC, kD});
  EXPECT_FALSE(Reopen()->FindBlob(BlobType::kData, repo_->BlobId(kA)).has_value());
}

TEST_F(PrunerTest, RepacksAMostlyUnusedPackAndKeepsEveryBlobInUse) {
  Snapshot old = Backup({kA, kB, kD});  // one data pack: A, B, D
  Backup({kA, kC});                     // A is deduplicated; C in a new pack
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  Id old_pack = repo_->FindBlob(BlobType::kData, repo_->BlobId(kA))->pack;
  PruneOptions options;
  options.repack_threshold = 0.5;  // B and D are 16000 of 21000 bytes: repacked
  auto stats = PruneLocked(*repo_, options, nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->packs_repacked, 1u);
  EXPECT_EQ(stats->blobs_repacked, 1u);
  EXPECT_EQ(stats->packs_written, 1u);
  EXPECT_FALSE(store_.raw().Size({FileType::kPack, old_pack.Hex()}).has_value());
  EXPECT_NE(repo_->FindBlob(BlobType::kData, repo_->BlobId(kA))->pack, old_pack);
  ExpectSound(*repo_);
  ExpectReadable({kA, kC});
}

// Each phase reports in its own unit: trees read, bytes repacked, packs deleted (of a total).
TEST_F(PrunerTest, ProgressNamesEachPhaseAndCountsItInItsUnit) {
  Snapshot old = Backup({kA, kB, kD});
  Backup({kA, kC});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  PruneOptions options;
  options.repack_threshold = 0.5;
  std::vector<ProgressEvent> events;
  auto stats = PruneLocked(*repo_, options, [&](const ProgressEvent& e) { events.push_back(e); });
  ASSERT_THAT(stats, IsOk());
  std::map<std::string, ProgressUnit> unit_of = {{"reading trees", ProgressUnit::kTrees},
                                                 {"repacking", ProgressUnit::kBytes},
                                                 {"deleting packs", ProgressUnit::kPacks}};
  std::set<std::string> phases;
  for (const ProgressEvent& e : events) {
    ASSERT_TRUE(unit_of.contains(e.phase)) << e.phase;
    phases.insert(e.phase);
    for (size_t i = 0; i < kProgressUnitCount; ++i) {
      EXPECT_EQ(e.counts[i].has_value(), static_cast<ProgressUnit>(i) == unit_of[e.phase])
          << e.phase << ": " << ProgressUnitName(static_cast<ProgressUnit>(i));
    }
  }
  EXPECT_EQ(phases.size(), 3u);
  const ProgressEvent& last = events.back();
  EXPECT_EQ(last.phase, "deleting packs");
  EXPECT_EQ(last.Get(ProgressUnit::kPacks)->done, last.Get(ProgressUnit::kPacks)->total);
  EXPECT_EQ(last.Get(ProgressUnit::kPacks)->done, stats->packs_repacked + stats->packs_unused);
}

TEST_F(PrunerTest, KeepsAPartlyUsedPackBelowTheThreshold) {
  Snapshot old = Backup({kA, kB, kD});
  Backup({kA, kB, kC});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  auto stats = PruneLocked(*repo_, {}, nullptr);  // D is 9000 of 21000 bytes: below 50%
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->packs_repacked, 0u);
  EXPECT_GT(stats->bytes_unused_kept, 9000u);
  ExpectSound(*repo_);
  ExpectReadable({kA, kB, kC, kD});  // D stays until its pack is repacked
}

TEST_F(PrunerTest, DeletesPacksLeftByACrashedBackup) {
  Backup({kA});
  store_.faults().fail_index_saves = true;
  {
    auto crashed = Reopen();
    Id id = crashed->BlobId(kB);
    ASSERT_THAT(crashed->SaveBlob(BlobType::kData, id, kB), IsOk());
    EXPECT_FALSE(crashed->Flush());  // the pack is saved, its index is not
  }
  store_.faults().fail_index_saves = false;
  EXPECT_EQ(store_.Names(FileType::kPack).size(), 3u);
  auto young = PruneLocked(*repo_, {}, nullptr);  // a backup may still be writing it
  ASSERT_THAT(young, IsOk());
  EXPECT_EQ(young->packs_recent, 1u);
  EXPECT_EQ(store_.Names(FileType::kPack).size(), 3u);
  repository::testing::PassStorageTime(kUnindexedPackGrace + std::chrono::minutes(1));
  auto stats = PruneLocked(*repo_, {}, nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->packs_orphaned, 1u);
  EXPECT_EQ(store_.Names(FileType::kPack).size(), 2u);
  ExpectSound(*repo_);
}

TEST_F(PrunerTest, KeepsOneCopyOfABlobTwoBackupsSavedAtOnce) {
  auto second = Reopen();  // opened before the first backup saved A: saves A again
  Backup({kA});
  Backup(*second, {kA, kC});
  auto stats = PruneLocked(*repo_, {}, nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->blobs_removed, 1u);
  ExpectSound(*repo_);
  ExpectReadable({kA, kC});
}

TEST_F(PrunerTest, ConsolidatesTheIndexFilesOfManyBackups) {
  for (int i = 0; i < 6; ++i) Backup({RandomData(100, 100 + i)});
  EXPECT_EQ(store_.Names(FileType::kIndex).size(), 6u);
  auto stats = PruneLocked(*repo_, {}, nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->index_files_before, 6u);
  EXPECT_EQ(stats->index_files_after, 1u);
  EXPECT_EQ(store_.Names(FileType::kIndex).size(), 1u);
  ExpectSound(*repo_);
}

TEST_F(PrunerTest, DryRunChangesNothingAndPredictsTheRealRun) {
  Snapshot old = Backup({kA, kB});
  Backup({kC});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  std::set<std::string> before = Files();
  PruneOptions dry;
  dry.dry_run = true;
  auto predicted = PruneLocked(*repo_, dry, nullptr);
  ASSERT_THAT(predicted, IsOk());
  EXPECT_EQ(Files(), before);
  auto done = PruneLocked(*repo_, {}, nullptr);
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(predicted->packs_unused, done->packs_unused);
  EXPECT_EQ(predicted->bytes_deleted, done->bytes_deleted);
  EXPECT_NE(Files(), before);
}

TEST_F(PrunerTest, RefusesWhileAnotherProcessHoldsALock) {
  Snapshot old = Backup({kA});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  auto other = Reopen();
  auto lock = other->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(lock, IsOk());
  std::set<std::string> before = Files();
  auto stats = PruneLocked(*repo_, {}, nullptr);
  ASSERT_FALSE(stats.has_value());
  EXPECT_THAT(stats.error().message(), HasSubstr("locked")) << stats.error().message();
  EXPECT_EQ(Files(), before);
}

// A dry run changes nothing, so it needs only a shared lock: it runs beside a backup.
TEST_F(PrunerTest, DryRunRunsBesideAnotherProcesssSharedLock) {
  Snapshot old = Backup({kA});
  Backup({kC});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  auto other = Reopen();
  auto lock = other->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(lock, IsOk());
  auto shared = repo_->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(shared, IsOk());
  std::set<std::string> before = Files();
  auto planned = PlanPrune(*repo_, **shared, {}, nullptr);
  ASSERT_THAT(planned, IsOk());
  EXPECT_EQ(planned->packs_unused, 2u);  // the forgotten snapshot's data pack and tree pack
  EXPECT_EQ(Files(), before);
}

TEST_F(PrunerTest, RefusesAndChangesNothingWhenAPackInUseIsMissing) {
  Snapshot old = Backup({kA});
  Backup({kC});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  Id pack = repo_->FindBlob(BlobType::kData, repo_->BlobId(kC))->pack;
  ASSERT_TRUE(store_.raw().Remove({FileType::kPack, pack.Hex()}));
  std::set<std::string> before = Files();
  auto stats = PruneLocked(*repo_, {}, nullptr);
  ASSERT_FALSE(stats.has_value());
  EXPECT_THAT(stats.error().message(), HasSubstr("missing"));
  EXPECT_THAT(stats.error().message(), HasSubstr("changed nothing"));
  EXPECT_EQ(Files(), before);
}

TEST_F(PrunerTest, RefusesWhenATreeInUseCannotBeRead) {
  Snapshot kept = Backup({kA});
  Id tree_pack = repo_->FindBlob(BlobType::kTree, kept.tree)->pack;
  store_.Rewrite({FileType::kPack, tree_pack.Hex()}, [](Bytes& b) { b[40] ^= 1; });
  std::set<std::string> before = Files();
  auto stats = PruneLocked(*Reopen(), {}, nullptr);
  ASSERT_FALSE(stats.has_value());
  EXPECT_THAT(stats.error().message(), HasSubstr(kept.tree.Hex())) << stats.error().message();
  EXPECT_EQ(Files(), before);
}

// A damaged index file hides which packs hold which blobs: prune must not guess (the packs it
// names would look orphaned and be deleted).
TEST_F(PrunerTest, RefusesAndChangesNothingWhenAnIndexFileIsDamaged) {
  Snapshot old = Backup({kA});
  Backup({kC});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  std::string index = store_.Names(FileType::kIndex).front();
  store_.Rewrite({FileType::kIndex, index}, [](Bytes& b) { b[b.size() / 2] ^= 1; });
  std::set<std::string> before = Files();
  auto stats = PruneLocked(*Reopen(), {}, nullptr);
  ASSERT_FALSE(stats.has_value());
  EXPECT_THAT(stats.error().message(), HasSubstr("index " + index)) << stats.error().message();
  EXPECT_THAT(stats.error().message(), HasSubstr("changed nothing"));
  EXPECT_EQ(Files(), before);
}

TEST_F(PrunerTest, RefusesAndChangesNothingWhenASnapshotFileIsDamaged) {
  Snapshot old = Backup({kA});
  Snapshot kept = Backup({kC});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  store_.Rewrite({FileType::kSnapshot, kept.id.Hex()}, [](Bytes& b) { b.resize(b.size() / 2); });
  std::set<std::string> before = Files();
  auto stats = PruneLocked(*repo_, {}, nullptr);
  ASSERT_FALSE(stats.has_value());
  EXPECT_THAT(stats.error().message(), HasSubstr("snapshot " + kept.id.Hex()))
      << stats.error().message();
  EXPECT_THAT(stats.error().message(), HasSubstr("changed nothing"));
  EXPECT_EQ(Files(), before);
}

// A prune that dies at its Nth write or delete, for every N: the repository stays sound, every
// kept snapshot's data reads back, and the next prune finishes the job.
TEST_F(PrunerTest, SurvivesACrashAtEveryStep) {
  Snapshot old = Backup({kA, kB, kD});
  Backup({kA, kC});
  Snapshot old2 = Backup({RandomData(4000, 9)});
  for (int i = 0; i < 3; ++i) Backup({kC, RandomData(50, 20 + i)});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  ASSERT_TRUE(repo_->RemoveSnapshot(old2.id));
  const Store original = store_.CopyFiles();
  PruneOptions options;
  options.repack_threshold = 0;
  int steps = 0;
  for (int crash_at = 1;; ++crash_at) {
    store_ = original.CopyFiles();
    auto backend = std::make_unique<CrashingBackend>(store_.View(), crash_at);
    CrashingBackend* crashing = backend.get();
    auto repo = Repository::Open(std::move(backend), repository::testing::kPassword);
    ASSERT_THAT(repo, IsOk());
    auto stats = PruneLocked(**repo, options, nullptr);
    if (stats.has_value()) {
      steps = crash_at - 1;
      break;
    }
    SCOPED_TRACE("crash at change " + std::to_string(crash_at) + ": " + stats.error().message());
    ASSERT_GE(crashing->changes(), crash_at);
    repo->reset();  // the process is gone; its lock goes stale
    for (const std::string& lock : store_.Names(FileType::kLock)) {
      ASSERT_TRUE(store_.raw().Remove({FileType::kLock, lock}));
    }
    auto after = Reopen();
    ASSERT_NE(after, nullptr);
    checker::CheckReport report = checker::Check(*after, {.read_data_fraction = 1}, nullptr);
    ASSERT_TRUE(report.ok()) << report.errors.front();
    ExpectReadable({kA, kC});
    // Once the packs the crash left unindexed are past the grace period, prune removes them.
    repository::testing::PassStorageTime(kUnindexedPackGrace + std::chrono::minutes(1));
    auto finished = PruneLocked(*after, options, nullptr);
    ASSERT_THAT(finished, IsOk());
    ExpectSound(*after);
    ExpectReadable({kA, kC});
    ASSERT_LT(crash_at, 100) << "prune never completed";
  }
  // New packs, index files, old index removals, pack deletions.
  EXPECT_GE(steps, 5);
  RecordProperty("crash_points", steps);
}

// Review of issue 13 (walker refit): prune's blobs in use must follow EVERY subtree a node names,
// not only directories (what a restore walks), as HEAD's used_blobs.cc did. If FindUsedBlobs ever
// walked with Follow::kDirectories, the data below `odd` would be deleted: silent data loss.
TEST_F(PrunerTest, KeepsDataReachableOnlyThroughANonDirectorysSubtree) {
  Snapshot old = Backup({kA});
  // A tree holding a file of C, named only as the subtree of a symlink node.
  repository::Node hidden_file;
  hidden_file.name = "hidden";
  Id c = repo_->BlobId(kC);
  ASSERT_THAT(repo_->SaveBlob(BlobType::kData, c, kC), IsOk());
  hidden_file.content.push_back(c);
  repository::Tree hidden;
  hidden.nodes.push_back(hidden_file);
  Bytes hidden_bytes = repository::EncodeTree(hidden);
  Id hidden_id = repo_->BlobId(hidden_bytes);
  ASSERT_THAT(repo_->SaveBlob(BlobType::kTree, hidden_id, hidden_bytes), IsOk());
  repository::Node odd;
  odd.name = "odd";
  odd.type = repository::NodeType::kSymlink;
  odd.subtree = hidden_id;
  repository::Tree root;
  root.nodes.push_back(odd);
  Bytes root_bytes = repository::EncodeTree(root);
  Snapshot snapshot;
  snapshot.paths = {"/odd"};
  snapshot.tree = repo_->BlobId(root_bytes);
  ASSERT_THAT(repo_->SaveBlob(BlobType::kTree, snapshot.tree, root_bytes), IsOk());
  ASSERT_TRUE(repo_->Flush());
  ASSERT_THAT(repo_->SaveSnapshot(snapshot), IsOk());
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  PruneOptions options;
  options.repack_threshold = 0;  // repack whatever has unused data: the most deleting prune
  auto stats = PruneLocked(*repo_, options, nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_GT(stats->blobs_removed, 0u);  // A and the old tree went
  ExpectReadable({kC});
  auto repo = Reopen();
  ASSERT_NE(repo, nullptr);
  EXPECT_TRUE(repo->FindBlob(BlobType::kTree, hidden_id).has_value());
}

}  // namespace
}  // namespace stormproof::pruner
