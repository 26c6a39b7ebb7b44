// Ids as hex, randomness, and the fatal-error path shared by the crypto library.
#include "engine/crypto/crypto.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "engine/crypto/internal/primitives.h"

namespace stormproof::crypto {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error BadId(std::string_view hex) {
  constexpr size_t kShown = 80;  // a hostile name must not flood the message
  std::string shown(hex.substr(0, kShown));
  if (hex.size() > kShown) shown += "...";
  return Error::InvalidArgument("invalid id '" + shown + "': want exactly 64 hex digits");
}

}  // namespace

namespace internal {

void CryptoFatal(const char* what) {
  std::fprintf(stderr, "stormproof: fatal crypto error: %s\n", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

}  // namespace internal

std::string Id::Hex() const { return ToHex(bytes); }

Result<Id> Id::FromHex(std::string_view hex) {
  Id id;
  if (hex.size() != 2 * id.bytes.size()) return BadId(hex);
  for (size_t i = 0; i < id.bytes.size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return BadId(hex);
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

void RandomBytes(uint8_t* out, size_t n) {
  constexpr size_t kStep = std::numeric_limits<int>::max();
  for (size_t done = 0; done < n; done += kStep) {
    const size_t step = std::min(kStep, n - done);
    if (RAND_bytes(out + done, static_cast<int>(step)) != 1) {
      internal::CryptoFatal("RAND_bytes failed: no secure randomness available");
    }
  }
}

Key RandomKey() {
  Key key;
  RandomBytes(key.bytes.data(), key.bytes.size());
  return key;
}

}  // namespace stormproof::crypto
