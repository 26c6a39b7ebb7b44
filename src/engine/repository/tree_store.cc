#include "engine/repository/tree_store.h"

#include <string>
#include <utility>

namespace stormproof::repository {
namespace {

// Appends a part's entries to `joined`, which must stay in strictly ascending name order.
Status JoinPart(Tree part, Tree* joined) {
  if (!part.parts.empty()) return Error::FailedCheck("malformed tree: a part is itself split");
  if (part.nodes.empty()) return Error::FailedCheck("malformed tree: an empty part");
  if (!joined->nodes.empty() && !(joined->nodes.back().name < part.nodes.front().name)) {
    return Error::FailedCheck("malformed tree: parts not in name order");
  }
  if (part.nodes.size() > kMaxDirectoryEntries - joined->nodes.size()) {
    return Error::FailedCheck("malformed tree: more than " + std::to_string(kMaxDirectoryEntries) +
                              " entries");
  }
  if (joined->nodes.empty()) {
    joined->nodes = std::move(part.nodes);
  } else {
    joined->nodes.insert(joined->nodes.end(), std::make_move_iterator(part.nodes.begin()),
                         std::make_move_iterator(part.nodes.end()));
  }
  return Ok();
}

// LoadTree, and with `unreadable` set, LoadTreeKeepingReadableParts.
Result<Tree> Load(const TreeBlobLoader& load, const Id& id, std::vector<Id>* parts,
                  std::vector<std::string>* unreadable) {
  if (parts != nullptr) parts->clear();
  STORMPROOF_ASSIGN_OR_RETURN(Bytes head_bytes, load(id));
  STORMPROOF_ASSIGN_OR_RETURN(Tree head, DecodeTree(head_bytes));
  if (head.parts.empty()) return head;
  head_bytes = Bytes();
  Tree joined;
  for (size_t i = 0; i < head.parts.size(); ++i) {
    const Id& part_id = head.parts[i];
    Result<Bytes> bytes = load(part_id);
    Result<Tree> part = bytes ? DecodeTree(*bytes) : Result<Tree>(bytes.error());
    Status joined_ok = part ? JoinPart(std::move(*part), &joined) : Status(part.error());
    if (joined_ok) continue;
    Error error = joined_ok.error().WithContext("part " + std::to_string(i + 1) + " of " +
                                                std::to_string(head.parts.size()) + ", tree " +
                                                part_id.Hex());
    if (unreadable == nullptr) return error;
    unreadable->push_back(error.message());
  }
  if (parts != nullptr) *parts = std::move(head.parts);
  return joined;
}

}  // namespace

Result<Tree> LoadTree(const TreeBlobLoader& load, const Id& id, std::vector<Id>* parts) {
  return Load(load, id, parts, nullptr);
}

Result<Tree> LoadTreeKeepingReadableParts(const TreeBlobLoader& load, const Id& id,
                                          std::vector<std::string>* unreadable) {
  return Load(load, id, nullptr, unreadable);
}

Result<Tree> LoadTree(const Repository& repo, const Id& id, std::vector<Id>* parts, IdCheck check) {
  return LoadTree([&](const Id& blob) { return repo.LoadBlob(BlobType::kTree, blob, check); }, id,
                  parts);
}

Result<Id> SaveTree(const Tree& tree, const TreeBlobSaver& save, size_t max_blob) {
  if (tree.nodes.size() > kMaxDirectoryEntries) {
    return Error::InvalidArgument("a directory of " + std::to_string(tree.nodes.size()) +
                                  " entries: more than the " +
                                  std::to_string(kMaxDirectoryEntries) + " a tree may hold");
  }
  std::vector<Bytes> blobs = EncodeTreeParts(tree, max_blob);
  if (blobs.size() == 1) return save(std::move(blobs.front()));
  Tree head;
  head.parts.reserve(blobs.size());
  for (Bytes& blob : blobs) {
    STORMPROOF_ASSIGN_OR_RETURN(Id part, save(std::move(blob)));
    head.parts.push_back(part);
  }
  return save(EncodeTree(head));
}

}  // namespace stormproof::repository
