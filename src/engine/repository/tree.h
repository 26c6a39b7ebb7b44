// Trees: one directory's entries as stored in a tree blob, shared by the archiver (which writes
// them) and the restorer (which reads them).
//
// Names and symlink targets are byte strings (any bytes but '/' and NUL in a name on disk; the
// decoder accepts anything and leaves it to the restorer to refuse what is unsafe). The encoding
// is documented in docs/repository-format.md. Plain values; thread-compatible.
#ifndef STORMPROOF_ENGINE_REPOSITORY_TREE_H_
#define STORMPROOF_ENGINE_REPOSITORY_TREE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "engine/crypto/crypto.h"

namespace stormproof::repository {

enum class NodeType : uint8_t { kFile, kDir, kSymlink, kFifo, kCharDevice, kBlockDevice, kSocket };

struct Xattr {
  std::string name;   // bytes
  std::string value;  // bytes
};

struct Node {
  std::string name;  // bytes, one path component
  NodeType type = NodeType::kFile;
  uint32_t mode = 0;  // permission bits including setuid/setgid/sticky (st_mode & 07777)
  uint32_t uid = 0, gid = 0;
  std::string user, group;  // names at backup time ("" when unknown)
  int64_t mtime_ns = 0, atime_ns = 0, ctime_ns = 0;
  uint64_t inode = 0, device = 0;   // for change detection and hard links
  uint64_t links = 1;               // st_nlink; > 1 for hard-linked files
  uint64_t size = 0;                // file size in bytes
  uint64_t rdev = 0;                // device number for device nodes
  std::string link_target;          // symlink target, bytes
  std::vector<crypto::Id> content;  // data blobs, in order (files)
  std::vector<std::pair<uint64_t, uint64_t>>
      holes;                          // sparse files: (offset, length) of zero runs not stored
  std::optional<crypto::Id> subtree;  // directories
  std::vector<Xattr> xattrs;
};

struct Tree {
  std::vector<Node> nodes;  // sorted by name (bytewise)
  // Set only in the head blob of a directory split across several tree blobs (then `nodes` is
  // empty): the blobs holding its entries, in name order. LoadTree (tree_store.h) joins them.
  std::vector<crypto::Id> parts = {};
};

// The most a directory's tree blob holds before SaveTree splits it; far above any ordinary
// directory (about 50,000 entries), far below the 64 MiB limit on a blob.
constexpr size_t kMaxTreeBlobBytes = 8u << 20;
// The most entries one directory may have (16,777,216): a split tree's parts are joined in
// memory, so a hostile head naming endless parts must be refused rather than followed.
constexpr size_t kMaxDirectoryEntries = size_t{1} << 24;

// One tree blob: format version 1 (nodes), or version 2 (a split directory's head: `parts`, at
// least two). REQUIRES: not both nodes and parts.
Bytes EncodeTree(const Tree& tree);
// The tree blobs for a directory: `tree` encoded as one (version 1) when that takes at most
// `max_blob` bytes; otherwise its nodes, sorted, cut into consecutive parts, each a version-1
// tree. Cuts are content-defined (a part ends, once past max_blob / 8, after a name whose hash
// says so, and at the latest before max_blob), so adding or removing one entry changes one part
// and the others keep their ids. A single node larger than max_blob makes a part of its own.
std::vector<Bytes> EncodeTreeParts(const Tree& tree, size_t max_blob = kMaxTreeBlobBytes);
// Errors: kFailedCheck for malformed input (never crashes on hostile bytes).
Result<Tree> DecodeTree(ByteView data);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_TREE_H_
