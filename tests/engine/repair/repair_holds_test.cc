// repair snapshots on a held, flagged snapshot (attack review R11-9): the repaired snapshot takes
// over the original's holds and later verdicts, so that forget keeps it and the restore point
// does not move, with or without --forget.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/detect/verdict.h"
#include "engine/holds/holds.h"
#include "engine/repair/snapshot_repair.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/marks.h"
#include "engine/repository/tree.h"
#include "engine/retention/retention.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repair {
namespace {

using backend::FileType;
using repository::BlobType;
using repository::Id;
using repository::Mark;
using repository::MarkSet;
using repository::Repository;
using repository::Snapshot;
using repository::Verdict;
using repository::testing::RandomData;
using repository::testing::Store;

const Bytes kKept = RandomData(5000, 1), kLost = RandomData(7000, 2), kLater = RandomData(3000, 3);
const holds::Maker kMaker{"central", "ops", 1'000'000'000};
constexpr const char* kHoldReason = "newest clean restore point before infected snapshot 07070707";

class RepairHoldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = store_.Init();
    flag_.bytes.fill(7);
  }

  // Saves a snapshot (time `time_ns`, paths /data) of root files `files` (name -> content).
  Snapshot Backup(const std::vector<std::pair<std::string, Bytes>>& files, int64_t time_ns) {
    repository::Tree root;
    for (const auto& [name, content] : files) {
      repository::Node file;
      file.name = name;
      file.size = content.size();
      Id id = repo_->BlobId(content);
      EXPECT_THAT(repo_->SaveBlob(BlobType::kData, id, content), IsOk());
      EXPECT_TRUE(repo_->Flush());  // each file's data in a pack of its own
      file.content.push_back(id);
      root.nodes.push_back(file);
    }
    Bytes tree = repository::EncodeTree(root);
    Snapshot snapshot;
    snapshot.time_ns = time_ns;
    snapshot.hostname = "h";
    snapshot.paths = {"/data"};
    snapshot.tree = repo_->BlobId(tree);
    EXPECT_THAT(repo_->SaveBlob(BlobType::kTree, snapshot.tree, tree), IsOk());
    EXPECT_TRUE(repo_->Flush());
    auto id = repo_->SaveSnapshot(snapshot);
    EXPECT_THAT(id, IsOk());
    snapshot.id = id ? *id : Id{};
    return snapshot;
  }

  // Flips a byte inside `content`'s blob: only re-hashing (repair snapshots reads every blob)
  // finds it.
  void Damage(const Bytes& content) {
    auto location = repo_->FindBlob(BlobType::kData, repo_->BlobId(content));
    ASSERT_TRUE(location.has_value());
    store_.Rewrite({FileType::kPack, location->pack.Hex()},
                   [&](Bytes& b) { b[location->offset + 100] ^= 1; });
  }

  // Holds `s` because of the flag flag_, and gives it a later `suspicious` verdict (a slow
  // attack's earlier step, which the record does not carry).
  void HoldAndFlag(const Snapshot& s) {
    Mark hold = kMaker.NewMark(Mark::Kind::kHold, s.id, kHoldReason);
    hold.because = flag_;
    ASSERT_THAT(repo_->SaveMark(hold), IsOk());
    Mark later = kMaker.NewMark(Mark::Kind::kVerdict, s.id, "part of a slow attack");
    later.because = flag_;
    later.verdict = Verdict{};
    later.verdict->level = Verdict::Level::kSuspicious;
    later.verdict->score = 40;
    ASSERT_THAT(repo_->SaveMark(later), IsOk());
  }

  // `repair snapshots [--forget]` under the exclusive lock, on a fresh repository object.
  RepairSnapshotsReport Repair(bool forget) {
    auto repo = store_.Open();
    EXPECT_THAT(repo, IsOk());
    auto maintenance = repository::Maintenance::Begin(**repo);
    EXPECT_THAT(maintenance, IsOk());
    auto report = RepairSnapshots(**maintenance, {.snapshots = {}, .forget = forget}, nullptr);
    EXPECT_THAT(report, IsOk());
    return report ? *report : RepairSnapshotsReport{};
  }

  MarkSet Marks() {
    auto marks = (*store_.Open())->LoadMarks();
    EXPECT_THAT(marks, IsOk());
    return marks ? std::move(*marks) : MarkSet();
  }

  Store store_;
  std::unique_ptr<Repository> repo_;
  Id flag_;
};

TEST_F(RepairHoldsTest, TheRepairOfAHeldFlaggedSnapshotIsHeldAndFlaggedAndForgetKeepsIt) {
  Snapshot held = Backup({{"kept", kKept}, {"lost", kLost}}, 100);
  HoldAndFlag(held);
  Damage(kLost);
  RepairSnapshotsReport report = Repair(/*forget=*/true);
  ASSERT_EQ(report.repaired.size(), 1u);
  EXPECT_TRUE(report.repaired.front().original_removed);
  ASSERT_EQ(report.repaired.front().marks.size(), 3u);  // hold, verdict, the original's release
  EXPECT_EQ(report.repaired.front().marks.back().mark.kind, Mark::Kind::kRelease);
  auto repaired_id = Id::FromHex(report.repaired.front().repaired);
  ASSERT_THAT(repaired_id, IsOk());
  const MarkSet marks = Marks();
  EXPECT_FALSE(marks.Held(held.id));  // gone: its holds stand on the repair
  std::vector<const repository::NamedMark*> holds = marks.StandingHolds(*repaired_id);
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds.front()->mark.reason,
            "repaired from snapshot " + held.id.ShortHex() + ", held: " + kHoldReason);
  EXPECT_EQ(holds.front()->mark.because, flag_);  // a false alarm on the flag releases it too
  const Mark* later = marks.WorstLaterVerdict(*repaired_id);
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(later->verdict->level, Verdict::Level::kSuspicious);

  // A newer snapshot, and a policy that keeps only it: the held repair stays.
  Backup({{"later", kLater}}, 200);
  auto all = (*store_.Open())->LoadSnapshots();
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->front().id, *repaired_id);
  const std::vector<detect::JudgedSnapshot> judged = detect::JudgedSnapshotsOf(*all, marks);
  EXPECT_EQ(judged.front().level, Verdict::Level::kSuspicious);
  auto decision =
      retention::ApplyPolicy(*all, retention::Policy{.last = 1}, 300, holds::HeldOf(marks));
  ASSERT_THAT(decision, IsOk());
  EXPECT_TRUE(decision->remove.empty());
  ASSERT_EQ(decision->keep.size(), 2u);
  EXPECT_EQ(decision->keep.front().snapshot.id, *repaired_id);
  EXPECT_EQ(decision->keep.front().reasons.back(),
            retention::HeldReason("repaired from snapshot " + held.id.ShortHex() +
                                  ", held: " + kHoldReason));
}

// Without --forget the original stays, held as it was, and its repair is held beside it.
TEST_F(RepairHoldsTest, WithoutForgetTheOriginalStaysHeldAndItsRepairIsHeldToo) {
  Snapshot held = Backup({{"kept", kKept}, {"lost", kLost}}, 100);
  HoldAndFlag(held);
  Damage(kLost);
  RepairSnapshotsReport report = Repair(/*forget=*/false);
  ASSERT_EQ(report.repaired.size(), 1u);
  EXPECT_FALSE(report.repaired.front().original_removed);
  auto repaired_id = Id::FromHex(report.repaired.front().repaired);
  ASSERT_THAT(repaired_id, IsOk());
  const MarkSet marks = Marks();
  EXPECT_TRUE(marks.Held(held.id));
  EXPECT_TRUE(marks.Held(*repaired_id));
  EXPECT_THAT((*store_.Open())->LoadSnapshot(held.id), IsOk());
}

// A flag a person accepted as a false alarm stays accepted on the repair: the acceptance names
// the carried copy of the verdict it accepts, not the original's.
TEST_F(RepairHoldsTest, AnAcceptedFalseAlarmStaysAcceptedOnTheRepair) {
  Snapshot flagged = Backup({{"kept", kKept}, {"lost", kLost}}, 100);
  HoldAndFlag(flagged);
  ASSERT_THAT(holds::AcceptFalseAlarm(*repo_, Marks(), flagged, "on purpose", kMaker), IsOk());
  ASSERT_TRUE(Marks().AcceptedAsFalseAlarm(flagged.id));
  Damage(kLost);
  RepairSnapshotsReport report = Repair(/*forget=*/true);
  ASSERT_EQ(report.repaired.size(), 1u);
  auto repaired_id = Id::FromHex(report.repaired.front().repaired);
  ASSERT_THAT(repaired_id, IsOk());
  EXPECT_TRUE(Marks().AcceptedAsFalseAlarm(*repaired_id));
}

// A snapshot with no marks is repaired as before: nothing carried.
TEST_F(RepairHoldsTest, NothingIsCarriedFromASnapshotWithoutMarks) {
  Backup({{"kept", kKept}, {"lost", kLost}}, 100);
  Damage(kLost);
  RepairSnapshotsReport report = Repair(/*forget=*/true);
  ASSERT_EQ(report.repaired.size(), 1u);
  EXPECT_TRUE(report.repaired.front().marks.empty());
  EXPECT_TRUE(Marks().empty());
}

}  // namespace
}  // namespace stormproof::repair
