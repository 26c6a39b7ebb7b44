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
// All functions are thread-safe. Keys are plain values, wiped when destroyed; callers must not
// log them.
#ifndef STORMPROOF_ENGINE_CRYPTO_CRYPTO_H_
#define STORMPROOF_ENGINE_CRYPTO_CRYPTO_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret.h"

namespace stormproof::crypto {

constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kSealOverhead = kNonceSize + kTagSize;
constexpr size_t kSaltSize = 32;

// Wiped when destroyed (core/secret.h), so that no copy of a key is left in freed memory.
struct Key {
  Key() = default;
  Key(const Key&) = default;
  Key& operator=(const Key&) = default;
  ~Key() { Wipe(bytes.data(), bytes.size()); }

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
// SealAppend with a nonce of zeros: the same key and plaintext always give the same bytes.
// REQUIRES: `key` seals this one plaintext and no other, ever (a subkey derived from a salt
// that is itself a keyed hash of the plaintext: repository::SealFileDeterministically).
void SealAppendUnderSingleUseKey(const Key& key, ByteView plaintext, ByteView associated,
                                 Bytes* out);
// Verifies and decrypts. Errors: kFailedCheck when the data was altered, truncated or the key is
// wrong (the message says which object, via the caller's context).
Result<Bytes> Open(const Key& key, ByteView sealed, ByteView associated = {});

Key DeriveSubkey(const Key& master, ByteView salt);

struct KdfParams {
  uint64_t ops_limit = 4;            // Argon2id iterations
  uint64_t mem_limit = 56ull << 20;  // bytes of memory
  std::array<uint8_t, 16> salt{};
};
// The floor for new keys: 2 passes over 19 MiB, OWASP's minimum for Argon2id (Password Storage
// Cheat Sheet: m = 19 MiB, t = 2, p = 1); RFC 9106's recommendations are stronger. New keys
// below it are refused and `check` warns about existing ones.
constexpr uint64_t kMinNewOpsLimit = 2;
constexpr uint64_t kMinNewMemLimit = 19ull << 20;

// Fresh random salt; ops/mem default to 4 passes over 56 MiB (about 0.09 s here; see
// docs/repository-format.md for why not RFC 9106's 3 passes over 64 MiB). Only in a test binary
// (one that links crypto/test_kdf.cc; `stormproof` itself never does) the STORMPROOF_KDF_TEST
// environment variable lowers them to libsodium's minimum (1 pass over 8 KiB).
KdfParams NewKdfParams();
// Errors: kInvalidArgument when `params` are outside what DeriveKey accepts (from libsodium's
// minimum, 1 pass over 8 KiB, to 100 passes over 4 GiB), naming the offending value.
Status CheckKdfParams(const KdfParams& params);
// Errors: kInvalidArgument "weak Argon2id parameters: 1 pass over 8 KiB, below the floor of 2
// passes over 19 MiB for new keys" when `params` are below the floor; in a test binary with
// STORMPROOF_KDF_TEST set, NewKdfParams' cheap parameters pass.
Status CheckNewKdfParams(const KdfParams& params);
// Errors: those of CheckKdfParams; kInternal when the memory cannot be had.
Result<Key> DeriveKey(std::string_view password, const KdfParams& params);

void RandomBytes(uint8_t* out, size_t n);
Key RandomKey();

}  // namespace stormproof::crypto

#endif  // STORMPROOF_ENGINE_CRYPTO_CRYPTO_H_
