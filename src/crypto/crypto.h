// crypto: the primitives the repository is built from, and nothing else.
//
//   Id          32 bytes: a keyed content id (HMAC-SHA256) for blobs, or a SHA-256 storage id
//               for files. Blob ids are keyed so the repository never reveals plain content
//               hashes (an attacker cannot test "does this repository hold file X?").
//   Seal/Open   AES-256-GCM (hardware AES-NI/VAES and PCLMULQDQ on x86-64 through OpenSSL),
//               96-bit random nonce, 128-bit tag: sealed = nonce || ciphertext || tag.
//   DeriveSubkey HMAC-SHA256(master, "stormproof subkey" || salt): every stored file gets a
//               fresh 32-byte random salt and so its own key, which keeps the number of
//               messages per key (and so the random-nonce collision risk) tiny.
//   DeriveKey   Argon2id (libsodium) from a password, with parameters stored in the key file.
//
// All functions are thread-safe. Keys are plain values; callers must not log them.
#ifndef STORMPROOF_CRYPTO_CRYPTO_H_
#define STORMPROOF_CRYPTO_CRYPTO_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace stormproof::crypto {

constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kSealOverhead = kNonceSize + kTagSize;
constexpr size_t kSaltSize = 32;

struct Key {
  std::array<uint8_t, kKeySize> bytes{};
};

struct Id {
  std::array<uint8_t, 32> bytes{};

  std::string Hex() const;  // 64 lower-case hex digits
  std::string ShortHex() const { return Hex().substr(0, 8); }
  static Result<Id> FromHex(std::string_view hex);  // exactly 64 hex digits
  auto operator<=>(const Id&) const = default;
};

struct IdHash {
  size_t operator()(const Id& id) const {
    size_t h;
    static_assert(sizeof h <= sizeof id.bytes);
    __builtin_memcpy(&h, id.bytes.data(), sizeof h);  // ids are uniformly random already
    return h;
  }
};

// HMAC-SHA256 of `data` under `key`.
Id KeyedId(const Key& key, ByteView data);
// SHA-256 of `data`.
Id Sha256(ByteView data);

// Encrypts and authenticates `plaintext`; `associated` is authenticated but not stored.
Bytes Seal(const Key& key, ByteView plaintext, ByteView associated = {});
// Appends the sealed form to `out` (avoids a copy when building packs).
void SealAppend(const Key& key, ByteView plaintext, ByteView associated, Bytes* out);
// Verifies and decrypts. Errors: kFailedCheck when the data was altered, truncated or the key is
// wrong (the message says which object, via the caller's context).
Result<Bytes> Open(const Key& key, ByteView sealed, ByteView associated = {});

Key DeriveSubkey(const Key& master, ByteView salt);

struct KdfParams {
  uint64_t ops_limit = 4;            // Argon2id iterations
  uint64_t mem_limit = 56ull << 20;  // bytes of memory
  std::array<uint8_t, 16> salt{};
};
// Fresh random salt; ops/mem default to 4 passes over 56 MiB (about 0.09 s here; see
// docs/repository-format.md for why not RFC 9106's 3 passes over 64 MiB). The
// STORMPROOF_KDF_TEST environment variable lowers them to the minimum, for tests only.
KdfParams NewKdfParams();
Result<Key> DeriveKey(std::string_view password, const KdfParams& params);

void RandomBytes(uint8_t* out, size_t n);
Key RandomKey();

}  // namespace stormproof::crypto

#endif  // STORMPROOF_CRYPTO_CRYPTO_H_
