// The config file: ParseConfig on the plaintext JSON (read before any password), and
// OpenConfigSecret on arbitrary bytes and on the fuzz input sealed with the test key.
#include <cstddef>
#include <cstdint>

#include "engine/chunker/chunker.h"
#include "fuzz/fuzz_support.h"
#include "engine/repository/config.h"
#include "engine/repository/sealed_file.h"

using namespace stormproof;
using namespace stormproof::repository;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::Key kMaster = fuzz::TestKey();
  fuzz::Input input = fuzz::SplitInput(data, size);
  switch (input.mode) {
    case fuzz::Mode::kPlaintext:
      if (auto config = ParseConfig(input.body)) {
        (void)OpenConfigSecret(kMaster, config->secret);
      }
      break;
    case fuzz::Mode::kSealed:
      (void)OpenConfigSecret(kMaster, input.body);
      break;
    case fuzz::Mode::kSealedBody: {
      auto params = OpenConfigSecret(kMaster, SealFile(kMaster, input.body, kConfigKind));
      if (!params) return 0;
      // An accepted secret must give a chunker that always makes progress.
      chunker::Chunker chunker(*params);
      Bytes stream(input.body.begin(), input.body.end());
      stream.resize(stream.size() + 8192, 0x41);
      ByteView rest(stream);
      while (!rest.empty()) {
        size_t cut = chunker.NextCut(rest);
        fuzz::Require(cut > 0 && cut <= rest.size(), "chunker cuts within the data");
        rest = rest.subspan(cut);
      }
      break;
    }
  }
  return 0;
}
