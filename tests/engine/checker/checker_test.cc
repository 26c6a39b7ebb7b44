// Check with --read-data: packs are named randomly, so finding damage rests on every byte of a
// pack being authenticated. These tests damage a small repository byte by byte.
#include "engine/checker/checker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/engine/repository/repository_fixtures.h"
#include "engine/crypto/crypto.h"
#include "engine/repository/index.h"
#include "engine/repository/index_files.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/marks.h"
#include "engine/repository/tree.h"
#include "tests/matchers.h"

namespace stormproof::checker {
namespace {

using backend::FileType;
using repository::BlobType;
using repository::Id;
using repository::Repository;
using repository::testing::RandomData;
using repository::testing::Store;
using repository::testing::TextData;

constexpr CheckOptions kReadData{.read_data_fraction = 1};

// A repository with one snapshot of one file ("/report.txt") made of three small data blobs,
// which share one data pack.
struct OneFileRepository {
  Store store;
  std::unique_ptr<Repository> repo = store.Init();
  Id data_pack;

  OneFileRepository() {
    repository::Node file;
    file.name = "report.txt";
    for (const Bytes& chunk : {TextData(900, 1), RandomData(300, 2), RandomData(40, 3)}) {
      Id id = repo->BlobId(chunk);
      EXPECT_THAT(repo->SaveBlob(BlobType::kData, id, chunk), IsOk());
      file.content.push_back(id);
    }
    repository::Tree tree;
    tree.nodes.push_back(file);
    Bytes encoded = repository::EncodeTree(tree);
    repository::Snapshot snapshot;
    snapshot.paths = {"/"};
    snapshot.tree = repo->BlobId(encoded);
    EXPECT_THAT(repo->SaveBlob(BlobType::kTree, snapshot.tree, encoded), IsOk());
    EXPECT_THAT(repo->SaveSnapshot(snapshot), IsOk());
    data_pack = repo->FindBlob(BlobType::kData, file.content[0])->pack;
  }

  Bytes PackBytes() const { return *store.raw().Load({FileType::kPack, data_pack.Hex()}); }
  void SetPack(const Bytes& bytes) const {
    ASSERT_TRUE(store.raw().Save({FileType::kPack, data_pack.Hex()}, bytes));
  }
};

// Replaces the index with one file that lists every data blob also at its own place with
// raw lengths that lie: raw_length + `lie` for each of `lies`. Leaves `repo` with that index.
void PlantRawLengthLies(Repository& repo, const std::vector<int>& lies) {
  auto maintenance = repository::Maintenance::Begin(repo);
  ASSERT_THAT(maintenance, IsOk());
  auto listing = (*maintenance)->repository().ListIndex();
  ASSERT_THAT(listing, IsOk());
  std::vector<repository::IndexedPack> packs = listing->packs;
  for (repository::IndexedPack& pack : packs) {
    std::vector<repository::PackEntry> entries;
    for (const repository::PackEntry& e : pack.blobs) {
      entries.push_back(e);
      if (e.type != BlobType::kData) continue;
      for (int lie : lies) {
        entries.push_back(e);
        entries.back().raw_length = static_cast<uint32_t>(e.raw_length + lie);
      }
    }
    pack.blobs = std::move(entries);
  }
  ASSERT_THAT((*maintenance)->RewriteIndex(packs, listing->files), IsOk());
}

TEST(CheckerTest, ReadDataReadsEveryPackOnceAndPassesWhenIntact) {
  OneFileRepository r;
  CheckReport report = Check(*r.repo, kReadData, {});
  EXPECT_TRUE(report.ok()) << report.errors.front();
  EXPECT_EQ(report.packs, 2u);
  EXPECT_EQ(report.blobs_read, 4u);
  uint64_t pack_bytes = 0;
  for (const std::string& name : r.store.Names(FileType::kPack)) {
    pack_bytes += *r.store.raw().Size({FileType::kPack, name});
  }
  EXPECT_EQ(report.bytes_read, pack_bytes);
}

// The guarantee random pack names rest on: a single changed byte anywhere in a pack (salt,
// blob, header, trailing length) fails check --read-data and is mapped to the file it damages.
TEST(CheckerTest, ReadDataFindsEverySingleByteFlipInAPack) {
  OneFileRepository r;
  const Bytes intact = r.PackBytes();
  for (size_t i = 0; i < intact.size(); ++i) {
    Bytes damaged = intact;
    damaged[i] ^= static_cast<uint8_t>(1u << (i % 8));
    r.SetPack(damaged);
    CheckReport report = Check(*r.repo, kReadData, {});
    ASSERT_FALSE(report.ok()) << "byte " << i << " of " << intact.size() << " not detected";
    EXPECT_TRUE(report.damaged_packs.count(r.data_pack.Hex())) << "byte " << i;
    ASSERT_EQ(report.affected.size(), 1u) << "byte " << i;
    EXPECT_TRUE(report.affected.begin()->second.count("/report.txt")) << "byte " << i;
  }
  r.SetPack(intact);
  EXPECT_TRUE(Check(*r.repo, kReadData, {}).ok());
}

TEST(CheckerTest, StructureCheckAloneDoesNotReadData) {
  OneFileRepository r;
  Bytes damaged = r.PackBytes();
  damaged[40] ^= 0x10;  // inside the first blob, not the header
  r.SetPack(damaged);
  CheckReport structure = Check(*r.repo, {}, {});
  EXPECT_TRUE(structure.ok());
  EXPECT_EQ(structure.bytes_read, 0u);
  EXPECT_FALSE(Check(*r.repo, kReadData, {}).ok());
}

TEST(CheckerTest, ProgressCountsEveryPackReadOnTheCallingThread) {
  OneFileRepository r;
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  const std::thread::id caller = std::this_thread::get_id();
  Check(*r.repo, kReadData, [&](const ProgressEvent& e) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    // Packs, in their own unit: never files or bytes.
    ASSERT_NE(e.Get(ProgressUnit::kPacks), std::nullopt);
    EXPECT_FALSE(e.Get(ProgressUnit::kBytes).has_value());
    EXPECT_FALSE(e.Get(ProgressUnit::kFiles).has_value());
    const ProgressCount& packs = *e.Get(ProgressUnit::kPacks);
    calls.emplace_back(packs.done, packs.total.value_or(0));
  });
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), std::make_pair(uint64_t{2}, uint64_t{2}));
}

// Two directories with the same content share one tree: damage under it is named under both
// paths, in every snapshot, though the tree is read once.
TEST(CheckerTest, DamageUnderASharedTreeIsNamedUnderEveryPath) {
  OneFileRepository r;
  auto first = r.repo->LoadSnapshots();
  ASSERT_THAT(first, IsOk());
  Id shared = first->front().tree;  // holds report.txt
  repository::Tree root;
  for (const char* name : {"monday", "tuesday"}) {
    repository::Node dir;
    dir.name = name;
    dir.type = repository::NodeType::kDir;
    dir.subtree = shared;
    root.nodes.push_back(dir);
  }
  Bytes encoded = repository::EncodeTree(root);
  repository::Snapshot second;
  second.paths = {"/backups"};
  second.tree = r.repo->BlobId(encoded);
  ASSERT_THAT(r.repo->SaveBlob(BlobType::kTree, second.tree, encoded), IsOk());
  ASSERT_THAT(r.repo->SaveSnapshot(second), IsOk());
  Bytes pack = r.PackBytes();
  pack[40] ^= 1;  // inside the first data blob
  r.SetPack(pack);

  CheckReport report = Check(*r.repo, kReadData, {});
  ASSERT_FALSE(report.ok());
  ASSERT_EQ(report.affected.size(), 2u);
  std::set<std::string> paths;
  for (const auto& [snapshot, affected] : report.affected)
    paths.insert(affected.begin(), affected.end());
  EXPECT_EQ(paths,
            (std::set<std::string>{"/report.txt", "/monday/report.txt", "/tuesday/report.txt"}));
  EXPECT_EQ(report.trees, 2u);  // the shared tree and the new root, each read once
}

// ReadPackHeader's errors already name the pack; check used to name it twice.
TEST(CheckerTest, UnreadablePackHeaderNamesThePackOnce) {
  OneFileRepository r;
  Bytes damaged = r.PackBytes();
  std::fill(damaged.end() - 4, damaged.end(), 0xff);  // the header length: past the pack's start
  r.SetPack(damaged);
  CheckReport report = Check(*r.repo, {}, {});
  const std::string pack = r.data_pack.Hex();
  EXPECT_EQ(std::count(report.errors.begin(), report.errors.end(),
                       "pack " + pack + ": bad header length (truncated or damaged)"),
            1);
  for (const std::string& line : report.errors) {
    EXPECT_THAT(line, Not(HasSubstr("pack " + pack + ": pack "))) << line;
  }
}

// Keys made by the test KDF are weak on purpose; outside it check names them, as a warning.
TEST(CheckerTest, WarnsAboutKeyFilesBelowTheKdfFloorWithoutFailing) {
  OneFileRepository r;
  const std::string weak = r.store.Names(FileType::kKey).front();
  EXPECT_TRUE(Check(*r.repo, {}, {}).warnings.empty());
  unsetenv("STORMPROOF_KDF_TEST");
  ASSERT_THAT(r.repo->AddKey("a strong key"), IsOk());  // 4 passes over 56 MiB
  CheckReport report = Check(*r.repo, {}, {});
  setenv("STORMPROOF_KDF_TEST", "1", 1);
  EXPECT_TRUE(report.ok());
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0],
            "key " + weak +
                ": weak Argon2id parameters: 1 pass over 8 KiB, below the floor of 2 passes over "
                "19 MiB for new keys (replace it: 'stormproof key passwd' with its password)");
}

// Evidence files (catalog records other hosts import) are verified like snapshots: an intact
// one passes, a damaged one is an error naming it.
TEST(CheckerTest, ADamagedEvidenceFileIsAnErrorNamingIt) {
  OneFileRepository r;
  auto intact = r.repo->SaveEvidence(R"({"runs":[]})");
  auto damaged = r.repo->SaveEvidence(R"({"runs":[1]})");
  ASSERT_TRUE(intact.has_value() && damaged.has_value());
  EXPECT_TRUE(Check(*r.repo, {}, {}).ok());
  r.store.Rewrite({FileType::kEvidence, *damaged}, [](Bytes& b) { b.back() ^= 1; });
  CheckReport report = Check(*r.repo, {}, {});
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_THAT(report.errors[0], HasSubstr("evidence " + *damaged + ": content does not match"));
}

// Marks (holds, releases, later verdicts) are verified beside evidence: an intact one passes; a
// damaged one, one too large to be a mark and another repository's are each an error naming it.
TEST(CheckerTest, ADamagedMarkIsAnErrorNamingIt) {
  OneFileRepository r;
  repository::Mark hold;
  hold.snapshot = r.repo->LoadSnapshots()->front().id;
  hold.reason = "legal hold";
  auto intact = r.repo->SaveMark(hold);
  hold.reason = "keep for the insurer";
  auto damaged = r.repo->SaveMark(hold);
  ASSERT_TRUE(intact.has_value() && damaged.has_value());
  EXPECT_TRUE(Check(*r.repo, {}, {}).ok());

  r.store.Rewrite({FileType::kEvidence, *damaged}, [](Bytes& b) { b[b.size() / 2] ^= 4; });
  const Bytes huge((size_t{1} << 20) + 1, 0x41);
  const std::string oversized = "mark-" + crypto::Sha256(huge).Hex();
  ASSERT_TRUE(r.store.raw().Save({FileType::kEvidence, oversized}, huge));
  Store theirs;
  auto other = theirs.Init();
  auto foreign = other->SaveMark(hold);
  ASSERT_TRUE(foreign.has_value());
  ASSERT_TRUE(r.store.raw().Save({FileType::kEvidence, *foreign},
                                 *theirs.raw().Load({FileType::kEvidence, *foreign})));

  CheckReport report = Check(*r.repo, {}, {});
  ASSERT_EQ(report.errors.size(), 3u);
  std::string all;
  for (const std::string& e : report.errors) all += e + "\n";
  EXPECT_THAT(all, HasSubstr("mark " + *damaged + ": content does not match its name"));
  EXPECT_THAT(all, HasSubstr("mark " + oversized + ": larger than a mark can be"));
  EXPECT_THAT(all, HasSubstr("mark " + *foreign + ": "));
  EXPECT_THAT(all, Not(HasSubstr("mark " + *intact)));
  EXPECT_THAT(all, Not(HasSubstr(": mark ")));  // named once
}

// Review R9-4: an index entry at a blob's true place whose raw length lies is a wrong entry,
// as one the header does not list at all; the true entry beside it keeps the file whole.
TEST(CheckerTest, AnIndexEntryWhoseRawLengthLiesIsAWrongEntry) {
  OneFileRepository r;
  PlantRawLengthLies(*r.repo, {-1});
  auto reopened = r.store.Open();
  ASSERT_THAT(reopened, IsOk());
  for (const CheckOptions& options : {CheckOptions{}, kReadData}) {
    CheckReport report = Check(**reopened, options, {});
    ASSERT_EQ(report.errors.size(), 1u) << ::testing::PrintToString(report.errors);
    EXPECT_THAT(report.errors[0],
                HasSubstr("pack " + r.data_pack.Hex() + ": its header does not list blob "));
    EXPECT_THAT(report.errors[0], HasSubstr("(nor 2 other entries)"));
    EXPECT_TRUE(report.damaged_packs.empty()) << *report.damaged_packs.begin();
    EXPECT_TRUE(report.affected.empty()) << report.affected.begin()->first;
  }
}

// Review R9-3: an index that locates a blob in more places than are kept is reported once,
// with how many locations were ignored. Here the lies sort first and push the true location out
// of those kept; the headers of the kept locations' packs still list it, so every blob reads.
TEST(CheckerTest, LocationsPastTheCapPerBlobAreReportedAndTheTrueOneStillReads) {
  OneFileRepository r;
  std::vector<int> lies;
  for (size_t i = 1; i <= repository::BlobIndex::kMaxLocationsPerBlob + 1; ++i) {
    lies.push_back(-static_cast<int>(i));
  }
  PlantRawLengthLies(*r.repo, lies);
  auto reopened = r.store.Open();
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ((*reopened)->IgnoredIndexLocations().locations, 6u);  // 2 of each of 3 blobs
  CheckReport report = Check(**reopened, kReadData, {});
  EXPECT_EQ(std::count(report.errors.begin(), report.errors.end(),
                       "index: 6 locations of 3 blobs ignored, past the 8 kept per blob (a "
                       "damaged or planted index file; run 'stormproof repair index')"),
            1);
  EXPECT_TRUE(report.affected.empty()) << report.affected.begin()->first;
  std::vector<Id> data;
  (*reopened)->ForEachIndexedBlob([&](const Id& id, const repository::BlobLocation& at) {
    if (at.type == BlobType::kData) data.push_back(id);
  });
  ASSERT_EQ(data.size(), 3u);
  for (const Id& id : data) {
    EXPECT_THAT((*reopened)->LoadBlob(BlobType::kData, id), IsOk()) << id.Hex();
    auto chosen = (*reopened)->LocateForRead(BlobType::kData, id);
    ASSERT_TRUE(chosen.has_value());
    EXPECT_EQ((*reopened)->LoadBlob(BlobType::kData, id)->size(), chosen->raw_length);
  }
}

}  // namespace
}  // namespace stormproof::checker
