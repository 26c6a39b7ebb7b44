// Internal to the crypto library (and its tests); not part of its interface.
#ifndef STORMPROOF_ENGINE_CRYPTO_INTERNAL_PRIMITIVES_H_
#define STORMPROOF_ENGINE_CRYPTO_INTERNAL_PRIMITIVES_H_

#include "core/bytes.h"
#include "engine/crypto/crypto.h"

namespace stormproof::crypto::internal {

// HMAC-SHA256 of `data` under `key` (RFC 2104). Thread-safe.
Id HmacSha256(ByteView key, ByteView data);

// Aborts the process, printing `what` and any OpenSSL error queue. Only for failures that cannot
// happen with valid arguments (allocation, a missing built-in algorithm): continuing could
// produce unauthenticated or unencrypted output.
[[noreturn]] void CryptoFatal(const char* what);

}  // namespace stormproof::crypto::internal

#endif  // STORMPROOF_ENGINE_CRYPTO_INTERNAL_PRIMITIVES_H_
