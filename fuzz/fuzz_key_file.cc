// Key files: ParseKeyFile on arbitrary plaintext JSON (key files are not encrypted; only their
// `data` field is), UnlockKeyFile on what it accepts when the KDF parameters are cheap, and
// UnlockKeyFile on the fuzz input sealed under a fixed password's key (the master-key decoder
// behind a successful decryption).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "engine/repository/key_file.h"

using namespace stormproof;
using namespace stormproof::repository;

namespace {

constexpr std::string_view kKeyKind = "stormproof key";  // as key_file.cc seals master keys
constexpr std::string_view kPassword = "fuzz password";

// The cheapest parameters libsodium accepts; others would make each run take seconds.
crypto::KdfParams CheapKdf() {
  crypto::KdfParams kdf;
  kdf.ops_limit = 1;
  kdf.mem_limit = 8192;
  return kdf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::Key kUserKey = crypto::DeriveKey(kPassword, CheapKdf()).value();
  fuzz::Input input = fuzz::SplitInput(data, size);
  if (input.mode != fuzz::Mode::kSealedBody) {
    auto key_file = ParseKeyFile(input.body);
    if (!key_file) return 0;
    if (key_file->kdf.ops_limit <= 2 && key_file->kdf.mem_limit <= (64u << 10)) {
      (void)UnlockKeyFile(*key_file, kPassword);
    }
    return 0;
  }
  KeyFile key_file;
  key_file.kdf = CheapKdf();
  key_file.data = crypto::Seal(kUserKey, input.body, AsBytes(kKeyKind));
  auto master = UnlockKeyFile(key_file, kPassword);
  fuzz::Require(master.has_value() == (input.body.size() == 2 * crypto::kKeySize),
                "unlocks exactly a sealed two-key master");
  return 0;
}
