#ifndef STORMPROOF_TESTS_SUPPORT_GENERATED_DATA_H_
#define STORMPROOF_TESTS_SUPPORT_GENERATED_DATA_H_

// Seeded test data, the same bytes for the same arguments in every build. Compiled optimized even
// where the suites themselves are built at -O0 (the sanitizer builds): generating megabytes a
// byte at a time is where those suites would otherwise spend their time.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include "core/bytes.h"

namespace stormproof::testing {

// n bytes zstd cannot shrink.
Bytes RandomData(size_t n, uint64_t seed);

// n bytes of text-like data that zstd shrinks several times.
Bytes TextData(size_t n, uint64_t seed);

// n characters drawn from `rng`: words when `compressible`, else random bytes.
std::string RandomText(std::mt19937_64& rng, size_t n, bool compressible);

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_SUPPORT_GENERATED_DATA_H_
