// How random a file's first bytes look, and how well a chunk compressed.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>

#include "core/bytes.h"
#include "engine/detect/detect.h"

namespace stormproof::detect {
namespace {

// How far below the random-data expectation a sample may fall and still count as random.
constexpr double kHighEntropyMargin = 0.2;

// c · log2(c) for every count a header sample can hold (0 · log2 0 = 0).
const std::array<double, kHeaderSampleBytes + 1>& CountLog2Count() {
  static const auto table = [] {
    std::array<double, kHeaderSampleBytes + 1> t{};
    for (size_t c = 1; c < t.size(); ++c) t[c] = static_cast<double>(c) * std::log2(c);
    return t;
  }();
  return table;
}

// Entropy of at most kHeaderSampleBytes bytes. Four interleaved histograms, so that a run of one
// byte value does not stall on a single counter.
double SampleEntropy(ByteView data) {
  std::array<std::array<uint16_t, 256>, 4> counts{};
  const size_t n = data.size();
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    ++counts[0][data[i]];
    ++counts[1][data[i + 1]];
    ++counts[2][data[i + 2]];
    ++counts[3][data[i + 3]];
  }
  for (; i < n; ++i) ++counts[0][data[i]];
  const auto& table = CountLog2Count();
  double sum = 0;
  for (size_t b = 0; b < 256; ++b) {
    sum += table[counts[0][b] + counts[1][b] + counts[2][b] + counts[3][b]];
  }
  const double total = static_cast<double>(n);
  return std::log2(total) - sum / total;
}

// The mean of the plug-in estimate over n uniformly random bytes, exactly: each byte value's count
// is Binomial(n, 1/256), so E[H] = log2 n − 256 · E[c · log2 c] / n. REQUIRES: 0 < n ≤ the table.
double ExactRandomEntropy(size_t n) {
  const auto& count_log2_count = CountLog2Count();
  constexpr double p = 1.0 / 256;
  const double total = static_cast<double>(n);
  double probability = std::exp(total * std::log1p(-p));  // P(c = 0)
  double expected = 0;
  // Counts beyond mean + 12 standard deviations add less than 1e-15.
  const size_t last =
      std::min<size_t>(n, static_cast<size_t>(total * p + 12 * std::sqrt(total * p) + 16));
  for (size_t k = 0; k < last; ++k) {
    probability *= (total - static_cast<double>(k)) / static_cast<double>(k + 1) * p / (1 - p);
    expected += probability * count_log2_count[k + 1];
  }
  return std::log2(total) - 256 * expected / total;
}

// ExactRandomEntropy for every sample length, computed once (≈ 0.5 ms).
const std::array<double, kHeaderSampleBytes + 1>& RandomEntropyBySize() {
  static const auto table = [] {
    std::array<double, kHeaderSampleBytes + 1> t{};
    for (size_t n = 1; n < t.size(); ++n) t[n] = ExactRandomEntropy(n);
    return t;
  }();
  return table;
}

}  // namespace

double ExpectedRandomEntropy(size_t n) {
  if (n <= kHeaderSampleBytes) return RandomEntropyBySize()[n];
  // Beyond the table, the first two terms of the estimator's bias series (Miller–Madow and the
  // next) are within 1e-5 bits of the exact mean.
  const double total = static_cast<double>(n);
  return 8.0 - 255.0 / (2.0 * total * std::numbers::ln2) -
         65535.0 / (12.0 * total * total * std::numbers::ln2);
}

double ShannonEntropy(ByteView data) {
  if (data.empty()) return 0;
  if (data.size() <= kHeaderSampleBytes) return SampleEntropy(data);
  std::array<uint64_t, 256> counts{};
  for (const uint8_t byte : data) ++counts[byte];
  const double total = static_cast<double>(data.size());
  double entropy = 0;
  for (const uint64_t c : counts) {
    if (c == 0) continue;
    const double p = static_cast<double>(c) / total;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

HeaderSample SampleHeader(ByteView first_bytes) {
  const ByteView sample = first_bytes.first(std::min(first_bytes.size(), kHeaderSampleBytes));
  HeaderSample header;
  header.magic = MagicOf(sample);
  header.sampled = static_cast<uint16_t>(sample.size());
  if (sample.empty()) return header;
  const double entropy = std::clamp(SampleEntropy(sample), 0.0, 8.0);
  header.entropy_x20 = static_cast<uint8_t>(entropy * 20);
  header.high = !header.unclassified() &&
                entropy >= ExpectedRandomEntropy(sample.size()) - kHighEntropyMargin;
  return header;
}

uint16_t RatioPermille(uint64_t stored, uint64_t raw) {
  if (raw == 0) return 0;
  if (stored >= raw) return 1000;
  const auto permille = static_cast<uint64_t>(static_cast<unsigned __int128>(stored) * 1000 / raw);
  return static_cast<uint16_t>(std::max<uint64_t>(permille, 1));
}

}  // namespace stormproof::detect
