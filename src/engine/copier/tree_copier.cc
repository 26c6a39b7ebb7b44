#include "engine/copier/internal/tree_copier.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "core/interrupt.h"
#include "core/text.h"
#include "engine/repository/tree_store.h"

namespace stormproof::copier::internal {
namespace {

using repository::BlobLocation;
using repository::BlobType;
using repository::Node;
using repository::Tree;

// Blobs of one pack further apart than this are read with separate requests.
constexpr uint64_t kMaxRunGap = 1u << 20;
// The most one read brings into memory (a pack is about 8 MiB).
constexpr uint64_t kMaxRunBytes = 16u << 20;

// Whether `next` is read with the run that ends with `last` (`run_bytes` long so far).
bool Continues(const BlobLocation& last, const BlobLocation& next, uint64_t run_bytes) {
  const uint64_t last_end = uint64_t{last.offset} + last.length;
  return next.pack == last.pack && next.offset >= last_end &&
         next.offset - last_end <= kMaxRunGap && run_bytes + next.length <= kMaxRunBytes;
}

std::string Escaped(const std::string& path) { return EscapeName(path.empty() ? "/" : path); }

}  // namespace

bool IsSourceDamage(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kCorrupt:      // failed its authentication or id check
    case ErrorCode::kFailedCheck:  // malformed, truncated, nested too deep
    case ErrorCode::kNotFound:     // not in the index, or its pack is gone
      return true;
    default:  // kIo, kPermissionDenied, kLocked, kInterrupted, ...: may read later
      return false;
  }
}

Result<Id> TreeCopier::CopyTree(const Id& tree, const std::string& path) {
  source_failed_ = false;
  STORMPROOF_ASSIGN_OR_RETURN(MappedTree copied, CopyDirectory(tree, path, 0));
  return copied.destination;
}

Error TreeCopier::SourceFailed(Error error) {
  if (IsSourceDamage(error)) source_failed_ = true;
  return error;
}

// A mapped directory is whole in the destination (zip.h and CopyEntries map only such ones).
Result<MappedTree> TreeCopier::CopyDirectory(const Id& tree, const std::string& path,
                                             uint32_t depth) {
  if (const MappedTree* known = map_.Tree(tree);
      known != nullptr && destination_.HasBlob(BlobType::kTree, known->destination)) {
    counts_.blobs_mapped += known->blobs;
    bytes_done_(known->file_bytes);
    return *known;
  }
  if (depth > kMaxDepth) {
    return SourceFailed(Error::FailedCheck("directory " + Escaped(path) + ": nested deeper than " +
                                           std::to_string(kMaxDepth) +
                                           " directories (more than restore accepts)"));
  }
  STORMPROOF_TRY(CheckInterrupted());
  STORMPROOF_ASSIGN_OR_RETURN(Tree copy, LoadSourceTree(tree, path));
  STORMPROOF_ASSIGN_OR_RETURN(MappedTree mapped, CopyEntries(copy, path, depth));
  map_.AddTree(tree, mapped);
  return mapped;
}

Result<Tree> TreeCopier::LoadSourceTree(const Id& tree, const std::string& path) {
  auto loaded = repository::LoadTree(
      [&](const Id& blob) -> Result<Bytes> {
        auto plain = source_.LoadBlob(BlobType::kTree, blob);
        if (plain) counts_.bytes_read += plain->size();
        return plain;
      },
      tree);
  if (!loaded) return SourceFailed(loaded.error().WithContext("directory " + Escaped(path)));
  return loaded;
}

// Copies every entry of `tree` (rewriting it in place), then saves it. The data its files lack
// in the destination is read first, for the whole directory at once, so that the small files
// of one pack cost one read, not one each.
Result<MappedTree> TreeCopier::CopyEntries(Tree& tree, const std::string& path, uint32_t depth) {
  STORMPROOF_TRY(CopyFileData(tree, path));
  MappedTree mapped;
  mapped.blobs = 1;
  for (Node& node : tree.nodes) {
    const std::string node_path = path + "/" + node.name;
    if (node.subtree) {
      STORMPROOF_ASSIGN_OR_RETURN(MappedTree below,
                                  CopyDirectory(*node.subtree, node_path, depth + 1));
      node.subtree = below.destination;
      mapped.file_bytes += below.file_bytes;
      mapped.blobs += below.blobs;
      continue;
    }
    STORMPROOF_TRY(CheckInterrupted());
    for (Id& blob : node.content) blob = *map_.Data(blob);  // CopyFileData mapped every one
    PausePointForTesting("copy: file copied");
    if (node.type == repository::NodeType::kFile) mapped.file_bytes += node.size;
    mapped.blobs += node.content.size();
  }
  STORMPROOF_ASSIGN_OR_RETURN(mapped.destination, SaveTree(tree));
  return mapped;
}

std::optional<Id> TreeCopier::MappedData(const Id& source_id) const {
  std::optional<Id> mapped = map_.Data(source_id);
  if (mapped && !destination_.HasBlob(BlobType::kData, *mapped)) return std::nullopt;
  return mapped;
}

// Reads, in pack order, every data blob of the directory's files that is not mapped to a blob
// the destination holds, and stores it; errors name the file the blob belongs to. Progress
// counts each blob's plaintext once per reference, when it is mapped or once it is stored.
Status TreeCopier::CopyFileData(const Tree& tree, const std::string& path) {
  WantedData wanted;
  STORMPROOF_TRY(FindWantedData(tree, path, wanted));
  std::sort(wanted.blobs.begin(), wanted.blobs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.pack, a.second.offset) < std::tie(b.second.pack, b.second.offset);
  });
  std::vector<std::pair<Id, BlobLocation>> run;
  uint64_t run_bytes = 0;
  for (size_t i = 0; i < wanted.blobs.size(); ++i) {
    const BlobLocation& at = wanted.blobs[i].second;
    run.push_back(wanted.blobs[i]);
    run_bytes += at.length;
    const bool last = i + 1 == wanted.blobs.size();
    if (last || !Continues(at, wanted.blobs[i + 1].second, run_bytes)) {
      STORMPROOF_TRY(CheckInterrupted());
      STORMPROOF_TRY(CopyRun(run, wanted));
      run.clear();
      run_bytes = 0;
    }
  }
  return Ok();
}

// The directory's data blobs to read (each once), and counts those mapped.
Status TreeCopier::FindWantedData(const Tree& tree, const std::string& path, WantedData& wanted) {
  for (const Node& node : tree.nodes) {
    for (const Id& blob : node.content) {
      if (std::optional<Id> mapped = MappedData(blob)) {
        ++counts_.blobs_mapped;
        std::optional<BlobLocation> held = destination_.FindBlob(BlobType::kData, *mapped);
        bytes_done_(held ? held->raw_length : 0);  // 0 while still in an unsaved pack
        continue;
      }
      std::optional<BlobLocation> at = source_.FindBlob(BlobType::kData, blob);
      if (!at) {
        return SourceFailed(Error::NotFound("file " + Escaped(path + "/" + node.name) +
                                            ": data blob " + blob.Hex() +
                                            " is not in the source's index"));
      }
      auto [it, added] = wanted.files.try_emplace(blob, WantedData::Use{path + "/" + node.name});
      it->second.bytes += at->raw_length;
      if (added) wanted.blobs.emplace_back(blob, *at);
    }
  }
  return Ok();
}

// One read for blobs of one pack, sorted by offset. An error names the file of its blob.
Status TreeCopier::CopyRun(const std::vector<std::pair<Id, BlobLocation>>& run,
                           const WantedData& wanted) {
  Status status = Ok();
  source_.LoadBlobRun(BlobType::kData, run, repository::IdCheck::kRehash,
                      [&](const Id& id, Result<Bytes> plaintext) {
                        if (!status) return;
                        const WantedData::Use& use = wanted.files.at(id);
                        status = plaintext ? StoreData(id, *plaintext)
                                           : Status(SourceFailed(plaintext.error()));
                        if (!status) {
                          status = status.error().WithContext("file " + Escaped(use.file));
                          return;
                        }
                        bytes_done_(use.bytes);
                      });
  return status;
}

Status TreeCopier::StoreData(const Id& source_id, ByteView plaintext) {
  counts_.bytes_read += plaintext.size();
  Id id = destination_.BlobId(plaintext);
  STORMPROOF_ASSIGN_OR_RETURN(bool stored, destination_.SaveBlob(BlobType::kData, id, plaintext));
  if (stored) {
    ++counts_.data_blobs_written;
    counts_.written.emplace_back(BlobType::kData, id);
  }
  map_.AddData(source_id, id);
  return Ok();
}

Result<Id> TreeCopier::SaveTree(const Tree& tree) {
  return repository::SaveTree(tree, [this](Bytes encoded) -> Result<Id> {
    Id id = destination_.BlobId(encoded);
    STORMPROOF_ASSIGN_OR_RETURN(bool stored,
                                destination_.SaveBlob(BlobType::kTree, id, encoded));
    if (stored) {
      ++counts_.tree_blobs_written;
      counts_.written.emplace_back(BlobType::kTree, id);
    }
    return id;
  });
}

}  // namespace stormproof::copier::internal
