// Benign heavy change: what legitimate work does to a client's files on a busy day, each of
// which looks like ransomware to a naive detector (many files rewritten, high-entropy content,
// mass deletions, renames) and must stay `clean`. Each works on a tree written by MakeDataset
// (dataset.h), finds its targets by that layout and keeps every file's format valid (magic
// bytes, container structure). Deterministic for the same tree and seed; the clock's mtime is
// left on what it writes, as the real programs do. Not thread-safe on the same root.
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_BENIGN_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_BENIGN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stormproof::testing::ransom {

enum class BenignKind {
  kDailyChurn,      // a normal day: edits to ~2% of text files, a few re-saved office documents,
                    // new documents and mail, log lines appended, one file deleted
  kOsUpgrade,       // ~70% of usr/bin and usr/lib ELF files and half the man pages rewritten as
                    // new versions (same magic), a few binaries added and removed
  kPhotoImport,     // a tenth as many new JPEG/HEIC/MP4 files as the tree has (at least 20) in
                    // a new Pictures/import-* folder: high entropy, correct magic
  kDbDump,          // each *.sqlite/*.db: 30% of its pages rewritten (header valid) and a text
                    // dump written beside it, dumps/<name>.sql (the same path every night)
  kLogRotateGzip,   // every *.log: x.log.N.gz → x.log.N+1.gz, x.log gzipped to x.log.1.gz
                    // (real gzip, its old mtime), x.log deleted and started afresh
  kGitGc,           // every .git: loose objects and old packs deleted, one new pack + idx
  kVmImageRewrite,  // each disk image (.img, .qcow2): 3% of its 64 KiB blocks rewritten, the
                    // header block intact
  kBulkRename,      // one project folder under home/*/Documents renamed: same content, new paths
  kZipAndDelete,    // one project folder under home/*/Documents zipped into <folder>.zip beside
                    // it (a real ZIP, deflated), then deleted
};

inline constexpr BenignKind kAllBenignKinds[] = {
    BenignKind::kDailyChurn,     BenignKind::kOsUpgrade,     BenignKind::kPhotoImport,
    BenignKind::kDbDump,         BenignKind::kLogRotateGzip, BenignKind::kGitGc,
    BenignKind::kVmImageRewrite, BenignKind::kBulkRename,    BenignKind::kZipAndDelete};

// "daily-churn", "os-upgrade", "photo-import", "db-dump", "log-rotate-gzip", "git-gc",
// "vm-image-rewrite", "bulk-rename", "zip-and-delete".
std::string_view BenignKindName(BenignKind kind);
// The kind BenignKindName calls `name`; kInvalidArgument listing the names otherwise.
Result<BenignKind> ParseBenignKind(std::string_view name);

// Applies `kind` to the tree at `root`. Errors: kNotFound when the tree has nothing the kind
// works on (e.g. no .git for kGitGc), kIo.
Status ApplyBenign(const std::string& root, BenignKind kind, uint64_t seed);

}  // namespace stormproof::testing::ransom

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_BENIGN_H_
