// Where a repository's files live and which names are valid, the same for every Backend (a
// directory, memory, an S3 bucket), so that the conformance suite
// (tests/engine/backend/backend_conformance.h) sees one behaviour whatever holds the files, and a
// repository copied between a directory and a bucket stays readable. Stateless, hence thread-safe.
#ifndef STORMPROOF_ENGINE_BACKEND_LAYOUT_H_
#define STORMPROOF_ENGINE_BACKEND_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/result.h"
#include "engine/backend/backend.h"

namespace stormproof::backend {

inline constexpr size_t kMaxNameLength = 128;

// Ok when `handle` may be stored. A name (ignored for kConfig) must be non-empty, at most
// kMaxNameLength bytes, without '/', "..", a leading '.', or control characters; a pack name must
// start with two lower-case hex digits (its fan-out directory data/<xx>/). Else kInvalidArgument.
Status ValidateHandle(const Handle& handle);

// The directory of `type` relative to the repository root: "" (config), "keys", "locks",
// "snapshots", "index", "data", "evidence".
const char* DirectoryOf(FileType type);

// Where `handle` lives relative to the root: "config", "snapshots/<name>", "data/ab/<name>".
// REQUIRES: ValidateHandle(handle) succeeded.
std::string RelativePath(const Handle& handle);

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Resolves a Load request of (offset, length; 0 = to the end) against a file of `size` bytes.
// kIo "<what>: truncated: wanted N bytes at offset O, file has S" when the file is too short.
Result<ByteRange> ResolveRange(const std::string& what, uint64_t size, uint64_t offset,
                               uint64_t length);

}  // namespace stormproof::backend

#endif  // STORMPROOF_ENGINE_BACKEND_LAYOUT_H_
