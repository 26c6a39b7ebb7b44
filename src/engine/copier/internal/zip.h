// Zipping: learning source ids -> destination ids from a snapshot copied earlier, by walking its
// source tree and its copy's tree side by side (tree blobs only, never file data).
#ifndef STORMPROOF_ENGINE_COPIER_INTERNAL_ZIP_H_
#define STORMPROOF_ENGINE_COPIER_INTERNAL_ZIP_H_

#include <cstdint>

#include "core/result.h"
#include "engine/copier/internal/id_map.h"
#include "engine/repository/repository.h"

namespace stormproof::copier::internal {

// Walks `source_root` (a tree in `source`) and `destination_root` (its copy in `destination`)
// together and adds to `map` what they agree on. A directory's file contents are mapped only
// when both sides list the same entries (names, types, number of content blobs, directory or
// not, metadata) in the same order and every content blob has the same plaintext length in both
// indexes; a content blob only when the destination holds it (HasBlob, which also makes the
// destination confirm its pack before a snapshot is saved); a directory itself (MappedTree) only
// when, besides, every blob below it (trees and data) is held and every directory below agreed.
// A tree that cannot be read on either side, nesting deeper than kMaxDepth, or any mismatch,
// leaves that part unmapped: it is then read from the source when copied, never trusted.
// `bytes_read` grows by the plaintext of the source tree blobs read. Errors: only kInterrupted
// (checked per directory).
Status ZipTrees(const repository::Repository& source, const repository::Repository& destination,
                const Id& source_root, const Id& destination_root, IdMap& map,
                uint64_t& bytes_read);

}  // namespace stormproof::copier::internal

#endif  // STORMPROOF_ENGINE_COPIER_INTERNAL_ZIP_H_
