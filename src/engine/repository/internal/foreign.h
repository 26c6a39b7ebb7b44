// Telling the user what a location holds when it is not a stormproof repository: a restic or
// borg repository opened by mistake, or an empty directory, said in one line instead of a
// stormproof-specific parse error ("config is not valid JSON"). Internal; reads through the
// backend and, when the location is a local directory, that directory's top level. Thread-safe.
#ifndef STORMPROOF_ENGINE_REPOSITORY_INTERNAL_FOREIGN_H_
#define STORMPROOF_ENGINE_REPOSITORY_INTERNAL_FOREIGN_H_

#include <optional>

#include "engine/backend/backend.h"
#include "core/bytes.h"
#include "core/result.h"

namespace stormproof::repository {

// The error to give instead of the config's own error when `backend` holds something other than
// a stormproof repository. `config`: the config file's bytes, or null when there is none. All
// are kNotFound, one line starting with the location:
//   "L: this is a restic repository, not a stormproof one (use restic, or the plan's kind: restic)"
//     a config that is binary (restic's is encrypted) and does not name stormproof, next to a
//     key file of restic's (JSON with "kdf": "scrypt"; ours use Argon2id);
//   "L: this is a borg repository, not a stormproof one (use borg, or the plan's kind: borg)"
//     a config that is an INI file with a [repository] section, or a README saying "This is a
//     Borg Backup repository";
//   "L: this is an empty directory, not a stormproof repository (create one with 'stormproof
//     init')"  no config and nothing else in the directory.
// nullopt when it looks like none of these (the caller's own error then stands).
std::optional<Error> IdentifyForeignRepository(backend::Backend& backend, const Bytes* config);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INTERNAL_FOREIGN_H_
