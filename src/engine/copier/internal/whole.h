// Whether a copy's snapshot saved in the destination is whole: asked by
// Repository::SaveSnapshot when the lock turned out lost after the save (WholeCheckFn).
#ifndef STORMPROOF_ENGINE_COPIER_INTERNAL_WHOLE_H_
#define STORMPROOF_ENGINE_COPIER_INTERNAL_WHOLE_H_

#include "core/result.h"
#include "engine/repository/repository.h"

namespace stormproof::copier::internal {

// Ok when every tree (each part of a split one) and data blob `snapshot` references is in
// `repo`'s loaded index and each of their packs is on its backend (one listing of the packs).
// Errors: kNotFound naming the first tree, blob or pack missing ("tree <id> of snapshot <id>:
// ..."); the trees' load errors (kCorrupt, kFailedCheck for damage); the backend's when a tree
// or the pack listing cannot be read. Trees are read through the shared DistinctTreeWalker.
Status SnapshotIsWhole(const repository::Repository& repo, const repository::Snapshot& snapshot);

}  // namespace stormproof::copier::internal

#endif  // STORMPROOF_ENGINE_COPIER_INTERNAL_WHOLE_H_
