// Content generators for the simulated dataset: each kind of file a client machine holds, with
// the magic bytes and the mix of text, zero runs and random-looking (compressed) data that the
// real format has, so that the detector sees what it would see on a real disk. Deterministic
// for a given generator state. Thread-compatible (pure functions of their arguments).
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_FORMATS_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_FORMATS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/support/ransom/internal/random.h"

namespace stormproof::testing::ransom::internal {

enum class FileKind {
  kDocx,
  kXlsx,
  kPptx,  // ZIP containers: [Content_Types].xml, deflated XML, stored media
  kPdf,   // %PDF-1.7, text content streams and random (DCT) image streams
  kText,  // .txt/.csv prose
  kJpeg,
  kPng,
  kHeic,
  kMp4,      // correct magic, random body
  kSqlite,   // "SQLite format 3\0" header, mostly text pages, some free pages
  kSqlDump,  // a text SQL dump
  kMail,     // a Maildir message: headers, prose, sometimes a base64 attachment
  kSource,   // .c/.h/.py/.md by the name's extension
  kGitLoose,
  kGitPack,
  kGitIdx,
  kGitMeta,  // zlib objects, PACK, \377tOc, HEAD/config/refs
  kZip,
  k7z,
  kTarGz,    // downloads: a real ZIP; 7z and gzip magic with random bodies
  kLog,      // timestamped lines
  kElf,      // ELF header, machine-code-like body, string tables (.so: ET_DYN)
  kManPage,  // a real gzip of roff text
  kVmRaw,
  kQcow2,  // a disk image: zero runs, text blocks, random blocks
};

// Content of about `size` bytes (container formats land within a few percent; they keep their
// trailer rather than being cut). `name` picks variants: source language, ELF type, git file.
std::string MakeContent(FileKind kind, std::string_view name, size_t size, SplitMix64& rng);

// Appends n bytes of word text (zstd shrinks it about 4x) / timestamped log lines.
void AppendProse(std::string& out, size_t n, SplitMix64& rng);
void AppendLogLines(std::string& out, size_t n, SplitMix64& rng);

// Block size of the simulated disk images; block 0 holds the header and is never rewritten.
inline constexpr size_t kVmBlock = 64 * 1024;
// One block of a disk image's content: zeros, text or random, as a guest's filesystem holds.
std::string MakeVmBlock(SplitMix64& rng);

}  // namespace stormproof::testing::ransom::internal

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_FORMATS_H_
