// Magic bytes: which format a file's first bytes show, which format its extension promises.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "engine/detect/detect.h"

namespace stormproof::detect {
namespace {

using namespace std::string_view_literals;

// A format recognised by fixed bytes at a fixed offset.
struct Signature {
  MagicKind kind;
  size_t offset;
  std::string_view bytes;
};

constexpr std::array kSignatures = {
    Signature{MagicKind::kZip, 0, "PK\3\4"sv},
    Signature{MagicKind::kZip, 0, "PK\5\6"sv},
    Signature{MagicKind::kZip, 0, "PK\7\x08"sv},
    Signature{MagicKind::kOle, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv},
    Signature{MagicKind::kRtf, 0, "{\\rtf"sv},
    Signature{MagicKind::kPst, 0, "!BDN"sv},
    Signature{MagicKind::kKdbx, 0, "\x03\xD9\xA2\x9A\x67\xFB\x4B\xB5"sv},
    Signature{MagicKind::kKdbx, 0, "\x03\xD9\xA2\x9A\x65\xFB\x4B\xB5"sv},
    Signature{MagicKind::kSqlite, 0, "SQLite format 3\0"sv},
    Signature{MagicKind::kPng, 0, "\x89PNG\r\n\x1A\n"sv},
    Signature{MagicKind::kJpeg, 0, "\xFF\xD8\xFF"sv},
    Signature{MagicKind::kGif, 0, "GIF87a"sv},
    Signature{MagicKind::kGif, 0, "GIF89a"sv},
    Signature{MagicKind::kTiff, 0, "II*\0"sv},
    Signature{MagicKind::kTiff, 0, "MM\0*"sv},
    Signature{MagicKind::kPsd, 0, "8BPS"sv},
    Signature{MagicKind::kMp3, 0, "ID3"sv},
    Signature{MagicKind::kOgg, 0, "OggS"sv},
    Signature{MagicKind::kFlac, 0, "fLaC"sv},
    Signature{MagicKind::kMatroska, 0, "\x1A\x45\xDF\xA3"sv},
    Signature{MagicKind::kGzip, 0, "\x1F\x8B\x08"sv},
    Signature{MagicKind::kXz, 0,
              "\xFD"
              "7zXZ\0"sv},
    Signature{MagicKind::kZstd, 0, "\x28\xB5\x2F\xFD"sv},
    Signature{MagicKind::kLz4, 0, "\x04\x22\x4D\x18"sv},
    Signature{MagicKind::k7z, 0, "7z\xBC\xAF\x27\x1C"sv},
    Signature{MagicKind::kRar, 0, "Rar!\x1A\x07"sv},
    Signature{MagicKind::kTar, 257, "ustar"sv},
    Signature{MagicKind::kCab, 0, "MSCF\0\0\0\0"sv},
    Signature{MagicKind::kAr, 0, "!<arch>\n"sv},
    Signature{MagicKind::kRpm, 0, "\xED\xAB\xEE\xDB"sv},
    Signature{MagicKind::kGitPack, 0, "PACK\0\0\0\2"sv},
    Signature{MagicKind::kGitPack, 0, "PACK\0\0\0\3"sv},
    Signature{MagicKind::kGitIdx, 0, "\xFFtOc"sv},
    Signature{MagicKind::kPgDump, 0, "PGDMP"sv},
    Signature{MagicKind::kQcow2, 0, "QFI\xFB"sv},
    Signature{MagicKind::kVmdk, 0, "KDMV"sv},
    Signature{MagicKind::kVmdk, 0, "COWD"sv},
    Signature{MagicKind::kVhdx, 0, "vhdxfile"sv},
    Signature{MagicKind::kVhd, 0, "conectix"sv},
    Signature{MagicKind::kElf, 0,
              "\x7F"
              "ELF"sv},
    Signature{MagicKind::kPe, 0, "MZ"sv},
    Signature{MagicKind::kJavaClass, 0, "\xCA\xFE\xBA\xBE"sv},
};

bool HasAt(std::string_view data, size_t offset, std::string_view bytes) {
  return data.size() >= offset + bytes.size() && data.substr(offset, bytes.size()) == bytes;
}

// "RIFF" <size> <form>: WebP, WAV and AVI share the container.
MagicKind RiffKind(std::string_view data) {
  if (!HasAt(data, 0, "RIFF")) return MagicKind::kUnknown;
  if (HasAt(data, 8, "WEBP")) return MagicKind::kWebp;
  if (HasAt(data, 8, "WAVE")) return MagicKind::kWav;
  if (HasAt(data, 8, "AVI ")) return MagicKind::kAvi;
  return MagicKind::kUnknown;
}

// ISO base media (mp4, m4a, heic) starts with an "ftyp" box; older QuickTime files may start
// with another top-level box.
bool IsIsoMedia(std::string_view data) {
  if (data.size() < 8) return false;
  constexpr std::array kBoxes = {"ftyp"sv, "moov"sv, "mdat"sv, "wide"sv, "free"sv, "skip"sv};
  const std::string_view type = data.substr(4, 4);
  return std::find(kBoxes.begin(), kBoxes.end(), type) != kBoxes.end();
}

// An MPEG-1/2/2.5 audio layer III frame header: 11 sync bits, layer III, a bitrate index other
// than "free" and "bad", a valid sample rate.
bool IsMp3Frame(std::string_view data) {
  if (data.size() < 4) return false;
  const auto b1 = static_cast<uint8_t>(data[1]);
  const auto b2 = static_cast<uint8_t>(data[2]);
  const bool sync = static_cast<uint8_t>(data[0]) == 0xFF && (b1 & 0xE0) == 0xE0;
  const bool version_valid = (b1 & 0x18) != 0x08;
  const bool layer3 = (b1 & 0x06) == 0x02;
  const bool bitrate_valid = (b2 >> 4) != 0 && (b2 >> 4) != 0xF;
  const bool rate_valid = (b2 & 0x0C) != 0x0C;
  return sync && version_valid && layer3 && bitrate_valid && rate_valid;
}

// "BZh" then the block size, '1' to '9' (× 100 kB).
bool IsBzip2(std::string_view data) {
  return HasAt(data, 0, "BZh") && data.size() > 3 && data[3] >= '1' && data[3] <= '9';
}

// "BM" then the file size, then four reserved bytes that writers leave zero.
bool IsBmp(std::string_view data) { return HasAt(data, 0, "BM") && HasAt(data, 6, "\0\0\0\0"sv); }

// The PDF header may follow up to 1024 bytes of something else (readers accept it).
bool IsPdf(std::string_view data) {
  return data.substr(0, 1024).find("%PDF-") != std::string_view::npos;
}

}  // namespace

MagicKind MagicOf(ByteView first_bytes) {
  const std::string_view data = AsText(first_bytes);
  for (const Signature& s : kSignatures) {
    if (HasAt(data, s.offset, s.bytes)) return s.kind;
  }
  if (const MagicKind riff = RiffKind(data); riff != MagicKind::kUnknown) return riff;
  if (IsIsoMedia(data)) return MagicKind::kIsoMedia;
  if (IsBzip2(data)) return MagicKind::kBzip2;
  if (IsMp3Frame(data)) return MagicKind::kMp3;
  if (IsBmp(data)) return MagicKind::kBmp;
  if (IsPdf(data)) return MagicKind::kPdf;
  return MagicKind::kUnknown;
}

bool IsContainerMagic(MagicKind kind) {
  switch (kind) {
    case MagicKind::kUnknown:
    case MagicKind::kRtf:
    case MagicKind::kSqlite:
    case MagicKind::kJavaClass:
      return false;
    default:
      return true;
  }
}

}  // namespace stormproof::detect
