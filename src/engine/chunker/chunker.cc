// FastCDC with normalised chunking, level 2 (Xia et al., USENIX ATC 2016 and IEEE TPDS 2020).
//
// Format contract (changing any of this changes every chunk boundary, so it is part of the
// repository format):
//   - gear table: entry i is the i-th output of SplitMix64 seeded with Params::seed, except that
//     an entry is redrawn (from the same stream) while a run of its byte value would cut (see
//     CutsOnRun), so runs of one byte value (zeroed VM-disk regions) always cut at max_size;
//   - hash: h = (h << 1) + gear[byte], starting from 0 at min_size bytes into each chunk (the
//     first min_size bytes are never hashed: cut-point skipping);
//   - masks: with b = log2(avg_size), the mask before avg_size has b + 2 one-bits and the one
//     after it b - 2, both ending at bit 62 (bit 63 is left out so the two-bytes-at-a-time loop
//     below is exact); a cut follows the first byte after which (h & mask) == 0.
#include "engine/chunker/chunker.h"

#include <algorithm>
#include <bit>

namespace stormproof::chunker {
namespace {

constexpr int kNormalisationLevel = 2;

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// `bits` one-bits ending at bit 62; 0 when bits <= 0.
uint64_t MaskWithBits(int bits) {
  bits = std::clamp(bits, 0, 62);
  if (bits == 0) return 0;
  return ((uint64_t{1} << bits) - 1) << (63 - bits);
}

// True when a run of one byte whose gear value is `gear` would reach (h & mask) == 0, starting
// from h == 0. After 64 bytes h is constant, so 65 steps cover every value the run produces.
bool CutsOnRun(uint64_t gear, uint64_t mask) {
  uint64_t h = 0;
  for (int i = 0; i < 65; ++i) {
    h = (h << 1) + gear;
    if ((h & mask) == 0) return true;
  }
  return false;
}

// Makes the parameters self-consistent so NextCut never loops or returns 0 on bad input:
// 1 <= max_size, min_size <= avg_size <= max_size.
Params Sanitise(Params p) {
  p.max_size = std::max<uint32_t>(p.max_size, 1);
  p.min_size = std::min(p.min_size, p.max_size);
  p.avg_size = std::clamp(p.avg_size, p.min_size, p.max_size);
  return p;
}

// Scans data[begin, end) two bytes per step, the "rolling two bytes" form of
// h = (h << 1) + gear[b]: after the first byte the register holds 2h, tested against mask << 1
// (exact because mask leaves bit 63 clear). Returns the cut length, or 0 with *h_inout updated
// when there is no cut before `end`.
size_t Scan(const uint8_t* data, size_t begin, size_t end, uint64_t mask,
            const std::array<uint64_t, 256>& gear, uint64_t* h_inout) {
  uint64_t h = *h_inout;
  const uint64_t mask_shifted = mask << 1;
  size_t i = begin;
  for (; i + 2 <= end; i += 2) {
    h = (h << 2) + (gear[data[i]] << 1);
    if ((h & mask_shifted) == 0) return i + 1;
    h += gear[data[i + 1]];
    if ((h & mask) == 0) return i + 2;
  }
  if (i < end) {
    h = (h << 1) + gear[data[i]];
    if ((h & mask) == 0) return i + 1;
  }
  *h_inout = h;
  return 0;
}

}  // namespace

Chunker::Chunker(const Params& params) : params_(Sanitise(params)) {
  const int bits = std::bit_width(params_.avg_size) - 1;  // log2, rounded down
  mask_small_ = MaskWithBits(bits + kNormalisationLevel);
  mask_large_ = MaskWithBits(bits - kNormalisationLevel);
  uint64_t state = params_.seed;
  for (uint64_t& g : gear_) {
    do {
      g = SplitMix64(&state);
    } while (mask_large_ != 0 && CutsOnRun(g, mask_large_));
  }
}

size_t Chunker::NextCut(ByteView data) const {
  const size_t n = data.size();
  if (n <= params_.min_size) return n;
  const size_t end = std::min<size_t>(n, params_.max_size);
  const size_t normal = std::min<size_t>(end, params_.avg_size);
  uint64_t h = 0;
  size_t cut = Scan(data.data(), params_.min_size, normal, mask_small_, gear_, &h);
  if (cut == 0) cut = Scan(data.data(), normal, end, mask_large_, gear_, &h);
  return cut == 0 ? end : cut;
}

}  // namespace stormproof::chunker
