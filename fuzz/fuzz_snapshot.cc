// Snapshot files: DecodeSnapshot on plaintext JSON, OpenSealedFile on arbitrary bytes, and
// DecodeSnapshot behind a successful decryption. A decoded snapshot must re-encode to JSON that
// decodes to the same encoding.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "engine/repository/sealed_file.h"
#include "engine/repository/snapshot_file.h"

using namespace stormproof;
using namespace stormproof::repository;

namespace {

void DecodeAndRoundTrip(ByteView plain) {
  auto snapshot = DecodeSnapshot(plain);
  if (!snapshot) return;
  std::string once = EncodeSnapshot(*snapshot);
  auto again = DecodeSnapshot(AsBytes(once));
  fuzz::Require(again.has_value(), "re-encoded snapshot decodes");
  fuzz::Require(EncodeSnapshot(*again) == once, "snapshot encoding is stable");
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
      if (auto plain = OpenSealedFile(kMaster, input.body, kSnapshotKind)) {
        DecodeAndRoundTrip(*plain);
      }
      break;
    case fuzz::Mode::kSealedBody: {
      auto plain =
          OpenSealedFile(kMaster, SealFile(kMaster, input.body, kSnapshotKind), kSnapshotKind);
      fuzz::Require(plain.has_value(), "sealed snapshot opens");
      DecodeAndRoundTrip(*plain);
      break;
    }
  }
  return 0;
}
