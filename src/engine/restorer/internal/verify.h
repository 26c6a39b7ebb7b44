// Verifying a restored regular file against the snapshot, independently of how it was written:
// the file is read back, split at the node's content blob boundaries (each blob's plaintext
// length comes from the repository index) and each piece's keyed id is compared with the
// node's; every hole must read as zeros, and the size must match. Thread-safe (the repository is).
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_VERIFY_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_VERIFY_H_

#include "core/result.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"
#include "engine/restorer/internal/layout.h"

namespace stormproof::restorer {

// Checks the open regular file `fd` (readable) against `node` laid out as `layout`.
// Errors: kFailedCheck "differs from the snapshot: <where>" on any mismatch; kNotFound when a
// content blob is not in the index; kIo when the file cannot be read.
Status VerifyFileContent(const repository::Repository& repo, int fd, const repository::Node& node,
                         const FileLayout& layout);

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_VERIFY_H_
