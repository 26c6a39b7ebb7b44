#include "engine/repository/pack.h"

#include <algorithm>
#include <string>

#include "engine/repository/compress.h"
#include "engine/repository/encoding.h"

namespace stormproof::repository {
namespace {

constexpr std::string_view kHeaderKind = "stormproof pack header";
constexpr size_t kTailRead = 64u << 10;  // one read usually covers the header and its length
constexpr size_t kMinPackSize = crypto::kSaltSize + crypto::kSealOverhead + 4;

Error PackError(const Id& pack, const std::string& what) {
  return Error::FailedCheck("pack " + pack.Hex() + ": " + what);
}

PackEntry DecodeEntry(const uint8_t* p) {
  PackEntry entry;
  entry.type = static_cast<BlobType>(p[0]);
  std::copy_n(p + 1, 32, entry.id.bytes.begin());
  entry.offset = GetU32(p + 33);
  entry.length = GetU32(p + 37);
  entry.raw_length = GetU32(p + 41);
  return entry;
}

// Returns bytes [offset, offset + length) of the pack, from `tail` (which ends at the end of the
// pack) when it covers them, else from the backend.
Result<Bytes> Slice(backend::Backend& backend, const backend::Handle& handle, const Bytes& tail,
                    uint64_t size, uint64_t offset, uint64_t length) {
  uint64_t tail_start = size - tail.size();
  if (offset >= tail_start) {
    auto begin = tail.begin() + static_cast<ptrdiff_t>(offset - tail_start);
    return Bytes(begin, begin + static_cast<ptrdiff_t>(length));
  }
  return backend.Load(handle, offset, length);
}

// The sealed header's length, from the pack's last 4 bytes (`last4`), checked against the
// pack's `size`: the header must fit between the salt and the length field.
Result<uint64_t> HeaderLength(const Id& pack, uint64_t size, const uint8_t* last4) {
  uint64_t header_length = GetU32(last4);
  if (header_length < crypto::kSealOverhead || header_length > size - 4 - crypto::kSaltSize) {
    return PackError(pack, "bad header length (truncated or damaged)");
  }
  return header_length;
}

// Opens a pack's sealed header, which starts at `header_offset`, and decodes its entries.
Result<std::vector<PackEntry>> OpenHeader(const crypto::Key& pack_key, const Id& pack,
                                          ByteView sealed, uint64_t header_offset) {
  auto plain = crypto::Open(pack_key, sealed, AsBytes(kHeaderKind));
  if (!plain) {
    return Error::Corrupt("pack " + pack.Hex() +
                          ": header cannot be decrypted (truncated, damaged or altered)");
  }
  if (plain->size() % kPackEntrySize != 0) return PackError(pack, "header has a partial entry");
  auto entries = DecodePackEntries(*plain, plain->size() / kPackEntrySize, header_offset);
  if (!entries) return entries.error().WithContext("pack " + pack.Hex());
  return entries;
}

// Sorts `entries` by offset and checks that they cover [salt end, header_offset) exactly,
// without gaps or overlaps: a byte outside every blob would be covered by no tag.
Status CheckTiling(const Id& pack, uint64_t header_offset, std::vector<PackEntry>* entries) {
  std::sort(entries->begin(), entries->end(),
            [](const PackEntry& a, const PackEntry& b) { return a.offset < b.offset; });
  uint64_t next = crypto::kSaltSize;
  for (const PackEntry& e : *entries) {
    if (e.offset != next) return PackError(pack, "bytes outside every blob (damaged or altered)");
    next += e.length;
  }
  if (next != header_offset) {
    return PackError(pack, "bytes outside every blob (damaged or altered)");
  }
  return Ok();
}

}  // namespace

std::array<uint8_t, 33> BlobAssociatedData(BlobType type, const Id& id) {
  std::array<uint8_t, 33> data;
  data[0] = static_cast<uint8_t>(type);
  std::copy(id.bytes.begin(), id.bytes.end(), data.begin() + 1);
  return data;
}

void EncodePackEntries(std::span<const PackEntry> entries, Bytes* out) {
  out->reserve(out->size() + entries.size() * kPackEntrySize);
  for (const PackEntry& e : entries) {
    out->push_back(static_cast<uint8_t>(e.type));
    out->insert(out->end(), e.id.bytes.begin(), e.id.bytes.end());
    PutU32(e.offset, out);
    PutU32(e.length, out);
    PutU32(e.raw_length, out);
  }
}

Result<std::vector<PackEntry>> DecodePackEntries(ByteView data, size_t count, uint64_t data_end) {
  if (data.size() < count * kPackEntrySize) return Error::FailedCheck("truncated blob list");
  std::vector<PackEntry> entries;
  entries.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    PackEntry e = DecodeEntry(data.data() + i * kPackEntrySize);
    bool ok = static_cast<uint8_t>(e.type) <= 1 && e.offset >= crypto::kSaltSize &&
              e.length >= kMinSealedBlob && uint64_t{e.offset} + e.length <= data_end &&
              e.raw_length <= kMaxBlobSize;
    if (!ok) return Error::FailedCheck("bad entry for blob " + e.id.Hex());
    entries.push_back(e);
  }
  return entries;
}

void AppendPackHeader(const crypto::Key& pack_key, std::span<const PackEntry> entries,
                      Bytes* pack) {
  Bytes header;
  EncodePackEntries(entries, &header);
  size_t before = pack->size();
  crypto::SealAppend(pack_key, header, AsBytes(kHeaderKind), pack);
  PutU32(static_cast<uint32_t>(pack->size() - before), pack);
}

Result<crypto::Key> ReadPackKey(backend::Backend& backend, const crypto::Key& master,
                                const Id& pack, BlobType type) {
  backend::Handle handle{backend::FileType::kPack, pack.Hex(), type == BlobType::kTree};
  auto salt = backend.Load(handle, 0, crypto::kSaltSize);
  if (!salt) return salt.error().WithContext("pack " + pack.Hex());
  return crypto::DeriveSubkey(master, *salt);
}

Result<std::vector<PackEntry>> ReadPackHeader(backend::Backend& backend, const crypto::Key& master,
                                              const Id& pack) {
  backend::Handle handle{backend::FileType::kPack, pack.Hex()};
  auto size = backend.Size(handle);
  if (!size) return size.error().WithContext("pack " + pack.Hex());
  if (*size < kMinPackSize)
    return PackError(pack, "truncated (" + std::to_string(*size) + " bytes)");
  uint64_t tail_length = std::min<uint64_t>(*size, kTailRead);
  auto tail = backend.Load(handle, *size - tail_length, tail_length);
  if (!tail) return tail.error().WithContext("pack " + pack.Hex());
  STORMPROOF_ASSIGN_OR_RETURN(uint64_t header_length,
                              HeaderLength(pack, *size, tail->data() + tail->size() - 4));
  uint64_t header_offset = *size - 4 - header_length;
  auto salt = Slice(backend, handle, *tail, *size, 0, crypto::kSaltSize);
  auto sealed = Slice(backend, handle, *tail, *size, header_offset, header_length);
  if (!salt || !sealed) return (salt ? sealed : salt).error().WithContext("pack " + pack.Hex());
  return OpenHeader(crypto::DeriveSubkey(master, *salt), pack, *sealed, header_offset);
}

Result<ParsedPack> ParsePack(const crypto::Key& master, const Id& pack, ByteView bytes) {
  if (bytes.size() < kMinPackSize) {
    return PackError(pack, "truncated (" + std::to_string(bytes.size()) + " bytes)");
  }
  STORMPROOF_ASSIGN_OR_RETURN(uint64_t header_length,
                              HeaderLength(pack, bytes.size(), bytes.data() + bytes.size() - 4));
  uint64_t header_offset = bytes.size() - 4 - header_length;
  ParsedPack parsed;
  parsed.key = crypto::DeriveSubkey(master, bytes.first(crypto::kSaltSize));
  STORMPROOF_ASSIGN_OR_RETURN(
      parsed.entries,
      OpenHeader(parsed.key, pack, bytes.subspan(header_offset, header_length), header_offset));
  STORMPROOF_TRY(CheckTiling(pack, header_offset, &parsed.entries));
  return parsed;
}

Result<Bytes> OpenBlob(const crypto::Key& pack_key, const crypto::Key& id_key,
                       const PackEntry& entry, ByteView sealed, IdCheck check) {
  auto payload = crypto::Open(pack_key, sealed, BlobAssociatedData(entry.type, entry.id));
  if (!payload) return Error::Corrupt("cannot be decrypted (damaged or altered)");
  STORMPROOF_ASSIGN_OR_RETURN(Bytes plain, DecodePayload(*payload, kMaxBlobSize));
  if (plain.size() != entry.raw_length) {
    return Error::FailedCheck("decoded length differs from the recorded length");
  }
  if (check == IdCheck::kRehash && crypto::KeyedId(id_key, plain) != entry.id) {
    return Error::Corrupt("content does not match its id");
  }
  return plain;
}

}  // namespace stormproof::repository
