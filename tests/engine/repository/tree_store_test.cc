#include "engine/repository/tree_store.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

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
  ASSERT_TRUE(id.has_value()) << id.error().message();
  EXPECT_EQ(store.size(), 1u);
  std::vector<Id> parts = {Id{}};
  Result<Tree> loaded = LoadTree(store.Loader(), *id, &parts);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->nodes.size(), 10u);
  EXPECT_TRUE(parts.empty());
}

TEST(TreeStoreTest, ALargeDirectoryIsSavedInPartsAndLoadedWhole) {
  BlobMap store;
  Tree tree = Directory(20000);
  Result<Id> id = SaveTree(tree, store.Saver(), kLimit);
  ASSERT_TRUE(id.has_value()) << id.error().message();
  std::vector<Id> parts;
  Result<Tree> loaded = LoadTree(store.Loader(), *id, &parts);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
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
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *id);
  EXPECT_EQ(store.size(), parts.size() + 1);
}

TEST(TreeStoreTest, AMissingPartIsNamedInTheError) {
  BlobMap store;
  Result<Id> id = SaveTree(Directory(20000), store.Saver(), kLimit);
  ASSERT_TRUE(id.has_value());
  std::vector<Id> parts;
  ASSERT_TRUE(LoadTree(store.Loader(), *id, &parts).has_value());
  store.Remove(parts[1]);
  Result<Tree> loaded = LoadTree(store.Loader(), *id);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kNotFound);
  const std::string& message = loaded.error().message();
  EXPECT_NE(message.find("part 2 of " + std::to_string(parts.size())), std::string::npos)
      << message;
  EXPECT_NE(message.find(parts[1].Hex()), std::string::npos) << message;
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
  ASSERT_TRUE(ordered.has_value()) << ordered.error().message();
  EXPECT_EQ(ordered->nodes.size(), 6u);

  Result<Tree> swapped = load_head({b, a});
  ASSERT_FALSE(swapped.has_value());
  EXPECT_EQ(swapped.error().code(), ErrorCode::kFailedCheck);
  EXPECT_NE(swapped.error().message().find("not in name order"), std::string::npos);
  EXPECT_NE(swapped.error().message().find("part 2 of 2"), std::string::npos);

  Result<Tree> repeated = load_head({a, a});
  ASSERT_FALSE(repeated.has_value());

  Tree inner;
  inner.parts = {a, b};
  Id nested = *store.Save(EncodeTree(inner));
  Result<Tree> split_part = load_head({nested, b});
  ASSERT_FALSE(split_part.has_value());
  EXPECT_NE(split_part.error().message().find("itself split"), std::string::npos);

  Result<Tree> with_empty = load_head({a, empty});
  ASSERT_FALSE(with_empty.has_value());
  EXPECT_NE(with_empty.error().message().find("empty part"), std::string::npos);
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
