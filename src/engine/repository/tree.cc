// The tree codec: see docs/tree-format.md for the byte layout.
//
// The decoder treats its input as hostile: every length is checked against the bytes that
// remain, every count is capped by the smallest size its elements can have, so a forged count
// cannot make it allocate more than a small multiple of the input size.
#include "engine/repository/tree.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace stormproof::repository {
namespace {

constexpr uint8_t kTreeFormatVersion = 1;
constexpr uint8_t kSplitTreeFormatVersion = 2;
// A part ends after a node whose name hash is 0 modulo this, once it is past its minimum size.
constexpr uint64_t kCutEvery = 256;
constexpr uint8_t kMaxNodeType = static_cast<uint8_t>(NodeType::kSocket);
constexpr size_t kIdSize = sizeof(crypto::Id::bytes);
// The fewest bytes a node can take: 15 one-byte varints or lengths, 3 counts, 2 flag bytes.
constexpr size_t kMinNodeSize = 20;
constexpr size_t kMinHoleSize = 2;
constexpr size_t kMinXattrSize = 2;

// ---- Encoding ----------------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(size_t estimate) { out_.reserve(estimate); }

  void Byte(uint8_t b) { out_.push_back(b); }
  void Unsigned(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<uint8_t>(v) | 0x80);
      v >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(v));
  }
  void Signed(int64_t v) {  // zigzag, so small negative numbers stay short
    Unsigned((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void String(std::string_view s) {
    Unsigned(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void IdBytes(const crypto::Id& id) { out_.insert(out_.end(), id.bytes.begin(), id.bytes.end()); }

  size_t size() const { return out_.size(); }

  Bytes Take() { return std::move(out_); }

 private:
  Bytes out_;
};

size_t EstimateSize(const Node& n) {
  size_t size = 96 + n.name.size() + n.user.size() + n.group.size() + n.link_target.size() +
                kIdSize * n.content.size() + 20 * n.holes.size();
  for (const Xattr& x : n.xattrs) size += 10 + x.name.size() + x.value.size();
  return size;
}

void EncodeNode(const Node& n, Writer& w) {
  w.String(n.name);
  w.Byte(static_cast<uint8_t>(n.type));
  w.Unsigned(n.mode);
  w.Unsigned(n.uid);
  w.Unsigned(n.gid);
  w.String(n.user);
  w.String(n.group);
  w.Signed(n.mtime_ns);
  w.Signed(n.atime_ns);
  w.Signed(n.ctime_ns);
  for (uint64_t v : {n.inode, n.device, n.links, n.size, n.rdev}) w.Unsigned(v);
  w.String(n.link_target);
  w.Unsigned(n.content.size());
  for (const crypto::Id& id : n.content) w.IdBytes(id);
  w.Unsigned(n.holes.size());
  for (const auto& [offset, length] : n.holes) {
    w.Unsigned(offset);
    w.Unsigned(length);
  }
  w.Byte(n.subtree.has_value() ? 1 : 0);
  if (n.subtree) w.IdBytes(*n.subtree);
  w.Unsigned(n.xattrs.size());
  for (const Xattr& x : n.xattrs) {
    w.String(x.name);
    w.String(x.value);
  }
}

bool NameLess(const Node* a, const Node* b) { return a->name < b->name; }

// ---- Decoding ----------------------------------------------------------------------------

Error Malformed(const std::string& what) { return Error::FailedCheck("malformed tree: " + what); }

// Reads from a byte range; every read is bounds-checked and fails with a message naming the field.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }

  Result<uint8_t> Byte(const char* field) {
    if (remaining() < 1) return Malformed(std::string("truncated ") + field);
    return data_[pos_++];
  }
  Result<uint64_t> Unsigned(const char* field) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      STORMPROOF_ASSIGN_OR_RETURN(uint8_t b, Byte(field));
      if (shift == 63 && b > 1) return Malformed(std::string("varint overflow in ") + field);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Malformed(std::string("varint too long in ") + field);
  }
  Result<int64_t> Signed(const char* field) {
    STORMPROOF_ASSIGN_OR_RETURN(uint64_t z, Unsigned(field));
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  Result<uint32_t> Unsigned32(const char* field) {
    STORMPROOF_ASSIGN_OR_RETURN(uint64_t v, Unsigned(field));
    if (v > UINT32_MAX) return Malformed(std::string(field) + " out of range");
    return static_cast<uint32_t>(v);
  }
  // A count of elements that each take at least `min_size` bytes.
  Result<size_t> Count(const char* field, size_t min_size) {
    STORMPROOF_ASSIGN_OR_RETURN(uint64_t n, Unsigned(field));
    if (n > remaining() / min_size) return Malformed(std::string(field) + " exceeds the input");
    return static_cast<size_t>(n);
  }
  Result<std::string> String(const char* field) {
    STORMPROOF_ASSIGN_OR_RETURN(uint64_t n, Unsigned(field));
    if (n > remaining()) return Malformed(std::string("truncated ") + field);
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  Result<crypto::Id> IdBytes(const char* field) {
    if (remaining() < kIdSize) return Malformed(std::string("truncated ") + field);
    crypto::Id id;
    std::memcpy(id.bytes.data(), data_.data() + pos_, kIdSize);
    pos_ += kIdSize;
    return id;
  }

 private:
  ByteView data_;
  size_t pos_ = 0;
};

Status DecodeOwnership(Reader& r, Node& n) {
  STORMPROOF_ASSIGN_OR_RETURN(uint8_t type, r.Byte("type"));
  if (type > kMaxNodeType) return Malformed("unknown node type " + std::to_string(type));
  n.type = static_cast<NodeType>(type);
  STORMPROOF_ASSIGN_OR_RETURN(n.mode, r.Unsigned32("mode"));
  if (n.mode > 07777) return Malformed("mode out of range");
  STORMPROOF_ASSIGN_OR_RETURN(n.uid, r.Unsigned32("uid"));
  STORMPROOF_ASSIGN_OR_RETURN(n.gid, r.Unsigned32("gid"));
  STORMPROOF_ASSIGN_OR_RETURN(n.user, r.String("user"));
  STORMPROOF_ASSIGN_OR_RETURN(n.group, r.String("group"));
  return Ok();
}

Status DecodeStat(Reader& r, Node& n) {
  STORMPROOF_ASSIGN_OR_RETURN(n.mtime_ns, r.Signed("mtime"));
  STORMPROOF_ASSIGN_OR_RETURN(n.atime_ns, r.Signed("atime"));
  STORMPROOF_ASSIGN_OR_RETURN(n.ctime_ns, r.Signed("ctime"));
  STORMPROOF_ASSIGN_OR_RETURN(n.inode, r.Unsigned("inode"));
  STORMPROOF_ASSIGN_OR_RETURN(n.device, r.Unsigned("device"));
  STORMPROOF_ASSIGN_OR_RETURN(n.links, r.Unsigned("links"));
  STORMPROOF_ASSIGN_OR_RETURN(n.size, r.Unsigned("size"));
  STORMPROOF_ASSIGN_OR_RETURN(n.rdev, r.Unsigned("rdev"));
  STORMPROOF_ASSIGN_OR_RETURN(n.link_target, r.String("link target"));
  return Ok();
}

// Holes must be non-empty, ascending, disjoint and inside the file.
Status DecodeHoles(Reader& r, Node& n) {
  STORMPROOF_ASSIGN_OR_RETURN(size_t count, r.Count("hole count", kMinHoleSize));
  n.holes.reserve(count);
  uint64_t end = 0;
  for (size_t i = 0; i < count; ++i) {
    STORMPROOF_ASSIGN_OR_RETURN(uint64_t offset, r.Unsigned("hole offset"));
    STORMPROOF_ASSIGN_OR_RETURN(uint64_t length, r.Unsigned("hole length"));
    if (length == 0 || offset < end || length > n.size || offset > n.size - length) {
      return Malformed("hole outside the file or out of order");
    }
    end = offset + length;
    n.holes.emplace_back(offset, length);
  }
  return Ok();
}

Status DecodeContent(Reader& r, Node& n) {
  STORMPROOF_ASSIGN_OR_RETURN(size_t count, r.Count("content count", kIdSize));
  n.content.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    STORMPROOF_ASSIGN_OR_RETURN(crypto::Id id, r.IdBytes("content id"));
    n.content.push_back(id);
  }
  STORMPROOF_TRY(DecodeHoles(r, n));
  STORMPROOF_ASSIGN_OR_RETURN(uint8_t has_subtree, r.Byte("subtree flag"));
  if (has_subtree > 1) return Malformed("bad subtree flag");
  if (has_subtree == 1) {
    STORMPROOF_ASSIGN_OR_RETURN(n.subtree, r.IdBytes("subtree id"));
  }
  return Ok();
}

Status DecodeXattrs(Reader& r, Node& n) {
  STORMPROOF_ASSIGN_OR_RETURN(size_t count, r.Count("xattr count", kMinXattrSize));
  n.xattrs.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Xattr x;
    STORMPROOF_ASSIGN_OR_RETURN(x.name, r.String("xattr name"));
    STORMPROOF_ASSIGN_OR_RETURN(x.value, r.String("xattr value"));
    n.xattrs.push_back(std::move(x));
  }
  return Ok();
}

Result<Node> DecodeNode(Reader& r) {
  Node n;
  STORMPROOF_ASSIGN_OR_RETURN(n.name, r.String("name"));
  STORMPROOF_TRY(DecodeOwnership(r, n));
  STORMPROOF_TRY(DecodeStat(r, n));
  STORMPROOF_TRY(DecodeContent(r, n));
  STORMPROOF_TRY(DecodeXattrs(r, n));
  return n;
}

// A split directory's head blob, after its version byte: two or more part ids.
Result<Tree> DecodeSplitHead(Reader& r) {
  STORMPROOF_ASSIGN_OR_RETURN(size_t count, r.Count("part count", kIdSize));
  if (count < 2) return Malformed("a split tree needs at least two parts");
  Tree tree;
  tree.parts.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    STORMPROOF_ASSIGN_OR_RETURN(crypto::Id id, r.IdBytes("part id"));
    tree.parts.push_back(id);
  }
  if (r.remaining() != 0) return Malformed("trailing bytes");
  return tree;
}

// The nodes of `tree` in name order, and an upper estimate of their encoded size.
std::vector<const Node*> SortedNodes(const Tree& tree, size_t* estimate) {
  std::vector<const Node*> order;
  order.reserve(tree.nodes.size());
  *estimate = 16;
  for (const Node& n : tree.nodes) {
    order.push_back(&n);
    *estimate += EstimateSize(n);
  }
  if (!std::is_sorted(order.begin(), order.end(), NameLess)) {
    std::stable_sort(order.begin(), order.end(), NameLess);
  }
  return order;
}

// A version-1 tree of `nodes`; `sizes`, when given, receives each node's encoded size.
Bytes EncodeNodes(std::span<const Node* const> nodes, size_t estimate,
                  std::vector<size_t>* sizes = nullptr) {
  Writer w(estimate);
  w.Byte(kTreeFormatVersion);
  w.Unsigned(nodes.size());
  for (const Node* n : nodes) {
    const size_t before = w.size();
    EncodeNode(*n, w);
    if (sizes != nullptr) sizes->push_back(w.size() - before);
  }
  return w.Take();
}

// A fixed hash of a name, so that cuts fall at the same names in every backup: FNV-1a, then
// splitmix64's finalizer (FNV-1a alone barely mixes a name's last bytes into its high bits, and
// names in a big directory often differ only there).
uint64_t NameHash(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

// Where to cut sorted nodes of these encoded sizes into parts: the index one past each part.
std::vector<size_t> PartEnds(const std::vector<const Node*>& order,
                             const std::vector<size_t>& sizes, size_t max_blob) {
  const size_t min_part = max_blob / 8;
  const size_t max_entries = max_blob > 64 ? max_blob - 16 : 48;  // room for version and count
  std::vector<size_t> ends;
  size_t part = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (part > 0 && part + sizes[i] > max_entries) {
      ends.push_back(i);
      part = 0;
    }
    part += sizes[i];
    if (part >= min_part && NameHash(order[i]->name) % kCutEvery == 0) {
      ends.push_back(i + 1);
      part = 0;
    }
  }
  if (ends.empty() || ends.back() != order.size()) ends.push_back(order.size());
  return ends;
}

}  // namespace

Bytes EncodeTree(const Tree& tree) {
  if (!tree.parts.empty()) {
    Writer w(2 + 10 + kIdSize * tree.parts.size());
    w.Byte(kSplitTreeFormatVersion);
    w.Unsigned(tree.parts.size());
    for (const crypto::Id& id : tree.parts) w.IdBytes(id);
    return w.Take();
  }
  size_t estimate = 0;
  std::vector<const Node*> order = SortedNodes(tree, &estimate);
  return EncodeNodes(order, estimate);
}

std::vector<Bytes> EncodeTreeParts(const Tree& tree, size_t max_blob) {
  size_t estimate = 0;
  std::vector<const Node*> order = SortedNodes(tree, &estimate);
  std::vector<size_t> sizes;
  sizes.reserve(order.size());
  Bytes whole = EncodeNodes(order, estimate, &sizes);
  if (whole.size() <= max_blob) return {std::move(whole)};
  // Rare (directories of some 50,000 entries and more): the parts are encoded afresh.
  whole = Bytes();
  std::vector<Bytes> parts;
  size_t begin = 0;
  for (size_t end : PartEnds(order, sizes, max_blob)) {
    size_t length = 16;
    for (size_t i = begin; i < end; ++i) length += sizes[i];
    parts.push_back(EncodeNodes(std::span(order).subspan(begin, end - begin), length));
    begin = end;
  }
  return parts;
}

Result<Tree> DecodeTree(ByteView data) {
  Reader r(data);
  STORMPROOF_ASSIGN_OR_RETURN(uint8_t version, r.Byte("version"));
  if (version == kSplitTreeFormatVersion) return DecodeSplitHead(r);
  if (version != kTreeFormatVersion) {
    return Malformed("unknown tree format version " + std::to_string(version));
  }
  STORMPROOF_ASSIGN_OR_RETURN(size_t count, r.Count("node count", kMinNodeSize));
  Tree tree;
  tree.nodes.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    STORMPROOF_ASSIGN_OR_RETURN(Node n, DecodeNode(r));
    if (i > 0 && !(tree.nodes.back().name < n.name)) {
      return Malformed("names not in strictly ascending order");
    }
    tree.nodes.push_back(std::move(n));
  }
  if (r.remaining() != 0) return Malformed("trailing bytes");
  return tree;
}

}  // namespace stormproof::repository
