// repair index / repair snapshots against real (in-memory) repositories with damaged index,
// pack and snapshot files: what can be rebuilt is, what is lost is named, the remaining data
// reads back byte for byte, and `check --read-data` is clean afterwards.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../repository/repository_fixtures.h"
#include "checker/checker.h"
#include "repair/index_repair.h"
#include "repair/snapshot_repair.h"
#include "repository/index_files.h"
#include "repository/tree.h"
#include "repository/tree_store.h"

namespace stormproof::repair {
namespace {

using backend::FileType;
using repository::BlobType;
using repository::Id;
using repository::Repository;
using repository::Snapshot;
using repository::testing::RandomData;
using repository::testing::Store;

const Bytes kA = RandomData(5000, 1), kB = RandomData(7000, 2), kC = RandomData(3000, 3),
            kD = RandomData(9000, 4);

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
    EXPECT_TRUE(id.has_value());
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
      EXPECT_TRUE(repo_->SaveBlob(BlobType::kData, id, content).has_value());
      EXPECT_TRUE(repo_->Flush());
      file.content.push_back(id);
      tree.nodes.push_back(file);
    }
    return tree;
  }

  Id SaveTree(const repository::Tree& tree) {
    Bytes encoded = repository::EncodeTree(tree);
    Id id = repo_->BlobId(encoded);
    EXPECT_TRUE(repo_->SaveBlob(BlobType::kTree, id, encoded).has_value());
    return id;
  }

  std::unique_ptr<Repository> Reopen() {
    auto repo = store_.Open();
    EXPECT_TRUE(repo.has_value()) << repo.error().message();
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
    EXPECT_TRUE(s.has_value());
    if (!s) return out;
    std::vector<std::pair<Id, std::string>> stack = {{s->tree, ""}};
    while (!stack.empty()) {
      auto [tree_id, path] = stack.back();
      stack.pop_back();
      auto tree = repository::LoadTree(*repo, tree_id);
      EXPECT_TRUE(tree.has_value()) << tree.error().message();
      if (!tree) continue;
      for (const repository::Node& node : tree->nodes) {
        if (node.subtree) stack.push_back({*node.subtree, path + "/" + node.name});
        if (node.type != repository::NodeType::kFile) continue;
        Bytes& content = out[path + "/" + node.name];
        for (const Id& blob : node.content) {
          auto data = repo->LoadBlob(BlobType::kData, blob, repository::IdCheck::kRehash);
          EXPECT_TRUE(data.has_value()) << data.error().message();
          if (data) content.insert(content.end(), data->begin(), data->end());
        }
      }
    }
    return out;
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

  auto report = RepairIndex(*repo, {}, nullptr);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->damaged_index_files.size(), 1u);
  EXPECT_TRUE(report->lost_packs.empty());
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
  auto report = RepairIndex(*Reopen(), {.dry_run = true}, nullptr);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->damaged_index_files.size(), 1u);
  EXPECT_EQ(Files(), before);
}

// A pack whose header is destroyed: repair index drops it (named as lost), check names the
// snapshot and file that used it, repair snapshots removes that file, and everything else
// restores byte for byte.
TEST_F(RepairTest, DestroyedPackHeaderLosesOnlyTheFilesInThatPack) {
  Snapshot s = Backup({{"a", kA}, {"b", kB}}, {{"c", kC}});
  Snapshot other = Backup({{"d", kD}});
  Id lost_pack = PackOf(BlobType::kData, kA);
  ASSERT_NE(lost_pack, PackOf(BlobType::kData, kB));
  store_.Rewrite({FileType::kPack, lost_pack.Hex()}, [](Bytes& b) {
    std::fill(b.end() - 40, b.end(), 0);  // the sealed header's tag and its length
  });

  auto report = RepairIndex(*Reopen(), {}, nullptr);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  ASSERT_EQ(report->lost_packs.size(), 1u);
  EXPECT_EQ(report->lost_packs.front().pack, lost_pack.Hex());
  EXPECT_EQ(report->packs_indexed, report->packs - 1);

  checker::CheckReport damaged = CheckAll(*Reopen());
  EXPECT_FALSE(damaged.ok());
  ASSERT_EQ(damaged.affected.size(), 1u);
  EXPECT_EQ(damaged.affected.at(s.id.Hex()), std::set<std::string>{"/a"});

  auto fixed = RepairSnapshots(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_TRUE(fixed.has_value()) << fixed.error().message();
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
  ASSERT_TRUE(all.has_value()) << all.error().message();
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

// A flipped byte inside a data blob (the pack header intact): only re-hashing finds it.
TEST_F(RepairTest, RepairSnapshotsRemovesAFileWhoseBlobFailsVerification) {
  Snapshot s = Backup({{"a", kA}, {"b", kB}});
  Id pack = PackOf(BlobType::kData, kB);
  uint32_t offset = repo_->FindBlob(BlobType::kData, repo_->BlobId(kB))->offset;
  store_.Rewrite({FileType::kPack, pack.Hex()}, [&](Bytes& b) { b[offset + 100] ^= 1; });
  std::set<std::string> before = Files();
  auto dry =
      RepairSnapshots(*Reopen(), {.snapshots = {}, .forget = false, .dry_run = true}, nullptr);
  ASSERT_TRUE(dry.has_value()) << dry.error().message();
  ASSERT_EQ(dry->repaired.size(), 1u);
  EXPECT_TRUE(dry->repaired.front().repaired.empty());
  EXPECT_EQ(Files(), before);

  auto fixed = RepairSnapshots(*Reopen(), {}, nullptr);  // without --forget: original kept
  ASSERT_TRUE(fixed.has_value()) << fixed.error().message();
  ASSERT_EQ(fixed->repaired.size(), 1u);
  EXPECT_EQ(fixed->data_blobs_lost, 1u);
  EXPECT_FALSE(fixed->repaired.front().original_removed);
  EXPECT_EQ(fixed->repaired.front().lost, dry->repaired.front().lost);
  EXPECT_TRUE(Reopen()->LoadSnapshot(s.id).has_value());
  auto repaired = Id::FromHex(fixed->repaired.front().repaired);
  ASSERT_TRUE(repaired.has_value());
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
  ASSERT_TRUE(listing.has_value());
  for (auto& pack : listing->packs) {
    std::erase_if(pack.blobs, [&](const repository::PackEntry& e) { return e.id == sub; });
  }
  ASSERT_TRUE(repo_->RewriteIndex(listing->packs, listing->files));
  auto fixed = RepairSnapshots(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_TRUE(fixed.has_value()) << fixed.error().message();
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
  ASSERT_TRUE(saved.has_value()) << saved.error().message();
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
  ASSERT_TRUE(joined.has_value()) << joined.error().message();
  ASSERT_GE(parts.size(), 3u);
  // Drop the second part from the index, as a destroyed pack would.
  auto lost_part = repository::DecodeTree(*repo_->LoadBlob(BlobType::kTree, parts[1]));
  ASSERT_TRUE(lost_part.has_value());
  auto listing = repo_->ListIndex();
  ASSERT_TRUE(listing.has_value());
  for (auto& pack : listing->packs) {
    std::erase_if(pack.blobs, [&](const repository::PackEntry& e) { return e.id == parts[1]; });
  }
  ASSERT_TRUE(repo_->RewriteIndex(listing->packs, listing->files));

  auto fixed = RepairSnapshots(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_TRUE(fixed.has_value()) << fixed.error().message();
  ASSERT_EQ(fixed->repaired.size(), 1u);
  const std::vector<std::string>& lost = fixed->repaired.front().lost;
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost.front().rfind("/sub: entries lost, the others kept (part 2 of ", 0), 0u)
      << lost.front();
  EXPECT_NE(lost.front().find(parts[1].Hex()), std::string::npos) << lost.front();
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
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, good.id);
  ASSERT_EQ(damaged.size(), 1u);
  EXPECT_EQ(damaged.front().name, bad.id.Hex());
  EXPECT_FALSE(repo->LoadSnapshots().has_value());  // the strict form still refuses

  checker::CheckReport check = CheckAll(*repo);
  EXPECT_FALSE(check.ok());
  EXPECT_TRUE(AnyContains(check.errors, bad.id.Hex()));

  auto kept = RepairSnapshots(*repo, {}, nullptr);
  ASSERT_TRUE(kept.has_value()) << kept.error().message();
  EXPECT_EQ(kept->damaged_snapshot_files.size(), 1u);
  EXPECT_FALSE(kept->damaged_removed);
  EXPECT_EQ(store_.Names(FileType::kSnapshot).size(), 2u);

  auto forgot =
      RepairSnapshots(*repo, {.snapshots = {bad.id.Hex().substr(0, 8)}, .forget = true}, nullptr);
  ASSERT_TRUE(forgot.has_value()) << forgot.error().message();
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
  auto fixed = RepairSnapshots(*Reopen(), {.snapshots = {}, .forget = true}, nullptr);
  ASSERT_FALSE(fixed.has_value());
  EXPECT_NE(fixed.error().message().find("repair index"), std::string::npos);
  EXPECT_EQ(Files(), before);
}

TEST_F(RepairTest, UnknownSnapshotIsAnError) {
  Backup({{"a", kA}});
  auto fixed = RepairSnapshots(*repo_, {.snapshots = {"ffffffffff"}}, nullptr);
  ASSERT_FALSE(fixed.has_value());
  EXPECT_EQ(fixed.error().code(), ErrorCode::kNotFound);
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
  ASSERT_TRUE(lock.has_value()) << lock.error().message();

  auto refused = RepairIndex(*Reopen(), {}, nullptr);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kLocked) << refused.error().message();
  auto refused_snapshots = RepairSnapshots(*Reopen(), {}, nullptr);
  ASSERT_FALSE(refused_snapshots.has_value());
  EXPECT_EQ(refused_snapshots.error().code(), ErrorCode::kLocked);
  EXPECT_EQ(Files(), before);

  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    lock->reset();
  });
  int notices = 0;
  RepairIndexOptions options;
  options.lock_wait = std::chrono::seconds(60);
  options.on_lock_wait = [&](const Error& conflict) {
    ++notices;
    EXPECT_EQ(conflict.code(), ErrorCode::kLocked);
  };
  auto repaired = RepairIndex(*Reopen(), options, nullptr);
  release.join();
  ASSERT_TRUE(repaired.has_value()) << repaired.error().message();
  EXPECT_EQ(notices, 1);
  EXPECT_EQ(repaired->damaged_index_files.size(), 1u);
  EXPECT_NE(Files(), before);
}

}  // namespace
}  // namespace stormproof::repair
