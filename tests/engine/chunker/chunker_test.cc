#include "engine/chunker/chunker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace stormproof::chunker {

// Names parameterised cases readably in test output.
static void PrintTo(const Params& p, std::ostream* os) {
  *os << "min " << p.min_size << " avg " << p.avg_size << " max " << p.max_size;
}

namespace {

constexpr size_t kMiB = size_t{1} << 20;
const Params kSmall = {.min_size = 2 << 10, .avg_size = 8 << 10, .max_size = 32 << 10, .seed = 7};

Bytes RandomData(size_t n, uint64_t seed) {
  Bytes data(n);
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(&data[i], &v, std::min<size_t>(8, n - i));
  }
  return data;
}

// 64 MiB of random bytes, generated once for the whole test binary.
const Bytes& Random64MiB() {
  static const Bytes data = RandomData(64 * kMiB, 1);
  return data;
}

// Chunk lengths covering all of `data`.
std::vector<size_t> Split(const Chunker& chunker, ByteView data) {
  std::vector<size_t> lengths;
  for (size_t pos = 0; pos < data.size();) {
    const size_t n = chunker.NextCut(data.subspan(pos));
    if (n == 0) {
      ADD_FAILURE() << "NextCut returned 0 at offset " << pos;
      break;
    }
    lengths.push_back(n);
    pos += n;
  }
  return lengths;
}

std::vector<size_t> ContentHashes(ByteView data, const std::vector<size_t>& lengths) {
  std::vector<size_t> hashes;
  size_t pos = 0;
  for (size_t n : lengths) {
    hashes.push_back(std::hash<std::string_view>{}(AsText(data.subspan(pos, n))));
    pos += n;
  }
  return hashes;
}

double AverageChunk(const std::vector<size_t>& lengths) {
  size_t total = 0;
  for (size_t n : lengths) total += n;
  return static_cast<double>(total) / static_cast<double>(lengths.size());
}

// --- Bounds
// ----------------------------------------------------------------------------------------

class ChunkBoundsTest : public testing::TestWithParam<Params> {};

TEST_P(ChunkBoundsTest, EveryChunkButTheLastIsWithinMinAndMax) {
  const Params p = GetParam();
  const ByteView data = ByteView(Random64MiB()).first(16 * kMiB + 12345);
  const std::vector<size_t> lengths = Split(Chunker(p), data);
  ASSERT_GE(lengths.size(), 2u);
  size_t total = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    if (i + 1 < lengths.size()) {
      EXPECT_GE(lengths[i], p.min_size) << "chunk " << i;
    }
    EXPECT_LE(lengths[i], p.max_size) << "chunk " << i;
    total += lengths[i];
  }
  EXPECT_EQ(total, data.size());
}

INSTANTIATE_TEST_SUITE_P(
    Params, ChunkBoundsTest,
    testing::Values(Params{}, kSmall, Params{.min_size = 0, .avg_size = 64, .max_size = 256},
                    Params{.min_size = 4096, .avg_size = 4096, .max_size = 4096},
                    Params{.min_size = 1 << 10, .avg_size = 1 << 16, .max_size = 1 << 17}));

TEST(ChunkerTest, HandlesEmptyAndTinyInputs) {
  const Chunker chunker{Params{}};
  const Bytes data = RandomData(300 << 10, 3);
  EXPECT_EQ(chunker.NextCut({}), 0u);
  EXPECT_EQ(chunker.NextCut(ByteView(data).first(1)), 1u);
  const size_t min = chunker.params().min_size;
  EXPECT_EQ(chunker.NextCut(ByteView(data).first(min)), min);
  EXPECT_LE(chunker.NextCut(data), data.size());
  EXPECT_GE(chunker.NextCut(data), min);
}

TEST(ChunkerTest, SurvivesInconsistentParams) {
  // min > max and a non-power-of-two average: sanitised, never a zero-length or oversized cut.
  const Chunker chunker{Params{.min_size = 100, .avg_size = 3, .max_size = 50, .seed = 1}};
  const Bytes data = RandomData(10000, 4);
  for (size_t n : Split(chunker, data)) EXPECT_LE(n, 50u);
}

// --- Determinism and the seed
// -------------------------------------------------------------------------

TEST(ChunkerTest, SameInputAndSeedGiveSameCuts) {
  const ByteView data = ByteView(Random64MiB()).first(8 * kMiB);
  EXPECT_EQ(Split(Chunker(kSmall), data), Split(Chunker(kSmall), data));
}

TEST(ChunkerTest, DifferentSeedsGiveDifferentCuts) {
  const ByteView data = ByteView(Random64MiB()).first(8 * kMiB);
  Params other = kSmall;
  other.seed = kSmall.seed + 1;
  const std::vector<size_t> a = Split(Chunker(kSmall), data);
  const std::vector<size_t> b = Split(Chunker(other), data);
  EXPECT_NE(a, b);
  EXPECT_NE(a.front(), b.front());
}

TEST(ChunkerTest, CutsArePinnedForAGivenSeed) {
  // Chunk boundaries are part of the repository format (they decide deduplication across
  // versions): the gear table derivation and the hash must never change silently.
  // Repositories keep the parameters they were made with, so both the first defaults and the
  // current ones are pinned.
  const Bytes data = RandomData(4 * kMiB, 99);
  const Params first{.min_size = 256 << 10, .avg_size = 1 << 20, .max_size = 4 << 20, .seed = 42};
  EXPECT_EQ(Split(Chunker(first), data),
            (std::vector<size_t>{1107352, 865118, 589755, 1555013, 77066}));
  EXPECT_EQ(Split(Chunker(Params{.seed = 42}), data),
            (std::vector<size_t>{326747, 670969, 285484, 263626, 285220, 140424, 302211, 287544,
                                 421971, 300541, 263799, 288041, 280661, 77066}));
}

// --- Shift resistance
// --------------------------------------------------------------------------------

struct Edit {
  std::string name;
  size_t insert;  // bytes inserted at the middle
  size_t erase;   // bytes erased at the middle
};

void PrintTo(const Edit& edit, std::ostream* os) { *os << edit.name; }

class ShiftResistanceTest : public testing::TestWithParam<Edit> {};

TEST_P(ShiftResistanceTest, OnlyChunksAroundTheEditChange) {
  const Bytes& original = Random64MiB();
  const size_t middle = original.size() / 2 + 12345;
  Bytes edited(original.begin(), original.begin() + middle);
  const Bytes inserted = RandomData(GetParam().insert, 5);
  edited.insert(edited.end(), inserted.begin(), inserted.end());
  edited.insert(edited.end(), original.begin() + middle + GetParam().erase, original.end());

  const Chunker chunker{Params{.seed = 11}};
  const std::vector<size_t> cuts_a = Split(chunker, original);
  const std::vector<size_t> cuts_b = Split(chunker, edited);
  const std::vector<size_t> a = ContentHashes(original, cuts_a);
  const std::vector<size_t> b = ContentHashes(edited, cuts_b);

  // Every chunk that ends before the edit is identical.
  size_t before = 0;
  for (size_t pos = 0; pos + cuts_a[before] <= middle; ++before) pos += cuts_a[before];
  ASSERT_GE(before, 20u);
  ASSERT_GE(b.size(), before);
  EXPECT_TRUE(std::equal(a.begin(), a.begin() + before, b.begin()));

  // After it, the chunking re-synchronises: at most 3 chunks are new, and the tails match.
  const std::set<size_t> old_chunks(a.begin(), a.end());
  const auto is_new = [&](size_t h) { return old_chunks.count(h) == 0; };
  EXPECT_LE(std::count_if(b.begin(), b.end(), is_new), 3);
  EXPECT_GE(std::count_if(b.begin(), b.end(), is_new), 1);
  const size_t tail = a.size() - before - 3;
  EXPECT_TRUE(std::equal(a.end() - tail, a.end(), b.end() - tail));
}

INSTANTIATE_TEST_SUITE_P(Edits, ShiftResistanceTest,
                         testing::Values(Edit{"Insert1Byte", 1, 0}, Edit{"Insert100Bytes", 100, 0},
                                         Edit{"Erase100Bytes", 0, 100},
                                         Edit{"Replace4KiB", 4096, 4096}),
                         [](const auto& info) { return info.param.name; });

// --- Size distribution
// -------------------------------------------------------------------------------

TEST(ChunkerTest, AverageOnRandomDataIsNearAvgSize) {
  for (const Params& p : {Params{.seed = 3}, kSmall}) {
    const double average = AverageChunk(Split(Chunker(p), Random64MiB()));
    EXPECT_GT(average, 0.75 * p.avg_size) << "avg_size " << p.avg_size;
    EXPECT_LT(average, 1.25 * p.avg_size) << "avg_size " << p.avg_size;
  }
}

TEST(ChunkerTest, RunOfZerosCutsAtMaxSize) {
  const Params p{.seed = 5};
  const Bytes zeros(3 * p.max_size + 1000, 0);
  EXPECT_EQ(Split(Chunker(p), zeros),
            (std::vector<size_t>{p.max_size, p.max_size, p.max_size, 1000}));
}

TEST(ChunkerTest, RunOfAnySingleByteCutsAtMaxSize) {
  for (uint64_t seed : {0, 1, 2, 3}) {
    Params p = kSmall;
    p.seed = seed;
    const Chunker chunker(p);
    for (int value = 0; value < 256; ++value) {
      const Bytes run(p.max_size + 10, static_cast<uint8_t>(value));
      ASSERT_EQ(chunker.NextCut(run), p.max_size) << "seed " << seed << " byte " << value;
    }
  }
}

TEST(ChunkerTest, ZeroRegionsInsideADiskImageDeduplicate) {
  // VM-disk-like: random, 20 MiB of zeros, random. The zero region's inner chunks are all the
  // same max-size chunk, so they are stored once.
  const Params p{.seed = 9};
  Bytes disk = RandomData(3 * kMiB, 6);
  disk.resize(disk.size() + 20 * kMiB, 0);
  const Bytes tail = RandomData(3 * kMiB, 7);
  disk.insert(disk.end(), tail.begin(), tail.end());
  const std::vector<size_t> lengths = Split(Chunker(p), disk);
  const std::vector<size_t> hashes = ContentHashes(disk, lengths);
  const size_t zero_max = std::hash<std::string_view>{}(std::string(p.max_size, '\0'));
  EXPECT_GE(std::count(hashes.begin(), hashes.end(), zero_max), 3);
}

}  // namespace
}  // namespace stormproof::chunker
