// The simulator's only source of randomness: splitmix64 (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", 2014), the same numbers in every build and on every platform,
// and the keystream the simulated ransomware XORs over files. No real cipher: splitmix64 output
// is indistinguishable from random for what the detector measures (compressibility, entropy,
// magic bytes). Values; not thread-safe to share one generator.
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_RANDOM_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_RANDOM_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace stormproof::testing::ransom::internal {

inline constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

// splitmix64's output function: a bijective mix of all 64 bits.
inline uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A seed for the `index`-th independent stream derived from `seed`.
inline uint64_t SubSeed(uint64_t seed, uint64_t index) {
  return Mix64(seed ^ Mix64(index * kGolden + 1));
}

// FNV-1a of `text`, mixed with `seed`: keys a file's keystream by its path.
inline uint64_t HashOf(std::string_view text, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  return Mix64(h ^ seed);
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    state_ += kGolden;
    return Mix64(state_);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  // Log-uniform in [lo, hi]: sizes of files, where small ones are many and large ones few.
  size_t LogUniform(size_t lo, size_t hi) {
    if (hi <= lo) return lo;
    const double l = std::log(static_cast<double>(lo));
    const double h = std::log(static_cast<double>(hi));
    const auto v = static_cast<size_t>(std::exp(l + (h - l) * Unit()));
    return v < lo ? lo : (v > hi ? hi : v);
  }
  // Appends n random bytes to `out`.
  void AppendBytes(std::string& out, size_t n) {
    const size_t start = out.size();
    out.resize(start + n);
    for (size_t i = 0; i < n; i += 8) {
      uint64_t w = Next();
      for (size_t j = i; j < n && j < i + 8; ++j, w >>= 8) out[start + j] = static_cast<char>(w);
    }
  }
  std::string Bytes(size_t n) {
    std::string out;
    AppendBytes(out, n);
    return out;
  }
  // n lowercase hexadecimal digits (object names, ids).
  std::string Hex(size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(n, '0');
    for (auto& c : out) c = kDigits[Below(16)];
    return out;
  }

 private:
  uint64_t state_;
};

// XORs data[0, n) with the keystream of `key` starting at byte `offset` of the stream. Applying
// it twice restores the data; any region can be encrypted alone (counter mode).
inline void XorKeystream(uint64_t key, uint64_t offset, char* data, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint64_t at = offset + i;
    uint64_t word = Mix64(key + (at / 8 + 1) * kGolden) >> (8 * (at % 8));
    for (uint64_t k = at % 8; k < 8 && i < n; ++k, ++i, word >>= 8) {
      data[i] = static_cast<char>(static_cast<uint8_t>(data[i]) ^ static_cast<uint8_t>(word));
    }
  }
}

}  // namespace stormproof::testing::ransom::internal

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_RANDOM_H_
