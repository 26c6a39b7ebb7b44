// The index: which pack holds each blob, in memory (BlobIndex) and in index files.
//
// Index file plaintext (sealed as "stormproof index", see sealed_file.h):
//   u32 LE pack count, then per pack: pack id (32) || u32 LE blob count || pack entries (pack.h)
// Binary, not JSON, so that hundreds of thousands of entries load in milliseconds.
#ifndef STORMPROOF_ENGINE_REPOSITORY_INDEX_H_
#define STORMPROOF_ENGINE_REPOSITORY_INDEX_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "engine/repository/pack.h"
#include "engine/repository/repository.h"

namespace stormproof::repository {

// Packs an index file lists, at most: a backup writes one every this many packs.
constexpr size_t kPacksPerIndex = 64;

// One pack's blobs, as an index file lists them.
struct IndexedPack {
  Id pack;
  std::vector<PackEntry> blobs;
};

Bytes EncodeIndex(std::span<const IndexedPack> packs);
// Errors: kFailedCheck when malformed.
Result<std::vector<IndexedPack>> DecodeIndex(ByteView plain);

// The in-memory index: (type, id) -> location. Each blob costs one 48-byte entry in a sorted
// vector (plus 32 bytes per pack for the pack-id table); lookups are binary searches.
// Thread-compatible: the owner serialises access.
class BlobIndex {
 public:
  // Adds the blobs of a saved pack; a blob already indexed keeps its first location.
  void Add(const Id& pack, std::span<const PackEntry> blobs);
  // Adds without sorting, for loading many index files; REQUIRES Commit() before any lookup.
  void BulkAdd(const Id& pack, std::span<const PackEntry> blobs);
  void Commit();

  std::optional<BlobLocation> Find(BlobType type, const Id& id) const;
  size_t size() const;
  void ForEach(const std::function<void(const Id&, const BlobLocation&)>& each) const;
  // Heap bytes held, for measurements.
  size_t MemoryBytes() const;

 private:
  struct Entry {
    Id id;
    uint32_t pack;  // into packs_
    uint32_t offset, length, raw_length;
  };
  // Blobs of one type: a large sorted vector and a small sorted one for recent additions,
  // merged when the small one passes kMergeAt entries (amortised O(1) moves per insert).
  struct Table {
    std::vector<Entry> sorted;
    std::vector<Entry> recent;
  };
  static constexpr size_t kMergeAt = 4096;

  static const Entry* Search(const std::vector<Entry>& entries, const Id& id);
  static void Merge(Table* table);
  const Entry* FindEntry(BlobType type, const Id& id) const;
  BlobLocation Locate(BlobType type, const Entry& entry) const;

  std::array<Table, 2> tables_;  // by BlobType
  std::vector<Id> packs_;
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INDEX_H_
