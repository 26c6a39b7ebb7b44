// Test builds only. The test suites create thousands of repositories; Argon2id at its real cost
// (0.09 s and 56 MiB per key) would dominate them. A binary that links test_kdf.cc (the
// stormproof::crypto_test_kdf object library: every test binary, the copy of the CLI the
// end-to-end tests run, the fuzz seed writer) lets the STORMPROOF_KDF_TEST environment variable
// make NewKdfParams choose libsodium's minimum (1 pass over 8 KiB) and CheckNewKdfParams accept
// it. `stormproof` never links it, so no environment can weaken the keys a release binary makes.
#ifndef STORMPROOF_ENGINE_CRYPTO_TEST_KDF_H_
#define STORMPROOF_ENGINE_CRYPTO_TEST_KDF_H_

namespace stormproof::crypto {

// Called once, at start-up, by test_kdf.cc. Thread-safe.
void AllowTestKdf();

}  // namespace stormproof::crypto

#endif  // STORMPROOF_ENGINE_CRYPTO_TEST_KDF_H_
