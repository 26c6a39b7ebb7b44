// Password-based key derivation: Argon2id (libsodium crypto_pwhash, version 1.3).
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#include "engine/crypto/crypto.h"
#include "engine/crypto/internal/primitives.h"
#include "engine/crypto/test_kdf.h"

namespace stormproof::crypto {
namespace {

// Upper bounds accepted from a key file, so that a hostile or corrupted key file cannot make
// opening a repository take hours or exhaust memory. Well above any sensible setting.
constexpr uint64_t kMaxOpsLimit = 100;
constexpr uint64_t kMaxMemLimit = uint64_t{4} << 30;

// Set only by AllowTestKdf (crypto/test_kdf.h), which only test binaries call.
std::atomic<bool> test_kdf_allowed{false};

bool TestKdfActive() {
  return test_kdf_allowed.load(std::memory_order_relaxed) &&
         std::getenv("STORMPROOF_KDF_TEST") != nullptr;
}

void InitSodiumOnce() {
  static const bool initialised = [] {
    if (sodium_init() < 0) internal::CryptoFatal("sodium_init failed");
    return true;
  }();
  (void)initialised;
}

// "1 pass over 8 KiB", "4 passes over 56 MiB".
std::string Describe(uint64_t ops, uint64_t mem) {
  std::string memory = mem % (1 << 20) == 0 ? std::to_string(mem >> 20) + " MiB"
                       : mem % (1 << 10) == 0 ? std::to_string(mem >> 10) + " KiB"
                                              : std::to_string(mem) + " bytes";
  return std::to_string(ops) + (ops == 1 ? " pass over " : " passes over ") + memory;
}

}  // namespace

void AllowTestKdf() { test_kdf_allowed.store(true, std::memory_order_relaxed); }

KdfParams NewKdfParams() {
  KdfParams params;
  if (TestKdfActive()) {
    params.ops_limit = crypto_pwhash_OPSLIMIT_MIN;
    params.mem_limit = crypto_pwhash_MEMLIMIT_MIN;
  }
  RandomBytes(params.salt.data(), params.salt.size());
  return params;
}

Status CheckKdfParams(const KdfParams& params) {
  static_assert(sizeof(params.salt) == crypto_pwhash_SALTBYTES);
  const uint64_t max_ops = std::min<uint64_t>(kMaxOpsLimit, crypto_pwhash_OPSLIMIT_MAX);
  const uint64_t max_mem = std::min<uint64_t>(kMaxMemLimit, crypto_pwhash_MEMLIMIT_MAX);
  if (params.ops_limit < crypto_pwhash_OPSLIMIT_MIN || params.ops_limit > max_ops ||
      params.mem_limit < crypto_pwhash_MEMLIMIT_MIN || params.mem_limit > max_mem) {
    return Error::InvalidArgument(
        "Argon2id parameters out of range: ops " + std::to_string(params.ops_limit) + " (allowed " +
        std::to_string(crypto_pwhash_OPSLIMIT_MIN) + ".." + std::to_string(max_ops) + "), memory " +
        std::to_string(params.mem_limit) + " bytes (allowed " +
        std::to_string(crypto_pwhash_MEMLIMIT_MIN) + ".." + std::to_string(max_mem) + ")");
  }
  return Ok();
}

Status CheckNewKdfParams(const KdfParams& params) {
  STORMPROOF_TRY(CheckKdfParams(params));
  if (params.ops_limit >= kMinNewOpsLimit && params.mem_limit >= kMinNewMemLimit) return Ok();
  if (TestKdfActive()) return Ok();
  return Error::InvalidArgument("weak Argon2id parameters: " +
                                Describe(params.ops_limit, params.mem_limit) +
                                ", below the floor of " +
                                Describe(kMinNewOpsLimit, kMinNewMemLimit) + " for new keys");
}

Result<Key> DeriveKey(std::string_view password, const KdfParams& params) {
  STORMPROOF_TRY(CheckKdfParams(params));
  InitSodiumOnce();
  Key key;
  if (crypto_pwhash(key.bytes.data(), key.bytes.size(), password.data(), password.size(),
                    params.salt.data(), params.ops_limit, static_cast<size_t>(params.mem_limit),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::Internal("Argon2id key derivation failed: out of memory (needs " +
                           std::to_string(params.mem_limit >> 20) + " MiB)");
  }
  return key;
}

}  // namespace stormproof::crypto
