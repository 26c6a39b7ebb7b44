#include "tests/support/ransom/internal/containers.h"

#include <zlib.h>

#include <utility>

namespace stormproof::testing::ransom::internal {
namespace {

// 2026-01-01 00:00 in MS-DOS date and time fields.
constexpr uint16_t kDosTime = 0;
constexpr uint16_t kDosDate = ((2026 - 1980) << 9) | (1 << 5) | 1;

int WindowBits(Wrapper wrapper) {
  switch (wrapper) {
    case Wrapper::kRaw:
      return -15;
    case Wrapper::kZlib:
      return 15;
    case Wrapper::kGzip:
      return 15 + 16;
  }
  return 15;
}

// The fields a local header and a central directory entry share, from "version needed" on.
void PutCommonFields(std::string& out, const ZipMember& member, uint16_t method, uint32_t crc,
                     size_t stored_size) {
  PutLe(out, 20, 2);  // version needed: 2.0
  PutLe(out, 0, 2);   // flags
  PutLe(out, method, 2);
  PutLe(out, kDosTime, 2);
  PutLe(out, kDosDate, 2);
  PutLe(out, crc, 4);
  PutLe(out, stored_size, 4);
  PutLe(out, member.data.size(), 4);
  PutLe(out, member.name.size(), 2);
  PutLe(out, 0, 2);  // extra field length
}

}  // namespace

void PutLe(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

void PutBe(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(value >> (8 * i)));
}

std::string Deflate(std::string_view data, Wrapper wrapper) {
  z_stream stream{};
  deflateInit2(&stream, 6, Z_DEFLATED, WindowBits(wrapper), 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string Inflate(std::string_view data) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK) return "";  // 32: zlib or gzip, by header
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  inflateEnd(&stream);
  return rc == Z_STREAM_END ? out : "";
}

uint32_t Crc32(std::string_view data) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

void ZipWriter::Add(const ZipMember& member) {
  std::string stored = member.data;
  uint16_t method = 0;
  if (member.method == ZipMember::Method::kDeflate) {
    std::string deflated = Deflate(member.data, Wrapper::kRaw);
    if (deflated.size() < member.data.size()) {
      stored = std::move(deflated);
      method = 8;
    }
  }
  const uint32_t crc = Crc32(member.data);
  const size_t offset = out_.size();
  PutLe(out_, 0x04034b50, 4);
  PutCommonFields(out_, member, method, crc, stored.size());
  out_ += member.name;
  out_ += stored;
  PutLe(directory_, 0x02014b50, 4);
  PutLe(directory_, 0x031e, 2);  // made by: Unix, 3.0
  PutCommonFields(directory_, member, method, crc, stored.size());
  PutLe(directory_, 0, 2);               // comment length
  PutLe(directory_, 0, 2);               // disk number
  PutLe(directory_, 0, 2);               // internal attributes
  PutLe(directory_, 0100644u << 16, 4);  // external attributes: a regular file, rw-r--r--
  PutLe(directory_, offset, 4);
  directory_ += member.name;
  ++count_;
}

std::string ZipWriter::Finish() {
  const size_t directory_offset = out_.size();
  out_ += directory_;
  PutLe(out_, 0x06054b50, 4);
  PutLe(out_, 0, 4);  // disk numbers
  PutLe(out_, count_, 2);
  PutLe(out_, count_, 2);
  PutLe(out_, directory_.size(), 4);
  PutLe(out_, directory_offset, 4);
  PutLe(out_, 0, 2);  // comment length
  return std::move(out_);
}

std::string MakeZip(const std::vector<ZipMember>& members) {
  ZipWriter writer;
  for (const ZipMember& member : members) writer.Add(member);
  return writer.Finish();
}

}  // namespace stormproof::testing::ransom::internal
