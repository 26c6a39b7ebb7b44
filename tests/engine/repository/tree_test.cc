#include "engine/repository/tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

crypto::Id IdOf(uint8_t fill) {
  crypto::Id id;
  id.bytes.fill(fill);
  id.bytes[31] = static_cast<uint8_t>(~fill);
  return id;
}

Node FullNode(std::string name) {
  Node n;
  n.name = std::move(name);
  n.type = NodeType::kFile;
  n.mode = 07755;
  n.uid = std::numeric_limits<uint32_t>::max();
  n.gid = 1234;
  n.user = std::string("us\xff\0r", 5);
  n.group = "wheel";
  n.mtime_ns = 1'700'000'000'123'456'789;
  n.atime_ns = -1;  // before the epoch
  n.ctime_ns = std::numeric_limits<int64_t>::min();
  n.inode = std::numeric_limits<uint64_t>::max();
  n.device = 0x803;
  n.links = 2;
  n.size = 64ull << 20;
  n.rdev = 0x10203;
  n.link_target = std::string("../\x80\xfe/\0x", 9);
  n.content = {IdOf(1), IdOf(2), IdOf(1)};
  n.holes = {{0, 4096}, {1 << 20, (63ull << 20) - 1}};
  n.subtree = IdOf(7);
  n.xattrs = {{"user.a", std::string("\0\1\2", 3)}, {"security.selinux", ""}};
  return n;
}

void ExpectSameNode(const Node& a, const Node& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.gid, b.gid);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.group, b.group);
  EXPECT_EQ(a.mtime_ns, b.mtime_ns);
  EXPECT_EQ(a.atime_ns, b.atime_ns);
  EXPECT_EQ(a.ctime_ns, b.ctime_ns);
  EXPECT_EQ(a.inode, b.inode);
  EXPECT_EQ(a.device, b.device);
  EXPECT_EQ(a.links, b.links);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.rdev, b.rdev);
  EXPECT_EQ(a.link_target, b.link_target);
  EXPECT_EQ(a.content, b.content);
  EXPECT_EQ(a.holes, b.holes);
  EXPECT_EQ(a.subtree, b.subtree);
  ASSERT_EQ(a.xattrs.size(), b.xattrs.size());
  for (size_t i = 0; i < a.xattrs.size(); ++i) {
    EXPECT_EQ(a.xattrs[i].name, b.xattrs[i].name);
    EXPECT_EQ(a.xattrs[i].value, b.xattrs[i].value);
  }
}

Tree SampleTree() {
  Tree tree;
  tree.nodes.push_back(FullNode("alpha"));
  Node dir;
  dir.name = "beta";
  dir.type = NodeType::kDir;
  dir.mode = 01777;
  dir.subtree = IdOf(9);
  tree.nodes.push_back(dir);
  Node dev;
  dev.name = "gamma";
  dev.type = NodeType::kBlockDevice;
  dev.rdev = 0x0801;
  tree.nodes.push_back(dev);
  return tree;
}

TEST(TreeTest, RoundTripsEveryField) {
  Tree tree = SampleTree();
  Result<Tree> decoded = DecodeTree(EncodeTree(tree));
  ASSERT_THAT(decoded, IsOk());
  ASSERT_EQ(decoded->nodes.size(), tree.nodes.size());
  for (size_t i = 0; i < tree.nodes.size(); ++i) ExpectSameNode(decoded->nodes[i], tree.nodes[i]);
}

TEST(TreeTest, RoundTripsEveryNodeType) {
  Tree tree;
  for (NodeType type : {NodeType::kFile, NodeType::kDir, NodeType::kSymlink, NodeType::kFifo,
                        NodeType::kCharDevice, NodeType::kBlockDevice, NodeType::kSocket}) {
    Node n;
    n.name = "t" + std::to_string(static_cast<int>(type));
    n.type = type;
    tree.nodes.push_back(n);
  }
  Result<Tree> decoded = DecodeTree(EncodeTree(tree));
  ASSERT_THAT(decoded, IsOk());
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    EXPECT_EQ(decoded->nodes[i].type, tree.nodes[i].type);
  }
}

TEST(TreeTest, RoundTripsHostileNamesAndSortsThemBytewise) {
  Tree tree;
  // Every single byte (including "/", "." and NUL), in reverse order so the encoder has to sort.
  for (int b = 0xff; b >= 0x00; --b) tree.nodes.push_back(FullNode(std::string(1, char(b))));
  for (const char* name : {"..", "...", "", "a/b", "../../etc/passwd", "\xc3\x28"}) {
    tree.nodes.push_back(FullNode(name));
  }
  Bytes encoded = EncodeTree(tree);
  Result<Tree> decoded = DecodeTree(encoded);
  ASSERT_THAT(decoded, IsOk());
  ASSERT_EQ(decoded->nodes.size(), tree.nodes.size());
  EXPECT_EQ(decoded->nodes.front().name, "");
  EXPECT_EQ(decoded->nodes.back().name, "\xff");  // bytewise: 0xff sorts last, not first
  for (size_t i = 1; i < decoded->nodes.size(); ++i) {
    const std::string& a = decoded->nodes[i - 1].name;
    const std::string& b = decoded->nodes[i].name;
    EXPECT_TRUE(
        std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                     [](char x, char y) { return uint8_t(x) < uint8_t(y); }))
        << i;
  }
  // Decoding and re-encoding gives the same bytes: the encoding is canonical.
  EXPECT_EQ(EncodeTree(*decoded), encoded);
}

TEST(TreeTest, EmptyTreeIsTwoBytes) {
  Bytes encoded = EncodeTree(Tree{});
  EXPECT_EQ(encoded, (Bytes{1, 0}));
  Result<Tree> decoded = DecodeTree(encoded);
  ASSERT_THAT(decoded, IsOk());
  EXPECT_TRUE(decoded->nodes.empty());
}

TEST(TreeTest, FirstByteIsTheFormatVersion) {
  Bytes encoded = EncodeTree(SampleTree());
  EXPECT_EQ(encoded[0], 1);
  encoded[0] = 3;
  Result<Tree> decoded = DecodeTree(encoded);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_THAT(decoded, ErrorIs(ErrorCode::kFailedCheck));
  EXPECT_THAT(decoded.error().message(), HasSubstr("version 3"));
  // Version 2 is a split directory's head, which this body is not.
  encoded[0] = 2;
  EXPECT_FALSE(DecodeTree(encoded).has_value());
}

TEST(TreeTest, EveryTruncationIsAnError) {
  Bytes encoded = EncodeTree(SampleTree());
  for (size_t len = 0; len < encoded.size(); ++len) {
    Result<Tree> decoded = DecodeTree(ByteView(encoded.data(), len));
    ASSERT_FALSE(decoded.has_value()) << "truncated to " << len;
    EXPECT_THAT(decoded, ErrorIs(ErrorCode::kFailedCheck));
    EXPECT_EQ(decoded.error().message().rfind("malformed tree: ", 0), 0u);
  }
}

TEST(TreeTest, TrailingBytesAreAnError) {
  Bytes encoded = EncodeTree(SampleTree());
  encoded.push_back(0);
  EXPECT_FALSE(DecodeTree(encoded).has_value());
}

TEST(TreeTest, RandomMutationsNeverCrash) {
  Bytes encoded = EncodeTree(SampleTree());
  std::mt19937_64 rng(42);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes mutated = encoded;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) mutated[rng() % mutated.size()] = static_cast<uint8_t>(rng());
    Result<Tree> decoded = DecodeTree(mutated);
    if (decoded.has_value()) {
      ++accepted;  // a mutation of a value field; must round-trip like any valid tree
      EXPECT_THAT(DecodeTree(EncodeTree(*decoded)), IsOk());
    } else {
      EXPECT_THAT(decoded, ErrorIs(ErrorCode::kFailedCheck));
    }
  }
  EXPECT_GT(accepted, 0);
}

TEST(TreeTest, RandomGarbageIsRejected) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 5000; ++round) {
    Bytes garbage(rng() % 200);
    for (uint8_t& b : garbage) b = static_cast<uint8_t>(rng());
    if (!garbage.empty()) garbage[0] = 1;  // get past the version check
    Result<Tree> decoded = DecodeTree(garbage);
    if (!decoded.has_value()) {
      EXPECT_THAT(decoded, ErrorIs(ErrorCode::kFailedCheck));
    }
  }
}

TEST(TreeTest, ForgedHugeCountsAreRejectedWithoutAllocating) {
  // Version 1, node count 2^63: must fail on the count, not try to reserve it.
  Bytes forged = {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  Result<Tree> decoded = DecodeTree(forged);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_THAT(decoded.error().message(), HasSubstr("node count"));
  // An eleven-byte varint overflows.
  Bytes overflow = {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  EXPECT_FALSE(DecodeTree(overflow).has_value());
}

TEST(TreeTest, ForgedHugeStringLengthIsRejected) {
  Tree tree;
  tree.nodes.push_back(FullNode("x"));
  Bytes encoded = EncodeTree(tree);
  ASSERT_EQ(encoded[2], 1);  // the name's length, right after version and count
  encoded[2] = 0xff;         // now a two-byte varint: 16383, far more than the input holds
  encoded.insert(encoded.begin() + 3, 0x7f);
  Result<Tree> decoded = DecodeTree(encoded);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_THAT(decoded.error().message(), HasSubstr("name"));
}

TEST(TreeTest, DuplicateNamesAreRejected) {
  Tree tree;
  tree.nodes.push_back(FullNode("same"));
  tree.nodes.push_back(FullNode("same"));
  Result<Tree> decoded = DecodeTree(EncodeTree(tree));
  ASSERT_FALSE(decoded.has_value());
  EXPECT_THAT(decoded.error().message(), HasSubstr("ascending"));
}

TEST(TreeTest, HolesOutsideTheFileOrOutOfOrderAreRejected) {
  struct Case {
    uint64_t size;
    std::vector<std::pair<uint64_t, uint64_t>> holes;
    bool ok;
  };
  const uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (const Case& c : std::vector<Case>{
           {100, {{0, 100}}, true},
           {100, {{0, 10}, {10, 90}}, true},
           {100, {{0, 101}}, false},
           {100, {{50, 0}}, false},
           {100, {{60, 10}, {10, 10}}, false},
           {100, {{0, 20}, {10, 20}}, false},
           {kMax, {{kMax - 1, 1}}, true},
           {kMax, {{kMax, 1}}, false},
           {10, {{kMax, kMax}}, false},
       }) {
    Tree tree;
    tree.nodes.push_back(FullNode("f"));
    tree.nodes[0].size = c.size;
    tree.nodes[0].holes = c.holes;
    EXPECT_EQ(DecodeTree(EncodeTree(tree)).has_value(), c.ok)
        << "size " << c.size << " first hole " << c.holes[0].first;
  }
}

TEST(TreeTest, UnknownTypeAndBadFlagsAreRejected) {
  Tree tree;
  Node n;
  n.name = "a";
  tree.nodes.push_back(n);
  Bytes encoded = EncodeTree(tree);
  // version, count, name length, 'a', type
  Bytes bad_type = encoded;
  bad_type[4] = 7;
  EXPECT_FALSE(DecodeTree(bad_type).has_value());
  Bytes bad_flag = encoded;
  bad_flag[bad_flag.size() - 2] = 2;  // the subtree flag precedes the xattr count
  EXPECT_FALSE(DecodeTree(bad_flag).has_value());
}

// ---- Split directories (version 2) -------------------------------------------------------

TEST(SplitTreeTest, AHeadRoundTripsItsPartsInOrder) {
  Tree head;
  head.parts = {IdOf(3), IdOf(1), IdOf(2)};
  Bytes encoded = EncodeTree(head);
  EXPECT_EQ(encoded[0], 2);
  EXPECT_EQ(encoded.size(), 2u + 3 * 32);
  Result<Tree> decoded = DecodeTree(encoded);
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(decoded->parts, head.parts);
  EXPECT_TRUE(decoded->nodes.empty());
}

TEST(SplitTreeTest, MalformedHeadsAreRejected) {
  Tree head;
  head.parts = {IdOf(1), IdOf(2)};
  Bytes encoded = EncodeTree(head);
  for (size_t len = 0; len < encoded.size(); ++len) {
    EXPECT_FALSE(DecodeTree(ByteView(encoded.data(), len)).has_value()) << len;
  }
  Bytes trailing = encoded;
  trailing.push_back(0);
  EXPECT_FALSE(DecodeTree(trailing).has_value());
  head.parts = {IdOf(1)};
  Result<Tree> one = DecodeTree(EncodeTree(head));
  ASSERT_FALSE(one.has_value());
  EXPECT_THAT(one.error().message(), HasSubstr("at least two parts"));
  Bytes forged = {2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  Result<Tree> huge = DecodeTree(forged);
  ASSERT_FALSE(huge.has_value());
  EXPECT_THAT(huge.error().message(), HasSubstr("part count"));
}

// A directory of `count` files named like a mail store's messages.
Tree BigDirectory(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Tree tree;
  for (size_t i = 0; i < count; ++i) {
    Node n;
    n.name = std::to_string(1700000000 + i) + ".M" + std::to_string(rng() % 1000000) + ".host";
    n.size = rng() % 100000;
    n.mtime_ns = static_cast<int64_t>(rng() >> 1);
    n.content = {IdOf(static_cast<uint8_t>(i))};
    tree.nodes.push_back(std::move(n));
  }
  return tree;
}

// The nodes of every part, in order.
std::vector<Node> JoinedNodes(const std::vector<Bytes>& parts) {
  std::vector<Node> nodes;
  for (const Bytes& part : parts) {
    Result<Tree> decoded = DecodeTree(part);
    EXPECT_THAT(decoded, IsOk());
    if (!decoded.has_value()) continue;
    EXPECT_EQ(part[0], 1) << "every part is an ordinary tree";
    EXPECT_FALSE(decoded->nodes.empty());
    nodes.insert(nodes.end(), decoded->nodes.begin(), decoded->nodes.end());
  }
  return nodes;
}

TEST(SplitTreeTest, ADirectoryUnderTheLimitStaysOneOrdinaryBlob) {
  Tree tree = BigDirectory(100, 1);
  std::vector<Bytes> blobs = EncodeTreeParts(tree, 1 << 20);
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0], EncodeTree(tree));
}

// Parts average about an eighth of the limit plus 256 entries: with this limit and ~80-byte
// entries, 8,000 entries make a dozen parts, and a part hardly ever reaches the limit.
constexpr size_t kTestLimit = 256 << 10;

TEST(SplitTreeTest, ALargeDirectoryIsCutIntoOrderedPartsUnderTheLimit) {
  constexpr size_t kLimit = kTestLimit;
  Tree tree = BigDirectory(8000, 2);
  std::reverse(tree.nodes.begin(), tree.nodes.end());  // parts come out sorted regardless
  std::vector<Bytes> parts = EncodeTreeParts(tree, kLimit);
  ASSERT_GE(parts.size(), 8u);
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_LE(parts[i].size(), kLimit);
    if (i + 1 < parts.size()) {
      EXPECT_GE(parts[i].size(), kLimit / 8) << "no part ends sooner";
    }
  }
  std::vector<Node> joined = JoinedNodes(parts);
  ASSERT_EQ(joined.size(), tree.nodes.size());
  std::reverse(tree.nodes.begin(), tree.nodes.end());
  std::sort(tree.nodes.begin(), tree.nodes.end(),
            [](const Node& a, const Node& b) { return a.name < b.name; });
  for (size_t i = 0; i < joined.size(); ++i) ExpectSameNode(joined[i], tree.nodes[i]);
}

// Content-defined cuts: one new entry changes the part it lands in, not every part after it.
TEST(SplitTreeTest, AddingOneEntryChangesOnePartAndKeepsTheRest) {
  constexpr size_t kLimit = kTestLimit;
  Tree tree = BigDirectory(8000, 3);
  std::vector<Bytes> before = EncodeTreeParts(tree, kLimit);
  Node added;
  added.name = tree.nodes[40].name + "-new";  // early, so that most parts come after it
  tree.nodes.push_back(added);
  std::vector<Bytes> after = EncodeTreeParts(tree, kLimit);
  ASSERT_GE(before.size(), 8u);
  size_t changed = 0;
  for (const Bytes& part : after) {
    if (std::find(before.begin(), before.end(), part) == before.end()) ++changed;
  }
  EXPECT_GE(changed, 1u);
  EXPECT_LE(changed, 2u) << "of " << after.size() << " parts";
}

TEST(SplitTreeTest, AnEntryLargerThanTheLimitGetsAPartOfItsOwn) {
  constexpr size_t kLimit = 4 << 10;
  Tree tree = BigDirectory(200, 4);
  tree.nodes[100].content.assign(500, IdOf(5));  // 16,000 bytes of chunk ids
  std::vector<Bytes> parts = EncodeTreeParts(tree, kLimit);
  size_t oversized = 0;
  for (const Bytes& part : parts) {
    if (part.size() <= kLimit) continue;
    ++oversized;
    Result<Tree> decoded = DecodeTree(part);
    ASSERT_THAT(decoded, IsOk());
    EXPECT_EQ(decoded->nodes.size(), 1u);
  }
  EXPECT_EQ(oversized, 1u);
  EXPECT_EQ(JoinedNodes(parts).size(), 200u);
}

}  // namespace
}  // namespace stormproof::repository
