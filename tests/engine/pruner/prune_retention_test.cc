// Retention and prune agree (docs/repository-format.md, "Object Lock"), on in-memory storage that
// keeps S3 Object Lock's semantics under a clock the test controls: months of daily backups with
// forget (alone, or followed by prune) under changing policies. At every simulated instant, every
// file a snapshot kept by the last maintenance needs stays undeletable for at least N days after
// that maintenance; hidden versions go once (and only once) their retention ended.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include "core/time.h"
#include "engine/pruner/pruner.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/tree.h"
#include "engine/retention/retention.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::pruner {
namespace {

using backend::FileType;
using backend::Handle;
using repository::BlobType;
using repository::Id;
using repository::Repository;
using repository::Snapshot;
using repository::testing::kPassword;
using repository::testing::RandomData;

constexpr int kDays = 7;                                  // N: the repository's retention
constexpr int64_t kStart = 1'767'225'600 * kNsPerSecond;  // 2026-01-01 00:00:00 UTC

class PruneRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto repo = Repository::Init(
        backend::NewRetainingMemoryBackend([this] { return now_.load(); }), kPassword,
        {.retention = backend::Retention{backend::Retention::Mode::kCompliance, kDays}});
    ASSERT_THAT(repo, IsOk());
    repo_ = std::move(repo).value();
  }

  // A backup at now_: one file of a chunk new today and a chunk shared by a week's backups.
  void Backup(int day) {
    std::vector<Bytes> chunks = {RandomData(3000, 1000 + day), RandomData(3000, day / 7)};
    repository::Node file;
    file.name = "file";
    std::vector<repository::BlobRef> used;
    for (const Bytes& chunk : chunks) {
      Id id = repo_->BlobId(chunk);
      ASSERT_THAT(repo_->SaveBlob(BlobType::kData, id, chunk), IsOk());
      file.content.push_back(id);
      used.push_back({BlobType::kData, id});
    }
    repository::Tree tree;
    tree.nodes.push_back(file);
    Bytes encoded = repository::EncodeTree(tree);
    Snapshot snapshot;
    snapshot.paths = {"/data"};
    snapshot.hostname = "fileserver";
    snapshot.time_ns = now_;
    snapshot.tree = repo_->BlobId(encoded);
    ASSERT_THAT(repo_->SaveBlob(BlobType::kTree, snapshot.tree, encoded), IsOk());
    used.push_back({BlobType::kTree, snapshot.tree});
    ASSERT_TRUE(repo_->Flush());
    auto id = repo_->SaveSnapshot(snapshot);
    ASSERT_THAT(id, IsOk());
    blobs_[*id] = used;
  }

  // The policy of the day: generous first, then tighter, then only the last few.
  static retention::Policy PolicyOn(int day) {
    if (day < 60) return {.daily = 7, .weekly = 4, .monthly = 6};
    if (day < 120) return {.daily = 3, .weekly = 2, .monthly = 2};
    return {.last = 4};
  }

  // Forget by the day's policy (snapshot files removed: hidden), then prune, or, without prune,
  // forget's own retention upkeep; then records what each kept snapshot needs.
  void Maintain(int day, bool prune) {
    auto all = repo_->LoadSnapshots();
    ASSERT_THAT(all, IsOk());
    auto decision = retention::ApplyPolicy(*all, PolicyOn(day), now_);
    ASSERT_THAT(decision, IsOk());
    if (prune) {
      auto maintenance = repository::Maintenance::Begin(*repo_);
      ASSERT_THAT(maintenance, IsOk());
      for (const Snapshot& s : decision->remove)
        ASSERT_THAT((*maintenance)->RemoveSnapshot(s.id), IsOk());
      auto stats = Prune(**maintenance, PruneOptions{}, {});
      ASSERT_THAT(stats, IsOk());
      totals_.retention_checked += stats->retention_checked;
      totals_.retention_extended += stats->retention_extended;
      totals_.hidden_purged_files += stats->hidden_purged_files;
      totals_.hidden_retained_files = stats->hidden_retained_files;
      if (stats->hidden_retained_files > 0) {
        EXPECT_GT(stats->hidden_earliest_release_ns, now_.load());
      }
    } else {
      auto lock = repo_->AcquireLock(Repository::LockKind::kShared);
      ASSERT_THAT(lock, IsOk());
      for (const Snapshot& s : decision->remove) ASSERT_THAT(repo_->RemoveSnapshot(s.id), IsOk());
      backend::Backend::RetentionUpkeep upkeep;
      ASSERT_THAT(repo_->ExtendRetention(&upkeep), IsOk());
      totals_.retention_extended += upkeep.extended;
    }
    for (const retention::KeptSnapshot& k : decision->keep) Kept(k.snapshot.id);
  }

  // Snapshot `id` was kept now: it needs its file, its blobs' packs, the index, keys and config.
  void Kept(const Id& id) {
    std::vector<Handle> files = {{FileType::kConfig, ""}, {FileType::kSnapshot, id.Hex()}};
    for (FileType type : {FileType::kKey, FileType::kIndex}) {
      ASSERT_THAT(repo_->backend().List(type,
                                        [&](const std::string& name, uint64_t) {
                                          files.push_back({type, name});
                                        }),
                  IsOk());
    }
    for (const repository::BlobRef& blob : blobs_.at(id)) {
      auto at = repo_->FindBlob(blob.type, blob.id);
      ASSERT_TRUE(at.has_value()) << blob.id.Hex();
      files.push_back({FileType::kPack, at->pack.Hex()});
    }
    kept_[id] = Kept_{now_, std::move(files)};
  }

  // The guarantee, checked at now_: every file a snapshot needed when last kept is retained
  // until at least then + N days, for as long as that date has not passed.
  void CheckGuarantee() {
    for (const auto& [id, kept] : kept_) {
      const int64_t promised = kept.at + int64_t{kDays} * kNsPerDay;
      if (now_ >= promised) continue;
      for (const Handle& file : kept.files) {
        auto until = backend::RetainedUntilNsForTesting(repo_->backend(), file);
        ASSERT_THAT(until, IsOk()) << FormatUtc(now_) << ": " << file.name;
        ASSERT_GE(*until, promised)
            << FormatUtc(now_) << ": " << backend::FileTypeName(file.type) << " " << file.name
            << " of snapshot " << id.ShortHex() << " kept on " << FormatUtc(kept.at);
      }
    }
  }

  // Lets `hours` pass, checking the guarantee every hour.
  void Pass(int hours) {
    for (int h = 0; h < hours; ++h) {
      now_ += kNsPerHour;
      CheckGuarantee();
    }
  }

  struct Kept_ {
    int64_t at = 0;
    std::vector<Handle> files;
  };
  std::atomic<int64_t> now_{kStart};
  std::unique_ptr<Repository> repo_;
  std::map<Id, std::vector<repository::BlobRef>> blobs_;
  std::map<Id, Kept_> kept_;
  PruneStats totals_;
};

// 150 days: a backup at 01:00, forget at 02:00 (with prune every third day), policies tightening
// on days 60 and 120; maintenance skipped on days 40-44 (the guarantee only promises N days).
TEST_F(PruneRetentionTest, EverySnapshotKeptStaysUndeletableForNDaysAfterItWasLastKept) {
  for (int day = 0; day < 150; ++day) {
    Pass(1);
    ASSERT_NO_FATAL_FAILURE(Backup(day));
    Pass(1);
    if (day < 40 || day > 44) {
      ASSERT_NO_FATAL_FAILURE(Maintain(day, day % 3 == 0));
    }
    Pass(22);
  }
  EXPECT_GT(totals_.retention_extended, 0u);  // without extension the guarantee would fail
  EXPECT_GT(totals_.hidden_purged_files, 0u);
  EXPECT_GT(totals_.hidden_retained_files, 0u);
}

// Files saved within the last E days are not asked about: a prune right after another reads
// no retention at all, and one E days later reads (and extends) only what is older.
TEST_F(PruneRetentionTest, PruneReadsRetentionOnlyOfFilesOlderThanTheExtensionPeriod) {
  Backup(0);
  auto prune = [&] {
    auto maintenance = repository::Maintenance::Begin(*repo_);
    EXPECT_THAT(maintenance, IsOk());
    auto stats = Prune(**maintenance, PruneOptions{}, {});
    EXPECT_THAT(stats, IsOk());
    return *stats;
  };
  PruneStats now = prune();
  EXPECT_EQ(now.retention_checked, 0u);
  EXPECT_EQ(now.retention_extended, 0u);
  now_ += int64_t{backend::RetentionSpareDays({.days = kDays})} * kNsPerDay + kNsPerHour;
  Backup(1);  // new: not asked about
  PruneStats later = prune();
  // config, key, snapshot, index file and both packs (data, tree) of the first backup: the
  // upkeep runs before prune changes anything (the index it then rewrites included).
  EXPECT_EQ(later.retention_checked, 6u);
  EXPECT_EQ(later.retention_extended, 6u);
  PruneStats again = prune();  // extended to N + E days from now: nothing to do
  EXPECT_EQ(again.retention_checked, 5u);
  EXPECT_EQ(again.retention_extended, 0u);
}

// A damaged repository (a pack the index names is gone) makes prune refuse; the retention of
// what is there is still extended first, and the refusal says so: an attacker who damages one
// file must not make the rest of the backups lose their lock.
TEST_F(PruneRetentionTest, ARefusedPruneStillExtendsTheRetentionFirstAndSaysSo) {
  Backup(0);
  now_ += int64_t{backend::RetentionSpareDays({.days = kDays})} * kNsPerDay + kNsPerHour;
  auto maintenance = repository::Maintenance::Begin(*repo_);
  ASSERT_THAT(maintenance, IsOk());
  auto snapshots = repo_->LoadSnapshots();
  ASSERT_THAT(snapshots, IsOk());
  ASSERT_EQ(snapshots->size(), 1u);
  const repository::BlobRef data = blobs_.at(snapshots->front().id).front();
  auto at = repo_->FindBlob(data.type, data.id);  // a data pack: the trees still read
  ASSERT_TRUE(at.has_value());
  ASSERT_THAT((*maintenance)->RemovePack(at->pack), IsOk());
  auto stats = Prune(**maintenance, PruneOptions{}, {});
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().code(), ErrorCode::kFailedCheck);
  // config, key, snapshot, index file and the tree pack (the data pack is hidden: not in use).
  EXPECT_THAT(stats.error().message(),
              ::testing::HasSubstr("the retention upkeep ran first: 5 of 5 file(s) extended"));
  auto until = backend::RetainedUntilNsForTesting(
      repo_->backend(), {FileType::kSnapshot, snapshots->front().id.Hex()});
  ASSERT_THAT(until, IsOk());
  EXPECT_GE(*until, now_.load() + int64_t{kDays} * kNsPerDay);
}

// prune --dry-run changes nothing, the retentions included, but says what would be extended.
TEST_F(PruneRetentionTest, ADryRunSaysWhatWouldBeExtendedAndExtendsNothing) {
  Backup(0);
  now_ += int64_t{backend::RetentionSpareDays({.days = kDays})} * kNsPerDay + kNsPerHour;
  auto snapshots = repo_->LoadSnapshots();
  ASSERT_THAT(snapshots, IsOk());
  const Handle file{FileType::kSnapshot, snapshots->front().id.Hex()};
  auto before = backend::RetainedUntilNsForTesting(repo_->backend(), file);
  ASSERT_THAT(before, IsOk());
  auto lock = repo_->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(lock, IsOk());
  auto stats = PlanPrune(*repo_, **lock, PruneOptions{.dry_run = true}, {});
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->retention_checked, 6u);
  EXPECT_EQ(stats->retention_extended, 6u);  // would be
  auto after = backend::RetainedUntilNsForTesting(repo_->backend(), file);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(*after, *before);
}

// The evidence a host wrote beside its backups is never removed, so it stays undeletable as
// long as the data: N days after every maintenance run, for months after it was written.
TEST_F(PruneRetentionTest, EvidenceStaysUndeletableForNDaysAfterEveryMaintenanceRun) {
  std::string evidence;
  {
    auto lock = repo_->AcquireLock(Repository::LockKind::kShared);
    ASSERT_THAT(lock, IsOk());
    auto saved = repo_->SaveEvidence("{\"runs\": []}");
    ASSERT_THAT(saved, IsOk());
    evidence = *saved;
  }
  for (int day = 0; day < 5 * kDays; ++day) {
    Pass(1);
    ASSERT_NO_FATAL_FAILURE(Backup(day));
    ASSERT_NO_FATAL_FAILURE(Maintain(day, day % 2 == 0));
    auto until =
        backend::RetainedUntilNsForTesting(repo_->backend(), {FileType::kEvidence, evidence});
    ASSERT_THAT(until, IsOk());
    ASSERT_GE(*until, now_.load() + int64_t{kDays} * kNsPerDay) << "day " << day;
    Pass(23);
  }
}

}  // namespace
}  // namespace stormproof::pruner
