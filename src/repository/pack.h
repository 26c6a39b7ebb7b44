// Pack files: many sealed blobs of one type followed by their sealed header.
//
//   pack   = salt (32) || blob... || Seal(subkey, header, "stormproof pack header") || u32 LE
//            (the sealed header's length);  subkey = DeriveSubkey(master.encryption, salt)
//   blob   = Seal(subkey, payload (compress.h), type byte || blob id)
//   header = entry...;  entry = type (1) || id (32) || offset, length, raw_length (u32 LE each)
// A pack's name is the SHA-256 of its bytes. Internal; pure functions except ReadPackHeader,
// which reads through the (thread-safe) backend.
#ifndef STORMPROOF_REPOSITORY_PACK_H_
#define STORMPROOF_REPOSITORY_PACK_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "core/bytes.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "repository/repository.h"

namespace stormproof::repository {

constexpr size_t kPackTargetSize = 16u << 20;  // cut a pack before it would exceed this
constexpr size_t kMaxBlobSize = 64u << 20;     // of a blob's plaintext
constexpr size_t kPackEntrySize = 1 + 32 + 3 * 4;
// The smallest sealed blob: a marker byte and the seal overhead.
constexpr size_t kMinSealedBlob = 1 + crypto::kSealOverhead;

struct PackEntry {
  BlobType type = BlobType::kData;
  Id id;
  uint32_t offset = 0;      // of the sealed blob within the pack
  uint32_t length = 0;      // sealed
  uint32_t raw_length = 0;  // plaintext
};

// What a sealed blob authenticates besides its content: its type and id.
std::array<uint8_t, 33> BlobAssociatedData(BlobType type, const Id& id);

// Appends the entries' 45-byte encodings to *out.
void EncodePackEntries(std::span<const PackEntry> entries, Bytes* out);
// Decodes `count` entries from `data`, checking each lies within [salt end, `data_end`).
// Errors: kFailedCheck naming the bad entry.
Result<std::vector<PackEntry>> DecodePackEntries(ByteView data, size_t count, uint64_t data_end);

// Seals the header listing `entries` and appends it and its length to `pack`.
void AppendPackHeader(const crypto::Key& pack_key, std::span<const PackEntry> entries, Bytes* pack);

// The key a pack's blobs and header are sealed with (reads the pack's salt).
Result<crypto::Key> ReadPackKey(backend::Backend& backend, const crypto::Key& master,
                                const Id& pack);
// Reads and verifies a pack's header. Errors (naming the pack): kNotFound, kIo, kFailedCheck
// for a truncated or altered pack.
Result<std::vector<PackEntry>> ReadPackHeader(backend::Backend& backend, const crypto::Key& master,
                                              const Id& pack);

}  // namespace stormproof::repository

#endif  // STORMPROOF_REPOSITORY_PACK_H_
