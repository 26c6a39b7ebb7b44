// One builder per file kind, behind MakeContent (formats.h). Sizes as there.
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_KINDS_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_KINDS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "tests/support/ransom/internal/formats.h"
#include "tests/support/ransom/internal/random.h"

namespace stormproof::testing::ransom::internal {

// formats_text.cc
std::string MakeSource(std::string_view name, size_t size, SplitMix64& rng);
std::string MakeMail(size_t size, SplitMix64& rng);
std::string MakeSqlDump(size_t size, SplitMix64& rng);
std::string MakeManPage(std::string_view name, size_t size, SplitMix64& rng);
std::string MakeGitLoose(size_t size, SplitMix64& rng);
std::string MakeGitMeta(std::string_view name, SplitMix64& rng);

// formats_binary.cc
std::string MakeOfficeDocument(FileKind kind, size_t size, SplitMix64& rng);
std::string MakePdf(size_t size, SplitMix64& rng);
std::string MakeImage(FileKind kind, size_t size, SplitMix64& rng);  // kJpeg kPng kHeic kMp4
std::string MakeSqlite(size_t size, SplitMix64& rng);
std::string MakeElf(std::string_view name, size_t size, SplitMix64& rng);
std::string MakeDiskImage(FileKind kind, size_t size, SplitMix64& rng);  // kVmRaw kQcow2
std::string MakeArchive(FileKind kind, size_t size, SplitMix64& rng);    // kZip k7z kTarGz
std::string MakeGitPack(size_t size, SplitMix64& rng);
std::string MakeGitIdx(size_t size, SplitMix64& rng);

}  // namespace stormproof::testing::ransom::internal

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_KINDS_H_
