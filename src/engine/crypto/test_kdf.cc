// Linked only into test binaries (see test_kdf.h): honours STORMPROOF_KDF_TEST from start-up.
#include "engine/crypto/test_kdf.h"

namespace stormproof::crypto {
namespace {

[[maybe_unused]] const bool kTestKdfAllowed = (AllowTestKdf(), true);

}  // namespace
}  // namespace stormproof::crypto
