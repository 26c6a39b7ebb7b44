// Blobs that more than one pack header lists: RepairIndex verifies every copy of each and leaves
// the copies that fail out of the new index, so that no reader meets a damaged or forged copy of
// a blob that has a good one. Internal to the repair library. Thread-compatible.
#ifndef STORMPROOF_ENGINE_REPAIR_INTERNAL_BAD_COPIES_H_
#define STORMPROOF_ENGINE_REPAIR_INTERNAL_BAD_COPIES_H_

#include <string>
#include <vector>

#include "core/result.h"
#include "engine/repository/index.h"
#include "engine/repository/repository.h"

namespace stormproof::repair {

// For every blob that `packs` (the packs whose header verified) list more than once: reads and
// verifies each copy (Repository::LoadBlobAt with IdCheck::kRehash) and, when at least one
// verifies, removes the entries of the copies that fail a check from `packs`, and a pack left
// with no entry. Copies of a blob none of which verifies are all kept (the blob is damaged
// everywhere: check reports it). Returns one line per copy removed, naming the blob, its pack
// and why. Errors: a copy cannot be read for another reason than damage (kIo, kNotFound),
// before `packs` is changed.
Result<std::vector<std::string>> DropBadCopies(const repository::Repository& repo,
                                               std::vector<repository::IndexedPack>* packs);

}  // namespace stormproof::repair

#endif  // STORMPROOF_ENGINE_REPAIR_INTERNAL_BAD_COPIES_H_
