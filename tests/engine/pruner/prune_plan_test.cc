// MakePlan decides pack by pack; these cases pin each decision down without a repository.
#include "engine/pruner/internal/prune_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "engine/repository/pack.h"

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

// The index decides which copy of a blob stays; it may lie (a planted index file), so the copy
// kept while another goes is listed for prune to read first.
TEST(MakePlan, ListsTheKeptCopyOfEachBlobWhoseOtherCopyGoes) {
  std::vector<IndexedPack> indexed = {Pack(2, {10}), Pack(1, {10, 11, 12}),
                                      Pack(3, {11, 13, 14, 15})};
  // Pack 3 holds more in use and claims 11: pack 1 keeps an unclaimed copy of it (below the
  // repack threshold), and 11 needs no confirming, since no copy of it goes.
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, Used({10, 11, 12, 13, 14, 15}), {});
  ASSERT_TRUE(Removes(plan, 2));
  ASSERT_TRUE(Keeps(plan, 1));
  ASSERT_TRUE(Keeps(plan, 3));
  ASSERT_EQ(plan.confirm.size(), 1u);
  EXPECT_EQ(plan.confirm[0].pack, MakeId(1));
  ASSERT_EQ(plan.confirm[0].entries.size(), 1u);
  EXPECT_EQ(plan.confirm[0].entries[0].id, MakeId(10));
  EXPECT_EQ(plan.confirm[0].entries[0].offset, 32u);
  EXPECT_EQ(plan.confirm[0].stored_size, 1000u);
  EXPECT_EQ(PackSize(indexed[1]), 32 + 300 + repository::PackTrailerSize(3));
}

// An entry found not to hold its blob is never the copy kept: another copy is, and is confirmed;
// the distrusted entry leaves the index even where its pack stays.
TEST(MakePlan, KeepsAnotherCopyThanADistrustedEntryAndDropsIt) {
  // Pack 1 says it holds 10 (and holds 11 and 12); pack 2 really holds 10.
  std::vector<IndexedPack> indexed = {Pack(1, {10, 11, 12}), Pack(2, {10})};
  Distrusted distrusted = {{RefTo(MakeId(1), indexed[0].blobs[0]), "lies"}};
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, Used({10, 11, 12}), {}, distrusted);
  EXPECT_TRUE(plan.missing_blobs.empty());
  ASSERT_TRUE(Keeps(plan, 1));
  ASSERT_TRUE(Keeps(plan, 2));
  const IndexedPack& kept = *std::find_if(plan.keep.begin(), plan.keep.end(),
                                          [](const IndexedPack& p) { return p.pack == MakeId(1); });
  ASSERT_EQ(kept.blobs.size(), 2u);
  EXPECT_EQ(kept.blobs[0].id, MakeId(11));
  EXPECT_EQ(plan.stats.blobs_removed, 1u);
  EXPECT_TRUE(plan.index_changes);
  ASSERT_EQ(plan.confirm.size(), 1u);  // pack 2's copy of 10, read before the other goes
  EXPECT_EQ(plan.confirm[0].pack, MakeId(2));
  // With its only copy distrusted, the blob has none to keep.
  PrunePlan alone =
      MakePlan({indexed[0]}, OnBackend({indexed[0]}), 1, Used({10, 11, 12}), {}, distrusted);
  ASSERT_EQ(alone.missing_blobs.size(), 1u);
  EXPECT_EQ(alone.missing_blobs[0].id, MakeId(10));
}

// Entries that differ only in their lengths are different claims: distrusting one keeps the other.
TEST(MakePlan, DistrustsOnlyTheEntryWithTheWrongLength) {
  IndexedPack pack = Pack(1, {10, 11});
  PackEntry lie = pack.blobs[0];
  lie.length -= 1;
  pack.blobs.insert(pack.blobs.begin(), lie);
  Distrusted distrusted = {{RefTo(MakeId(1), lie), "lies"}};
  PrunePlan plan = MakePlan({pack}, OnBackend({pack}), 1, Used({10, 11}), {}, distrusted);
  EXPECT_TRUE(plan.missing_blobs.empty());
  ASSERT_EQ(plan.keep.size(), 1u);
  ASSERT_EQ(plan.keep[0].blobs.size(), 2u);
  EXPECT_EQ(plan.keep[0].blobs[0].length, 100u);  // the true entry of 10
  EXPECT_TRUE(plan.index_changes);
}

// Entries of one pack disagree when, for one offset or one blob, any field differs; entries equal
// in every field (listed by two files) and entries of other places and blobs do not.
TEST(DisagreeingEntries, ListsEntriesForOneOffsetOrBlobThatDiffer) {
  struct Case {
    std::string name;
    std::function<void(IndexedPack&)> add;
    std::vector<uint32_t> offsets;  // of the disagreeing entries found, in order
  };
  const std::vector<Case> cases = {
      {"another length at an offset",
       [](IndexedPack& p) {
         PackEntry e = p.blobs[1];
         e.length = 7;
         p.blobs.push_back(e);
       },
       {132, 132}},
      {"another raw length at an offset",
       [](IndexedPack& p) {
         PackEntry e = p.blobs[1];
         e.raw_length = 7;
         p.blobs.push_back(e);
       },
       {132, 132}},
      {"another blob at an offset",
       [](IndexedPack& p) {
         p.blobs.push_back(PackEntry{BlobType::kData, MakeId(99), 132, 100, 100});
       },
       {132, 132}},
      {"another type at an offset",
       [](IndexedPack& p) {
         PackEntry e = p.blobs[1];
         e.type = BlobType::kTree;
         p.blobs.push_back(e);
       },
       {132, 132}},
      {"a blob at another offset too",
       [](IndexedPack& p) {
         PackEntry e = p.blobs[0];
         e.offset = 500;
         p.blobs.push_back(e);
       },
       {32, 500}},
      {"the same entry twice", [](IndexedPack& p) { p.blobs.push_back(p.blobs[0]); }, {}},
      {"another blob at another offset",
       [](IndexedPack& p) {
         p.blobs.push_back(PackEntry{BlobType::kData, MakeId(99), 500, 100, 100});
       },
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    IndexedPack pack = Pack(1, {10, 11, 12});
    c.add(pack);
    std::vector<KeptCopies> found =
        DisagreeingEntries({pack, Pack(2, {10, 11})}, OnBackend({pack}));
    std::vector<uint32_t> offsets;
    for (const KeptCopies& copies : found) {
      EXPECT_EQ(copies.pack, MakeId(1));
      EXPECT_EQ(copies.stored_size, 1000u);
      for (const PackEntry& e : copies.entries) offsets.push_back(e.offset);
    }
    std::sort(offsets.begin(), offsets.end());
    EXPECT_EQ(offsets, c.offsets);
  }
}

// A pack not on the backend is left to the plan, which refuses it.
TEST(DisagreeingEntries, LeavesOutPacksNotOnTheBackend) {
  IndexedPack pack = Pack(1, {10});
  PackEntry lie = pack.blobs[0];
  lie.length = 7;
  pack.blobs.push_back(lie);
  EXPECT_EQ(DisagreeingEntries({pack}, OnBackend({pack})).size(), 1u);
  EXPECT_TRUE(DisagreeingEntries({pack}, {}).empty());
}

TEST(MakePlan, ConfirmsTheCopiedOutCopyOfARepackedPacksDuplicate) {
  // Pack 1 is repacked (threshold 0), 10 and 12 copied out of it; pack 2's copy of 10 goes.
  std::vector<IndexedPack> indexed = {Pack(2, {10}), Pack(1, {10, 11, 12})};
  PruneOptions options;
  options.repack_threshold = 0;
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, Used({10, 12}), options);
  ASSERT_TRUE(Removes(plan, 1));
  ASSERT_TRUE(Removes(plan, 2));
  ASSERT_EQ(plan.confirm.size(), 1u);
  EXPECT_EQ(plan.confirm[0].pack, MakeId(1));
  EXPECT_EQ(plan.confirm[0].entries.size(), 1u);
}

TEST(MakePlan, ConfirmsNothingWithoutDuplicates) {
  std::vector<IndexedPack> indexed = {Pack(1, {10, 11}), Pack(2, {12})};
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, Used({10}), {});
  EXPECT_TRUE(Removes(plan, 2));
  EXPECT_TRUE(plan.confirm.empty());
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

// The size a pack holding `pack`'s entries has on the backend (pack.h's layout).
std::map<Id, uint64_t> Sized(const std::vector<IndexedPack>& packs) {
  std::map<Id, uint64_t> sizes;
  for (const IndexedPack& p : packs) sizes[p.pack] = PackSize(p);
  return sizes;
}

// A planted entry can claim bytes a pack does not have: those past its end are known lies.
TEST(EntriesPastTheirPack, ListsEntriesEndingPastThePacksSize) {
  IndexedPack pack = Pack(1, {10, 11});
  const PackEntry huge{BlobType::kData, MakeId(42), 0, 0x7fff0000, 0x7fff0000};
  const PackEntry last_byte{BlobType::kData, MakeId(43), 999, 1, 1};
  const PackEntry one_past{BlobType::kData, MakeId(44), 999, 2, 2};
  pack.blobs.insert(pack.blobs.end(), {huge, last_byte, one_past});
  const std::vector<EntryRef> past = EntriesPastTheirPack({pack}, OnBackend({pack}));
  EXPECT_EQ(past, (std::vector<EntryRef>{RefTo(MakeId(1), huge), RefTo(MakeId(1), one_past)}));
  EXPECT_TRUE(EntriesPastTheirPack({pack}, {}).empty());  // a missing pack: the plan drops it
}

// A pack as written is tiled by its entries; anything else (an overlap, a gap, an entry in the
// header) makes the pack's header settle its entries before their bytes count.
TEST(UntiledPacks, ListsPacksWhoseEntriesDoNotTileThem) {
  const IndexedPack genuine = Pack(1, {10, 11, 12});
  const std::map<Id, uint64_t> sizes = Sized({genuine});
  const PackEntry overlapping{BlobType::kData, MakeId(42), 33, 150, 150};
  const PackEntry in_header{BlobType::kData, MakeId(43), 332, 20, 20};
  struct Case {
    std::string name;
    std::vector<PackEntry> entries;
    bool untiled;
  };
  const std::vector<Case> cases = {
      {"as written", genuine.blobs, false},
      {"listed twice alike", {genuine.blobs[0], genuine.blobs[0], genuine.blobs[1],
                              genuine.blobs[2]}, false},
      {"an entry over two others", {genuine.blobs[0], overlapping, genuine.blobs[1],
                                    genuine.blobs[2]}, true},
      {"an entry in the header", {genuine.blobs[0], genuine.blobs[1], genuine.blobs[2],
                                  in_header}, true},
      {"a gap", {genuine.blobs[0], genuine.blobs[2]}, true},
  };
  for (const Case& c : cases) {
    const IndexedPack pack{MakeId(1), c.entries};
    const std::vector<KeptCopies> untiled = UntiledPacks({pack}, sizes, {});
    ASSERT_EQ(untiled.size(), c.untiled ? 1u : 0u) << c.name;
    if (!c.untiled) continue;
    EXPECT_EQ(untiled[0].pack, MakeId(1)) << c.name;
    EXPECT_EQ(untiled[0].stored_size, sizes.at(MakeId(1))) << c.name;
    EXPECT_EQ(untiled[0].entries.size(), c.entries.size()) << c.name;
  }
  // Once the lie is distrusted, the rest tile the pack.
  const IndexedPack planted{MakeId(1), {genuine.blobs[0], overlapping, genuine.blobs[1],
                                        genuine.blobs[2]}};
  EXPECT_TRUE(UntiledPacks({planted}, sizes, {{RefTo(MakeId(1), overlapping), "lies"}}).empty());
  EXPECT_TRUE(UntiledPacks({planted}, {}, {}).empty());  // missing: the plan drops it
}

// A pack whose header did not settle its doubtful entries is never repacked for their bytes.
TEST(MakePlan, NeverRepacksAnUnsettledPack) {
  std::vector<IndexedPack> indexed = {Pack(1, {10, 11, 12, 13})};
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, Used({10}), {}, {}, {MakeId(1)});
  EXPECT_TRUE(Keeps(plan, 1));
  EXPECT_EQ(plan.stats.packs_repacked, 0u);
  EXPECT_TRUE(plan.repack.empty());
  // Settled, the same pack is mostly unused and repacked.
  EXPECT_EQ(MakePlan(indexed, OnBackend(indexed), 1, Used({10}), {}).stats.packs_repacked, 1u);
}

// An index naming a pack the backend lacks (a planted index, a lost pack) does not stop prune
// while every blob in use has a copy elsewhere: the pack's entries leave the index. The copies
// kept of the blobs in use they name are read first (`confirm`): where the genuine pack was lost
// and a key holder planted a copy of the same length, that copy must not become the only one
// unread. Blobs not in use cost no read.
TEST(MakePlan, DropsTheEntriesOfAMissingPackWhenEveryBlobInUseHasAnotherCopy) {
  std::vector<IndexedPack> indexed = {Pack(2, {10, 11, 12, 13}), Pack(1, {10, 11})};
  PrunePlan plan = MakePlan(indexed, OnBackend({indexed[1]}), 1, Used({10, 11}), {});
  EXPECT_TRUE(plan.missing_blobs.empty());
  ASSERT_EQ(plan.missing_packs, std::vector<Id>{MakeId(2)});
  EXPECT_EQ(plan.stats.packs_missing, 1u);
  EXPECT_EQ(plan.stats.entries_for_missing_packs, 4u);
  EXPECT_EQ(plan.stats.first_missing_pack, MakeId(2).Hex());
  EXPECT_EQ(plan.stats.blobs_removed, 4u);
  EXPECT_TRUE(plan.index_changes);
  ASSERT_EQ(plan.keep.size(), 1u);
  EXPECT_EQ(plan.keep[0].pack, MakeId(1));
  EXPECT_FALSE(Removes(plan, 2));
  ASSERT_EQ(plan.confirm.size(), 1u);
  EXPECT_EQ(plan.confirm[0].pack, MakeId(1));
  ASSERT_EQ(plan.confirm[0].entries.size(), 2u);  // 10 and 11, in use; not 12 or 13
  EXPECT_EQ(plan.confirm[0].entries[0].id, MakeId(10));
  EXPECT_EQ(plan.confirm[0].entries[1].id, MakeId(11));
  EXPECT_EQ(plan.copies_by_preference.size(), 2u);
}

// While a kept copy does not verify, prune tries the blob's other copies in the order the plan
// would keep them, rather than planning once per lie.
TEST(MakePlan, RanksEveryCopyOfADoubtedBlobAsThePlanWouldKeepThem) {
  // Pack 3 (most in use) claims 10; packs 1 and 2 hold other copies of it.
  std::vector<IndexedPack> indexed = {Pack(1, {10}), Pack(2, {10, 20}), Pack(3, {10, 21, 22})};
  const UsedBlobs used = Used({10, 20, 21, 22});
  PrunePlan plan = MakePlan(indexed, OnBackend(indexed), 1, used, {});
  const BlobKey ten{BlobType::kData, MakeId(10)};
  ASSERT_EQ(plan.copies_by_preference.size(), 1u);
  EXPECT_EQ(plan.copies_by_preference.at(ten),
            (std::vector<EntryRef>{RefTo(MakeId(3), indexed[2].blobs[0]),
                                   RefTo(MakeId(2), indexed[1].blobs[0]),
                                   RefTo(MakeId(1), indexed[0].blobs[0])}));
  // Without the first two, the plan keeps the third: the ranking is the plan's own order.
  Distrusted distrusted = {{RefTo(MakeId(3), indexed[2].blobs[0]), "lies"},
                           {RefTo(MakeId(2), indexed[1].blobs[0]), "lies"}};
  PrunePlan next = MakePlan(indexed, OnBackend(indexed), 1, used, {}, distrusted);
  ASSERT_EQ(next.confirm.size(), 1u);
  EXPECT_EQ(next.confirm[0].pack, MakeId(1));
  EXPECT_EQ(next.copies_by_preference.at(ten),
            std::vector<EntryRef>{RefTo(MakeId(1), indexed[0].blobs[0])});
}

}  // namespace
}  // namespace stormproof::pruner
