// Benign kinds that rewrite or add files (benign.h).
#include <algorithm>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

#include "tests/support/ransom/internal/benign_kinds.h"
#include "tests/support/ransom/internal/file_tree.h"
#include "tests/support/ransom/internal/formats.h"

namespace stormproof::testing::ransom::internal {
namespace {

bool HasExtension(const std::string& path, std::initializer_list<std::string_view> extensions) {
  const std::string ext = ExtensionOf(path);
  return std::find(extensions.begin(), extensions.end(), ext) != extensions.end();
}

bool Under(const std::string& path, std::string_view prefix) { return path.starts_with(prefix); }

FileKind OfficeKind(const std::string& path) {
  const std::string ext = ExtensionOf(path);
  return ext == "xlsx" ? FileKind::kXlsx : ext == "pptx" ? FileKind::kPptx : FileKind::kDocx;
}

Status Append(const std::string& path, std::string_view more) {
  STORMPROOF_ASSIGN_OR_RETURN(std::string content, ReadWholeFile(path));
  return WriteWholeFile(path, content + std::string(more));
}

// A new file of `kind` at `path` whose size is near `like` (0: `fallback`).
Status WriteNew(const std::string& path, FileKind kind, size_t like, size_t fallback,
                SplitMix64& rng) {
  const size_t size = like > 0 ? like / 2 + rng.Below(like) : fallback;
  return WriteWholeFile(path, MakeContent(kind, BaseName(path), std::max<size_t>(size, 64), rng));
}

Status EditTextAndDocuments(const std::string& root, SplitMix64& rng) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto texts, FilesWhere(root, "text files", [](const auto& p) {
                                return HasExtension(p, {"txt", "csv", "md", "c", "h", "py"});
                              }));
  for (const std::string& path : Sample(texts, 0.02, rng)) {
    std::string more = "\n";
    AppendProse(more, 200 + rng.Below(4000), rng);
    STORMPROOF_TRY(Append(JoinPath(root, path), more));
  }
  STORMPROOF_ASSIGN_OR_RETURN(const auto docs,
                              FilesWhere(root, "office documents", [](const auto& p) {
                                return HasExtension(p, {"docx", "xlsx", "pptx"});
                              }));
  for (const std::string& path : Sample(docs, 0.01, rng)) {  // re-saved: a new ZIP
    const std::string absolute = JoinPath(root, path);
    STORMPROOF_TRY(WriteNew(absolute, OfficeKind(path), SizeOf(absolute), 0, rng));
  }
  const std::string dir = DirectoryOf(docs[rng.Below(docs.size())]);
  for (int i = 0; i < 3; ++i) {
    const std::string name = dir + "/new-" + rng.Hex(6) + (i == 0 ? ".txt" : ".docx");
    STORMPROOF_TRY(WriteNew(JoinPath(root, name), i == 0 ? FileKind::kText : FileKind::kDocx,
                            SizeOf(JoinPath(root, docs[0])), 0, rng));
  }
  if (texts.size() > 10) STORMPROOF_TRY(RemoveFile(JoinPath(root, texts[rng.Below(texts.size())])));
  return Ok();
}

}  // namespace

Status DailyChurn(const std::string& root, SplitMix64& rng) {
  STORMPROOF_TRY(EditTextAndDocuments(root, rng));
  auto mail = FilesWhere(
      root, "mail", [](const auto& p) { return p.find("/Maildir/cur/") != std::string::npos; });
  if (mail.has_value()) {
    const std::string dir = DirectoryOf(mail->front());
    for (int i = 0; i < 5; ++i) {
      const std::string name = dir + "/1767225600.M" + rng.Hex(6) + ".mail01:2,";
      STORMPROOF_TRY(
          WriteNew(JoinPath(root, name), FileKind::kMail, 0, 1000 + rng.Below(20000), rng));
    }
  }
  auto logs = FilesWhere(root, "logs", [](const auto& p) { return ExtensionOf(p) == "log"; });
  if (!logs.has_value()) return Ok();
  for (const std::string& path : *logs) {
    std::string lines;
    AppendLogLines(lines, 1000 + rng.Below(20000), rng);
    STORMPROOF_TRY(Append(JoinPath(root, path), lines));
  }
  return Ok();
}

Status OsUpgrade(const std::string& root, SplitMix64& rng) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto binaries,
                              FilesWhere(root, "files under usr/bin or usr/lib", [](const auto& p) {
                                return Under(p, "usr/bin/") || Under(p, "usr/lib/");
                              }));
  for (const std::string& path : Sample(binaries, 0.7, rng)) {
    const std::string absolute = JoinPath(root, path);
    const size_t size = SizeOf(absolute);
    STORMPROOF_TRY(WriteWholeFile(absolute, MakeContent(FileKind::kElf, BaseName(path),
                                                        size * (90 + rng.Below(30)) / 100, rng)));
  }
  auto manuals = FilesWhere(root, "man pages", [](const auto& p) {
    return Under(p, "usr/share/man/") && ExtensionOf(p) == "gz";
  });
  if (manuals.has_value()) {
    for (const std::string& path : Sample(*manuals, 0.5, rng)) {
      STORMPROOF_TRY(
          WriteNew(JoinPath(root, path), FileKind::kManPage, SizeOf(JoinPath(root, path)), 0, rng));
    }
  }
  const size_t added = std::max<size_t>(1, binaries.size() / 50);
  for (size_t i = 0; i < added; ++i) {
    STORMPROOF_TRY(WriteNew(JoinPath(root, "usr/bin/newtool-" + rng.Hex(6)), FileKind::kElf,
                            SizeOf(JoinPath(root, binaries[0])), 0, rng));
  }
  if (binaries.size() > 2) STORMPROOF_TRY(RemoveFile(JoinPath(root, binaries.back())));
  return Ok();
}

Status PhotoImport(const std::string& root, SplitMix64& rng) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto all, ListFiles(root));
  std::string pictures = "home/alice/Pictures";
  size_t smallest = 20 * 1024, largest = 800 * 1024;
  for (const std::string& path : all) {
    if (ExtensionOf(path) != "jpg") continue;
    const size_t pos = path.find("/Pictures/");
    if (pos != std::string::npos) pictures = path.substr(0, pos + 9);
    smallest = std::min(smallest, SizeOf(JoinPath(root, path)));
    largest = std::max(largest, SizeOf(JoinPath(root, path)));
  }
  const std::string dir = pictures + "/import-" + rng.Hex(6) + "/";
  const size_t count = std::max<size_t>(20, all.size() / 10);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t r = rng.Below(10);
    const FileKind kind = r < 7 ? FileKind::kJpeg : r < 9 ? FileKind::kHeic : FileKind::kMp4;
    const std::string name = (kind == FileKind::kMp4 ? "VID_" : "IMG_") + std::to_string(5000 + i) +
                             (kind == FileKind::kJpeg   ? ".jpg"
                              : kind == FileKind::kHeic ? ".heic"
                                                        : ".mp4");
    const size_t size = rng.LogUniform(smallest, largest) * (kind == FileKind::kMp4 ? 4 : 1);
    STORMPROOF_TRY(WriteWholeFile(JoinPath(root, dir + name), MakeContent(kind, name, size, rng)));
  }
  return Ok();
}

Status DbDump(const std::string& root, SplitMix64& rng) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto databases,
                              FilesWhere(root, "database files", [](const auto& p) {
                                return HasExtension(p, {"sqlite", "db"});
                              }));
  constexpr size_t kPage = 4096;
  for (const std::string& path : databases) {
    const std::string absolute = JoinPath(root, path);
    STORMPROOF_ASSIGN_OR_RETURN(std::string content, ReadWholeFile(absolute));
    for (size_t page = 1; page < content.size() / kPage; ++page) {
      if (!rng.Chance(0.3)) continue;
      std::string fresh = "\x0d";
      AppendProse(fresh, kPage - 1, rng);
      content.replace(page * kPage, kPage, fresh);
    }
    if (content.size() >= 28) content[27] = static_cast<char>(content[27] + 1);  // change counter
    STORMPROOF_TRY(WriteAt(absolute, 0, content));
    const std::string dump = DirectoryOf(path) + "/dumps/" + BaseName(path) + ".sql";
    STORMPROOF_TRY(WriteWholeFile(
        JoinPath(root, dump), MakeContent(FileKind::kSqlDump, dump, content.size() * 6 / 5, rng)));
  }
  return Ok();
}

Status VmImageRewrite(const std::string& root, SplitMix64& rng) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto images, FilesWhere(root, "disk images", [](const auto& p) {
                                return HasExtension(p, {"img", "qcow2", "raw", "vmdk"});
                              }));
  for (const std::string& path : images) {
    const std::string absolute = JoinPath(root, path);
    const size_t blocks = (SizeOf(absolute) + kVmBlock - 1) / kVmBlock;
    if (blocks < 2) continue;
    std::set<size_t> chosen;
    const size_t count = std::max<size_t>(1, (blocks - 1) * 3 / 100);
    while (chosen.size() < count) chosen.insert(1 + rng.Below(blocks - 1));
    for (size_t block : chosen) {
      std::string fresh;  // the guest wrote here: text or compressed data, never left zero
      if (rng.Chance(0.7)) {
        AppendLogLines(fresh, kVmBlock, rng);
      } else {
        rng.AppendBytes(fresh, kVmBlock);
      }
      fresh.resize(std::min(kVmBlock, SizeOf(absolute) - block * kVmBlock));
      STORMPROOF_TRY(WriteAt(absolute, block * kVmBlock, fresh));
    }
  }
  return Ok();
}

}  // namespace stormproof::testing::ransom::internal
