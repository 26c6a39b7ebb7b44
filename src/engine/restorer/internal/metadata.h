// Restoring an entry's metadata once its content is in place: owner (only when running as root),
// extended attributes, mode including setuid/setgid/sticky (always after the owner, since chown
// clears those bits), then access and modification times with nanoseconds. What `policy`
// (policy.h) leaves out — setuid/setgid bits, security.* and trusted.* attributes — is counted
// in the Reporter, not reported as an error.
//
// Failures are reported through the Reporter and never stop the restore; "extended attributes
// not supported" is reported once per restore, not per file. Thread-safe.
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_METADATA_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_METADATA_H_

#include <string>

#include "engine/repository/tree.h"
#include "engine/restorer/internal/policy.h"
#include "engine/restorer/internal/reporter.h"

namespace stormproof::restorer {

// For a regular file or directory open as `fd`. `path` names it in messages.
void RestoreMetadata(int fd, const repository::Node& node, const std::string& path,
                     const RestorePolicy& policy, Reporter& reporter);

// For a symlink, fifo, socket or device node `name` inside `dir`, never following a symlink.
// Extended attributes are not restored on these; a symlink has no mode of its own.
void RestoreMetadataAt(int dir, const std::string& name, const repository::Node& node,
                       const std::string& path, const RestorePolicy& policy, Reporter& reporter);

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_METADATA_H_
