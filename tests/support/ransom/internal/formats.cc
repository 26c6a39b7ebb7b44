#include "tests/support/ransom/internal/formats.h"

#include "tests/support/ransom/internal/kinds.h"

namespace stormproof::testing::ransom::internal {

std::string MakeContent(FileKind kind, std::string_view name, size_t size, SplitMix64& rng) {
  switch (kind) {
    case FileKind::kDocx:
    case FileKind::kXlsx:
    case FileKind::kPptx:
      return MakeOfficeDocument(kind, size, rng);
    case FileKind::kPdf:
      return MakePdf(size, rng);
    case FileKind::kText: {
      std::string text;
      AppendProse(text, size, rng);
      return text;
    }
    case FileKind::kJpeg:
    case FileKind::kPng:
    case FileKind::kHeic:
    case FileKind::kMp4:
      return MakeImage(kind, size, rng);
    case FileKind::kSqlite:
      return MakeSqlite(size, rng);
    case FileKind::kSqlDump:
      return MakeSqlDump(size, rng);
    case FileKind::kMail:
      return MakeMail(size, rng);
    case FileKind::kSource:
      return MakeSource(name, size, rng);
    case FileKind::kGitLoose:
      return MakeGitLoose(size, rng);
    case FileKind::kGitPack:
      return MakeGitPack(size, rng);
    case FileKind::kGitIdx:
      return MakeGitIdx(size, rng);
    case FileKind::kGitMeta:
      return MakeGitMeta(name, rng);
    case FileKind::kZip:
    case FileKind::k7z:
    case FileKind::kTarGz:
      return MakeArchive(kind, size, rng);
    case FileKind::kLog: {
      std::string log;
      AppendLogLines(log, size, rng);
      return log;
    }
    case FileKind::kElf:
      return MakeElf(name, size, rng);
    case FileKind::kManPage:
      return MakeManPage(name, size, rng);
    case FileKind::kVmRaw:
    case FileKind::kQcow2:
      return MakeDiskImage(kind, size, rng);
  }
  return std::string();
}

std::string MakeVmBlock(SplitMix64& rng) {
  std::string block;
  const uint64_t r = rng.Below(20);
  if (r < 9) {
    block.assign(kVmBlock, '\0');
  } else if (r < 16) {
    AppendLogLines(block, kVmBlock, rng);
  } else {
    rng.AppendBytes(block, kVmBlock);
  }
  return block;
}

}  // namespace stormproof::testing::ransom::internal
