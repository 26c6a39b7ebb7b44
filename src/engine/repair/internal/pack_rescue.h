// The blobs of packs whose header cannot be read, found where the old index says they are and
// verified there: RepairIndex's fallback for damaged packs (index_repair.h). Internal to the
// repair library. Thread-compatible.
#ifndef STORMPROOF_ENGINE_REPAIR_INTERNAL_PACK_RESCUE_H_
#define STORMPROOF_ENGINE_REPAIR_INTERNAL_PACK_RESCUE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/repair/index_repair.h"
#include "engine/repository/index.h"
#include "engine/repository/repository.h"

namespace stormproof::repair {

// A pack whose header failed to verify.
struct UnreadablePack {
  repository::Id pack;
  uint64_t size = 0;   // bytes on the backend
  std::string reason;  // why its header cannot be read
};

struct Rescue {
  std::vector<DamagedPack> packs;         // one per UnreadablePack, in the same order
  std::vector<repository::BlobRef> copy;  // blobs that verified and no readable pack holds
  uint64_t copy_bytes = 0;                // their sealed size
};

// For each pack of `unreadable`: every blob the index loaded in `repo` locates in it is kept
// when a pack of `readable` (those whose header verified) lists it too, else read where the index
// says and verified (Repository::LoadBlobAt with IdCheck::kRehash): kept for copying when it
// verifies, reported lost when it fails a check or lies beyond the pack's end.
// Errors: a blob that cannot be read for another reason than damage (kIo, kNotFound), naming it.
Result<Rescue> RescueBlobs(const repository::Repository& repo,
                           std::span<const UnreadablePack> unreadable,
                           std::span<const repository::IndexedPack> readable);

}  // namespace stormproof::repair

#endif  // STORMPROOF_ENGINE_REPAIR_INTERNAL_PACK_RESCUE_H_
