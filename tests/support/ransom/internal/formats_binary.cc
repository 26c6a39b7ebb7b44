// Binary kinds: pictures and videos, SQLite, ELF, disk images, git packs.
#include <algorithm>
#include <string>

#include "tests/support/ransom/internal/containers.h"
#include "tests/support/ransom/internal/kinds.h"

namespace stormproof::testing::ransom::internal {
namespace {

constexpr size_t kSqlitePage = 4096;

// An ISO base media file (MP4, HEIC): an ftyp box naming its brand, then the media data box.
std::string IsoMedia(std::string_view brand, std::string_view compatible, size_t size,
                     SplitMix64& rng) {
  std::string out;
  PutBe(out, 16 + compatible.size(), 4);
  out += "ftyp";
  out += brand;
  PutBe(out, 0, 4);
  out += compatible;
  const size_t body = size > out.size() + 8 ? size - out.size() - 8 : 0;
  PutBe(out, body + 8, 4);
  out += "mdat";
  rng.AppendBytes(out, body);
  return out;
}

void PutPngChunk(std::string& out, std::string_view type, std::string_view data) {
  PutBe(out, data.size(), 4);
  const std::string typed = std::string(type) + std::string(data);
  out += typed;
  PutBe(out, Crc32(typed), 4);
}

std::string Png(size_t size, SplitMix64& rng) {
  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  PutBe(header, 1024 + rng.Below(3000), 4);
  PutBe(header, 768 + rng.Below(2000), 4);
  header += std::string("\x08\x06\x00\x00\x00", 5);  // 8-bit RGBA
  PutPngChunk(out, "IHDR", header);
  PutPngChunk(out, "IDAT", rng.Bytes(size > 57 ? size - 57 : 1));
  PutPngChunk(out, "IEND", "");
  return out;
}

// Bytes with the statistics of machine code: frequent opcodes and zeros between random operands.
void AppendMachineCode(std::string& out, size_t n, SplitMix64& rng) {
  static constexpr uint8_t kOpcodes[16] = {0x48, 0x89, 0x8b, 0xe8, 0xff, 0x0f, 0x85, 0x84,
                                           0xc3, 0x83, 0x31, 0xc0, 0x74, 0x75, 0x41, 0x4c};
  for (size_t i = 0; i < n; ++i) {
    const uint64_t r = rng.Next();
    const uint64_t pick = r % 16;
    out += static_cast<char>(pick < 6 ? kOpcodes[(r >> 8) & 15] : pick < 10 ? 0 : (r >> 16));
  }
}

}  // namespace

std::string MakeImage(FileKind kind, size_t size, SplitMix64& rng) {
  switch (kind) {
    case FileKind::kPng:
      return Png(size, rng);
    case FileKind::kHeic:
      return IsoMedia("heic", "mif1heicmiaf", size, rng);
    case FileKind::kMp4:
      return IsoMedia("isom", "isomiso2avc1mp41", size, rng);
    default: {
      std::string out("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00", 20);
      rng.AppendBytes(out, size > 22 ? size - 22 : 0);
      return out + "\xff\xd9";
    }
  }
}

std::string MakeSqlite(size_t size, SplitMix64& rng) {
  const size_t pages = std::max<size_t>(2, (size + kSqlitePage - 1) / kSqlitePage);
  std::string out("SQLite format 3\0", 16);
  PutBe(out, kSqlitePage, 2);
  out += std::string("\x01\x01\x00\x40\x20\x20", 6);  // versions, reserved, payload fractions
  PutBe(out, 1 + rng.Below(1000), 4);                 // file change counter
  PutBe(out, pages, 4);
  out.resize(44);
  PutBe(out, 4, 4);  // schema format
  out.resize(56);
  PutBe(out, 1, 4);  // UTF-8
  out.resize(100);
  out += "\x0d";  // page 1: a table leaf holding the schema
  out += "CREATE TABLE entries(id INTEGER PRIMARY KEY, account TEXT, memo TEXT, amount INTEGER)";
  out.resize(kSqlitePage);
  for (size_t page = 1; page < pages; ++page) {
    const uint64_t r = rng.Below(20);
    if (r < 2) {
      out.append(kSqlitePage, '\0');  // a free page
    } else if (r < 3) {
      rng.AppendBytes(out, kSqlitePage);  // a page of BLOBs (compressed attachments)
    } else {
      out += '\x0d';
      AppendProse(out, kSqlitePage - 1, rng);
    }
  }
  return out;
}

std::string MakeElf(std::string_view name, size_t size, SplitMix64& rng) {
  const bool shared = name.find(".so") != std::string_view::npos;
  std::string out(
      "\x7f"
      "ELF\x02\x01\x01\x00",
      8);
  out.append(8, '\0');
  PutLe(out, shared ? 3 : 2, 2);  // ET_DYN / ET_EXEC
  PutLe(out, 0x3e, 2);            // x86-64
  PutLe(out, 1, 4);
  PutLe(out, 0x401000 + rng.Below(0x1000), 8);   // entry
  PutLe(out, 64, 8);                             // program headers
  PutLe(out, size > 4096 ? size - 4096 : 0, 8);  // section headers
  out.resize(64);
  const size_t code = size > 64 ? (size - 64) * 6 / 10 : 0;
  AppendMachineCode(out, code, rng);
  while (out.size() < size) {  // .rodata and .dynstr: words and symbol names, zero padding
    AppendProse(out, std::min<size_t>(size - out.size(), 64 + rng.Below(512)), rng);
    out.append(std::min<size_t>(size - out.size(), rng.Below(256)), '\0');
  }
  return out;
}

std::string MakeDiskImage(FileKind kind, size_t size, SplitMix64& rng) {
  std::string out;
  if (kind == FileKind::kQcow2) {
    out = "QFI\xfb";
    PutBe(out, 3, 4);            // version
    PutBe(out, 0, 8);            // no backing file: offset
    PutBe(out, 0, 4);            // and size
    PutBe(out, 16, 4);           // cluster bits: 64 KiB
    PutBe(out, 20ull << 30, 8);  // virtual size 20 GiB
    out.resize(100);
    PutBe(out, 104, 4);  // header length
  } else {
    out.resize(446);
    out += std::string("\x80\x20\x21\x00\x83", 5);  // one bootable Linux partition
    out.resize(510);
    out += "\x55\xaa";
  }
  out.resize(kVmBlock);
  while (out.size() < size) out += MakeVmBlock(rng);
  out.resize(std::max(size, kVmBlock));
  return out;
}

std::string MakeGitPack(size_t size, SplitMix64& rng) {
  std::string out = "PACK";
  PutBe(out, 2, 4);
  PutBe(out, 1 + size / 700, 4);  // object count
  rng.AppendBytes(out, size > 32 ? size - 32 : 0);
  rng.AppendBytes(out, 20);  // SHA-1 trailer
  return out;
}

std::string MakeGitIdx(size_t size, SplitMix64& rng) {
  std::string out("\xfftOc", 4);
  PutBe(out, 2, 4);
  const size_t objects = 1 + size / 28;
  for (size_t i = 0; i < 256; ++i) PutBe(out, objects * (i + 1) / 256, 4);  // fan-out
  rng.AppendBytes(out, size > out.size() + 40 ? size - out.size() - 40 : 0);
  rng.AppendBytes(out, 40);  // pack and index checksums
  return out;
}

}  // namespace stormproof::testing::ransom::internal
