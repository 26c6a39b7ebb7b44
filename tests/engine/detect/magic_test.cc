#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/bytes.h"
#include "engine/detect/detect.h"
#include "tests/support/generated_data.h"

namespace stormproof::detect {
namespace {

using namespace std::string_view_literals;

// `prefix` at `offset` in at least 600 bytes of text, as a file of that format would start.
std::string FileStart(std::string_view prefix, size_t offset = 0) {
  std::string data(std::max<size_t>(600, offset + prefix.size() + 64), 'a');
  data.replace(offset, prefix.size(), prefix);
  return data;
}

struct MagicCase {
  std::string_view what;
  std::string data;
  MagicKind kind;
};

TEST(MagicTest, RecognisesEachFormatByItsFirstBytes) {
  const MagicCase cases[] = {
      {"pdf", FileStart("%PDF-1.7\n"), MagicKind::kPdf},
      {"pdf after a preamble", FileStart("%PDF-1.4", 700), MagicKind::kPdf},
      {"zip", FileStart("PK\3\4\x14\0"sv), MagicKind::kZip},
      {"empty zip", FileStart("PK\5\6"sv), MagicKind::kZip},
      {"spanned zip", FileStart("PK\7\x08"sv), MagicKind::kZip},
      {"ole2", FileStart("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv), MagicKind::kOle},
      {"rtf", FileStart("{\\rtf1\\ansi"), MagicKind::kRtf},
      {"pst", FileStart("!BDN"), MagicKind::kPst},
      {"kdbx 2", FileStart("\x03\xD9\xA2\x9A\x67\xFB\x4B\xB5"sv), MagicKind::kKdbx},
      {"kdb 1", FileStart("\x03\xD9\xA2\x9A\x65\xFB\x4B\xB5"sv), MagicKind::kKdbx},
      {"sqlite", FileStart("SQLite format 3\0"sv), MagicKind::kSqlite},
      {"png", FileStart("\x89PNG\r\n\x1A\n"sv), MagicKind::kPng},
      {"jpeg", FileStart("\xFF\xD8\xFF\xE0"sv), MagicKind::kJpeg},
      {"gif87", FileStart("GIF87a"), MagicKind::kGif},
      {"gif89", FileStart("GIF89a"), MagicKind::kGif},
      {"tiff le", FileStart("II*\0"sv), MagicKind::kTiff},
      {"tiff be", FileStart("MM\0*"sv), MagicKind::kTiff},
      {"bmp", FileStart("BM\x36\x10\x0E\0\0\0\0\0\x36\0"sv), MagicKind::kBmp},
      {"psd", FileStart("8BPS\0\1"sv), MagicKind::kPsd},
      {"webp", FileStart("RIFF\x24\x08\0\0WEBPVP8 "sv), MagicKind::kWebp},
      {"wav", FileStart("RIFF\x24\x08\0\0WAVEfmt "sv), MagicKind::kWav},
      {"avi",
       FileStart("RIFF\x24\x08\0\0"
                 "AVI LIST"sv),
       MagicKind::kAvi},
      {"mp4",
       FileStart("\0\0\0\x20"
                 "ftypisom"sv),
       MagicKind::kIsoMedia},
      {"heic",
       FileStart("\0\0\0\x18"
                 "ftypheic"sv),
       MagicKind::kIsoMedia},
      {"old quicktime", FileStart("\0\0\0\x08wide\0\x10\0\0mdat"sv), MagicKind::kIsoMedia},
      {"mp3 with id3", FileStart("ID3\4\0"sv), MagicKind::kMp3},
      {"mp3 frame", FileStart("\xFF\xFB\x90\x44"sv), MagicKind::kMp3},
      {"mpeg-2 mp3 frame", FileStart("\xFF\xF3\x48\xC4"sv), MagicKind::kMp3},
      {"ogg", FileStart("OggS\0\2"sv), MagicKind::kOgg},
      {"flac", FileStart("fLaC\0\0\0\x22"sv), MagicKind::kFlac},
      {"matroska", FileStart("\x1A\x45\xDF\xA3"sv), MagicKind::kMatroska},
      {"gzip", FileStart("\x1F\x8B\x08\0"sv), MagicKind::kGzip},
      {"bzip2", FileStart("BZh91AY&SY"), MagicKind::kBzip2},
      {"xz",
       FileStart("\xFD"
                 "7zXZ\0\0"sv),
       MagicKind::kXz},
      {"zstd", FileStart("\x28\xB5\x2F\xFD"sv), MagicKind::kZstd},
      {"lz4", FileStart("\x04\x22\x4D\x18"sv), MagicKind::kLz4},
      {"7z", FileStart("7z\xBC\xAF\x27\x1C\0\4"sv), MagicKind::k7z},
      {"rar 4", FileStart("Rar!\x1A\x07\0"sv), MagicKind::kRar},
      {"rar 5", FileStart("Rar!\x1A\x07\1\0"sv), MagicKind::kRar},
      {"posix tar",
       FileStart("ustar\0"
                 "00"sv,
                 257),
       MagicKind::kTar},
      {"gnu tar", FileStart("ustar  \0"sv, 257), MagicKind::kTar},
      {"cab", FileStart("MSCF\0\0\0\0"sv), MagicKind::kCab},
      {"deb", FileStart("!<arch>\ndebian-binary"), MagicKind::kAr},
      {"rpm", FileStart("\xED\xAB\xEE\xDB\3\0"sv), MagicKind::kRpm},
      {"git pack v2", FileStart("PACK\0\0\0\2"sv), MagicKind::kGitPack},
      {"git pack v3", FileStart("PACK\0\0\0\3"sv), MagicKind::kGitPack},
      {"git idx", FileStart("\xFFtOc\0\0\0\2"sv), MagicKind::kGitIdx},
      {"pg_dump", FileStart("PGDMP\1\16\0"sv), MagicKind::kPgDump},
      {"qcow2", FileStart("QFI\xFB\0\0\0\3"sv), MagicKind::kQcow2},
      {"vmdk sparse", FileStart("KDMV\1\0\0\0"sv), MagicKind::kVmdk},
      {"vmdk esx", FileStart("COWD\1\0\0\0"sv), MagicKind::kVmdk},
      {"vhdx", FileStart("vhdxfile"), MagicKind::kVhdx},
      {"vhd", FileStart("conectix"), MagicKind::kVhd},
      {"elf",
       FileStart("\x7F"
                 "ELF\2\1\1"sv),
       MagicKind::kElf},
      {"pe", FileStart("MZ\x90\0"sv), MagicKind::kPe},
      {"java class", FileStart("\xCA\xFE\xBA\xBE\0\0\0\x3D"sv), MagicKind::kJavaClass},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(MagicName(MagicOf(AsBytes(c.data))), MagicName(c.kind)) << c.what;
  }
}

TEST(MagicTest, NearMissesAreUnknown) {
  const MagicCase cases[] = {
      {"empty", "", MagicKind::kUnknown},
      {"text", FileStart("Dear Ann, the budget"), MagicKind::kUnknown},
      {"truncated zip", "PK\3", MagicKind::kUnknown},
      {"truncated png", "\x89PNG\r\n", MagicKind::kUnknown},
      {"pdf after 1024 bytes", std::string(1100, ' ') + "%PDF-1.4", MagicKind::kUnknown},
      {"bzip2 block size 0", FileStart("BZh0"), MagicKind::kUnknown},
      {"bmp, reserved bytes set", FileStart("BM\x36\x10\x0E\0\1\2\3\4"sv), MagicKind::kUnknown},
      {"riff of another form", FileStart("RIFF\x24\x08\0\0XXXX"sv), MagicKind::kUnknown},
      {"git pack, version 9", FileStart("PACK\0\0\0\x09"sv), MagicKind::kUnknown},
      {"gzip, not deflate", FileStart("\x1F\x8B\x07"sv), MagicKind::kUnknown},
      {"mpeg frame, free bitrate", FileStart("\xFF\xFB\x00\x44"sv), MagicKind::kUnknown},
      {"mpeg frame, bad bitrate", FileStart("\xFF\xFB\xF0\x44"sv), MagicKind::kUnknown},
      {"mpeg frame, layer ii", FileStart("\xFF\xFD\x90\x44"sv), MagicKind::kUnknown},
      {"ustar, wrong offset", FileStart("ustar", 256), MagicKind::kUnknown},
      {"box type unknown",
       FileStart("\0\0\0\x20"
                 "abcdisom"sv),
       MagicKind::kUnknown},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(MagicName(MagicOf(AsBytes(c.data))), MagicName(c.kind)) << c.what;
  }
}

// Encrypted files must look unknown, or a recognised kind would excuse their randomness: no
// signature may be so short that random headers match it often.
TEST(MagicTest, RandomBytesAlmostNeverLookLikeAFormat) {
  int recognised = 0;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    const Bytes data = testing::RandomData(1024, seed);
    recognised += MagicOf(data) != MagicKind::kUnknown ? 1 : 0;
  }
  EXPECT_LE(recognised, 1);
}

TEST(MagicTest, ExtensionsPromiseTheirFormat) {
  const std::pair<std::string_view, MagicKind> cases[] = {
      {"docx", MagicKind::kZip},
      {"xlsx", MagicKind::kZip},
      {"pptx", MagicKind::kZip},
      {"odt", MagicKind::kZip},
      {"ods", MagicKind::kZip},
      {"odp", MagicKind::kZip},
      {"jar", MagicKind::kZip},
      {"zip", MagicKind::kZip},
      {"apk", MagicKind::kZip},
      {"epub", MagicKind::kZip},
      {"doc", MagicKind::kOle},
      {"xls", MagicKind::kOle},
      {"ppt", MagicKind::kOle},
      {"msg", MagicKind::kOle},
      {"jpg", MagicKind::kJpeg},
      {"jpeg", MagicKind::kJpeg},
      {"png", MagicKind::kPng},
      {"pdf", MagicKind::kPdf},
      {"gif", MagicKind::kGif},
      {"tif", MagicKind::kTiff},
      {"tiff", MagicKind::kTiff},
      {"mp4", MagicKind::kIsoMedia},
      {"mov", MagicKind::kIsoMedia},
      {"heic", MagicKind::kIsoMedia},
      {"m4a", MagicKind::kIsoMedia},
      {"mp3", MagicKind::kMp3},
      {"sqlite", MagicKind::kSqlite},
      {"gz", MagicKind::kGzip},
      {"7z", MagicKind::k7z},
      {"zst", MagicKind::kZstd},
      {"exe", MagicKind::kPe},
      {"pst", MagicKind::kPst},
      {"kdbx", MagicKind::kKdbx},
      {"3gp", MagicKind::kIsoMedia},
      {"zst", MagicKind::kZstd},
      {"xltx", MagicKind::kZip},
      // Not reliable, or no format at all.
      {"db", MagicKind::kUnknown},
      {"vmdk", MagicKind::kUnknown},
      {"vhd", MagicKind::kUnknown},
      {"pack", MagicKind::kUnknown},
      {"idx", MagicKind::kUnknown},
      {"txt", MagicKind::kUnknown},
      {"", MagicKind::kUnknown},
      {"DOCX", MagicKind::kUnknown},
      {"docxx", MagicKind::kUnknown},
      {"do", MagicKind::kUnknown},
      {"zzz", MagicKind::kUnknown},
      {"0", MagicKind::kUnknown},
  };
  for (const auto& [extension, kind] : cases) {
    EXPECT_EQ(MagicName(ExpectedMagic(extension)), MagicName(kind)) << "'" << extension << "'";
  }
}

TEST(MagicTest, ContainersAreTheKindsWhoseRandomnessIsNormal) {
  for (const MagicKind kind :
       {MagicKind::kZip, MagicKind::kJpeg, MagicKind::kPng, MagicKind::kIsoMedia, MagicKind::kGzip,
        MagicKind::kZstd, MagicKind::k7z, MagicKind::kGitPack, MagicKind::kGitIdx,
        MagicKind::kPgDump, MagicKind::kQcow2, MagicKind::kElf, MagicKind::kPe, MagicKind::kPdf,
        MagicKind::kOle, MagicKind::kKdbx}) {
    EXPECT_TRUE(IsContainerMagic(kind)) << MagicName(kind);
  }
  for (const MagicKind kind :
       {MagicKind::kUnknown, MagicKind::kRtf, MagicKind::kSqlite, MagicKind::kJavaClass}) {
    EXPECT_FALSE(IsContainerMagic(kind)) << MagicName(kind);
  }
}

TEST(MagicTest, EveryKindHasItsOwnName) {
  std::set<std::string_view> names;
  const auto last = static_cast<int>(MagicKind::kJavaClass);
  for (int k = 0; k <= last; ++k) {
    const std::string_view name = MagicName(static_cast<MagicKind>(k));
    EXPECT_TRUE(k == 0 || name != "unknown") << "kind " << k << " has no name";
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(last + 1));
}

}  // namespace
}  // namespace stormproof::detect
