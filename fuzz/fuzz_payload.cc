// Blob payloads: DecodePayload (marker byte, raw or zstd) on arbitrary bytes under small and
// large size limits, and EncodePayload -> DecodePayload giving back the input.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "engine/repository/compress.h"
#include "engine/repository/pack.h"

using namespace stormproof;
using namespace stormproof::repository;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input input = fuzz::SplitInput(data, size);
  switch (input.mode) {
    case fuzz::Mode::kPlaintext:
    case fuzz::Mode::kSealed: {
      // Arbitrary encoded payloads; a small limit exercises the size checks, the real one the
      // decompressor.
      size_t limit = input.mode == fuzz::Mode::kPlaintext ? kMaxBlobSize : 4096;
      auto plain = DecodePayload(input.body, limit);
      if (plain) fuzz::Require(plain->size() <= limit, "decoded payload within its limit");
      break;
    }
    case fuzz::Mode::kSealedBody: {
      Bytes encoded;
      EncodePayload(input.body, &encoded);
      auto plain = DecodePayload(encoded, input.body.size());
      fuzz::Require(plain.has_value() && *plain == Bytes(input.body.begin(), input.body.end()),
                    "payload round trip");
      break;
    }
  }
  return 0;
}
