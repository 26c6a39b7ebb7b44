// detect: ransomware detection on what a backup already reads. It models what a file's first
// bytes say (its format's magic bytes and how random they look), what its name says (its
// extension, whether it is a known ransom note) and, built on these, the per-file rules and the
// per-snapshot verdict (docs: issue 16 design, §2).
//
// This header holds the primitives: pure functions of bytes and names, cheap enough to run once
// per changed file on the backup path (SampleHeader allocates nothing); verdict.h holds the
// rules, the score and the clean restore point built on them. Every function here is
// thread-safe.
#ifndef STORMPROOF_ENGINE_DETECT_DETECT_H_
#define STORMPROOF_ENGINE_DETECT_DETECT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"

namespace stormproof::detect {

// ---- Magic bytes ------------------------------------------------------------------------------

// A file format recognised by the bytes it starts with. kUnknown: none recognised (plain text,
// source code, a format without magic, or random bytes). New kinds go before kJavaClass, which
// stays last (tests walk every kind).
enum class MagicKind : uint8_t {
  kUnknown,
  // Documents.
  kPdf,     // "%PDF-" within the first 1024 bytes
  kZip,     // "PK\3\4", "PK\5\6" (empty), "PK\7\8" (spanned): OOXML, ODF, JAR, APK, EPUB
  kOle,     // D0 CF 11 E0 A1 B1 1A E1: doc, xls, ppt, msg, msi
  kRtf,     // "{\rtf"
  kPst,     // "!BDN": Outlook pst/ost
  kKdbx,    // KeePass 1.x and 2.x databases
  kSqlite,  // "SQLite format 3\0"
  // Images.
  kPng,
  kJpeg,  // FF D8 FF
  kGif,   // "GIF87a", "GIF89a"
  kTiff,  // "II*\0", "MM\0*"
  kBmp,   // "BM" with its reserved bytes 6..9 zero
  kPsd,   // "8BPS"
  kWebp,  // "RIFF" .... "WEBP"
  // Audio and video.
  kWav,       // "RIFF" .... "WAVE"
  kAvi,       // "RIFF" .... "AVI "
  kIsoMedia,  // ISO base media / QuickTime box at 4 ("ftyp", "moov", "mdat", …): mp4 mov m4a heic
  kMp3,       // "ID3", or an MPEG audio layer III frame header at 0
  kOgg,       // "OggS"
  kFlac,      // "fLaC"
  kMatroska,  // 1A 45 DF A3: mkv, webm
  // Compressed data and archives.
  kGzip,   // 1F 8B 08
  kBzip2,  // "BZh1".."BZh9"
  kXz,
  kZstd,
  kLz4,
  k7z,
  kRar,  // RAR 4 and 5
  kTar,  // "ustar" at offset 257
  kCab,  // "MSCF"
  kAr,   // "!<arch>\n": .deb, static libraries
  kRpm,
  kGitPack,  // "PACK" version 2 or 3
  kGitIdx,   // FF "tOc"
  kPgDump,   // "PGDMP": pg_dump custom format
  // Disk images.
  kQcow2,
  kVmdk,  // "KDMV" (sparse extent), "COWD" (ESX sparse)
  kVhdx,  // "vhdxfile"
  kVhd,   // "conectix" (dynamic and differencing VHDs carry their footer at 0 too)
  // Executables.
  kElf,
  kPe,         // "MZ": exe, dll, sys
  kJavaClass,  // CA FE BA BE
};

// The format the first bytes of a file show. `first_bytes` is a file's beginning (any length;
// 1024 bytes see every kind, fewer may miss kTar, which needs 262, and a late "%PDF-").
MagicKind MagicOf(ByteView first_bytes);

// A short stable lower-case name for `kind` ("pdf", "zip", "iso-media", "unknown"), for reasons
// and examples shown to people.
std::string_view MagicName(MagicKind kind);

// The kind a file with this extension (as Extension() returns it: lower case, no dot) starts
// with, for extensions whose files reliably start with their magic ("docx" → kZip, "doc" → kOle,
// "jpg" → kJpeg); kUnknown for any other extension (also "db", "vmdk", "pack": not reliable).
// Mislabelled files are common (a PNG named .jpg, an xlsx named .xls, an HTML export named .xls):
// a header with *another* recognised magic, or one that is not high-entropy, is not a sign of
// encryption. Only MagicOf() == kUnknown together with SampleHeader().high is.
MagicKind ExpectedMagic(std::string_view extension);

// True for kinds whose content is normally high-entropy or arbitrary (compressed data, archives,
// media, disk images, executables, encrypted stores): a high-entropy file of such a kind is no
// sign of encryption. False for kUnknown and for kinds whose content never is random (kRtf,
// kSqlite, kJavaClass): random bytes behind such a header are suspect.
bool IsContainerMagic(MagicKind kind);

// ---- Header sample ----------------------------------------------------------------------------

// The bytes of a file's beginning SampleHeader looks at, and the fewest it classifies.
inline constexpr size_t kHeaderSampleBytes = 4096;
inline constexpr size_t kMinClassifiedBytes = 512;

// What a file's first bytes say: their format and how random they look.
struct HeaderSample {
  MagicKind magic = MagicKind::kUnknown;
  uint16_t sampled = 0;     // bytes looked at: min(size, kHeaderSampleBytes)
  uint8_t entropy_x20 = 0;  // Shannon entropy of those bytes in bits per byte, × 20, rounded
                            // down (0..160)
  bool high = false;        // as random as random bytes (below); false when unclassified

  // Too few bytes to say whether they are random: `high` is false and means nothing.
  bool unclassified() const { return sampled < kMinClassifiedBytes; }
};

// Samples the first min(first_bytes.size(), kHeaderSampleBytes) bytes. `high` is true when at
// least kMinClassifiedBytes were sampled and their entropy H (the plug-in estimate over a 256-bin
// histogram) is at least ExpectedRandomEntropy(n) − 0.2. That is ≥ 5.9 standard deviations below
// what n random bytes give (σ ≈ 0.034 bits at n = 512, 0.004 at 4096): no sample of 4 million
// random ones of 512 bytes fell below it. Text, source code, base64 and uncompressed document
// formats stay far below (≤ 6.1 bits). Allocates nothing; about 2 µs for 4 KiB.
HeaderSample SampleHeader(ByteView first_bytes);

// Shannon entropy, in bits per byte, of the byte histogram of `data` (0 for empty data).
double ShannonEntropy(ByteView data);

// The mean plug-in entropy of n uniformly random bytes, in bits per byte: below 8 because the
// estimate is biased low on short samples (7.590 at n = 512, 7.809 at 1024, 7.955 at 4096).
// Exact for n ≤ kHeaderSampleBytes (each byte value's count is Binomial(n, 1/256)); beyond, the
// series 8 − 255 / (2 n ln 2) − 65535 / (12 n² ln 2), within 1e-5 there. The first term alone
// (the Miller–Madow bias) is 0.05 bits too high at n = 512, which would put 1 in 70,000 random
// samples of that length below the threshold. REQUIRES: n > 0.
double ExpectedRandomEntropy(size_t n);

// Stored size as a share of raw size, in permille, for a chunk's compressed payload (without
// header or encryption overhead): 1000 = incompressible (stored ≥ raw, also a payload kept raw),
// 1 = compresses to almost nothing (never 0 for known data), 0 = unknown (raw == 0), so that 0
// can stand for "unknown" in ratio arrays.
uint16_t RatioPermille(uint64_t stored, uint64_t raw);

// ---- Names ------------------------------------------------------------------------------------

// The extension of a base name: the text after its last '.', lower-cased, when it has 1 to 12
// characters, all of [A-Za-z0-9_-], and the dot is not the name's first character; "" otherwise.
// "x.DOCX" → "docx", "a.tar.gz" → "gz", ".bashrc" → "", "a." → "", "notes" → "",
// "photo.encrypted" → "encrypted". Never allocates (the result fits the short-string buffer).
std::string Extension(std::string_view name);

// True when a base name is a known ransom note's name ("README-DECRYPT.txt", "HOW_TO_DECRYPT.html",
// "_readme.txt", "!!!_READ_ME_!!!.txt", "info.hta", …), compared case-insensitively. Most
// patterns count only on note-like files (.txt, .html, .htm, .hta, .rtf, .mht, .url, .png, .bmp,
// .jpg, or no extension), so "How to restore the server.docx" is no note; plain readme names
// ("README.md", "readme.txt") never match, though some families use them: the cost of a false
// alarm on every project folder is too high.
bool MatchesRansomNote(std::string_view name);

}  // namespace stormproof::detect

#endif  // STORMPROOF_ENGINE_DETECT_DETECT_H_
