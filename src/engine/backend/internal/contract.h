// Rules every Backend implementation applies the same way: the public ones live in
// engine/backend/layout.h (names, paths, ranges, shared with the S3 backend); what is left here
// is private to src/engine/backend (the local backend's temporary files). Stateless, hence
// thread-safe.
#ifndef STORMPROOF_ENGINE_BACKEND_INTERNAL_CONTRACT_H_
#define STORMPROOF_ENGINE_BACKEND_INTERNAL_CONTRACT_H_

#include "engine/backend/layout.h"

namespace stormproof::backend::internal {

using ::stormproof::backend::ByteRange;
using ::stormproof::backend::DirectoryOf;
using ::stormproof::backend::kMaxNameLength;
using ::stormproof::backend::RelativePath;
using ::stormproof::backend::ResolveRange;
using ::stormproof::backend::ValidateHandle;

// Temporary files start with this prefix; valid names cannot (no leading '.'), so List never
// confuses the two.
inline constexpr char kTemporaryPrefix[] = ".tmp-";

}  // namespace stormproof::backend::internal

#endif  // STORMPROOF_ENGINE_BACKEND_INTERNAL_CONTRACT_H_
