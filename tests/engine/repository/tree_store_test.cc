#include "engine/repository/tree_store.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

// Tree blobs in memory, named by a hash of their bytes (a stand-in for the keyed blob id).
class BlobMap {
 public:
  Result<Id> Save(Bytes encoded) {
    Id id;
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint8_t b : encoded) h = (h ^ b) * 0x100000001b3ull;
    for (size_t i = 0; i < id.bytes.size(); ++i)
      id.bytes[i] = static_cast<uint8_t>(h >> (8 * (i % 8)) ^ i);
    blobs_[id] = std::move(encoded);
    return id;
  }
  Result<Bytes> Load(const Id& id) const {
    auto it = blobs_.find(id);
    if (it == blobs_.end()) return Error::NotFound("no tree blob " + id.Hex());
    return it->second;
  }
  TreeBlobSaver Saver() {
    return [this](Bytes encoded) { return Save(std::move(encoded)); };
  }
  TreeBlobLoader Loader() const {
    return [this](const Id& id) { return Load(id); };
  }
  void Remove(const Id& id) { blobs_.erase(id); }
  size_t size() const { return blobs_.size(); }

 private:
  std::map<Id, Bytes> blobs_;
};

Tree Directory(size_t count) {
  Tree tree;
  for (size_t i = 0; i < count; ++i) {
    Node n;
    n.name = "message-" + std::to_string(100000 + i);
    n.size = i;
    tree.nodes.push_back(std::move(n));
  }
  return tree;
}

constexpr size_t kLimit = 64 << 10;  // ~1,500 of these entries

TEST(TreeStoreTest, AnOrdinaryDirectoryIsOneBlobWithoutParts) {
  BlobMap store;
  Result<Id> id = SaveTree(Directory(10), store.Saver(), kLimit);
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(store.size(), 1u);
  std::vector<Id> parts = {Id{}};
  Result<Tree> loaded = LoadTree(store.Loader(), *id, &parts);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->nodes.size(), 10u);
  EXPECT_TRUE(parts.empty());
}

TEST(TreeStoreTest, ALargeDirectoryIsSavedInPartsAndLoadedWhole) {
  BlobMap store;
  Tree tree = Directory(20000);
  Result<Id> id = SaveTree(tree, store.Saver(), kLimit);
  ASSERT_THAT(id, IsOk());
  std::vector<Id> parts;
  Result<Tree> loaded = LoadTree(store.Loader(), *id, &parts);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_GE(parts.size(), 5u);
  EXPECT_EQ(store.size(), parts.size() + 1) << "the parts and the head";
  EXPECT_TRUE(loaded->parts.empty());
  ASSERT_EQ(loaded->nodes.size(), tree.nodes.size());
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    ASSERT_EQ(loaded->nodes[i].name, tree.nodes[i].name) << i;
    ASSERT_EQ(loaded->nodes[i].size, tree.nodes[i].size) << i;
  }
  // Saving the same directory again gives the same blobs.
  Result<Id> again = SaveTree(tree, store.Saver(), kLimit);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, *id);
  EXPECT_EQ(store.size(), parts.size() + 1);
}

TEST(TreeStoreTest, AMissingPartIsNamedInTheError) {
  BlobMap store;
  Result<Id> id = SaveTree(Directory(20000), store.Saver(), kLimit);
  ASSERT_THAT(id, IsOk());
  std::vector<Id> parts;
  ASSERT_THAT(LoadTree(store.Loader(), *id, &parts), IsOk());
  store.Remove(parts[1]);
  Result<Tree> loaded = LoadTree(store.Loader(), *id);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_THAT(loaded, ErrorIs(ErrorCode::kNotFound));
  const std::string& message = loaded.error().message();
  EXPECT_THAT(message, HasSubstr("part 2 of " + std::to_string(parts.size()))) << message;
  EXPECT_THAT(message, HasSubstr(parts[1].Hex())) << message;
}

// A hostile or damaged head: parts swapped, a part that is itself split, an empty part.
TEST(TreeStoreTest, InconsistentPartsAreRejected) {
  BlobMap store;
  Tree first = Directory(3);
  Tree second = Directory(6);
  second.nodes.erase(second.nodes.begin(), second.nodes.begin() + 3);
  Id a = *store.Save(EncodeTree(first));
  Id b = *store.Save(EncodeTree(second));
  Id empty = *store.Save(EncodeTree(Tree{}));
  auto load_head = [&](std::vector<Id> parts) {
    Tree head;
    head.parts = std::move(parts);
    return LoadTree(store.Loader(), *store.Save(EncodeTree(head)));
  };
  Result<Tree> ordered = load_head({a, b});
  ASSERT_THAT(ordered, IsOk());
  EXPECT_EQ(ordered->nodes.size(), 6u);

  Result<Tree> swapped = load_head({b, a});
  ASSERT_FALSE(swapped.has_value());
  EXPECT_THAT(swapped, ErrorIs(ErrorCode::kFailedCheck));
  EXPECT_THAT(swapped.error().message(), HasSubstr("not in name order"));
  EXPECT_THAT(swapped.error().message(), HasSubstr("part 2 of 2"));

  Result<Tree> repeated = load_head({a, a});
  ASSERT_FALSE(repeated.has_value());

  Tree inner;
  inner.parts = {a, b};
  Id nested = *store.Save(EncodeTree(inner));
  Result<Tree> split_part = load_head({nested, b});
  ASSERT_FALSE(split_part.has_value());
  EXPECT_THAT(split_part.error().message(), HasSubstr("itself split"));

  Result<Tree> with_empty = load_head({a, empty});
  ASSERT_FALSE(with_empty.has_value());
  EXPECT_THAT(with_empty.error().message(), HasSubstr("empty part"));
}

TEST(TreeStoreTest, ASaverErrorStopsTheSave) {
  int calls = 0;
  Result<Id> id = SaveTree(
      Directory(20000),
      [&](Bytes) -> Result<Id> {
        ++calls;
        return Error::Io("disk full");
      },
      kLimit);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().message(), "disk full");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace stormproof::repository
