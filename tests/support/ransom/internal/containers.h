// Real container formats the simulated files use: deflate streams (raw, zlib, gzip, through
// zlib) and ZIP archives with local headers, a central directory and its end record, which
// `unzip` lists and extracts. Deterministic: no timestamps from the clock. Thread-safe (pure).
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_CONTAINERS_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_CONTAINERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stormproof::testing::ransom::internal {

enum class Wrapper {
  kRaw,   // bare deflate, as in ZIP members
  kZlib,  // 78 xx header, as in git loose objects
  kGzip,  // 1f 8b header, as in .gz files
};

// `data` deflated at zlib level 6.
std::string Deflate(std::string_view data, Wrapper wrapper);

// `data` inflated from a zlib or gzip stream (detected from its header); "" when not valid.
std::string Inflate(std::string_view data);

uint32_t Crc32(std::string_view data);

struct ZipMember {
  std::string name;  // '/'-separated path inside the archive
  std::string data;  // uncompressed content
  enum class Method { kStore, kDeflate } method = Method::kDeflate;
};

// Builds a ZIP archive member by member, so that a caller can fill it to a size.
class ZipWriter {
 public:
  // A deflated member that would not shrink is stored instead.
  void Add(const ZipMember& member);
  // Bytes so far, without the central directory.
  size_t size() const { return out_.size(); }
  // The archive. REQUIRES: called once, last.
  std::string Finish();

 private:
  std::string out_, directory_;
  size_t count_ = 0;
};

std::string MakeZip(const std::vector<ZipMember>& members);

// Appends `value` to `out` in little- or big-endian byte order, `bytes` bytes wide.
void PutLe(std::string& out, uint64_t value, int bytes);
void PutBe(std::string& out, uint64_t value, int bytes);

}  // namespace stormproof::testing::ransom::internal

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_CONTAINERS_H_
