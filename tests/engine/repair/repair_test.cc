// repair index / repair snapshots against real (in-memory) repositories with damaged index,
// pack and snapshot files: what can be rebuilt is, what is lost is named, the remaining data
// reads back byte for byte, and `check --read-data` is clean afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/engine/repository/repository_fixtures.h"
#include "engine/checker/checker.h"
#include "engine/pruner/pruner.h"
#include "engine/repair/index_repair.h"
#include "engine/repair/snapshot_repair.h"
#include "engine/repository/index_files.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/tree.h"
#include "engine/repository/tree_store.h"
#include "tests/matchers.h"

namespace stormproof::repair {
namespace {

using backend::FileType;
using repository::BlobType;
using repository::Id;
using repository::Repository;
using repository::Snapshot;
using repository::testing::RandomData;
using repository::testing::Store;

// Repairs as `stormproof repair index` does: under the exclusive lock (repository::Maintenance),
// or, for a dry run, under a shared lock.
Result<RepairIndexReport> RepairIndexLocked(Repository& repo, const RepairIndexOptions& options,
                                            const ProgressFn& progress) {
  if (options.dry_run) {
    STORMPROOF_ASSIGN_OR_RETURN(auto lock, repo.AcquireLock(Repository::LockKind::kShared));
    return PlanRepairIndex(repo, *lock, progress);
  }
  STORMPROOF_ASSIGN_OR_RETURN(auto maintenance, repository::Maintenance::Begin(repo));
  return RepairIndex(*maintenance, options, progress);
}

// Repairs as `stormproof repair snapshots` does (locks as RepairIndexLocked).
Result<RepairSnapshotsReport> RepairSnapshotsLocked(Repository& repo,
                                                    const RepairSnapshotsOptions& options,
                                                    const ProgressFn& progress) {
  if (options.dry_run) {
    STORMPROOF_ASSIGN_OR_RETURN(auto lock, repo.AcquireLock(Repository::LockKind::kShared));
    return PlanRepairSnapshots(repo, *lock, options, progress);
  }
  STORMPROOF_ASSIGN_OR_RETURN(auto maintenance, repository::Maintenance::Begin(repo));
  return RepairSnapshots(*maintenance, options, progress);
}

// Replaces the index with `packs` under the exclusive lock (as repair index would).
Status RewriteIndexLocked(Repository& repo, const repository::IndexListing& listing) {
  STORMPROOF_ASSIGN_OR_RETURN(auto maintenance, repository::Maintenance::Begin(repo));
  return maintenance->RewriteIndex(listing.packs, listing.files);
}

const Bytes kA = RandomData(5000, 1), kB = RandomData(7000, 2), kC = RandomData(3000, 3),
            kD = RandomData(9000, 4);

// A view of a store whose reads fail with an I/O error where `fails` says (a failing disk, an
// unreachable mount): not damage, so repair index must stop rather than drop what it cannot read.
class FailingBackend final : public backend::Backend {
 public:
  using FailsFn =
      std::function<bool(const backend::Handle& file, uint64_t offset, uint64_t length)>;
  FailingBackend(std::unique_ptr<backend::Backend> target, FailsFn fails)
      : target_(std::move(target)), fails_(std::move(fails)) {}

  Status Save(const backend::Handle& handle, ByteView data) override {
    return target_->Save(handle, data);
  }
  Result<Bytes> Load(const backend::Handle& handle, uint64_t offset,
                     uint64_t length) const override {
    if (fails_(handle, offset, length)) {
      return Error::Io(std::string(backend::FileTypeName(handle.type)) + " " + handle.name +
                       ": read: Input/output error");
    }
    return target_->Load(handle, offset, length);
  }
  Result<uint64_t> Size(const backend::Handle& handle) const override {
    return target_->Size(handle);
  }
  Result<int64_t> ModifiedNs(const backend::Handle& handle) const override {
    return target_->ModifiedNs(handle);
  }
  Status Remove(const backend::Handle& handle) override { return target_->Remove(handle); }
  Status List(FileType type,
              const std::function<void(const std::string&, uint64_t)>& each) const override {
    return target_->List(type, each);
  }
  std::string Location() const override { return target_->Location(); }

 private:
  std::unique_ptr<backend::Backend> target_;
  FailsFn fails_;
};

// Flips one bit of the lowest byte of a pack's last 4 bytes: the sealed header's length, as the
// security review's reproduction did. The header no longer opens; every blob is untouched.
void FlipHeaderLength(Bytes& pack) { pack[pack.size() - 4] ^= 0x01; }

class RepairTest : public ::testing::Test {
 protected:
  void SetUp() override { repo_ = store_.Init(); }

  // Saves a snapshot of the root files `files` (name -> content) plus a directory "sub" holding
  // `in_sub` (when not empty). Each file's data is flushed into packs of its own.
  Snapshot Backup(const std::map<std::string, Bytes>& files,
                  const std::map<std::string, Bytes>& in_sub = {}) {
    repository::Tree root = SaveFiles(files);
    if (!in_sub.empty()) {
      repository::Node dir;
      dir.name = "sub";
      dir.type = repository::NodeType::kDir;
      dir.subtree = SaveTree(SaveFiles(in_sub));
      root.nodes.push_back(dir);
    }
    Snapshot snapshot;
    snapshot.time_ns = ++backups_;
    snapshot.paths = {"/data"};
    snapshot.tree = SaveTree(root);
    EXPECT_TRUE(repo_->Flush());
    auto id = repo_->SaveSnapshot(snapshot);
    EXPECT_THAT(id, IsOk());
    snapshot.id = *id;
    return snapshot;
  }

  repository::Tree SaveFiles(const std::map<std::string, Bytes>& files) {
    repository::Tree tree;
    for (const auto& [name, content] : files) {
      repository::Node file;
      file.name = name;
      file.size = content.size();
      Id id = repo_->BlobId(content);
      EXPECT_THAT(repo_->SaveBlob(BlobType::kData, id, content), IsOk());
      EXPECT_TRUE(repo_->Flush());
      file.content.push_back(id);
      tree.nodes.push_back(file);
    }
    return tree;
  }

  Id SaveTree(const repository::Tree& tree) {
    Bytes encoded = repository::EncodeTree(tree);
    Id id = repo_->BlobId(encoded);
    EXPECT_THAT(repo_->SaveBlob(BlobType::kTree, id, encoded), IsOk());
    return id;
  }

  std::unique_ptr<Repository> Reopen() {
    auto repo = store_.Open();
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }

  static checker::CheckReport CheckAll(const Repository& repo) {
    return checker::Check(repo, {.read_data_fraction = 1}, nullptr);
  }

  // The files of a snapshot, path -> content, read back verified from a fresh repository.
  std::map<std::string, Bytes> Contents(const Id& snapshot) {
    auto repo = Reopen();
    std::map<std::string, Bytes> out;
    auto s = repo->LoadSnapshot(snapshot);
    EXPECT_THAT(s, IsOk());
    if (!s) return out;
    std::vector<std::pair<Id, std::string>> stack = {{s->tree, ""}};
    while (!stack.empty()) {
      auto [tree_id, path] = stack.back();
      stack.pop_back();
      auto tree = repository::LoadTree(*repo, tree_id);
      EXPECT_THAT(tree, IsOk());
      if (!tree) continue;
      for (const repository::Node& node : tree->nodes) {
        if (node.subtree) stack.push_back({*node.subtree, path + "/" + node.name});
        if (node.type != repository::NodeType::kFile) continue;
        Bytes& content = out[path + "/" + node.name];
        for (const Id& blob : node.content) {
          auto data = repo->LoadBlob(BlobType::kData, blob, repository::IdCheck::kRehash);
          EXPECT_THAT(data, IsOk());
          if (data) content.insert(content.end(), data->begin(), data->end());
        }
      }
    }
    return out;
  }

  std::unique_ptr<Repository> OpenFailing(FailingBackend::FailsFn fails) {
    auto repo = Repository::Open(std::make_unique<FailingBackend>(store_.View(), std::move(fails)),
                                 repository::testing::kPassword);
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }

  // Every file of the repository, name -> content: what "changed nothing" compares.
  std::map<std::string, Bytes> FileContents() const {
    std::map<std::string, Bytes> files;
    for (FileType type : {FileType::kPack, FileType::kIndex, FileType::kSnapshot}) {
      for (const std::string& name : store_.Names(type)) {
        files[std::string(backend::FileTypeName(type)) + "/" + name] =
            *store_.raw().Load({type, name});
      }
    }
    return files;
  }

  Id PackOf(BlobType type, const Bytes& plain) {
    return repo_->FindBlob(type, repo_->BlobId(plain))->pack;
  }

  std::set<std::string> Files() const { return store_.ContentNames(); }

  Store store_;
  std::unique_ptr<Repository> repo_;
  int backups_ = 0;
};

bool AnyContains(const std::vector<std::string>& lines, const std::string& text) {
  for (const std::string& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_F(RepairTest, DamagedIndexFileOpensAndRepairIndexRestoresTheFullIndex) {
  Snapshot first = Backup({{"a", kA}, {"b", kB}});
  Snapshot second = Backup({{"c", kC}});
  size_t blobs = repo_->IndexedBlobCount();
  std::vector<std::string> index_files = store_.Names(FileType::kIndex);
  ASSERT_GE(index_files.size(), 2u);
  std::string damaged = index_files.front();
  store_.Rewrite({FileType::kIndex, damaged}, [](Bytes& b) { b[b.size() / 2] ^= 0x40; });

  auto repo = Reopen();
  ASSERT_NE(repo, nullptr);
  ASSERT_EQ(repo->DamagedIndexFiles().size(), 1u);
  EXPECT_EQ(repo->DamagedIndexFiles().front().name, damaged);
  EXPECT_LT(repo->IndexedBlobCount(), blobs);
  checker::CheckReport before = CheckAll(*repo);
  EXPECT_FALSE(before.ok());
  EXPECT_TRUE(AnyContains(before.errors, "index " + damaged)) << before.errors.front();

  auto report = RepairIndexLocked(*repo, {}, nullptr);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->damaged_index_files.size(), 1u);
  EXPECT_TRUE(report->damaged_packs.empty());
  EXPECT_EQ(report->packs_indexed, report->packs);
  EXPECT_EQ(report->index_files_before, index_files.size());
  EXPECT_EQ(store_.Names(FileType::kIndex).size(), report->index_files_after);

  auto repaired = Reopen();
  EXPECT_TRUE(repaired->DamagedIndexFiles().empty());
  EXPECT_EQ(repaired->IndexedBlobCount(), blobs);
  checker::CheckReport after = CheckAll(*repaired);
  EXPECT_TRUE(after.ok()) << after.errors.front();
  EXPECT_TRUE(after.notes.empty()) << after.notes.front();
  EXPECT_EQ(Contents(first.id), (std::map<std::string, Bytes>{{"/a", kA}, {"/b", kB}}));
  EXPECT_EQ(Contents(second.id), (std::map<std::string, Bytes>{{"/c", kC}}));
}

TEST_F(RepairTest, RepairIndexDryRunChangesNothing) {
  Backup({{"a", kA}});
  std::string index = store_.Names(FileType::kIndex).front();
  store_.Rewrite({FileType::kIndex, index}, [](Bytes& b) { b.resize(10); });
  std::set<std::string> before = Files();
  auto report = RepairIndexLocked(*Reopen(), {.dry_run = true}, nullptr);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->damaged_index_files.size(), 1u);
  EXPECT_EQ(Files(), before);
}

// repair index counts packs, repair snapshots counts snapshots: each in its own unit, of a total.
TEST_F(RepairTest, ProgressCountsPacksAndSnapshotsInTheirUnits) {
  Backup({{"a", kA}, {"b", kB}});
  Backup({{"c", kC}});
  auto only = [](ProgressUnit unit, std::vector<ProgressCount>* counts) {
    return [unit, counts](const ProgressEvent& e) {
      for (size_t i = 0; i < kProgressUnitCount; ++i) {
        EXPECT_EQ(e.counts[i].has_value(), static_cast<ProgressUnit>(i) == unit)
            << ProgressUnitName(static_cast<ProgressUnit>(i));
      }
      if (e.Get(unit)) counts->push_back(*e.Get(unit));
    };
  };
  std::vector<ProgressCount> packs, snapshots;
  auto index = RepairIndexLocked(*Reopen(), {}, only(ProgressUnit::kPacks, &packs));
  ASSERT_THAT(index, IsOk());
  ASSERT_FALSE(packs.empty());
  EXPECT_EQ(packs.back().done, index->packs);
  EXPECT_EQ(packs.back().total, index->packs);
  auto fixed = RepairSnapshotsLocked(*Reopen(), {}, only(ProgressUnit::kSnapshots, &snapshots));
  ASSERT_THAT(fixed, IsOk());
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(snapshots.back().done, 2u);
  EXPECT_EQ(snapshots.back().total, 2u);
}

// A pack whose header and only blob are destroyed: repair index reads the blob where the old
// index says, finds it damaged and names it lost, check names the snapshot and file that used
// it, repair snapshots removes that file, and everything else restores byte for byte.
TEST_F(RepairTest, DestroyedPackLosesOnlyTheFilesInThatPack) {
  Snapshot s = Backup({{"a", kA}, {"b", kB}}, {{"c", kC}});
  Snapshot other = Backup({{"d", kD}});
  Id lost_pack = PackOf(BlobType::kData, kA);
  ASSERT_NE(lost_pack, PackOf(BlobType::kData, kB));
  uint32_t offset = repo_->FindBlob(BlobType::kData, repo_->BlobId(kA))->offset;
  store_.Rewrite({FileType::kPack, lost_pack.Hex()}, [&](Bytes& b) {
    std::fill(b.end() - 40, b.end(), 0);  // the sealed header's tag and its length
    b[offset + 100] ^= 1;                 // and the blob
  });

  auto report = RepairIndexLocked(*Reopen(), {}, nullptr);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->damaged_packs.size(), 1u);
  const DamagedPack& lost = report->damaged_packs.front();
  EXPECT_EQ(lost.pack, lost_pack.Hex());
  EXPECT_EQ(lost.blobs_indexed, 1u);
  EXPECT_EQ(lost.blobs_kept, 0u);
  ASSERT_EQ(lost.lost_blobs.size(), 1u);
  EXPECT_THAT(lost.lost_blobs.front(), HasSubstr("data blob " + repo_->BlobId(kA).Hex()))
      << lost.lost_blobs.front();
  EXPECT_TRUE(report->lost_data());
  EXPECT_EQ(report->packs_written, 0u);
  EXPECT_EQ(report->packs_indexed, report->packs - 1);

  checker::CheckReport damaged = CheckAll(*Reopen());
  EXPECT_FALSE(damaged.ok());
  ASSERT_EQ(damaged.affected.size(), 1u);
  EXPECT_EQ(damaged.affected.at(s.id.Hex()), std::set<std::string>{"/a"});

  auto fixed = RepairSnapshotsLocked(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_THAT(fixed, IsOk());
  EXPECT_EQ(fixed->snapshots, 2u);
  EXPECT_EQ(fixed->unchanged, 1u);
  ASSERT_EQ(fixed->repaired.size(), 1u);
  const RepairedSnapshot& r = fixed->repaired.front();
  EXPECT_EQ(r.original, s.id.Hex());
  EXPECT_TRUE(r.original_removed);
  ASSERT_EQ(r.lost.size(), 1u);
  EXPECT_EQ(r.lost.front().rfind("/a: ", 0), 0u) << r.lost.front();

  auto repo = Reopen();
  auto all = repo->LoadSnapshots();
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 2u);
  const Snapshot& repaired = all->front();  // keeps the original's time
  EXPECT_EQ(repaired.id.Hex(), r.repaired);
  EXPECT_EQ(repaired.repaired_from, s.id);
  EXPECT_EQ(repaired.lost, r.lost);
  EXPECT_EQ(repaired.paths, s.paths);
  EXPECT_EQ(all->back().id, other.id);  // untouched
  checker::CheckReport after = CheckAll(*repo);
  EXPECT_TRUE(after.ok()) << after.errors.front();
  EXPECT_EQ(Contents(repaired.id), (std::map<std::string, Bytes>{{"/b", kB}, {"/sub/c", kC}}));
  EXPECT_EQ(Contents(other.id), (std::map<std::string, Bytes>{{"/d", kD}}));
}

// The security review's reproduction: one flipped byte in the length field of a pack's trailer
// makes its header unreadable, though every blob in it still opens where the index says. check
// reports the damaged header; repair index keeps every blob (verified, copied into new packs);
// nothing is lost through repair snapshots --forget and prune, and whether or not the damaged
// packs are gone, check --read-data is clean and every snapshot restores byte for byte.
TEST_F(RepairTest, OneFlippedByteInAPackTrailerLosesNothing) {
  Snapshot first = Backup({{"a", kA}, {"b", kB}}, {{"c", kC}});
  Snapshot second = Backup({{"d", kD}});
  const std::map<std::string, Bytes> first_files = {{"/a", kA}, {"/b", kB}, {"/sub/c", kC}};
  const std::map<std::string, Bytes> second_files = {{"/d", kD}};
  const std::vector<Id> damaged = {repo_->FindBlob(BlobType::kTree, first.tree)->pack,
                                   PackOf(BlobType::kData, kA)};
  size_t blobs = repo_->IndexedBlobCount();
  size_t in_damaged = 0;
  repo_->ForEachIndexedBlob([&](const Id&, const repository::BlobLocation& at) {
    in_damaged += std::count(damaged.begin(), damaged.end(), at.pack);
  });
  ASSERT_EQ(in_damaged, 3u);  // the two trees of the first backup, and a
  for (const Id& pack : damaged) store_.Rewrite({FileType::kPack, pack.Hex()}, FlipHeaderLength);

  checker::CheckReport before = CheckAll(*Reopen());
  for (const Id& pack : damaged) EXPECT_TRUE(before.damaged_packs.count(pack.Hex())) << pack.Hex();

  std::map<std::string, Bytes> files = FileContents();
  auto dry = RepairIndexLocked(*Reopen(), {.dry_run = true}, nullptr);
  ASSERT_THAT(dry, IsOk());
  EXPECT_EQ(dry->blobs_kept, in_damaged);
  EXPECT_EQ(dry->blobs_after, blobs);
  EXPECT_EQ(FileContents(), files);

  auto report = RepairIndexLocked(*Reopen(), {}, nullptr);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->damaged_packs.size(), 2u);
  for (const DamagedPack& p : report->damaged_packs) {
    EXPECT_THAT(p.reason, HasSubstr("header")) << p.reason;
    EXPECT_GT(p.blobs_indexed, 0u);
    EXPECT_EQ(p.blobs_kept, p.blobs_indexed) << p.pack;
    EXPECT_TRUE(p.lost_blobs.empty()) << p.lost_blobs.front();
  }
  EXPECT_FALSE(report->lost_data());
  EXPECT_EQ(report->blobs_kept, in_damaged);
  EXPECT_EQ(report->blobs_after, blobs);
  EXPECT_EQ(report->packs_indexed, report->packs - 2);
  EXPECT_GE(report->packs_written, 1u);

  auto repaired = Reopen();
  EXPECT_EQ(repaired->IndexedBlobCount(), blobs);
  repaired->ForEachIndexedBlob([&](const Id& blob, const repository::BlobLocation& at) {
    EXPECT_EQ(std::count(damaged.begin(), damaged.end(), at.pack), 0) << blob.Hex();
  });
  checker::CheckReport after = CheckAll(*repaired);
  EXPECT_TRUE(after.ok()) << after.errors.front();
  EXPECT_EQ(Contents(first.id), first_files);
  EXPECT_EQ(Contents(second.id), second_files);

  auto fixed = RepairSnapshotsLocked(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_THAT(fixed, IsOk());
  EXPECT_EQ(fixed->unchanged, 2u);
  EXPECT_TRUE(fixed->repaired.empty());
  auto pruning = Reopen();
  auto maintenance = repository::Maintenance::Begin(*pruning);
  ASSERT_THAT(maintenance, IsOk());
  auto pruned = pruner::Prune(**maintenance, {}, nullptr);
  maintenance->reset();
  ASSERT_THAT(pruned, IsOk());
  checker::CheckReport pruned_check = CheckAll(*Reopen());
  EXPECT_TRUE(pruned_check.ok()) << pruned_check.errors.front();
  EXPECT_EQ(Contents(first.id), first_files);
  // Prune removes the damaged packs once they are older than its grace period: nothing needs them.
  for (const Id& pack : damaged) ASSERT_TRUE(store_.raw().Remove({FileType::kPack, pack.Hex()}));
  checker::CheckReport without = CheckAll(*Reopen());
  EXPECT_TRUE(without.ok()) << without.errors.front();
  EXPECT_TRUE(without.notes.empty()) << without.notes.front();
  EXPECT_EQ(Contents(first.id), first_files);
  EXPECT_EQ(Contents(second.id), second_files);
}

// A pack with a damaged header and a damaged blob keeps its other blobs: only the damaged one is
// lost (here a directory's tree, which repair snapshots then empties).
TEST_F(RepairTest, DamagedHeaderAndBlobKeepTheOtherBlobsOfThePack) {
  Snapshot s = Backup({{"a", kA}}, {{"c", kC}});
  auto root = repository::DecodeTree(*repo_->LoadBlob(BlobType::kTree, s.tree));
  ASSERT_THAT(root, IsOk());
  Id sub = *root->nodes.back().subtree;
  repository::BlobLocation at = *repo_->FindBlob(BlobType::kTree, sub);
  ASSERT_EQ(at.pack, repo_->FindBlob(BlobType::kTree, s.tree)->pack);
  store_.Rewrite({FileType::kPack, at.pack.Hex()}, [&](Bytes& b) {
    FlipHeaderLength(b);
    b[at.offset + at.length / 2] ^= 0x20;
  });

  auto report = RepairIndexLocked(*Reopen(), {}, nullptr);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->damaged_packs.size(), 1u);
  const DamagedPack& p = report->damaged_packs.front();
  EXPECT_EQ(p.blobs_indexed, 2u);
  EXPECT_EQ(p.blobs_kept, 1u);
  ASSERT_EQ(p.lost_blobs.size(), 1u);
  EXPECT_THAT(p.lost_blobs.front(), HasSubstr("tree blob " + sub.Hex())) << p.lost_blobs.front();
  EXPECT_TRUE(report->lost_data());

  auto fixed = RepairSnapshotsLocked(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_THAT(fixed, IsOk());
  ASSERT_EQ(fixed->repaired.size(), 1u);
  ASSERT_EQ(fixed->repaired.front().lost.size(), 1u);
  EXPECT_EQ(fixed->repaired.front().lost.front().rfind("/sub: directory lost", 0), 0u)
      << fixed->repaired.front().lost.front();
  auto repaired = Id::FromHex(fixed->repaired.front().repaired);
  ASSERT_THAT(repaired, IsOk());
  EXPECT_EQ(Contents(*repaired), (std::map<std::string, Bytes>{{"/a", kA}}));
  checker::CheckReport after = CheckAll(*Reopen());
  EXPECT_TRUE(after.ok()) << after.errors.front();
}

// When no readable index file locates anything in a pack whose header is unreadable, its blobs
// are lost (packs are not scanned for blobs): it is reported with nothing indexed.
TEST_F(RepairTest, UnreadableHeaderWithoutIndexEntriesLosesThePack) {
  Snapshot s = Backup({{"a", kA}, {"b", kB}});
  Id lost_pack = PackOf(BlobType::kData, kA);
  store_.Rewrite({FileType::kPack, lost_pack.Hex()}, FlipHeaderLength);
  for (const std::string& name : store_.Names(FileType::kIndex)) {
    ASSERT_TRUE(store_.raw().Remove({FileType::kIndex, name}));
  }
  auto report = RepairIndexLocked(*Reopen(), {}, nullptr);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->damaged_packs.size(), 1u);
  EXPECT_EQ(report->damaged_packs.front().pack, lost_pack.Hex());
  EXPECT_EQ(report->damaged_packs.front().blobs_indexed, 0u);
  EXPECT_TRUE(report->lost_data());
  EXPECT_EQ(report->packs_indexed, report->packs - 1);
  checker::CheckReport check = CheckAll(*Reopen());
  ASSERT_EQ(check.affected.size(), 1u);
  EXPECT_EQ(check.affected.at(s.id.Hex()), std::set<std::string>{"/a"});
}

// An I/O error is not damage: whether a pack, a blob of a pack whose header is damaged or an
// index file cannot be read, repair index stops with the error and changes nothing (it would
// otherwise drop what it could not read); once the storage reads again, it repairs.
TEST_F(RepairTest, ReadErrorsStopRepairIndexAndChangeNothing) {
  Snapshot s = Backup({{"a", kA}, {"b", kB}});
  Id damaged = PackOf(BlobType::kData, kA);
  Id unreadable = PackOf(BlobType::kData, kB);
  uint32_t offset = repo_->FindBlob(BlobType::kData, repo_->BlobId(kA))->offset;
  store_.Rewrite({FileType::kPack, damaged.Hex()}, FlipHeaderLength);
  std::string index = store_.Names(FileType::kIndex).front();
  struct Case {
    const char* what;
    FailingBackend::FailsFn fails;
  };
  const Case cases[] = {
      {"a pack", [&](const backend::Handle& f, uint64_t,
                     uint64_t) { return f.type == FileType::kPack && f.name == unreadable.Hex(); }},
      {"a blob of a pack whose header is damaged",
       [&](const backend::Handle& f, uint64_t at, uint64_t) {
         return f.type == FileType::kPack && f.name == damaged.Hex() && at == offset;
       }},
      {"an index file", [&](const backend::Handle& f, uint64_t,
                            uint64_t) { return f.type == FileType::kIndex && f.name == index; }},
  };
  const std::map<std::string, Bytes> before = FileContents();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto repo = OpenFailing(c.fails);
    ASSERT_NE(repo, nullptr);
    auto report = RepairIndexLocked(*repo, {}, nullptr);
    ASSERT_FALSE(report.has_value());
    EXPECT_THAT(report, ErrorIs(ErrorCode::kIo)) << report.error().message();
    EXPECT_THAT(report.error().message(), HasSubstr("Input/output error"))
        << report.error().message();
    EXPECT_THAT(report.error().message(), HasSubstr("repair index changed nothing"))
        << report.error().message();
    EXPECT_EQ(FileContents(), before);
  }

  auto report = RepairIndexLocked(*Reopen(), {}, nullptr);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->damaged_packs.size(), 1u);
  EXPECT_EQ(report->damaged_packs.front().blobs_kept, 1u);
  EXPECT_FALSE(report->lost_data());
  EXPECT_EQ(Contents(s.id), (std::map<std::string, Bytes>{{"/a", kA}, {"/b", kB}}));
}

// An index file that fails to read once (during repair's own load) and then reads is loaded
// again, not taken for damaged and replaced: the blobs it locates in a pack whose header is
// damaged are kept.
TEST_F(RepairTest, AnIndexFileThatFailsToReadOnceIsLoadedAgain) {
  Snapshot s = Backup({{"a", kA}, {"b", kB}});
  Id damaged = PackOf(BlobType::kData, kA);
  store_.Rewrite({FileType::kPack, damaged.Hex()}, FlipHeaderLength);
  std::map<std::string, int> reads;  // index file -> whole-file reads so far
  auto repo = OpenFailing([&](const backend::Handle& f, uint64_t offset, uint64_t length) {
    // The first read (at open) succeeds, the second (repair index's) fails, later ones succeed.
    return f.type == FileType::kIndex && offset == 0 && length == 0 && ++reads[f.name] == 2;
  });
  ASSERT_NE(repo, nullptr);
  auto report = RepairIndexLocked(*repo, {}, nullptr);
  ASSERT_THAT(report, IsOk());
  EXPECT_TRUE(report->damaged_index_files.empty());
  ASSERT_EQ(report->damaged_packs.size(), 1u);
  EXPECT_EQ(report->damaged_packs.front().blobs_kept, 1u);
  EXPECT_FALSE(report->lost_data());
  EXPECT_EQ(Contents(s.id), (std::map<std::string, Bytes>{{"/a", kA}, {"/b", kB}}));
}

// A flipped byte inside a data blob (the pack header intact): only re-hashing finds it.
TEST_F(RepairTest, RepairSnapshotsRemovesAFileWhoseBlobFailsVerification) {
  Snapshot s = Backup({{"a", kA}, {"b", kB}});
  Id pack = PackOf(BlobType::kData, kB);
  uint32_t offset = repo_->FindBlob(BlobType::kData, repo_->BlobId(kB))->offset;
  store_.Rewrite({FileType::kPack, pack.Hex()}, [&](Bytes& b) { b[offset + 100] ^= 1; });
  std::set<std::string> before = Files();
  auto dry = RepairSnapshotsLocked(*Reopen(), {.snapshots = {}, .forget = false, .dry_run = true},
                                   nullptr);
  ASSERT_THAT(dry, IsOk());
  ASSERT_EQ(dry->repaired.size(), 1u);
  EXPECT_TRUE(dry->repaired.front().repaired.empty());
  EXPECT_EQ(Files(), before);

  auto fixed = RepairSnapshotsLocked(*Reopen(), {}, nullptr);  // without --forget: original kept
  ASSERT_THAT(fixed, IsOk());
  ASSERT_EQ(fixed->repaired.size(), 1u);
  EXPECT_EQ(fixed->data_blobs_lost, 1u);
  EXPECT_FALSE(fixed->repaired.front().original_removed);
  EXPECT_EQ(fixed->repaired.front().lost, dry->repaired.front().lost);
  EXPECT_THAT(Reopen()->LoadSnapshot(s.id), IsOk());
  auto repaired = Id::FromHex(fixed->repaired.front().repaired);
  ASSERT_THAT(repaired, IsOk());
  EXPECT_EQ(Contents(*repaired), (std::map<std::string, Bytes>{{"/a", kA}}));
}

TEST_F(RepairTest, UnreadableSubtreeBecomesAnEmptyDirectory) {
  Snapshot s = Backup({{"a", kA}}, {{"c", kC}});
  auto root = repository::DecodeTree(*repo_->LoadBlob(BlobType::kTree, s.tree));
  Id sub = *root->nodes.back().subtree;
  Id tree_pack = repo_->FindBlob(BlobType::kTree, sub)->pack;
  // The tree pack holds both trees: rewrite the index without the subtree instead.
  (void)tree_pack;
  auto listing = repo_->ListIndex();
  ASSERT_THAT(listing, IsOk());
  for (auto& pack : listing->packs) {
    std::erase_if(pack.blobs, [&](const repository::PackEntry& e) { return e.id == sub; });
  }
  ASSERT_TRUE(RewriteIndexLocked(*repo_, *listing));
  auto fixed = RepairSnapshotsLocked(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_THAT(fixed, IsOk());
  ASSERT_EQ(fixed->repaired.size(), 1u);
  ASSERT_EQ(fixed->repaired.front().lost.size(), 1u);
  EXPECT_EQ(fixed->repaired.front().lost.front().rfind("/sub: directory lost", 0), 0u)
      << fixed->repaired.front().lost.front();
  auto repaired = Id::FromHex(fixed->repaired.front().repaired);
  EXPECT_EQ(Contents(*repaired), (std::map<std::string, Bytes>{{"/a", kA}}));
  checker::CheckReport after = CheckAll(*Reopen());
  EXPECT_TRUE(after.ok()) << after.errors.front();
}

// A split directory (docs/tree-format.md) with one part lost keeps the entries of the others.
TEST_F(RepairTest, ASplitDirectoryWithALostPartKeepsTheOtherParts) {
  repository::Tree big = SaveFiles({{"seed", kA}});
  const repository::Node file = big.nodes.front();
  big.nodes.clear();
  for (int i = 0; i < 60000; ++i) {  // ~9.5 MB of tree: over the 8 MiB split limit
    repository::Node n = file;
    n.name = "mail-" + std::to_string(100000 + i) + std::string(100, 'x');
    big.nodes.push_back(n);
  }
  auto saved = repository::SaveTree(big, [&](Bytes encoded) -> Result<Id> {
    Id id = repo_->BlobId(encoded);
    STORMPROOF_TRY(repo_->SaveBlob(BlobType::kTree, id, encoded));
    return id;
  });
  ASSERT_THAT(saved, IsOk());
  repository::Node dir;
  dir.name = "sub";
  dir.type = repository::NodeType::kDir;
  dir.subtree = *saved;
  Snapshot snapshot;
  snapshot.paths = {"/data"};
  snapshot.tree = SaveTree(repository::Tree{.nodes = {dir}});
  ASSERT_TRUE(repo_->Flush());
  snapshot.id = *repo_->SaveSnapshot(snapshot);
  std::vector<Id> parts;
  auto joined = repository::LoadTree(*repo_, *saved, &parts);
  ASSERT_THAT(joined, IsOk());
  ASSERT_GE(parts.size(), 3u);
  // Drop the second part from the index, as a destroyed pack would.
  auto lost_part = repository::DecodeTree(*repo_->LoadBlob(BlobType::kTree, parts[1]));
  ASSERT_THAT(lost_part, IsOk());
  auto listing = repo_->ListIndex();
  ASSERT_THAT(listing, IsOk());
  for (auto& pack : listing->packs) {
    std::erase_if(pack.blobs, [&](const repository::PackEntry& e) { return e.id == parts[1]; });
  }
  ASSERT_TRUE(RewriteIndexLocked(*repo_, *listing));

  auto fixed = RepairSnapshotsLocked(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_THAT(fixed, IsOk());
  ASSERT_EQ(fixed->repaired.size(), 1u);
  const std::vector<std::string>& lost = fixed->repaired.front().lost;
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost.front().rfind("/sub: entries lost, the others kept (part 2 of ", 0), 0u)
      << lost.front();
  EXPECT_THAT(lost.front(), HasSubstr(parts[1].Hex())) << lost.front();
  auto repaired = Id::FromHex(fixed->repaired.front().repaired);
  EXPECT_EQ(Contents(*repaired).size(), 60000u - lost_part->nodes.size());
  checker::CheckReport after = CheckAll(*Reopen());
  EXPECT_TRUE(after.ok()) << after.errors.front();
}

TEST_F(RepairTest, DamagedSnapshotFileIsSkippedReportedAndForgotten) {
  Snapshot good = Backup({{"a", kA}});
  Snapshot bad = Backup({{"b", kB}});
  store_.Rewrite({FileType::kSnapshot, bad.id.Hex()}, [](Bytes& b) { b[b.size() - 5] = 0; });

  auto repo = Reopen();
  std::vector<repository::DamagedFile> damaged;
  auto listed = repo->LoadSnapshots(&damaged);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, good.id);
  ASSERT_EQ(damaged.size(), 1u);
  EXPECT_EQ(damaged.front().name, bad.id.Hex());
  EXPECT_FALSE(repo->LoadSnapshots().has_value());  // the strict form still refuses

  checker::CheckReport check = CheckAll(*repo);
  EXPECT_FALSE(check.ok());
  EXPECT_TRUE(AnyContains(check.errors, bad.id.Hex()));

  auto kept = RepairSnapshotsLocked(*repo, {}, nullptr);
  ASSERT_THAT(kept, IsOk());
  EXPECT_EQ(kept->damaged_snapshot_files.size(), 1u);
  EXPECT_FALSE(kept->damaged_removed);
  EXPECT_EQ(store_.Names(FileType::kSnapshot).size(), 2u);

  auto forgot = RepairSnapshotsLocked(
      *repo, {.snapshots = {bad.id.Hex().substr(0, 8)}, .forget = true}, nullptr);
  ASSERT_THAT(forgot, IsOk());
  EXPECT_TRUE(forgot->damaged_removed);
  EXPECT_EQ(forgot->snapshots, 0u);  // only the selected (damaged) one
  EXPECT_EQ(store_.Names(FileType::kSnapshot), std::vector<std::string>{good.id.Hex()});
  checker::CheckReport after = CheckAll(*Reopen());
  EXPECT_TRUE(after.ok()) << after.errors.front();
  EXPECT_TRUE(after.notes.empty());  // B's pack still indexed: prune's business, not an error
}

TEST_F(RepairTest, RepairSnapshotsRefusesWhileAnIndexFileIsDamaged) {
  Backup({{"a", kA}});
  std::string index = store_.Names(FileType::kIndex).front();
  store_.Rewrite({FileType::kIndex, index}, [](Bytes& b) { b[0] ^= 1; });
  std::set<std::string> before = Files();
  auto fixed = RepairSnapshotsLocked(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_FALSE(fixed.has_value());
  EXPECT_THAT(fixed.error().message(), HasSubstr("repair index"));
  EXPECT_EQ(Files(), before);
}

TEST_F(RepairTest, UnknownSnapshotIsAnError) {
  Backup({{"a", kA}});
  auto fixed = RepairSnapshotsLocked(*repo_, {.snapshots = {"ffffffffff"}}, nullptr);
  ASSERT_FALSE(fixed.has_value());
  EXPECT_THAT(fixed, ErrorIs(ErrorCode::kNotFound));
}

// Both repairs take the exclusive lock: without a wait they refuse while another process holds
// any lock, changing nothing; with one (--retry-lock) they wait for it to go and then run.
TEST_F(RepairTest, RepairsRefuseALockedRepositoryOrWaitForIt) {
  Backup({{"a", kA}});
  std::string index = store_.Names(FileType::kIndex).front();
  store_.Rewrite({FileType::kIndex, index}, [](Bytes& b) { b.resize(10); });
  std::set<std::string> before = Files();
  auto other = Reopen();
  auto lock = other->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(lock, IsOk());

  auto refused = RepairIndexLocked(*Reopen(), {}, nullptr);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused, ErrorIs(ErrorCode::kLocked)) << refused.error().message();
  auto refused_snapshots = RepairSnapshotsLocked(*Reopen(), {}, nullptr);
  ASSERT_FALSE(refused_snapshots.has_value());
  EXPECT_THAT(refused_snapshots, ErrorIs(ErrorCode::kLocked));
  EXPECT_EQ(Files(), before);

  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    lock->reset();
  });
  int notices = 0;
  auto waiting = Reopen();
  auto maintenance = repository::Maintenance::Begin(
      *waiting, std::chrono::seconds(60), [&](const Error& conflict) {
        ++notices;
        EXPECT_EQ(conflict.code(), ErrorCode::kLocked);
      });
  release.join();
  ASSERT_THAT(maintenance, IsOk());
  auto repaired = RepairIndex(**maintenance, {}, nullptr);
  ASSERT_THAT(repaired, IsOk());
  EXPECT_EQ(notices, 1);
  EXPECT_EQ(repaired->damaged_index_files.size(), 1u);
  EXPECT_NE(Files(), before);
}

}  // namespace
}  // namespace stormproof::repair
