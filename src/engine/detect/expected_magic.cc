// What an extension promises about a file's first bytes, and the names of the kinds.
#include <algorithm>
#include <array>
#include <string_view>

#include "engine/detect/detect.h"

namespace stormproof::detect {
namespace {

using namespace std::string_view_literals;

struct ExtensionKind {
  std::string_view extension;
  MagicKind kind;
};

// Sorted by extension. Only extensions whose files start with their magic in practice: not
// "db" (Thumbs.db is OLE, others Berkeley DB), "vmdk" (descriptors are text, flat extents raw
// disks), "vhd" (fixed VHDs keep their footer only at the end), "pack"/"idx" (used by many
// programs besides git), "mpg", "aac" (no magic at 0 reliably).
constexpr std::array kExpected = {
    ExtensionKind{"3gp"sv, MagicKind::kIsoMedia},    ExtensionKind{"7z"sv, MagicKind::k7z},
    ExtensionKind{"apk"sv, MagicKind::kZip},         ExtensionKind{"avi"sv, MagicKind::kAvi},
    ExtensionKind{"avif"sv, MagicKind::kIsoMedia},   ExtensionKind{"bmp"sv, MagicKind::kBmp},
    ExtensionKind{"bz2"sv, MagicKind::kBzip2},       ExtensionKind{"cab"sv, MagicKind::kCab},
    ExtensionKind{"class"sv, MagicKind::kJavaClass}, ExtensionKind{"deb"sv, MagicKind::kAr},
    ExtensionKind{"dll"sv, MagicKind::kPe},          ExtensionKind{"doc"sv, MagicKind::kOle},
    ExtensionKind{"docm"sv, MagicKind::kZip},        ExtensionKind{"docx"sv, MagicKind::kZip},
    ExtensionKind{"dotx"sv, MagicKind::kZip},        ExtensionKind{"epub"sv, MagicKind::kZip},
    ExtensionKind{"exe"sv, MagicKind::kPe},          ExtensionKind{"flac"sv, MagicKind::kFlac},
    ExtensionKind{"gif"sv, MagicKind::kGif},         ExtensionKind{"gz"sv, MagicKind::kGzip},
    ExtensionKind{"heic"sv, MagicKind::kIsoMedia},   ExtensionKind{"heif"sv, MagicKind::kIsoMedia},
    ExtensionKind{"jar"sv, MagicKind::kZip},         ExtensionKind{"jpeg"sv, MagicKind::kJpeg},
    ExtensionKind{"jpg"sv, MagicKind::kJpeg},        ExtensionKind{"kdbx"sv, MagicKind::kKdbx},
    ExtensionKind{"lz4"sv, MagicKind::kLz4},         ExtensionKind{"m4a"sv, MagicKind::kIsoMedia},
    ExtensionKind{"m4v"sv, MagicKind::kIsoMedia},    ExtensionKind{"mka"sv, MagicKind::kMatroska},
    ExtensionKind{"mkv"sv, MagicKind::kMatroska},    ExtensionKind{"mov"sv, MagicKind::kIsoMedia},
    ExtensionKind{"mp3"sv, MagicKind::kMp3},         ExtensionKind{"mp4"sv, MagicKind::kIsoMedia},
    ExtensionKind{"msg"sv, MagicKind::kOle},         ExtensionKind{"msi"sv, MagicKind::kOle},
    ExtensionKind{"odg"sv, MagicKind::kZip},         ExtensionKind{"odp"sv, MagicKind::kZip},
    ExtensionKind{"ods"sv, MagicKind::kZip},         ExtensionKind{"odt"sv, MagicKind::kZip},
    ExtensionKind{"oga"sv, MagicKind::kOgg},         ExtensionKind{"ogg"sv, MagicKind::kOgg},
    ExtensionKind{"ogv"sv, MagicKind::kOgg},         ExtensionKind{"opus"sv, MagicKind::kOgg},
    ExtensionKind{"ost"sv, MagicKind::kPst},         ExtensionKind{"pdf"sv, MagicKind::kPdf},
    ExtensionKind{"png"sv, MagicKind::kPng},         ExtensionKind{"potx"sv, MagicKind::kZip},
    ExtensionKind{"ppsx"sv, MagicKind::kZip},        ExtensionKind{"ppt"sv, MagicKind::kOle},
    ExtensionKind{"pptm"sv, MagicKind::kZip},        ExtensionKind{"pptx"sv, MagicKind::kZip},
    ExtensionKind{"psb"sv, MagicKind::kPsd},         ExtensionKind{"psd"sv, MagicKind::kPsd},
    ExtensionKind{"pst"sv, MagicKind::kPst},         ExtensionKind{"qcow2"sv, MagicKind::kQcow2},
    ExtensionKind{"rar"sv, MagicKind::kRar},         ExtensionKind{"rpm"sv, MagicKind::kRpm},
    ExtensionKind{"rtf"sv, MagicKind::kRtf},         ExtensionKind{"sqlite"sv, MagicKind::kSqlite},
    ExtensionKind{"sqlite3"sv, MagicKind::kSqlite},  ExtensionKind{"sys"sv, MagicKind::kPe},
    ExtensionKind{"tar"sv, MagicKind::kTar},         ExtensionKind{"tbz2"sv, MagicKind::kBzip2},
    ExtensionKind{"tgz"sv, MagicKind::kGzip},        ExtensionKind{"tif"sv, MagicKind::kTiff},
    ExtensionKind{"tiff"sv, MagicKind::kTiff},       ExtensionKind{"txz"sv, MagicKind::kXz},
    ExtensionKind{"vhdx"sv, MagicKind::kVhdx},       ExtensionKind{"vsdx"sv, MagicKind::kZip},
    ExtensionKind{"war"sv, MagicKind::kZip},         ExtensionKind{"wav"sv, MagicKind::kWav},
    ExtensionKind{"webm"sv, MagicKind::kMatroska},   ExtensionKind{"webp"sv, MagicKind::kWebp},
    ExtensionKind{"xls"sv, MagicKind::kOle},         ExtensionKind{"xlsb"sv, MagicKind::kZip},
    ExtensionKind{"xlsm"sv, MagicKind::kZip},        ExtensionKind{"xlsx"sv, MagicKind::kZip},
    ExtensionKind{"xltx"sv, MagicKind::kZip},        ExtensionKind{"xz"sv, MagicKind::kXz},
    ExtensionKind{"zip"sv, MagicKind::kZip},         ExtensionKind{"zst"sv, MagicKind::kZstd},
};

constexpr bool ByExtension(const ExtensionKind& a, const ExtensionKind& b) {
  return a.extension < b.extension;
}
static_assert(std::is_sorted(kExpected.begin(), kExpected.end(), ByExtension));

}  // namespace

MagicKind ExpectedMagic(std::string_view extension) {
  const ExtensionKind key{extension, MagicKind::kUnknown};
  const auto it = std::lower_bound(kExpected.begin(), kExpected.end(), key, ByExtension);
  return it != kExpected.end() && it->extension == extension ? it->kind : MagicKind::kUnknown;
}

std::string_view MagicName(MagicKind kind) {
  switch (kind) {
    case MagicKind::kUnknown:
      return "unknown";
    case MagicKind::kPdf:
      return "pdf";
    case MagicKind::kZip:
      return "zip";
    case MagicKind::kOle:
      return "ole2";
    case MagicKind::kRtf:
      return "rtf";
    case MagicKind::kPst:
      return "pst";
    case MagicKind::kKdbx:
      return "kdbx";
    case MagicKind::kSqlite:
      return "sqlite";
    case MagicKind::kPng:
      return "png";
    case MagicKind::kJpeg:
      return "jpeg";
    case MagicKind::kGif:
      return "gif";
    case MagicKind::kTiff:
      return "tiff";
    case MagicKind::kBmp:
      return "bmp";
    case MagicKind::kPsd:
      return "psd";
    case MagicKind::kWebp:
      return "webp";
    case MagicKind::kWav:
      return "wav";
    case MagicKind::kAvi:
      return "avi";
    case MagicKind::kIsoMedia:
      return "iso-media";
    case MagicKind::kMp3:
      return "mp3";
    case MagicKind::kOgg:
      return "ogg";
    case MagicKind::kFlac:
      return "flac";
    case MagicKind::kMatroska:
      return "matroska";
    case MagicKind::kGzip:
      return "gzip";
    case MagicKind::kBzip2:
      return "bzip2";
    case MagicKind::kXz:
      return "xz";
    case MagicKind::kZstd:
      return "zstd";
    case MagicKind::kLz4:
      return "lz4";
    case MagicKind::k7z:
      return "7z";
    case MagicKind::kRar:
      return "rar";
    case MagicKind::kTar:
      return "tar";
    case MagicKind::kCab:
      return "cab";
    case MagicKind::kAr:
      return "ar";
    case MagicKind::kRpm:
      return "rpm";
    case MagicKind::kGitPack:
      return "git-pack";
    case MagicKind::kGitIdx:
      return "git-idx";
    case MagicKind::kPgDump:
      return "pg-dump";
    case MagicKind::kQcow2:
      return "qcow2";
    case MagicKind::kVmdk:
      return "vmdk";
    case MagicKind::kVhdx:
      return "vhdx";
    case MagicKind::kVhd:
      return "vhd";
    case MagicKind::kElf:
      return "elf";
    case MagicKind::kPe:
      return "pe";
    case MagicKind::kJavaClass:
      return "java-class";
  }
  return "unknown";
}

}  // namespace stormproof::detect
