// Shared by the libFuzzer targets in this folder: a fixed test key, the split of a fuzz input
// into a mode byte and a body, and the invariant check that turns a broken property into a crash
// libFuzzer reports. Never linked into the engine.
#ifndef STORMPROOF_FUZZ_FUZZ_SUPPORT_H_
#define STORMPROOF_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/bytes.h"
#include "engine/crypto/crypto.h"

namespace stormproof::fuzz {

// How a target treats its input. Every target reads its first byte as the mode (modulo 3), so
// one corpus drives all three paths:
//   kPlaintext  the body is the decrypted form; the plaintext decoder reads it directly.
//   kSealed     the body is a whole stored file; opening it with the test key nearly always
//               fails, which exercises the decrypt-failure path on arbitrary bytes.
//   kSealedBody the body is sealed with the test key first, so opening succeeds and the decoder
//               behind the decryption runs on the body.
enum class Mode : uint8_t { kPlaintext = 0, kSealed = 1, kSealedBody = 2 };

struct Input {
  Mode mode = Mode::kPlaintext;
  ByteView body;
};

inline Input SplitInput(const uint8_t* data, size_t size) {
  if (size == 0) return {};
  return {static_cast<Mode>(data[0] % 3), ByteView(data + 1, size - 1)};
}

// A fixed key, so that crashes reproduce and the seed generator can seal with the same key.
inline crypto::Key TestKey(uint8_t fill = 0x5a) {
  crypto::Key key;
  for (size_t i = 0; i < key.bytes.size(); ++i) key.bytes[i] = static_cast<uint8_t>(fill + i);
  return key;
}

// Aborts (which libFuzzer records as a crash) when a property that must hold does not.
inline void Require(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

}  // namespace stormproof::fuzz

#endif  // STORMPROOF_FUZZ_FUZZ_SUPPORT_H_
