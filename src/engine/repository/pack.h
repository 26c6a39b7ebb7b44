// Pack files: many sealed blobs of one type followed by their sealed header.
//
//   pack   = salt (32) || blob... || Seal(subkey, header, "stormproof pack header") || u32 LE
//            (the sealed header's length);  subkey = DeriveSubkey(master.encryption, salt)
//   blob   = Seal(subkey, payload (compress.h), type byte || blob id)
//   header = entry...;  entry = type (1) || id (32) || offset, length, raw_length (u32 LE each)
// A pack's name is a random 256-bit id: every byte of a pack is authenticated (the salt through
// the subkey, the blobs and header by their tags, the trailing length against the header), so a
// content hash would add nothing but a second pass over the data. Internal; pure functions
// except ReadPackKey and ReadPackHeader, which read through the (thread-safe) backend.
#ifndef STORMPROOF_ENGINE_REPOSITORY_PACK_H_
#define STORMPROOF_ENGINE_REPOSITORY_PACK_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/backend/backend.h"
#include "core/bytes.h"
#include "core/result.h"
#include "engine/crypto/crypto.h"
#include "engine/repository/repository.h"

namespace stormproof::repository {

// A pack, header included, is closed before it would exceed this (unless one blob alone does).
// 8 MiB keeps a backup's pack buffers (kMaxPackBuffers of them) small; larger packs would mean
// fewer files but more memory.
constexpr size_t kPackTargetSize = 8u << 20;
constexpr size_t kMaxBlobSize = 64u << 20;  // of a blob's plaintext
constexpr size_t kPackEntrySize = 1 + 32 + 3 * 4;
// The smallest sealed blob: a marker byte and the seal overhead.
constexpr size_t kMinSealedBlob = 1 + crypto::kSealOverhead;

// The bytes after a pack's blobs when its header lists `entries` blobs: the sealed header and
// its length.
constexpr size_t PackTrailerSize(size_t entries) {
  return entries * kPackEntrySize + crypto::kSealOverhead + 4;
}

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

// The key a pack's blobs and header are sealed with (reads the pack's salt). `type` is the type
// of the blobs the pack holds: a tree pack's read carries Handle::keep_whole.
Result<crypto::Key> ReadPackKey(backend::Backend& backend, const crypto::Key& master,
                                const Id& pack, BlobType type);
// Reads and verifies a pack's header. Errors (naming the pack): kNotFound, kIo, kFailedCheck
// for a truncated or malformed pack, kCorrupt when the header's authentication fails.
Result<std::vector<PackEntry>> ReadPackHeader(backend::Backend& backend, const crypto::Key& master,
                                              const Id& pack);

// A whole pack held in memory, its header verified.
struct ParsedPack {
  crypto::Key key;                 // seals the pack's blobs and header
  std::vector<PackEntry> entries;  // as the header lists them, in offset order
};
// Verifies the header of the complete pack `bytes` (named `pack` in errors) and that its blobs
// tile the blob area exactly, so that every byte of the pack lies under some authentication
// tag (a flipped byte anywhere then fails a tag). Errors: kFailedCheck (malformed) or kCorrupt
// (the header's authentication fails) naming the pack.
Result<ParsedPack> ParsePack(const crypto::Key& master, const Id& pack, ByteView bytes);

// Decrypts one sealed blob under `pack_key` with its type and id as associated data, decodes
// the payload and checks its length against entry.raw_length; with IdCheck::kRehash also
// checks HMAC-SHA256(id_key, plaintext) == entry.id. Errors, saying what is wrong (the caller
// names the blob and pack): kCorrupt when authentication or the id check fails; kFailedCheck
// for a payload that does not decode or has another length.
Result<Bytes> OpenBlob(const crypto::Key& pack_key, const crypto::Key& id_key,
                       const PackEntry& entry, ByteView sealed, IdCheck check);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_PACK_H_
