#include "engine/copier/internal/zip.h"

#include <optional>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "core/interrupt.h"
#include "engine/repository/tree_store.h"

namespace stormproof::copier::internal {
namespace {

using repository::BlobType;
using repository::Node;
using repository::Repository;
using repository::Tree;

bool SameXattrs(const std::vector<repository::Xattr>& a,
               const std::vector<repository::Xattr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

// Whether two entries have the same shape: what a copy keeps of its source's entry (all but the
// ids of its content and subtree: metadata, size, holes, number of content blobs).
bool SameShape(const Node& a, const Node& b) {
  auto fields = [](const Node& n) {
    return std::tie(n.name, n.type, n.mode, n.uid, n.gid, n.user, n.group, n.mtime_ns,
                    n.atime_ns, n.ctime_ns, n.inode, n.device, n.links, n.size, n.rdev,
                    n.link_target, n.holes);
  };
  return fields(a) == fields(b) && SameXattrs(a.xattrs, b.xattrs) &&
         a.content.size() == b.content.size() && a.subtree.has_value() == b.subtree.has_value();
}

bool SameShape(const Tree& a, const Tree& b) {
  if (a.nodes.size() != b.nodes.size()) return false;
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    if (!SameShape(a.nodes[i], b.nodes[i])) return false;
  }
  return true;
}

class Zipper {
 public:
  Zipper(const Repository& source, const Repository& destination, IdMap& map,
         uint64_t& bytes_read)
      : source_(source), destination_(destination), map_(map), bytes_read_(bytes_read) {}

  // The directory's mapping when its whole subtree agreed and every destination blob below it
  // (trees and data) is held; nullopt otherwise. `depth`: the directory's level below the root.
  Result<std::optional<MappedTree>> Zip(const Id& source_id, const Id& destination_id,
                                        uint32_t depth) {
    if (const MappedTree* known = map_.Tree(source_id)) return std::optional(*known);
    if (mismatched_.contains(source_id) || depth > kMaxDepth) return std::optional<MappedTree>();
    STORMPROOF_TRY(CheckInterrupted());
    auto source_tree = repository::LoadTree(
        [&](const Id& blob) -> Result<Bytes> {
          auto plain = source_.LoadBlob(BlobType::kTree, blob);
          if (plain) bytes_read_ += plain->size();
          return plain;
        },
        source_id);
    std::vector<Id> destination_parts;
    auto destination_tree = repository::LoadTree(destination_, destination_id, &destination_parts);
    if (!source_tree || !destination_tree || !SameShape(*source_tree, *destination_tree) ||
        !SameLengths(*source_tree, *destination_tree)) {
      mismatched_.insert(source_id);
      return std::optional<MappedTree>();
    }
    bool held = destination_.HasBlob(BlobType::kTree, destination_id);
    for (const Id& part : destination_parts) {
      held = destination_.HasBlob(BlobType::kTree, part) && held;
    }
    STORMPROOF_ASSIGN_OR_RETURN(
        std::optional<MappedTree> zipped,
        ZipEntries(*source_tree, *destination_tree, destination_id, depth));
    if (!zipped || !held) {
      mismatched_.insert(source_id);
      return std::optional<MappedTree>();
    }
    map_.AddTree(source_id, *zipped);
    return zipped;
  }

 private:
  // Whether every content blob has the same plaintext length on both sides, as far as the two
  // indexes know them (a blob either index lacks is not mapped: ZipEntries).
  bool SameLengths(const Tree& source_tree, const Tree& destination_tree) const {
    for (size_t i = 0; i < source_tree.nodes.size(); ++i) {
      const Node& from = source_tree.nodes[i];
      const Node& to = destination_tree.nodes[i];
      for (size_t c = 0; c < from.content.size(); ++c) {
        auto from_at = source_.FindBlob(BlobType::kData, from.content[c]);
        auto to_at = destination_.FindBlob(BlobType::kData, to.content[c]);
        if (from_at && to_at && from_at->raw_length != to_at->raw_length) return false;
      }
    }
    return true;
  }

  // Maps the content blobs the destination holds and zips the directories below. The
  // directory's mapping when every content blob was held and every directory below was whole;
  // nullopt otherwise (what did agree stays mapped). REQUIRES: SameShape(source_tree,
  // destination_tree).
  Result<std::optional<MappedTree>> ZipEntries(const Tree& source_tree,
                                               const Tree& destination_tree,
                                               const Id& destination_id, uint32_t depth) {
    MappedTree mapped{destination_id, 0, 1};
    bool whole = true;
    for (size_t i = 0; i < source_tree.nodes.size(); ++i) {
      const Node& from = source_tree.nodes[i];
      const Node& to = destination_tree.nodes[i];
      for (size_t c = 0; c < from.content.size(); ++c) {
        // HasBlob also makes the destination confirm the blob's pack before a snapshot that
        // relies on it is saved (Repository::SaveSnapshot).
        if (!destination_.HasBlob(BlobType::kData, to.content[c]) ||
            !source_.FindBlob(BlobType::kData, from.content[c])) {
          whole = false;
          continue;
        }
        map_.AddData(from.content[c], to.content[c]);
      }
      mapped.file_bytes += from.type == repository::NodeType::kFile ? from.size : 0;
      mapped.blobs += from.content.size();
      if (!from.subtree) continue;
      STORMPROOF_ASSIGN_OR_RETURN(std::optional<MappedTree> below,
                                  Zip(*from.subtree, *to.subtree, depth + 1));
      if (!below) {
        whole = false;
        continue;
      }
      mapped.file_bytes += below->file_bytes;
      mapped.blobs += below->blobs;
    }
    if (!whole) return std::optional<MappedTree>();
    return std::optional(mapped);
  }

  const Repository& source_;
  const Repository& destination_;
  IdMap& map_;
  uint64_t& bytes_read_;
  // Directories found not to agree (or not whole): not walked again when named twice.
  std::unordered_set<Id, crypto::IdHash> mismatched_;
};

}  // namespace

Status ZipTrees(const Repository& source, const Repository& destination, const Id& source_root,
                const Id& destination_root, IdMap& map, uint64_t& bytes_read) {
  Zipper zipper(source, destination, map, bytes_read);
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<MappedTree> ignored,
                              zipper.Zip(source_root, destination_root, 0));
  (void)ignored;
  return Ok();
}

}  // namespace stormproof::copier::internal
