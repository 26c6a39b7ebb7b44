#include "tests/support/generated_data.h"

namespace stormproof::testing {

Bytes RandomData(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

Bytes TextData(size_t n, uint64_t seed) {
  static const char* kWords[] = {"restore ", "drill ", "backup ", "client ", "rto ", "rpo\n"};
  std::mt19937_64 rng(seed);
  Bytes out;
  out.reserve(n);
  while (out.size() < n) {
    for (const char* w = kWords[rng() % 6]; *w != '\0' && out.size() < n; ++w) out.push_back(*w);
  }
  return out;
}

std::string RandomText(std::mt19937_64& rng, size_t n, bool compressible) {
  static const char* kWords[] = {"invoice ", "client ", "restore ", "ledger ", "2026 ", "\n"};
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    if (compressible) {
      s += kWords[rng() % 6];
    } else {
      s.push_back(static_cast<char>(rng()));
    }
  }
  s.resize(n);
  return s;
}

}  // namespace stormproof::testing
