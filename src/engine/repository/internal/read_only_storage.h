// A repository opened where it must not be written: its config records an Object Lock retention
// the storage cannot keep (a bucket's copy in a local directory), or the config's public part
// does not verify under the master key (someone without the key changed it, perhaps to strip the
// retention every writer obeys). Reading stays possible (restore, check, drills: nobody is locked
// out of their data); every write but a lock's fails with the reason. Internal.
#ifndef STORMPROOF_ENGINE_REPOSITORY_INTERNAL_READ_ONLY_STORAGE_H_
#define STORMPROOF_ENGINE_REPOSITORY_INTERNAL_READ_ONLY_STORAGE_H_

#include <memory>

#include "core/result.h"
#include "engine/backend/backend.h"

namespace stormproof::repository {

// Wraps `inner`: Save and Remove of every file but locks fail with `why` (its code and
// message); SetRetention too. Everything else is passed on, retention upkeep included
// (ExtendRetention only lengthens retentions, so it needs no trusted config). Thread-safe like
// `inner`.
std::unique_ptr<backend::Backend> RefuseWrites(std::unique_ptr<backend::Backend> inner, Error why);

// Hands `retention` to the backend `refusing` (RefuseWrites's) wraps, for its retention upkeep
// only: the files it could write under it stay refused. REQUIRES: `refusing` came from
// RefuseWrites. Errors: the inner backend's SetRetention's.
Status SetUpkeepRetention(backend::Backend& refusing, const backend::Retention& retention);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INTERNAL_READ_ONLY_STORAGE_H_
