// Zipping (engine/copier/internal/zip.h): what an earlier copy teaches, and what a copy whose
// shape does not agree with its source does not.
#include "engine/copier/internal/zip.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/repository/tree_store.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::copier::internal {
namespace {

using repository::BlobType;
using repository::Node;
using repository::NodeType;
using repository::Repository;
using repository::Tree;
using repository::testing::Store;

// A file node whose content is one blob saved in `repo` (`text`).
Node File(Repository& repo, const std::string& name, const std::string& text) {
  Id id = repo.BlobId(AsBytes(text));
  EXPECT_THAT(repo.SaveBlob(BlobType::kData, id, AsBytes(text)), IsOk());
  Node node;
  node.name = name;
  node.size = text.size();
  node.content = {id};
  return node;
}

Node Dir(const std::string& name, const Id& tree) {
  Node node;
  node.name = name;
  node.type = NodeType::kDir;
  node.subtree = tree;
  return node;
}

Id Save(Repository& repo, const Tree& tree) {
  auto id = repository::SaveTree(tree, [&](Bytes encoded) -> Result<Id> {
    Id blob = repo.BlobId(encoded);
    STORMPROOF_TRY(repo.SaveBlob(BlobType::kTree, blob, encoded));
    return blob;
  });
  EXPECT_THAT(id, IsOk());
  EXPECT_THAT(repo.Flush(), IsOk());
  return id ? *id : Id{};
}

class ZipTest : public ::testing::Test {
 protected:
  Store source_store_, destination_store_;
  std::unique_ptr<Repository> source_ = source_store_.Init();
  std::unique_ptr<Repository> destination_ = destination_store_.Init("another password");
  IdMap map_;
  uint64_t bytes_read_ = 0;
};

TEST_F(ZipTest, AgreeingTreesMapEveryBlobAndDirectory) {
  Node a = File(*source_, "a", "alpha"), b = File(*source_, "b", "beta");
  Id sub = Save(*source_, Tree{{b}});
  Id root = Save(*source_, Tree{{a, Dir("sub", sub)}});
  Node a2 = File(*destination_, "a", "alpha"), b2 = File(*destination_, "b", "beta");
  Id sub2 = Save(*destination_, Tree{{b2}});
  Id root2 = Save(*destination_, Tree{{a2, Dir("sub", sub2)}});

  ASSERT_THAT(ZipTrees(*source_, *destination_, root, root2, map_, bytes_read_), IsOk());
  EXPECT_EQ(map_.Data(a.content[0]), a2.content[0]);
  EXPECT_EQ(map_.Data(b.content[0]), b2.content[0]);
  ASSERT_NE(map_.Tree(root), nullptr);
  EXPECT_EQ(map_.Tree(root)->destination, root2);
  EXPECT_EQ(map_.Tree(root)->file_bytes, 9u);
  EXPECT_EQ(map_.Tree(root)->blobs, 4u);  // two trees, two data blobs
  EXPECT_EQ(map_.Tree(sub)->destination, sub2);
  EXPECT_GT(bytes_read_, 0u);
}

TEST_F(ZipTest, AMismatchBelowLeavesTheDirectoryAboveUnmapped) {
  Node a = File(*source_, "a", "alpha"), b = File(*source_, "b", "beta");
  Id sub = Save(*source_, Tree{{b}});
  Id root = Save(*source_, Tree{{a, Dir("sub", sub)}});
  // The "copy" names another file in sub/: its shape does not agree.
  Node a2 = File(*destination_, "a", "alpha"), c2 = File(*destination_, "c", "beta");
  Id sub2 = Save(*destination_, Tree{{c2}});
  Id root2 = Save(*destination_, Tree{{a2, Dir("sub", sub2)}});

  ASSERT_THAT(ZipTrees(*source_, *destination_, root, root2, map_, bytes_read_), IsOk());
  EXPECT_EQ(map_.Data(a.content[0]), a2.content[0]);  // the root's own entries agree
  EXPECT_FALSE(map_.Data(b.content[0]).has_value());
  EXPECT_EQ(map_.Tree(sub), nullptr);
  EXPECT_EQ(map_.Tree(root), nullptr);  // not whole: its subtree is read, not trusted
}

TEST_F(ZipTest, DifferentChunkCountsOrTypesMapNothing) {
  Node a = File(*source_, "a", "alpha");
  Id root = Save(*source_, Tree{{a}});
  Node a2 = File(*destination_, "a", "alpha");
  a2.content.push_back(a2.content[0]);  // two chunks where the source has one
  Id root2 = Save(*destination_, Tree{{a2}});
  ASSERT_THAT(ZipTrees(*source_, *destination_, root, root2, map_, bytes_read_), IsOk());
  EXPECT_EQ(map_.data_count() + map_.tree_count(), 0u);

  Node link;
  link.name = "a";
  link.type = NodeType::kSymlink;
  link.size = a.size;
  link.content = a2.content;
  link.content.pop_back();
  Id root3 = Save(*destination_, Tree{{link}});
  ASSERT_THAT(ZipTrees(*source_, *destination_, root, root3, map_, bytes_read_), IsOk());
  EXPECT_EQ(map_.data_count() + map_.tree_count(), 0u);
}

TEST_F(ZipTest, AnUnreadableCopyMapsNothing) {
  Node a = File(*source_, "a", "alpha");
  Id root = Save(*source_, Tree{{a}});
  Id missing = crypto::Sha256(AsBytes("no such tree"));
  ASSERT_THAT(ZipTrees(*source_, *destination_, root, missing, map_, bytes_read_), IsOk());
  EXPECT_EQ(map_.data_count() + map_.tree_count(), 0u);
}

}  // namespace
}  // namespace stormproof::copier::internal
