// Walks over snapshot trees (src/engine/walker) on a real in-memory repository: path walks
// (FindEntry, WalkTree), the distinct-tree walk that prune and stats use, and the stats walker.
#include "engine/walker/walker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "engine/repository/tree_store.h"
#include "engine/walker/stats_walker.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::walker {
namespace {

using repository::BlobType;
using repository::Id;
using repository::Node;
using repository::NodeType;
using repository::Tree;

Node File(const std::string& name, uint64_t size, std::vector<Id> content = {}) {
  Node node;
  node.name = name;
  node.type = NodeType::kFile;
  node.size = size;
  node.content = std::move(content);
  return node;
}

Node Dir(const std::string& name, const Id& subtree) {
  Node node;
  node.name = name;
  node.type = NodeType::kDir;
  node.subtree = subtree;
  return node;
}

class WalkerTest : public ::testing::Test {
 protected:
  void SetUp() override { repo_ = store_.Init(); }

  Id Data(const std::string& text) {
    Bytes bytes(text.begin(), text.end());
    Id id = repo_->BlobId(bytes);
    EXPECT_THAT(repo_->SaveBlob(BlobType::kData, id, bytes), IsOk());
    return id;
  }

  // Saves a tree of `nodes` (sorted by name here), split into parts of at most `max_blob`
  // bytes, and flushes so that it can be read back.
  Id SaveTree(std::vector<Node> nodes, size_t max_blob = repository::kMaxTreeBlobBytes) {
    std::sort(nodes.begin(), nodes.end(),
              [](const Node& a, const Node& b) { return a.name < b.name; });
    Tree tree;
    tree.nodes = std::move(nodes);
    auto id = repository::SaveTree(
        tree,
        [this](Bytes encoded) -> Result<Id> {
          Id blob = repo_->BlobId(encoded);
          STORMPROOF_TRY(repo_->SaveBlob(BlobType::kTree, blob, encoded));
          return blob;
        },
        max_blob);
    EXPECT_THAT(id, IsOk());
    EXPECT_TRUE(repo_->Flush());
    return *id;
  }

  // /docs/a.txt (3 bytes), /docs/b.txt (4), /copy (the same tree as /docs), /top.txt (5).
  Id SampleSnapshot() {
    a_ = Data("aaa");
    b_ = Data("bbbb");
    docs_ = SaveTree({File("a.txt", 3, {a_}), File("b.txt", 4, {b_})});
    return SaveTree({Dir("docs", docs_), Dir("copy", docs_), File("top.txt", 5, {Data("ttttt")})});
  }

  // The ids a distinct-tree walk of `root` visits, in order.
  std::vector<Id> Visits(DistinctTreeWalker& walker, const Id& root) {
    std::vector<Id> visited;
    Status walked = walker.Walk(root, [&](const TreeVisit& visit) {
      visited.push_back(visit.id);
      return Ok();
    });
    EXPECT_TRUE(walked) << walked.error().message();
    return visited;
  }

  repository::testing::Store store_;
  std::unique_ptr<repository::Repository> repo_;
  Id a_, b_, docs_;
};

TEST(PathTest, NormalizesSnapshotPaths) {
  EXPECT_EQ(NormalizePath(""), "/");
  EXPECT_EQ(NormalizePath("/"), "/");
  EXPECT_EQ(NormalizePath("home//ann/./docs/"), "/home/ann/docs");
  EXPECT_EQ(ChildPath("/", "home"), "/home");
  EXPECT_EQ(ChildPath("/home", "ann"), "/home/ann");
}

// Every entry with its path, parents before children, in name order; a directory met twice is
// walked twice; returning false keeps the walk out of a directory.
TEST_F(WalkerTest, WalkTreeVisitsEveryPathParentsFirst) {
  Id root = SampleSnapshot();
  std::vector<std::string> paths;
  ASSERT_TRUE(WalkTree(*repo_, root, "/", [&](const std::string& path, const Node&) {
    paths.push_back(path);
    return path != "/copy";
  }));
  EXPECT_EQ(paths,
            (std::vector<std::string>{"/copy", "/docs", "/docs/a.txt", "/docs/b.txt", "/top.txt"}));
}

TEST_F(WalkerTest, FindEntryFollowsThePathOrSaysWhereItStops) {
  Id root = SampleSnapshot();
  auto file = FindEntry(*repo_, root, "docs//b.txt");
  ASSERT_THAT(file, IsOk());
  ASSERT_TRUE(file->has_value());
  EXPECT_EQ((*file)->size, 4u);
  auto self = FindEntry(*repo_, root, "/");
  ASSERT_THAT(self, IsOk());
  EXPECT_FALSE(self->has_value()) << "the root is the snapshot itself";
  auto missing = FindEntry(*repo_, root, "/docs/zz");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing, ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(missing.error().message(), "/docs/zz: not in the snapshot");
  auto through_file = FindEntry(*repo_, root, "/top.txt/x");
  ASSERT_FALSE(through_file.has_value());
  EXPECT_EQ(through_file.error().message(), "/top.txt is not a directory");
}

// The shared directory is read once, before the root; a second walk, or a walk of another root
// sharing it, reads only what is new.
TEST_F(WalkerTest, DistinctTreesAreVisitedOnceChildrenFirst) {
  Id root = SampleSnapshot();
  DistinctTreeWalker walker(*repo_, Follow::kDirectories);
  EXPECT_EQ(Visits(walker, root), (std::vector<Id>{docs_, root}));
  EXPECT_TRUE(walker.Reached(docs_));
  EXPECT_TRUE(Visits(walker, root).empty());
  Id other = SaveTree({Dir("again", docs_)});
  EXPECT_EQ(Visits(walker, other), std::vector<Id>{other});
  auto reached = walker.TakeReached();
  EXPECT_EQ(reached.size(), 3u);
  EXPECT_FALSE(walker.Reached(root)) << "taken";
}

// A subtree named by a node that is not a directory: prune keeps it (kEverySubtree), a restore
// would not see it (kDirectories).
TEST_F(WalkerTest, FollowDecidesWhetherANonDirectorysSubtreeIsWalked) {
  Id hidden = SaveTree({File("x", 1)});
  Node odd = File("odd", 0);
  odd.subtree = hidden;
  Id root = SaveTree({odd});
  DistinctTreeWalker directories(*repo_, Follow::kDirectories);
  EXPECT_EQ(Visits(directories, root), std::vector<Id>{root});
  DistinctTreeWalker every(*repo_, Follow::kEverySubtree);
  EXPECT_EQ(Visits(every, root), (std::vector<Id>{hidden, root}));
}

TEST_F(WalkerTest, ASplitDirectoryIsVisitedWithItsParts) {
  std::vector<Node> many;
  for (int i = 0; i < 50; ++i) many.push_back(File("file-" + std::to_string(100 + i), 1));
  Id head = SaveTree(many, 512);
  DistinctTreeWalker walker(*repo_, Follow::kDirectories);
  size_t entries = 0, parts = 0;
  ASSERT_TRUE(walker.Walk(head, [&](const TreeVisit& visit) {
    entries = visit.tree.nodes.size();
    parts = visit.parts.size();
    return Ok();
  }));
  EXPECT_EQ(entries, 50u);
  EXPECT_GT(parts, 1u);
}

// A tree that cannot be read stops the walk with its error, in the caller's words; so does an
// error of the visit.
TEST_F(WalkerTest, AnUnreadableTreeOrAFailedVisitStopsTheWalk) {
  Id lost = Id::FromHex(std::string(64, 'e')).value();
  Id root = SaveTree({Dir("gone", lost)});
  DistinctTreeWalker walker(*repo_, Follow::kDirectories);
  int visits = 0;
  Status walked = walker.Walk(
      root,
      [&](const TreeVisit&) {
        ++visits;
        return Ok();
      },
      [](const Id& id) { return "tree " + id.ShortHex() + " of snapshot s1"; });
  ASSERT_FALSE(walked);
  EXPECT_EQ(walked.error().message().rfind("tree eeeeeeee of snapshot s1: ", 0), 0u)
      << walked.error().message();
  EXPECT_EQ(visits, 0);
  DistinctTreeWalker plain(*repo_, Follow::kDirectories);
  Status default_context = plain.Walk(root, [](const TreeVisit&) { return Ok(); });
  ASSERT_FALSE(default_context);
  EXPECT_EQ(default_context.error().message().rfind("tree eeeeeeee: ", 0), 0u)
      << default_context.error().message();
  DistinctTreeWalker refusing(*repo_, Follow::kDirectories);
  Status refused = refusing.Walk(SampleSnapshot(), [](const TreeVisit&) -> Status {
    return Error::InvalidArgument("enough");
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "enough");
}

// Logical totals count a directory every place it appears; blobs are counted once.
TEST_F(WalkerTest, StatsCountFilesWhereverTheyAppearAndBlobsOnce) {
  Id root = SampleSnapshot();
  StatsWalker stats(*repo_);
  auto totals = stats.Walk(root);
  ASSERT_THAT(totals, IsOk());
  EXPECT_EQ(totals->files, 5u);
  EXPECT_EQ(totals->bytes, 3u + 4 + 3 + 4 + 5);
  auto again = stats.Walk(root);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->files, 5u) << "a tree walked before keeps its totals";
  auto docs = stats.Walk(docs_);
  ASSERT_THAT(docs, IsOk());
  EXPECT_EQ(docs->bytes, 7u);
  EXPECT_EQ(stats.Data().count, 3u);
  EXPECT_EQ(stats.Data().raw, 3u + 4 + 5);
  EXPECT_EQ(stats.Data().missing, 0u);
  EXPECT_EQ(stats.Trees().count, 2u);
  EXPECT_TRUE(stats.References(BlobType::kData, a_));
  EXPECT_TRUE(stats.References(BlobType::kTree, docs_));
  EXPECT_FALSE(stats.References(BlobType::kTree, a_));
}

}  // namespace
}  // namespace stormproof::walker
