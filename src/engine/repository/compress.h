// Blob payloads: a blob's plaintext before sealing is one marker byte and the payload,
//   0 = raw, the plaintext itself;  1 = zstd, one zstd frame with the content size recorded.
// zstd (level 1) is used only when it saves at least 1/32 (~3%) of the size. Internal;
// thread-safe (each thread reuses its own zstd context).
#ifndef STORMPROOF_ENGINE_REPOSITORY_COMPRESS_H_
#define STORMPROOF_ENGINE_REPOSITORY_COMPRESS_H_

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"

namespace stormproof::repository {

enum class PayloadEncoding : uint8_t { kRaw = 0, kZstd = 1 };

// Level 1 compresses text ~40 % faster than level 3 for 0.6 % more stored bytes (measured on
// the engine benchmark's dataset, docs/repository-format.md "Blobs").
constexpr int kZstdLevel = 1;

// Replaces *out with the marker byte and the (maybe compressed) payload of `plaintext`.
void EncodePayload(ByteView plaintext, Bytes* out);
// The plaintext of an encoded payload. Errors: kFailedCheck for an unknown marker, a damaged
// frame, or a plaintext longer than `max_size`.
Result<Bytes> DecodePayload(ByteView encoded, size_t max_size);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_COMPRESS_H_
