// scan's walk of a snapshot's tree (src/engine/scan/tree_scan.cc) against hostile snapshots
// (review R12-13): trees planted by hand, as no backup writes them, fail that snapshot's scan
// with one line naming it, instead of exhausting the stack or walking for ever.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/archiver/archiver.h"
#include "engine/detect/verdict.h"
#include "engine/holds/holds.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"
#include "engine/repository/tree_store.h"
#include "engine/scan/scan.h"
#include "tests/engine/archiver/archiver_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::scan {
namespace {

using repository::Id;
using repository::Node;
using repository::NodeType;
using repository::Snapshot;
using repository::Tree;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class ScanHostileTreeTest : public archiver::testing::ArchiverTest {
 protected:
  Result<Id> Save(const Tree& tree) {
    return repository::SaveTree(tree, [&](Bytes encoded) -> Result<Id> {
      Id id = repo_->BlobId(encoded);
      STORMPROOF_TRY(repo_->SaveBlob(repository::BlobType::kTree, id, encoded));
      return id;
    });
  }

  // A directory node called `name` whose entries are the tree `subtree`.
  static Node Dir(std::string name, const Id& subtree) {
    Node dir;
    dir.name = std::move(name);
    dir.type = NodeType::kDir;
    dir.subtree = subtree;
    return dir;
  }

  // A snapshot of `tree` (not saved: Scan needs only its record), its id made up.
  static Snapshot SnapshotOf(const Id& tree) {
    Snapshot s;
    s.id = tree;
    s.hostname = "planted";
    s.paths = {"/d"};
    s.tree = tree;
    return s;
  }

  // A chain of `levels` directories "d", each holding the next; the root tree's id.
  Id Chain(int levels) {
    Result<Id> tree = Save(Tree{});
    EXPECT_THAT(tree, IsOk());
    for (int level = 0; level < levels && tree.has_value(); ++level) {
      tree = Save(Tree{{Dir("d", *tree)}});
    }
    EXPECT_THAT(tree, IsOk());
    EXPECT_THAT(repo_->Flush(), IsOk());
    return tree.has_value() ? *tree : Id{};
  }
};

TEST_F(ScanHostileTreeTest, AChainAsDeepAsRestoreAcceptsIsJudged) {
  const Snapshot s = SnapshotOf(Chain(static_cast<int>(kMaxDepth)));
  Result<Scanned> scanned = Scan(*repo_, s, nullptr, detect::History{}, ScanOptions{});
  ASSERT_THAT(scanned, IsOk());
  EXPECT_EQ(scanned->verdict.level, repository::Verdict::Level::kClean);
}

// Without a bound the walk recursed once per level: 100,000 levels overflowed the stack.
TEST_F(ScanHostileTreeTest, AChainDeeperThanRestoreAcceptsFailsThatSnapshotsScan) {
  const Snapshot s = SnapshotOf(Chain(static_cast<int>(kMaxDepth) + 3));
  Result<Scanned> scanned = Scan(*repo_, s, nullptr, detect::History{}, ScanOptions{});
  EXPECT_THAT(scanned,
              ErrorIs(ErrorCode::kFailedCheck, AllOf(HasSubstr("snapshot " + s.id.ShortHex()),
                                                     HasSubstr("nested deeper than 1024 levels"),
                                                     HasSubstr("/d/d/d"), Not(HasSubstr("\n")))));
  EXPECT_LT(scanned.error().message().size(), 400u) << "one short line, not a 1,000-level path";
}

// A tree naming one subtree twice per level has 2^levels paths: the walk stops at the entries
// bound (here small; by default restore's) instead of visiting them all.
TEST_F(ScanHostileTreeTest, ASubtreeNamedTwicePerLevelStopsAtTheEntriesBound) {
  constexpr int kLevels = 16;  // 2^17 entries: an unbounded walk still ends, and is judged
  Result<Id> tree = Save(Tree{});
  ASSERT_THAT(tree, IsOk());
  for (int level = 0; level < kLevels; ++level) {
    tree = Save(Tree{{Dir("a", *tree), Dir("b", *tree)}});
    ASSERT_THAT(tree, IsOk());
  }
  ASSERT_THAT(repo_->Flush(), IsOk());
  const Snapshot s = SnapshotOf(*tree);
  ScanOptions options;
  options.max_entries = 10'000;
  Result<Scanned> scanned = Scan(*repo_, s, nullptr, detect::History{}, options);
  EXPECT_THAT(scanned,
              ErrorIs(ErrorCode::kFailedCheck, AllOf(HasSubstr("snapshot " + s.id.ShortHex()),
                                                     HasSubstr("more than 10000 entries"))));
  options.max_entries = uint64_t{1} << 18;  // room for all of them: judged
  EXPECT_THAT(Scan(*repo_, s, nullptr, detect::History{}, options), IsOk());
}

// In a group, the hostile snapshot alone is not judged: ScanGroup tells it to on_not_judged and
// scans the others (without on_not_judged, its error ends the call).
TEST_F(ScanHostileTreeTest, ScanGroupPassesOverTheHostileSnapshotAndJudgesTheOthers) {
  MakeDir("data");
  Write("data/a.txt", "first version");
  archiver::BackupOptions options = Options({Path("data")});
  options.detect = false;
  Result<Snapshot> first = Run(options);
  ASSERT_THAT(first, IsOk());
  Write("data/a.txt", "second version");
  options.parent = *first;
  Result<Snapshot> second = Run(options);
  ASSERT_THAT(second, IsOk());
  Snapshot deep = SnapshotOf(Chain(static_cast<int>(kMaxDepth) + 1));
  deep.time_ns = first->time_ns + 1;
  const std::vector<Snapshot> group = {*first, deep, *second};
  const std::vector<size_t> all = {0, 1, 2};
  const holds::Maker maker{"scanner", "tester", 1};
  std::vector<std::string> judged, not_judged;
  Result<repository::MarkSet> marks = ScanGroup(
      *repo_, group, all, repository::MarkSet(), ScanOptions{}, Save::kMarks, maker,
      [&](const Snapshot& s, const Scanned&, const SavedMarks&) { judged.push_back(s.id.Hex()); },
      [&](const Snapshot& s, const Error& error) {
        not_judged.push_back(s.id.Hex());
        EXPECT_THAT(error, ErrorIs(ErrorCode::kFailedCheck,
                                   HasSubstr("snapshot " + deep.id.ShortHex() + ": ")));
      });
  ASSERT_THAT(marks, IsOk());
  EXPECT_EQ(judged, (std::vector<std::string>{first->id.Hex(), second->id.Hex()}));
  EXPECT_EQ(not_judged, std::vector<std::string>{deep.id.Hex()});
  EXPECT_EQ(marks->all().size(), 2u);
  EXPECT_EQ(marks->WorstLaterVerdict(deep.id), nullptr);
  EXPECT_THAT(ScanGroup(*repo_, group, all, *marks, ScanOptions{}, Save::kNothing, maker, nullptr),
              ErrorIs(ErrorCode::kFailedCheck, HasSubstr("nested deeper than")));
}

}  // namespace
}  // namespace stormproof::scan
