// Index files: DecodeIndex on plaintext, OpenSealedFile on arbitrary bytes, and DecodeIndex
// behind a successful decryption. A decoded index must re-encode to bytes that decode to the
// same encoding (the codec is canonical over what it accepts).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "engine/repository/index.h"
#include "engine/repository/sealed_file.h"

using namespace stormproof;
using namespace stormproof::repository;

namespace {

void DecodeAndRoundTrip(ByteView plain) {
  auto packs = DecodeIndex(plain);
  if (!packs) return;
  Bytes once = EncodeIndex(*packs);
  auto again = DecodeIndex(once);
  fuzz::Require(again.has_value(), "re-encoded index decodes");
  fuzz::Require(EncodeIndex(*again) == once, "index encoding is stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::Key kMaster = fuzz::TestKey();
  fuzz::Input input = fuzz::SplitInput(data, size);
  switch (input.mode) {
    case fuzz::Mode::kPlaintext:
      DecodeAndRoundTrip(input.body);
      break;
    case fuzz::Mode::kSealed:
      if (auto plain = OpenSealedFile(kMaster, input.body, kIndexKind)) DecodeAndRoundTrip(*plain);
      break;
    case fuzz::Mode::kSealedBody: {
      Bytes file = SealFile(kMaster, input.body, kIndexKind);
      auto plain = OpenSealedFile(kMaster, file, kIndexKind);
      fuzz::Require(plain.has_value() && *plain == Bytes(input.body.begin(), input.body.end()),
                    "sealed index opens to its plaintext");
      DecodeAndRoundTrip(*plain);
      break;
    }
  }
  return 0;
}
