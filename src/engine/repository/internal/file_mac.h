// Integrity tags for the repository's plaintext JSON files (config, key files).
//
// Those files are read before any password is known, so they are not sealed; instead each carries
// a "mac" field: HMAC-SHA256 under a key derived from the master key over a canonical binary
// encoding of every other field (docs/repository-format.md, "Integrity of plaintext files"):
//
//   mac key = DeriveSubkey(master.encryption, label)        label: "stormproof config mac" | ...
//   mac     = HMAC-SHA256(mac key, field || field || ...)   in a fixed order per file kind
//   field   = name (ASCII) || 0x00 || value length (u32) || value
//
// Values are the decoded field values (integers as 8 bytes little-endian, base64 fields as their
// bytes). Internal to the repository library; a value type, thread-compatible.
#ifndef STORMPROOF_ENGINE_REPOSITORY_INTERNAL_FILE_MAC_H_
#define STORMPROOF_ENGINE_REPOSITORY_INTERNAL_FILE_MAC_H_

#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "engine/crypto/crypto.h"

namespace stormproof::repository {

inline constexpr std::string_view kConfigMacLabel = "stormproof config mac";
inline constexpr std::string_view kKeyFileMacLabel = "stormproof key file mac";

class FileMac {
 public:
  FileMac& Add(std::string_view name, ByteView value);
  FileMac& Add(std::string_view name, std::string_view value) { return Add(name, AsBytes(value)); }
  FileMac& AddU64(std::string_view name, uint64_t value);
  FileMac& AddI64(std::string_view name, int64_t value) {
    return AddU64(name, static_cast<uint64_t>(value));
  }
  // The tag of the fields added so far, under the key for `label`.
  crypto::Id Finish(const crypto::Key& master_encryption, std::string_view label) const;

 private:
  Bytes message_;
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INTERNAL_FILE_MAC_H_
