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

// The in-memory index: (type, id) -> locations. Each location costs one 48-byte entry in a sorted
// vector (plus 32 bytes per pack for the pack-id table); lookups are binary searches. A blob that
// index files locate in several places (two backups stored it at once, or a damaged or forged
// copy) keeps its distinct locations, as adjacent entries in the order they were added, so a
// reader can fall back from a copy that fails to verify to the next (FindAll): at most
// kMaxLocationsPerBlob of them, the first added; the others are dropped and counted
// (DroppedLocations), so that a planted index naming one blob in many places costs neither a
// load in quadratic time nor a read per place.
// Thread-compatible: the owner serialises access.
class BlobIndex {
 public:
  // Distinct locations kept per blob (a genuine blob has one, two when two backups raced).
  static constexpr size_t kMaxLocationsPerBlob = 8;

  // Adds the blobs of a saved pack; a blob already indexed keeps its locations and is not added
  // again (the pack's copy is found at the next load of the index files).
  void Add(const Id& pack, std::span<const PackEntry> blobs);
  // Adds without sorting, for loading many index files; distinct locations are kept, up to
  // kMaxLocationsPerBlob per blob. REQUIRES Commit() before any lookup.
  void BulkAdd(const Id& pack, std::span<const PackEntry> blobs);
  // Sorts what BulkAdd added and drops repeated locations and those past the cap: O(n log n).
  void Commit();

  // The blob's first location (the first added).
  std::optional<BlobLocation> Find(BlobType type, const Id& id) const;
  // Every distinct location of the blob, first added first; empty when it is not indexed.
  std::vector<BlobLocation> FindAll(BlobType type, const Id& id) const;
  // Distinct blobs: one however many locations it has.
  size_t size() const;
  // Visits every blob once, at its first location.
  void ForEach(const std::function<void(const Id&, const BlobLocation&)>& each) const;
  // Visits every location of every blob.
  void ForEachLocation(const std::function<void(const Id&, const BlobLocation&)>& each) const;
  // Distinct locations dropped by Commit because their blob already had kMaxLocationsPerBlob,
  // and how many blobs lost some: non-zero only with a damaged or planted index file.
  size_t DroppedLocations() const { return dropped_locations_; }
  size_t BlobsWithDroppedLocations() const { return blobs_with_dropped_locations_; }
  // Whether Commit dropped some of the blob's locations (its true one may be among them).
  bool LostLocations(BlobType type, const Id& id) const;
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
  // `sorted` is ordered by id, then by the order added; `recent` holds only blobs not in `sorted`.
  struct Table {
    std::vector<Entry> sorted;
    std::vector<Entry> recent;
    size_t extra_locations = 0;  // entries of `sorted` that are a blob's second or later location
    std::vector<Id> capped;      // sorted: blobs that lost locations to kMaxLocationsPerBlob
  };
  static constexpr size_t kMergeAt = 4096;

  static const Entry* Search(const std::vector<Entry>& entries, const Id& id);
  static void Merge(Table* table);
  // Drops repeated identical locations of a blob from `table->sorted`, and those past
  // kMaxLocationsPerBlob (counted in dropped_locations_); counts the others kept. Linear: each
  // location is compared with at most kMaxLocationsPerBlob kept ones.
  void DropRepeatedLocations(Table* table);
  bool SameLocation(const Entry& a, const Entry& b) const;
  const Entry* FindEntry(BlobType type, const Id& id) const;
  BlobLocation Locate(BlobType type, const Entry& entry) const;

  std::array<Table, 2> tables_;  // by BlobType
  std::vector<Id> packs_;
  size_t dropped_locations_ = 0;
  size_t blobs_with_dropped_locations_ = 0;
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INDEX_H_
