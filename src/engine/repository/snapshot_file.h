// Snapshot files (snapshots/<SHA-256 of the file>): a Snapshot as JSON, sealed as
// "stormproof snapshot" (sealed_file.h). Byte strings that are not valid UTF-8 (paths, names)
// are stored as {"base64": ...}. Internal; pure functions.
#ifndef STORMPROOF_ENGINE_REPOSITORY_SNAPSHOT_FILE_H_
#define STORMPROOF_ENGINE_REPOSITORY_SNAPSHOT_FILE_H_

#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "engine/repository/repository.h"

namespace stormproof::repository {

// The JSON text of `snapshot` (its id is not part of it: the id names the file).
std::string EncodeSnapshot(const Snapshot& snapshot);
// Errors: kFailedCheck when malformed. The returned snapshot's id is unset.
Result<Snapshot> DecodeSnapshot(ByteView json_text);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_SNAPSHOT_FILE_H_
