// The sealed-file envelope: OpenSealedFile on arbitrary bytes for every kind, and SealFile ->
// OpenSealedFile giving back the plaintext, and refusing to open as another kind.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "engine/repository/sealed_file.h"

using namespace stormproof;
using namespace stormproof::repository;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::Key kMaster = fuzz::TestKey();
  static constexpr std::string_view kKinds[] = {kConfigKind, kIndexKind, kSnapshotKind, kLockKind};
  fuzz::Input input = fuzz::SplitInput(data, size);
  if (input.mode != fuzz::Mode::kSealedBody) {
    for (std::string_view kind : kKinds) {
      auto plain = OpenSealedFile(kMaster, input.body, kind);
      if (plain)
        fuzz::Require(
            plain->size() + crypto::kSaltSize + crypto::kSealOverhead == input.body.size(),
            "plaintext size");
    }
    return 0;
  }
  Bytes file = SealFile(kMaster, input.body, kSnapshotKind);
  auto plain = OpenSealedFile(kMaster, file, kSnapshotKind);
  fuzz::Require(plain.has_value() && *plain == Bytes(input.body.begin(), input.body.end()),
                "sealed file opens to its plaintext");
  fuzz::Require(!OpenSealedFile(kMaster, file, kIndexKind).has_value(), "kind is authenticated");
  fuzz::Require(!OpenSealedFile(fuzz::TestKey(1), file, kSnapshotKind).has_value(),
                "key is authenticated");
  return 0;
}
