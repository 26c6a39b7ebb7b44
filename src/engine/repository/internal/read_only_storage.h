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
// message); everything else is passed on. Thread-safe like `inner`.
std::unique_ptr<backend::Backend> RefuseWrites(std::unique_ptr<backend::Backend> inner, Error why);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INTERNAL_READ_ONLY_STORAGE_H_
