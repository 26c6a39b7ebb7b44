// Base64: standard alphabet, padded (RFC 4648 section 4), for byte strings in the repository's
// JSON files and in the CLI's --json output. Pure functions; thread-safe.
#ifndef STORMPROOF_ENGINE_CRYPTO_BASE64_H_
#define STORMPROOF_ENGINE_CRYPTO_BASE64_H_

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace stormproof::crypto {

// "foo" -> "Zm9v"; "" -> "".
std::string Base64Encode(ByteView data);

// Errors: kFailedCheck ("invalid base64") for anything but canonical, padded standard base64.
Result<Bytes> Base64Decode(std::string_view text);

}  // namespace stormproof::crypto

#endif  // STORMPROOF_ENGINE_CRYPTO_BASE64_H_
