#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "engine/detect/detect.h"
#include "tests/support/generated_data.h"

// Counts every allocation of this test binary, so that a test can show a call allocates nothing.
// Not inlined: GCC would otherwise take the free() of an inlined delete for a mismatch.
namespace {
std::atomic<uint64_t> allocations{0};
}  // namespace

[[gnu::noinline]] void* operator new(size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The nothrow form too (std::stable_sort's temporary buffer), so every delete below frees what
// a malloc here gave (AddressSanitizer checks the pairing).
[[gnu::noinline]] void* operator new(size_t size, const std::nothrow_t&) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace stormproof::detect {
namespace {

constexpr std::string_view kEnglish =
    "When ransomware hits a client, the newest snapshot is the worst one to restore: it holds the "
    "encrypted files. Worse, retention keeps forgetting the old clean snapshots while encrypted "
    "ones pile up, and the attack often starts days before anyone notices. The question an MSP "
    "must answer at three in the morning is which restore point is the newest clean one. ";

constexpr std::string_view kSource =
    "HeaderSample SampleHeader(ByteView first_bytes) {\n"
    "  const ByteView sample = first_bytes.first(std::min(first_bytes.size(), 4096));\n"
    "  HeaderSample header;\n  header.magic = MagicOf(sample);\n"
    "  for (size_t i = 0; i < n; ++i) ++counts[data[i] & 0xFF];  // {}[]()<>;:=+-*/%&|^!~\n"
    "  return header;\n}\n";

// `pattern` repeated to exactly n bytes.
Bytes Repeated(std::string_view pattern, size_t n) {
  Bytes data(n);
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(pattern[i % pattern.size()]);
  return data;
}

// The start of a typical PDF: header, binary comment, an object dictionary, an uncompressed
// content stream.
Bytes PdfLikeHeader() {
  std::string pdf =
      "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";
  while (pdf.size() < 4096) {
    pdf += "4 0 obj\n<< /Length 88 >>\nstream\nBT /F1 12 Tf 72 712 Td (Quarterly report, page ";
    pdf += std::to_string(pdf.size()) + ") Tj ET\nendstream\nendobj\n";
  }
  const ByteView bytes = AsBytes(pdf);
  return Bytes(bytes.begin(), bytes.end());
}

// Base64 of random bytes: 6 bits per character at most.
Bytes Base64OfRandom(size_t n, uint64_t seed) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const Bytes random = testing::RandomData(n, seed);
  Bytes data(n);
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(kAlphabet[random[i] % 64]);
  return data;
}

TEST(EntropyTest, RandomBytesAreHighAtEverySampleLength) {
  for (const size_t n : {512u, 777u, 1024u, 2048u, 4096u}) {
    int high = 0;
    constexpr int kSeeds = 1000;
    for (int seed = 0; seed < kSeeds; ++seed) {
      high += SampleHeader(testing::RandomData(n, seed * 7919 + n)).high ? 1 : 0;
    }
    EXPECT_EQ(high, kSeeds) << "n = " << n;
  }
}

// The threshold rests on ExpectedRandomEntropy: check it against the mean measured entropy of
// random samples (the standard error of each mean is below 0.002 bits). The Miller–Madow
// approximation alone, 8 − 255 / (2 n ln 2), is 0.05 bits off at n = 512 and fails this.
TEST(EntropyTest, ExpectedRandomEntropyMatchesTheMeasuredMean) {
  for (const size_t n : {512u, 600u, 1024u, 4096u, 5000u}) {
    double sum = 0;
    constexpr int kSeeds = 400;
    for (int seed = 0; seed < kSeeds; ++seed) sum += ShannonEntropy(testing::RandomData(n, seed));
    EXPECT_NEAR(sum / kSeeds, ExpectedRandomEntropy(n), 0.01) << "n = " << n;
  }
  EXPECT_NEAR(ExpectedRandomEntropy(512), 7.5904, 0.0005);
  EXPECT_NEAR(ExpectedRandomEntropy(4096), 7.9546, 0.0005);
  EXPECT_NEAR(ExpectedRandomEntropy(4097), ExpectedRandomEntropy(4096), 0.0001);
}

TEST(EntropyTest, TextCodeZerosAndDocumentsAreNotHigh) {
  const std::pair<std::string_view, Bytes> cases[] = {
      {"english", Repeated(kEnglish, 4096)},
      {"source code", Repeated(kSource, 4096)},
      {"generated text", testing::TextData(4096, 3)},
      {"zeros", Bytes(4096, 0)},
      {"pdf-like header", PdfLikeHeader()},
      {"base64 of random bytes", Base64OfRandom(4096, 5)},
      {"english, 512 bytes", Repeated(kEnglish, 512)},
  };
  for (const auto& [what, data] : cases) {
    const HeaderSample sample = SampleHeader(data);
    EXPECT_FALSE(sample.high) << what << ": entropy×20 " << int{sample.entropy_x20};
    EXPECT_FALSE(sample.unclassified()) << what;
  }
}

TEST(EntropyTest, FewerThan512BytesAreUnclassified) {
  const HeaderSample sample = SampleHeader(testing::RandomData(300, 1));
  EXPECT_TRUE(sample.unclassified());
  EXPECT_FALSE(sample.high);
  EXPECT_EQ(sample.sampled, 300);
  EXPECT_FALSE(SampleHeader(testing::RandomData(511, 1)).high);
  EXPECT_TRUE(SampleHeader(ByteView()).unclassified());
}

TEST(EntropyTest, SamplesOnlyTheFirst4KiB) {
  Bytes data = Repeated(kEnglish, 4096);
  const Bytes tail = testing::RandomData(1 << 20, 2);
  data.insert(data.end(), tail.begin(), tail.end());
  const HeaderSample sample = SampleHeader(data);
  EXPECT_EQ(sample.sampled, kHeaderSampleBytes);
  EXPECT_FALSE(sample.high);
  EXPECT_TRUE(SampleHeader(testing::RandomData(1 << 20, 2)).high);
}

TEST(EntropyTest, CarriesTheMagic) {
  Bytes gzip = testing::RandomData(4096, 4);
  gzip[0] = 0x1F;
  gzip[1] = 0x8B;
  gzip[2] = 0x08;
  const HeaderSample sample = SampleHeader(gzip);
  EXPECT_EQ(sample.magic, MagicKind::kGzip);
  EXPECT_TRUE(sample.high);
  EXPECT_EQ(SampleHeader(testing::RandomData(4096, 4)).magic, MagicKind::kUnknown);
}

TEST(EntropyTest, EntropyIsExactOnKnownHistograms) {
  Bytes every_value(4096);
  for (size_t i = 0; i < every_value.size(); ++i) every_value[i] = static_cast<uint8_t>(i);
  EXPECT_NEAR(ShannonEntropy(every_value), 8.0, 1e-12);
  EXPECT_EQ(SampleHeader(every_value).entropy_x20, 160);
  EXPECT_EQ(SampleHeader(Bytes(4096, 0)).entropy_x20, 0);
  EXPECT_NEAR(ShannonEntropy(Repeated("ab", 1000)), 1.0, 1e-12);
  EXPECT_NEAR(ShannonEntropy(Repeated("abcd", 6000)), 2.0, 1e-12);  // longer than a sample
  EXPECT_EQ(SampleHeader(Repeated("abcd", 4096)).entropy_x20, 40);
  EXPECT_DOUBLE_EQ(ShannonEntropy(ByteView()), 0.0);
}

// SampleHeader runs once per changed file on the backup path.
TEST(EntropyTest, SamplingAllocatesNothing) {
  const Bytes random = testing::RandomData(8192, 6);
  const Bytes text = Repeated(kEnglish, 4096);
  const uint64_t before = allocations.load();
  const HeaderSample a = SampleHeader(random);
  const HeaderSample b = SampleHeader(text);
  const std::string extension = Extension("Quarterly Report.encrypted");
  const uint64_t after = allocations.load();
  EXPECT_EQ(after - before, 0u);
  EXPECT_TRUE(a.high);
  EXPECT_FALSE(b.high);
  EXPECT_EQ(extension, "encrypted");
}

struct RatioCase {
  uint64_t stored;
  uint64_t raw;
  uint16_t permille;
};

TEST(RatioTest, IsStoredOverRawInPermilleWithZeroForUnknown) {
  const RatioCase cases[] = {
      {0, 0, 0},
      {10, 0, 0},
      {1000, 1000, 1000},
      {1001, 1000, 1000},
      {500, 1000, 500},
      {970, 1000, 970},
      {0, 1000, 1},
      {40, 1 << 20, 1},
      {999, 1000, 999},
      {1, 3, 333},
      {uint64_t{1} << 62, uint64_t{1} << 63, 500},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(RatioPermille(c.stored, c.raw), c.permille) << c.stored << "/" << c.raw;
  }
}

}  // namespace
}  // namespace stormproof::detect
