// Pack headers: DecodePackEntries on a plaintext header, ParsePack on arbitrary whole packs
// (the decrypt-failure path), and ParsePack on a pack whose header plaintext is the fuzz input,
// sealed with the test key, so the entry checks and the tiling check run on hostile entries.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "engine/repository/encoding.h"
#include "engine/repository/pack.h"

using namespace stormproof;
using namespace stormproof::repository;

namespace {

constexpr std::string_view kHeaderKind = "stormproof pack header";  // as pack.cc seals headers
const Id kPackId = crypto::Sha256(AsBytes("fuzz pack"));

// Accepted entries must lie where the decoder promised: after the salt, before `data_end`.
void CheckEntries(const std::vector<PackEntry>& entries, uint64_t data_end) {
  for (const PackEntry& e : entries) {
    fuzz::Require(e.offset >= crypto::kSaltSize, "entry after the salt");
    fuzz::Require(uint64_t{e.offset} + e.length <= data_end, "entry before the header");
    fuzz::Require(e.raw_length <= kMaxBlobSize, "entry within the blob size limit");
  }
}

// A pack with a zero blob area of `blob_area` bytes and `header` sealed as its header.
Bytes BuildPack(const crypto::Key& master, size_t blob_area, ByteView header) {
  Bytes pack(crypto::kSaltSize + blob_area, 0);
  crypto::Key pack_key = crypto::DeriveSubkey(master, ByteView(pack).first(crypto::kSaltSize));
  size_t before = pack.size();
  crypto::SealAppend(pack_key, header, AsBytes(kHeaderKind), &pack);
  PutU32(static_cast<uint32_t>(pack.size() - before), &pack);
  return pack;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::Key kMaster = fuzz::TestKey();
  fuzz::Input input = fuzz::SplitInput(data, size);
  switch (input.mode) {
    case fuzz::Mode::kPlaintext: {
      // The first two bytes pick where the blob area ends, the rest is the entry list.
      if (input.body.size() < 2) return 0;
      uint64_t data_end = crypto::kSaltSize + (input.body[0] | input.body[1] << 8) * 16u;
      ByteView header = input.body.subspan(2);
      auto entries = DecodePackEntries(header, header.size() / kPackEntrySize, data_end);
      if (entries) CheckEntries(*entries, data_end);
      break;
    }
    case fuzz::Mode::kSealed: {
      auto parsed = ParsePack(kMaster, kPackId, input.body);
      if (parsed) CheckEntries(parsed->entries, input.body.size());
      break;
    }
    case fuzz::Mode::kSealedBody: {
      // The first two bytes give the blob area's size (so entries can tile it), the rest is the
      // header plaintext.
      if (input.body.size() < 2) return 0;
      size_t blob_area = input.body[0] | input.body[1] << 8;
      Bytes pack = BuildPack(kMaster, blob_area, input.body.subspan(2));
      auto parsed = ParsePack(kMaster, kPackId, pack);
      if (!parsed) return 0;
      CheckEntries(parsed->entries, crypto::kSaltSize + blob_area);
      uint64_t covered = 0;
      for (const PackEntry& e : parsed->entries) covered += e.length;
      fuzz::Require(covered == blob_area, "accepted entries tile the blob area");
      break;
    }
  }
  return 0;
}
