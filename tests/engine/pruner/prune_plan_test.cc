// MakePlan decides pack by pack; these cases pin each decision down without a repository.
#include "engine/pruner/internal/prune_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace stormproof::pruner {
namespace {

using repository::BlobType;
using repository::Id;
using repository::IndexedPack;
using repository::PackEntry;

Id MakeId(uint8_t n) {
  Id id;
  id.bytes.fill(n);
  return id;
}

// A pack numbered `n` holding data blobs `blobs` (ids by number) of `length` bytes each.
IndexedPack Pack(uint8_t n, std::vector<uint8_t> blobs, uint32_t length = 100) {
  IndexedPack pack{MakeId(n), {}};
  uint32_t offset = 32;
  for (uint8_t b : blobs) {
    pack.blobs.push_back(PackEntry{BlobType::kData, MakeId(b), offset, length, length});
    offset += length;
  }
  return pack;
}

UsedBlobs Used(std::vector<uint8_t> blobs) {
  UsedBlobs used;
  for (uint8_t b : blobs) used.Add(BlobType::kData, MakeId(b));
  return used;
}

std::map<Id, uint64_t> OnBackend(const std::vector<IndexedPack>& packs) {
  std::map<Id, uint64_t> sizes;
  for (const IndexedPack& p : packs) sizes[p.pack] = 1000;
  return sizes;
}

bool Removes(const PrunePlan& plan, uint8_t pack) {
  return std::count(plan.remove.begin(), plan.remove.end(), MakeId(pack)) == 1;
}
bool Keeps(const PrunePlan& plan, uint8_t pack) {
  return std::any_of(plan.keep.begin(), plan.keep.end(),
                     [&](const IndexedPack& p) { return p.pack == MakeId(pack); });
}

struct Case {
  std::string name;
  std::vector<uint8_t> pack_blobs;  // one pack, numbered 1
  std::vector<uint8_t> used;
  double threshold;
  enum { kKeep, kRepack, kDelete } expect;
};

TEST(MakePlan, DecidesEachPackByItsUnusedShare) {
  const std::vector<Case> cases = {
      {"all used", {10, 11, 12, 13}, {10, 11, 12, 13}, 0.5, Case::kKeep},
      {"none used", {10, 11, 12, 13}, {}, 0.5, Case::kDelete},
      {"half unused reaches 50%", {10, 11, 12, 13}, {10, 11}, 0.5, Case::kRepack},
      {"a quarter unused stays below 50%", {10, 11, 12, 13}, {10, 11, 12}, 0.5, Case::kKeep},
      {"threshold 0 repacks any unused data", {10, 11, 12, 13}, {10, 11, 12}, 0.0, Case::kRepack},
      {"threshold 1 never repacks", {10, 11, 12, 13}, {10}, 1.0, Case::kKeep},
      {"threshold 1 still deletes an unused pack", {10, 11}, {}, 1.0, Case::kDelete},
  };
  for (const Case& c : cases) {
    std::vector<IndexedPack> indexed = {Pack(1, c.pack_blobs)};
    PruneOptions options;
    options.repack_threshold = c.threshold;
    PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, Used(c.used), options);
    EXPECT_TRUE(plan.missing_blobs.empty()) << c.name;
    switch (c.expect) {
      case Case::kKeep:
        EXPECT_TRUE(Keeps(plan, 1)) << c.name;
        EXPECT_FALSE(Removes(plan, 1)) << c.name;
        EXPECT_TRUE(plan.repack.empty()) << c.name;
        EXPECT_EQ(plan.stats.bytes_unused_kept, 100 * (c.pack_blobs.size() - c.used.size()))
            << c.name;
        break;
      case Case::kRepack:
        EXPECT_TRUE(Removes(plan, 1)) << c.name;
        EXPECT_FALSE(Keeps(plan, 1)) << c.name;
        EXPECT_EQ(plan.repack.size(), c.used.size()) << c.name;
        EXPECT_EQ(plan.stats.packs_repacked, 1u) << c.name;
        EXPECT_TRUE(plan.index_changes) << c.name;
        break;
      case Case::kDelete:
        EXPECT_TRUE(Removes(plan, 1)) << c.name;
        EXPECT_TRUE(plan.repack.empty()) << c.name;
        EXPECT_EQ(plan.stats.packs_unused, 1u) << c.name;
        EXPECT_EQ(plan.stats.blobs_removed, c.pack_blobs.size()) << c.name;
        break;
    }
  }
}

TEST(MakePlan, DeletesPacksNoIndexNames) {
  std::vector<IndexedPack> indexed = {Pack(1, {10})};
  auto on_backend = OnBackend(indexed);
  on_backend[MakeId(2)] = 5000;  // left by a crashed backup
  PrunePlan plan = MakePlan(indexed, on_backend, 1, Used({10}), {});
  EXPECT_TRUE(Removes(plan, 2));
  EXPECT_TRUE(Keeps(plan, 1));
  EXPECT_EQ(plan.stats.packs_orphaned, 1u);
  EXPECT_EQ(plan.stats.bytes_deleted, 5000u);
  EXPECT_FALSE(plan.index_changes);  // the orphan is in no index file
}

TEST(MakePlan, ReportsPacksTheIndexNamesButTheBackendLacks) {
  std::vector<IndexedPack> indexed = {Pack(1, {10}), Pack(2, {11})};
  auto on_backend = OnBackend({indexed[0]});
  PrunePlan plan = MakePlan(indexed, on_backend, 1, Used({10, 11}), {});
  ASSERT_EQ(plan.missing_packs.size(), 1u);
  EXPECT_EQ(plan.missing_packs[0], MakeId(2));
  EXPECT_FALSE(Removes(plan, 2));
}

TEST(MakePlan, ReportsBlobsInUseThatNoIndexNames) {
  std::vector<IndexedPack> indexed = {Pack(1, {10})};
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, Used({10, 42}), {});
  ASSERT_EQ(plan.missing_blobs.size(), 1u);
  EXPECT_EQ(plan.missing_blobs[0].id, MakeId(42));
}

TEST(MakePlan, KeepsOneCopyOfADuplicatedBlobInTheFullerPack) {
  // Blob 10 was saved twice (two concurrent backups): pack 2 holds only that copy.
  std::vector<IndexedPack> indexed = {Pack(2, {10}), Pack(1, {10, 11, 12})};
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, Used({10, 11, 12}), {});
  EXPECT_TRUE(Keeps(plan, 1));
  EXPECT_TRUE(Removes(plan, 2));
  EXPECT_EQ(plan.stats.packs_unused, 1u);
  EXPECT_TRUE(plan.missing_blobs.empty());
}

TEST(MakePlan, ConsolidatesManyIndexFiles) {
  std::vector<IndexedPack> indexed = {Pack(1, {10}), Pack(2, {11})};
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 7, Used({10, 11}), {});
  EXPECT_TRUE(plan.index_changes);
  EXPECT_EQ(plan.stats.index_files_after, 1u);
  EXPECT_TRUE(plan.remove.empty());
}

TEST(MakePlan, LeavesATidyRepositoryAlone) {
  std::vector<IndexedPack> indexed = {Pack(1, {10}), Pack(2, {11})};
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, Used({10, 11}), {});
  EXPECT_FALSE(plan.index_changes);
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(plan.repack.empty());
  EXPECT_EQ(plan.stats.packs_kept, 2u);
}

}  // namespace
}  // namespace stormproof::pruner
