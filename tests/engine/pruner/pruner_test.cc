// Prune against real (in-memory) repositories: what it frees, that every blob a remaining
// snapshot uses survives (check --read-data passes and the data reads back), that it refuses
// rather than guesses on a damaged or busy repository, and that a crash at any of its writes
// leaves a consistent repository that the next prune tidies.
#include "engine/pruner/pruner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tests/engine/repository/repository_fixtures.h"
#include "engine/checker/checker.h"
#include "engine/repository/tree.h"
#include "engine/repository/index.h"
#include "engine/repository/maintenance.h"
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
class CrashingBackend final : public repository::testing::ForwardingBackend {
 public:
  CrashingBackend(std::unique_ptr<backend::Backend> view, int crash_at)
      : ForwardingBackend(*view), view_(std::move(view)), crash_at_(crash_at) {}

  Status Save(const backend::Handle& handle, ByteView data) override {
    if (Crashed(handle)) return Error::Io("crashed before saving " + handle.name);
    return target.Save(handle, data);
  }
  Status Remove(const backend::Handle& handle) override {
    if (Crashed(handle)) return Error::Io("crashed before removing " + handle.name);
    return target.Remove(handle);
  }

  int changes() const { return changes_; }

 private:
  bool Crashed(const backend::Handle& handle) {
    if (handle.type != FileType::kPack && handle.type != FileType::kIndex) return false;
    return ++changes_ >= crash_at_;
  }

  std::unique_ptr<backend::Backend> view_;
  int crash_at_;
  std::atomic<int> changes_{0};
};

// Fails every read of pack `pack` with an I/O error: storage that cannot be read now.
class PackReadsFail final : public repository::testing::ForwardingBackend {
 public:
  PackReadsFail(std::unique_ptr<backend::Backend> view, std::string pack)
      : ForwardingBackend(*view), view_(std::move(view)), pack_(std::move(pack)) {}
  Result<Bytes> Load(const backend::Handle& handle, uint64_t offset,
                     uint64_t length) const override {
    if (handle.type == FileType::kPack && handle.name == pack_) {
      return Error::Io("data/" + handle.name + ": disk read error");
    }
    return target.Load(handle, offset, length);
  }

 private:
  std::unique_ptr<backend::Backend> view_;
  std::string pack_;
};

// Counts into *read the bytes loaded from pack `pack`.
class PackBytesRead final : public repository::testing::ForwardingBackend {
 public:
  PackBytesRead(std::unique_ptr<backend::Backend> view, std::string pack,
                std::atomic<uint64_t>* read)
      : ForwardingBackend(*view), view_(std::move(view)), pack_(std::move(pack)), read_(read) {}
  Result<Bytes> Load(const backend::Handle& handle, uint64_t offset,
                     uint64_t length) const override {
    Result<Bytes> bytes = target.Load(handle, offset, length);
    if (bytes && handle.type == FileType::kPack && handle.name == pack_) *read_ += bytes->size();
    return bytes;
  }

 private:
  std::unique_ptr<backend::Backend> view_;
  std::string pack_;
  std::atomic<uint64_t>* read_;
};

// Counts into *loads the loads (requests) of each pack file, by name.
class PackLoads final : public repository::testing::ForwardingBackend {
 public:
  PackLoads(std::unique_ptr<backend::Backend> view, std::map<std::string, int>* loads)
      : ForwardingBackend(*view), view_(std::move(view)), loads_(loads) {}
  Result<Bytes> Load(const backend::Handle& handle, uint64_t offset,
                     uint64_t length) const override {
    if (handle.type == FileType::kPack) {
      std::lock_guard<std::mutex> lock(mu_);
      ++(*loads_)[handle.name];
    }
    return target.Load(handle, offset, length);
  }

 private:
  std::unique_ptr<backend::Backend> view_;
  mutable std::mutex mu_;
  std::map<std::string, int>* loads_;
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
  // Saves a snapshot of `chunks` and removes it at once, as forget would: what only it uses is
  // left for prune.
  void BackupAndForget(const std::vector<Bytes>& chunks) {
    EXPECT_TRUE(repo_->RemoveSnapshot(Backup(chunks).id));
  }

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

  // Prunes the repository opened afresh (as a dry run with `dry_run`).
  Result<PruneStats> PruneReopened(bool dry_run) {
    PruneOptions options;
    options.dry_run = dry_run;
    return PruneLocked(*Reopen(), options, nullptr);
  }
  // Prunes `repo`, which must refuse and change no file; returns the refusal's message.
  std::string Refusal(Repository& repo) {
    const std::set<std::string> before = Files();
    auto stats = PruneLocked(repo, {}, nullptr);
    EXPECT_EQ(Files(), before);
    EXPECT_FALSE(stats.has_value()) << "prune did not refuse";
    return stats ? "" : stats.error().message();
  }
  // Every entry of the index, as a repository opened afresh lists it.
  std::vector<repository::PackEntry> IndexEntries() {
    std::vector<repository::PackEntry> entries;
    auto listing = Reopen()->ListIndex();
    EXPECT_THAT(listing, IsOk());
    if (!listing) return entries;
    for (const repository::IndexedPack& pack : listing->packs) {
      entries.insert(entries.end(), pack.blobs.begin(), pack.blobs.end());
    }
    return entries;
  }

  // What a backup host can add with the password and credentials that may write but not delete:
  // a pack of its own sealing `blobs` (data blob ids with whatever content it chooses; the header
  // agrees) and an index file naming it. Returns the planted pack's and index file's names.
  struct Planted {
    std::string pack, index;
  };
  Planted Plant(const std::vector<std::pair<Id, Bytes>>& blobs) {
    std::set<std::string> before = Files();
    // Its index left unread, it saves every blob, known or not.
    auto host = Repository::Open(store_.View(), repository::testing::kPassword,
                                 {.index = Repository::IndexLoad::kUnderFirstLock});
    EXPECT_THAT(host, IsOk());
    if (!host) return {};
    for (const auto& [id, bytes] : blobs) {
      EXPECT_THAT((*host)->SaveBlob(BlobType::kData, id, bytes), IsOkAndHolds(true));
    }
    EXPECT_THAT((*host)->Flush(), IsOk());
    Planted planted;
    for (const std::string& pack : store_.Names(FileType::kPack)) {
      if (!before.contains(pack)) planted.pack = pack;
    }
    for (const std::string& index : store_.Names(FileType::kIndex)) {
      if (!before.contains(index)) planted.index = index;
    }
    EXPECT_FALSE(planted.pack.empty() || planted.index.empty());
    return planted;
  }

  // What else a backup host can add: an index file naming a real pack with entries of its
  // choosing, saved again (each sealing differs) until its name sorts before every other index
  // file's, so that it is read first (the order in which an arbitrary merge let the lie win).
  // Returns its name. After kTries the last one is kept wherever it sorts: with a genuine index
  // file named 000… the odds are against every try, and the prune under test must keep the
  // truth in either order, so the test stays meaningful (and deterministic in its verdict).
  std::string PlantIndexReadFirst(const repository::IndexedPack& lie) {
    constexpr int kTries = 200;
    for (int tries = 1;; ++tries) {
      const std::vector<std::string> names = store_.Names(FileType::kIndex);
      const std::set<std::string> before(names.begin(), names.end());
      {
        auto host = Reopen();
        auto maintenance = repository::Maintenance::Begin(*host);
        EXPECT_THAT(maintenance, IsOk());
        if (!maintenance) return {};
        EXPECT_THAT((*maintenance)->RewriteIndex(std::span(&lie, 1), {}), IsOk());
      }
      std::string planted;
      for (const std::string& f : store_.Names(FileType::kIndex)) {
        if (!before.contains(f)) planted = f;
      }
      EXPECT_FALSE(planted.empty()) << "the planted index file was not saved";
      if (planted.empty() || before.empty() || planted < *before.begin() || tries == kTries) {
        return planted;
      }
      EXPECT_TRUE(store_.raw().Remove({FileType::kIndex, planted}));
    }
  }

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
  EXPECT_EQ(stats->packs_unused, 1u);     // the first backup's data pack: its A is the copy to go
  EXPECT_EQ(stats->blobs_confirmed, 1u);  // the kept copy of A, read before the other went
  ExpectSound(*repo_);
  ExpectReadable({kA, kC});
}

// A kept copy that cannot be read now (an I/O error) proves nothing either way: prune stops with
// that error and changes nothing.
TEST_F(PrunerTest, StopsWithoutChangesWhenAKeptCopyCannotBeReadNow) {
  auto second = Reopen();
  Backup({kA});
  Backup(*second, {kA, kC});  // its pack holds more in use: its copy of A is the one kept
  std::optional<repository::BlobLocation> c =
      Reopen()->FindBlob(BlobType::kData, repo_->BlobId(kC));
  ASSERT_TRUE(c.has_value());
  std::set<std::string> before = Files();
  auto repo = Repository::Open(std::make_unique<PackReadsFail>(store_.View(), c->pack.Hex()),
                               repository::testing::kPassword);
  ASSERT_THAT(repo, IsOk());
  auto stats = PruneLocked(**repo, {}, nullptr);
  EXPECT_THAT(stats, ErrorIs(ErrorCode::kIo, ::testing::AllOf(HasSubstr("disk read error"),
                                                              HasSubstr("changed nothing"))));
  EXPECT_EQ(Files(), before);
}

// A backup host holds the password and may add files. It plants a pack and an index claiming
// that pack holds every data blob in use; the planted pack holds more bytes, so it would be
// chosen as the copy to keep and the real packs would look unused. Prune must read the copies it
// keeps before deleting their duplicates, find that these do not verify and keep the real ones
// (a dry run says the same). The planted pack, holding nothing else, is what goes.
TEST_F(PrunerTest, KeepsTheRealCopiesWhenAPlantedIndexClaimsTheDataInUse) {
  struct Case {
    std::string name;
    std::function<void(Store&, const std::string& pack, const std::string& other)> tamper;
  };
  const std::vector<Case> cases = {
      {"a pack of garbage sealed under the ids in use", {}},
      {"a real pack holding other blobs",
       [](Store& store, const std::string& pack, const std::string& other) {
         auto bytes = store.raw().Load({FileType::kPack, other});
         ASSERT_THAT(bytes, IsOk());
         ASSERT_TRUE(store.raw().Save({FileType::kPack, pack}, *bytes));
       }},
      {"a pack smaller than its index says",
       [](Store& store, const std::string& pack, const std::string&) {
         store.Rewrite({FileType::kPack, pack}, [](Bytes& b) { b.resize(b.size() / 2); });
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    store_ = Store();
    repo_ = store_.Init();
    Backup({kA, kB});
    const Id real_pack = repo_->FindBlob(BlobType::kData, repo_->BlobId(kA))->pack;
    const Bytes large = RandomData(60000, 52);
    Backup({large});  // a real pack larger than the planted one
    Id other_pack = repo_->FindBlob(BlobType::kData, repo_->BlobId(large))->pack;
    Planted planted = Plant(
        {{repo_->BlobId(kA), RandomData(20000, 50)}, {repo_->BlobId(kB), RandomData(20000, 51)}});
    if (c.tamper) c.tamper(store_, planted.pack, other_pack.Hex());
    std::set<std::string> before = Files();
    for (bool dry_run : {true, false}) {
      auto stats = PruneReopened(dry_run);
      ASSERT_THAT(stats, IsOk());
      EXPECT_EQ(stats->copies_unverified, 2u);
      EXPECT_THAT(stats->first_unverified,
                  HasSubstr("pack " + planted.pack + " does not hold data blob "));
      EXPECT_EQ(stats->blobs_confirmed, 2u);  // the real copies of A and B
      EXPECT_EQ(stats->packs_unused, 1u);     // the planted pack
      EXPECT_EQ(Files() == before, dry_run);
    }
    std::set<std::string> after = Files();
    EXPECT_FALSE(after.contains(planted.pack));
    EXPECT_FALSE(after.contains(planted.index));
    EXPECT_TRUE(after.contains(real_pack.Hex()));
    auto repo = Reopen();
    ASSERT_NE(repo, nullptr);
    ExpectSound(*repo);
    ExpectReadable({kA, kB, large});
  }
}

// Where no copy of a blob in use verifies (the planted one lies, the real one is damaged),
// deleting any pack could lose it: prune refuses and changes nothing.
TEST_F(PrunerTest, RefusesWhenNoCopyOfABlobInUseVerifies) {
  Backup({kA, kB});
  const Id a = repo_->BlobId(kA);
  const repository::BlobLocation at = *repo_->FindBlob(BlobType::kData, a);
  Plant({{a, RandomData(20000, 50)}, {repo_->BlobId(kB), RandomData(20000, 51)}});
  store_.Rewrite({FileType::kPack, at.pack.Hex()},
                 [&](Bytes& b) { b[at.offset + at.length / 2] ^= 1; });
  std::set<std::string> before = Files();
  for (bool dry_run : {true, false}) {
    auto stats = PruneReopened(dry_run);
    EXPECT_THAT(stats, ErrorIs(ErrorCode::kFailedCheck,
                               ::testing::AllOf(HasSubstr("data blob " + a.Hex()),
                                                HasSubstr("no other copy of it the index names "
                                                          "verifies"),
                                                HasSubstr("changed nothing"))));
    EXPECT_EQ(Files(), before);
  }
}

// An index file a backup host plants, read first, gives a blob of a real pack another length, a
// place another blob, or a blob another place. Merging would keep one of the disagreeing
// entries; nothing is removed that holds the blob, so without reading the pack prune would
// rewrite the index with the lie and remove the genuine file: the blob would be lost. Prune reads
// every entry that disagrees, keeps the true one and drops the lie (a dry run says the same).
TEST_F(PrunerTest, KeepsTheTrueEntryWhereAPlantedIndexDisagreesAboutARealPack) {
  struct Case {
    std::string name;
    std::function<void(repository::PackEntry& a, const repository::PackEntry& b)> lie;
  };
  const std::vector<Case> cases = {
      {"a shorter length", [](auto& a, const auto&) { a.length -= 1; }},
      {"a longer length", [](auto& a, const auto&) { a.length += 1; }},
      {"another raw length", [](auto& a, const auto&) { a.raw_length += 1; }},
      {"another blob at its place",
       [](auto& a, const auto& b) {
         a.id = b.id;
         a.length = b.length;
         a.raw_length = b.raw_length;
       }},
      {"another place for it", [](auto& a, const auto& b) { a.offset = b.offset; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    store_ = Store();
    repo_ = store_.Init();
    Backup({kA, kB});
    BackupAndForget({kC});  // a pack to delete, so that the index is rewritten
    const repository::BlobLocation a = *repo_->FindBlob(BlobType::kData, repo_->BlobId(kA));
    const repository::BlobLocation b = *repo_->FindBlob(BlobType::kData, repo_->BlobId(kB));
    repository::PackEntry lie{BlobType::kData, repo_->BlobId(kA), a.offset, a.length, a.raw_length};
    c.lie(lie, {BlobType::kData, repo_->BlobId(kB), b.offset, b.length, b.raw_length});
    ASSERT_FALSE(PlantIndexReadFirst({a.pack, {lie}}).empty());
    std::set<std::string> before = Files();
    for (bool dry_run : {true, false}) {
      auto stats = PruneReopened(dry_run);
      ASSERT_THAT(stats, IsOk());
      EXPECT_EQ(stats->copies_unverified, 1u);
      EXPECT_THAT(stats->first_unverified, HasSubstr("pack " + a.pack.Hex() + " does not hold"));
      EXPECT_EQ(stats->packs_unused, 2u);  // C's data pack and its snapshot's tree pack
      EXPECT_EQ(Files() == before, dry_run);
    }
    EXPECT_EQ(store_.Names(FileType::kIndex).size(), 1u);
    auto listing = Reopen()->ListIndex();
    ASSERT_THAT(listing, IsOk());
    ASSERT_EQ(listing->packs.size(), 2u);  // A and B's, and the tree pack of their snapshot
    for (const repository::PackEntry& e : IndexEntries()) {
      EXPECT_FALSE(e.offset == lie.offset && e.id == lie.id && e.length == lie.length &&
                   e.raw_length == lie.raw_length);
    }
    ExpectSound(*Reopen());
    ExpectReadable({kA, kB});
  }
}

// Where no entry of a disagreement about a blob in use verifies (the planted one lies; the
// genuine one's copy is damaged, and so is the pack's header, which would have settled it), no
// copy of the blob may be kept: prune refuses and changes nothing.
TEST_F(PrunerTest, RefusesWhenNoEntryOfADisagreementAboutABlobInUseVerifies) {
  Backup({kA, kB});
  BackupAndForget({kC});
  const Id a = repo_->BlobId(kA);
  const repository::BlobLocation at = *repo_->FindBlob(BlobType::kData, a);
  ASSERT_FALSE(PlantIndexReadFirst(
                   {at.pack, {{BlobType::kData, a, at.offset, at.length - 1, at.raw_length}}})
                   .empty());
  store_.Rewrite({FileType::kPack, at.pack.Hex()}, [&](Bytes& b) {
    b[at.offset + at.length / 2] ^= 1;
    b[b.size() - 10] ^= 1;  // in the sealed header
  });
  std::set<std::string> before = Files();
  for (bool dry_run : {true, false}) {
    auto stats = PruneReopened(dry_run);
    EXPECT_THAT(stats, ErrorIs(ErrorCode::kFailedCheck,
                               ::testing::AllOf(HasSubstr("pack " + at.pack.Hex() +
                                                          " does not hold data blob " + a.Hex()),
                                                HasSubstr("no other copy of it the index names "
                                                          "verifies"),
                                                HasSubstr("'stormproof check --read-data'"),
                                                HasSubstr("'stormproof repair index'"),
                                                HasSubstr("changed nothing"))));
    EXPECT_EQ(Files(), before);
  }
}

// A backup host plants two entries for one place past the end of a healthy pack, with different
// ids (R7-2). Nothing is damaged and the blobs are not in use: prune drops both lies, every
// time, rather than refusing; the data stays whole.
TEST_F(PrunerTest, DropsDisagreeingLiesAboutBlobsNotInUse) {
  Backup({kA, kB});
  BackupAndForget({kC});
  const repository::BlobLocation at = *repo_->FindBlob(BlobType::kData, repo_->BlobId(kA));
  const Id x = repo_->BlobId(RandomData(50, 901)), y = repo_->BlobId(RandomData(50, 902));
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    ASSERT_FALSE(PlantIndexReadFirst({at.pack,
                                      {{BlobType::kData, x, 1000000, 40, 50},
                                       {BlobType::kData, y, 1000000, 40, 50}}})
                     .empty());
    auto stats = PruneLocked(*Reopen(), PruneOptions{}, nullptr);
    ASSERT_THAT(stats, IsOk());
    EXPECT_EQ(stats->copies_unverified, 2u);
    EXPECT_THAT(stats->first_unverified, HasSubstr("pack " + at.pack.Hex() + " does not hold"));
    for (const repository::PackEntry& e : IndexEntries()) {
      EXPECT_NE(e.id, x);
      EXPECT_NE(e.id, y);
    }
    ExpectSound(*Reopen());
    ExpectReadable({kA, kB});
  }
}

// Planted twins at every genuine place of a pack, each as long as the rest of the pack: the
// pack's header settles them, so prune reads the header (its tail read), not the pack's blobs.
TEST_F(PrunerTest, SettlesDisagreementsByThePacksHeaderWithoutReadingItsBlobs) {
  const Bytes large_a = RandomData(300000, 905), large_b = RandomData(300000, 906);
  Backup({large_a, large_b});  // blobs larger than a pack's tail read (64 KiB)
  BackupAndForget({kC});
  const repository::BlobLocation a = *repo_->FindBlob(BlobType::kData, repo_->BlobId(large_a));
  const repository::BlobLocation b = *repo_->FindBlob(BlobType::kData, repo_->BlobId(large_b));
  ASSERT_EQ(a.pack, b.pack);
  const uint64_t pack_size = *store_.raw().Size({FileType::kPack, a.pack.Hex()});
  repository::IndexedPack twins{a.pack, {}};
  for (const repository::BlobLocation& at : {a, b}) {
    const auto rest = static_cast<uint32_t>(pack_size - at.offset);
    twins.blobs.push_back({BlobType::kData, repo_->BlobId(RandomData(50, 903 + twins.blobs.size())),
                           at.offset, rest, rest});
  }
  ASSERT_FALSE(PlantIndexReadFirst(twins).empty());
  std::atomic<uint64_t> read{0};
  auto repo = Repository::Open(std::make_unique<PackBytesRead>(store_.View(), a.pack.Hex(), &read),
                               repository::testing::kPassword);
  ASSERT_THAT(repo, IsOk());
  auto stats = PruneLocked(**repo, PruneOptions{}, nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->copies_unverified, 2u);
  EXPECT_LT(read.load(), std::min(a.length, b.length));  // the header alone
  ExpectSound(*Reopen());
  ExpectReadable({large_a, large_b});
}

// Where the pack's header is damaged, the disagreeing entries are read: the genuine one
// verifies and the planted one for the same place is dropped.
TEST_F(PrunerTest, SettlesDisagreementsByReadingWhenThePacksHeaderIsDamaged) {
  Backup({kA, kB});
  BackupAndForget({kC});
  const repository::BlobLocation at = *repo_->FindBlob(BlobType::kData, repo_->BlobId(kA));
  Id planted = repo_->BlobId(RandomData(50, 904));
  for (int seed = 905; planted < repo_->BlobId(kA); ++seed) {
    planted = repo_->BlobId(RandomData(50, seed));  // read after the genuine entry
  }
  ASSERT_FALSE(PlantIndexReadFirst(
                   {at.pack, {{BlobType::kData, planted, at.offset, at.length, at.raw_length}}})
                   .empty());
  store_.Rewrite({FileType::kPack, at.pack.Hex()}, [](Bytes& b) { b[b.size() - 10] ^= 1; });
  auto stats = PruneLocked(*Reopen(), PruneOptions{}, nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->copies_unverified, 1u);
  EXPECT_THAT(stats->first_unverified,
              ::testing::AllOf(HasSubstr("data blob " + planted.Hex()),
                               HasSubstr("another entry for that place verifies")));
  ExpectReadable({kA, kB});
}

// However many planted packs claim a blob in use (each read and found lying in turn), prune ends
// by keeping the one genuine copy; it reads each lying copy once.
TEST_F(PrunerTest, KeepsTheGenuineCopyAmongManyLyingOnes) {
  Backup({kA, kB});
  const Id a = repo_->BlobId(kA);
  const Id real_pack = repo_->FindBlob(BlobType::kData, a)->pack;
  constexpr int kLies = 10;
  std::set<std::string> planted_packs;
  for (int i = 0; i < kLies; ++i) {
    planted_packs.insert(Plant({{a, RandomData(20000, 60 + i)}}).pack);
  }
  for (bool dry_run : {true, false}) {
    auto stats = PruneReopened(dry_run);
    ASSERT_THAT(stats, IsOk());
    EXPECT_EQ(stats->copies_unverified, static_cast<uint64_t>(kLies));
    EXPECT_EQ(stats->blobs_confirmed, 1u);  // the genuine copy of A
    EXPECT_EQ(stats->packs_unused, static_cast<uint64_t>(kLies));
  }
  std::set<std::string> after = Files();
  for (const std::string& pack : planted_packs) EXPECT_FALSE(after.contains(pack));
  EXPECT_TRUE(after.contains(real_pack.Hex()));
  ExpectSound(*Reopen());
  ExpectReadable({kA, kB});
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
  EXPECT_THAT(Refusal(*repo_), HasSubstr("locked"));
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
  EXPECT_THAT(Refusal(*repo_),
              ::testing::AllOf(HasSubstr("missing"), HasSubstr("changed nothing")));
}

TEST_F(PrunerTest, RefusesWhenATreeInUseCannotBeRead) {
  Snapshot kept = Backup({kA});
  Id tree_pack = repo_->FindBlob(BlobType::kTree, kept.tree)->pack;
  store_.Rewrite({FileType::kPack, tree_pack.Hex()}, [](Bytes& b) { b[40] ^= 1; });
  EXPECT_THAT(Refusal(*Reopen()), HasSubstr(kept.tree.Hex()));
}

// A damaged index file hides which packs hold which blobs: prune must not guess (the packs it
// names would look orphaned and be deleted).
TEST_F(PrunerTest, RefusesAndChangesNothingWhenAnIndexFileIsDamaged) {
  Snapshot old = Backup({kA});
  Backup({kC});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  std::string index = store_.Names(FileType::kIndex).front();
  store_.Rewrite({FileType::kIndex, index}, [](Bytes& b) { b[b.size() / 2] ^= 1; });
  EXPECT_THAT(Refusal(*Reopen()),
              ::testing::AllOf(HasSubstr("index " + index), HasSubstr("changed nothing")));
}

TEST_F(PrunerTest, RefusesAndChangesNothingWhenASnapshotFileIsDamaged) {
  Snapshot old = Backup({kA});
  Snapshot kept = Backup({kC});
  ASSERT_TRUE(repo_->RemoveSnapshot(old.id));
  store_.Rewrite({FileType::kSnapshot, kept.id.Hex()}, [](Bytes& b) { b.resize(b.size() / 2); });
  EXPECT_THAT(Refusal(*repo_), ::testing::AllOf(HasSubstr("snapshot " + kept.id.Hex()),
                                                HasSubstr("changed nothing")));
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

// An index file naming a pack that does not exist (a backup host can upload one at will) must
// not stop prune until someone repairs the index: while every blob in use has a copy elsewhere,
// the entries are dropped and reported, and the repository checks clean after.
TEST_F(PrunerTest, DropsTheEntriesOfAPlantedIndexNamingAMissingPack) {
  for (bool claims_a_blob_in_use : {false, true}) {
    SCOPED_TRACE(claims_a_blob_in_use ? "claiming a blob in use" : "claiming an unused blob");
    store_ = Store();
    repo_ = store_.Init();
    Backup({kA, kB});
    const Id a = repo_->BlobId(kA);
    const Id missing = repo_->BlobId(RandomData(64, 70));
    const Id blob = claims_a_blob_in_use ? a : repo_->BlobId(RandomData(50, 71));
    const std::string planted =
        PlantIndexReadFirst({missing, {{BlobType::kData, blob, 32, 100, 50}}});
    ASSERT_FALSE(planted.empty());
    for (bool dry_run : {true, false}) {
      PruneOptions options;
      options.dry_run = dry_run;
      const std::set<std::string> before = Files();
      auto stats = PruneLocked(*Reopen(), options, nullptr);
      ASSERT_THAT(stats, IsOk());
      EXPECT_EQ(stats->packs_missing, 1u);
      EXPECT_EQ(stats->entries_for_missing_packs, 1u);
      EXPECT_EQ(stats->first_missing_pack, missing.Hex());
      // A blob in use the entry names has its other copy read before the entry goes.
      EXPECT_EQ(stats->blobs_confirmed, claims_a_blob_in_use ? 1u : 0u);
      EXPECT_EQ(stats->packs_unused + stats->packs_repacked, 0u);
      EXPECT_EQ(Files() == before, dry_run);
    }
    EXPECT_FALSE(Files().contains(planted));
    ExpectSound(*Reopen());
    ExpectReadable({kA, kB});
  }
}

// An index file naming a real pack with an unused entry its size does not account for (past its
// end, over its blobs, in its header) must not make prune repack the pack: one tiny file would
// rewrite the whole repository on every prune (under Object Lock, keeping every old copy).
// Prune drops the entry, unread or by the pack's header, and leaves the pack as it was.
TEST_F(PrunerTest, RepacksNothingForAPlantedEntryThePacksSizeDoesNotAccountFor) {
  using Entry = repository::PackEntry;
  struct Case {
    std::string name;
    // The lie for blob `lie`, in a pack of `size` bytes whose blobs end at `blobs_end`.
    std::function<Entry(const Id& lie, uint64_t size, uint64_t blobs_end)> entry;
  };
  const std::vector<Case> cases = {
      {"past the pack's end",  // what /tmp/r8/py/plant3.py plants
       [](const Id& lie, uint64_t, uint64_t) {
         return Entry{BlobType::kData, lie, 0x7fff0000, 0x7fff0000, 1};
       }},
      {"over the pack's blobs",
       [](const Id& lie, uint64_t, uint64_t blobs_end) {
         const auto length = static_cast<uint32_t>(blobs_end - 33);
         return Entry{BlobType::kData, lie, 33, length, length};
       }},
      {"in the pack's header",
       [](const Id& lie, uint64_t size, uint64_t blobs_end) {
         const auto length = static_cast<uint32_t>(size - 4 - blobs_end);
         return Entry{BlobType::kData, lie, static_cast<uint32_t>(blobs_end), length, length};
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    store_ = Store();
    repo_ = store_.Init();
    Backup({kA, kB});
    const repository::BlobLocation a = *repo_->FindBlob(BlobType::kData, repo_->BlobId(kA));
    const repository::BlobLocation b = *repo_->FindBlob(BlobType::kData, repo_->BlobId(kB));
    ASSERT_EQ(a.pack, b.pack);
    const uint64_t blobs_end =
        std::max(uint64_t{a.offset} + a.length, uint64_t{b.offset} + b.length);
    const backend::Handle pack{FileType::kPack, a.pack.Hex()};
    const Result<Bytes> original = store_.raw().Load(pack);
    ASSERT_THAT(original, IsOk());
    const Id lie = repo_->BlobId(RandomData(50, 80));
    ASSERT_FALSE(
        PlantIndexReadFirst({a.pack, {c.entry(lie, original->size(), blobs_end)}}).empty());
    PruneOptions options;
    options.repack_threshold = 0;  // repack any pack holding unused data: the lie's best chance
    auto stats = PruneLocked(*Reopen(), options, nullptr);
    ASSERT_THAT(stats, IsOk());
    EXPECT_EQ(stats->packs_repacked, 0u);
    EXPECT_EQ(stats->packs_written, 0u);
    EXPECT_EQ(stats->copies_unverified, 1u);
    EXPECT_THAT(stats->first_unverified, HasSubstr("data blob " + lie.Hex()));
    const Result<Bytes> after = store_.raw().Load(pack);
    ASSERT_THAT(after, IsOk());
    EXPECT_TRUE(*after == *original) << "the pack was rewritten";
    ExpectSound(*Reopen());
    ExpectReadable({kA, kB});
  }
}

// However many planted packs claim a blob in use, prune reads its copies in the plan's order
// until one verifies and plans once more: two plans, not one per lie.
TEST_F(PrunerTest, PlansTwiceHoweverManyCopiesOfABlobLie) {
  Backup({kA, kB});
  const Id a = repo_->BlobId(kA);
  constexpr uint64_t kLies = 8;
  for (uint64_t i = 0; i < kLies; ++i) Plant({{a, RandomData(20000, 90 + i)}});
  for (bool dry_run : {true, false}) {
    PruneOptions options;
    options.dry_run = dry_run;
    auto stats = PruneLocked(*Reopen(), options, nullptr);
    ASSERT_THAT(stats, IsOk());
    EXPECT_EQ(stats->copies_unverified, kLies);
    EXPECT_EQ(stats->plan_rounds, 2u);
  }
  ExpectSound(*Reopen());
  ExpectReadable({kA, kB});
}

// The genuine pack of a blob in use is lost, and a backup host (it holds the key) planted a copy
// of the same length with other bytes, in a pack of its own that its index names. Dropping the
// lost pack's entries unread would leave the forged copy the only one the index names (restore
// would then write its bytes, and check pass): prune reads that copy first, finds it does not
// verify, and refuses, changing nothing (a dry run too); no read of the blob yields the forged
// bytes after.
TEST_F(PrunerTest, RefusesToLeaveAForgedCopyTheOnlyOneWhenTheGenuinePackIsLost) {
  Backup({kA});
  const Id a = repo_->BlobId(kA);
  const repository::BlobLocation genuine = *repo_->FindBlob(BlobType::kData, a);
  const Planted planted = Plant({{a, RandomData(kA.size(), 95)}});
  const std::vector<repository::BlobLocation> copies =
      Reopen()->FindBlobLocations(BlobType::kData, a);
  ASSERT_EQ(copies.size(), 2u);
  for (const repository::BlobLocation& at : copies) {
    EXPECT_EQ(at.length, genuine.length);  // only the bytes differ: no length tells them apart
  }
  ASSERT_TRUE(store_.raw().Remove({FileType::kPack, genuine.pack.Hex()}));
  for (bool dry_run : {true, false}) {
    PruneOptions options;
    options.dry_run = dry_run;
    const std::set<std::string> before = Files();
    auto stats = PruneLocked(*Reopen(), options, nullptr);
    EXPECT_THAT(stats, ErrorIs(ErrorCode::kFailedCheck,
                               ::testing::AllOf(
                                   HasSubstr("pack " + planted.pack + " does not hold data blob " +
                                             a.Hex()),
                                   HasSubstr("; pack " + genuine.pack.Hex() +
                                             ", also named for it, is missing"),
                                   HasSubstr("changed nothing"))));
    EXPECT_EQ(Files(), before);
  }
  auto repo = Reopen();
  ASSERT_NE(repo, nullptr);
  for (repository::IdCheck check : {repository::IdCheck::kSkip, repository::IdCheck::kRehash}) {
    EXPECT_THAT(repo->LoadBlob(BlobType::kData, a, check), Not(IsOk()));
  }
}

// Two backups that saved the same data at once store each blob twice. Prune reads the copies it
// keeps by runs of a pack's blobs, one request per run (after the pack's salt), not one per
// blob: a healthy repository full of duplicates costs about a request per pack. The pack that
// goes is not read at all.
TEST_F(PrunerTest, ReadsTheKeptCopiesOfAPackInOneRequest) {
  constexpr size_t kBlobs = 100;
  std::vector<Bytes> chunks;
  for (size_t i = 0; i < kBlobs; ++i) chunks.push_back(RandomData(1000, 300 + i));
  auto second = Reopen();  // opened before the first backup saved them: saves them again
  Backup(chunks);
  const Id first_pack = repo_->FindBlob(BlobType::kData, repo_->BlobId(chunks[0]))->pack;
  chunks.push_back(kC);
  Backup(*second, chunks);  // its pack holds more in use: its copies are the ones kept
  const Id kept_pack = Reopen()->FindBlob(BlobType::kData, repo_->BlobId(kC))->pack;
  ASSERT_NE(first_pack, kept_pack);
  std::map<std::string, int> loads;
  auto repo = Repository::Open(std::make_unique<PackLoads>(store_.View(), &loads),
                               repository::testing::kPassword);
  ASSERT_THAT(repo, IsOk());
  auto stats = PruneLocked(**repo, {}, nullptr);
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->blobs_confirmed, kBlobs);
  EXPECT_EQ(stats->packs_unused, 1u);
  EXPECT_EQ(loads[kept_pack.Hex()], 2);  // its salt (the pack's key), then one run
  EXPECT_EQ(loads[first_pack.Hex()], 0);
  ExpectSound(*Reopen());
  ExpectReadable(chunks);
}

}  // namespace
}  // namespace stormproof::pruner
