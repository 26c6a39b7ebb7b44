// Trees: one directory's entries as stored in a tree blob, shared by the archiver (which writes
// them) and the restorer (which reads them).
//
// Names and symlink targets are byte strings (any bytes but '/' and NUL in a name on disk; the
// decoder accepts anything and leaves it to the restorer to refuse what is unsafe). The encoding
// is documented in docs/repository-format.md. Plain values; thread-compatible.
#ifndef STORMPROOF_REPOSITORY_TREE_H_
#define STORMPROOF_REPOSITORY_TREE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/crypto.h"

namespace stormproof::repository {

enum class NodeType : uint8_t { kFile, kDir, kSymlink, kFifo, kCharDevice, kBlockDevice, kSocket };

struct Xattr {
  std::string name;   // bytes
  std::string value;  // bytes
};

struct Node {
  std::string name;               // bytes, one path component
  NodeType type = NodeType::kFile;
  uint32_t mode = 0;              // permission bits including setuid/setgid/sticky (st_mode & 07777)
  uint32_t uid = 0, gid = 0;
  std::string user, group;        // names at backup time ("" when unknown)
  int64_t mtime_ns = 0, atime_ns = 0, ctime_ns = 0;
  uint64_t inode = 0, device = 0; // for change detection and hard links
  uint64_t links = 1;             // st_nlink; > 1 for hard-linked files
  uint64_t size = 0;              // file size in bytes
  uint64_t rdev = 0;              // device number for device nodes
  std::string link_target;        // symlink target, bytes
  std::vector<crypto::Id> content;         // data blobs, in order (files)
  std::vector<std::pair<uint64_t, uint64_t>> holes;  // sparse files: (offset, length) of zero runs not stored
  std::optional<crypto::Id> subtree;       // directories
  std::vector<Xattr> xattrs;
};

struct Tree {
  std::vector<Node> nodes;  // sorted by name (bytewise)
};

Bytes EncodeTree(const Tree& tree);
// Errors: kFailedCheck for malformed input (never crashes on hostile bytes).
Result<Tree> DecodeTree(ByteView data);

}  // namespace stormproof::repository

#endif  // STORMPROOF_REPOSITORY_TREE_H_
