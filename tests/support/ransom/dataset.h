// A realistic, seeded client file tree for the ransomware simulator (attacks.h) and the benign
// heavy-change generators (benign.h): what a small office's server holds, in the formats, sizes
// and mixes of text, zero runs and compressed data that real files have. The same spec writes
// the same bytes and mtimes in every build.
//
// Layout under the root (the generators rely on it; `files` are spread over the groups):
//   home/{alice,bob,carol}/Documents/<project>/   .docx .xlsx .pptx (real ZIPs) .pdf .txt .csv
//   home/<user>/Pictures/2025-<mm>/               .jpg .png .heic .mp4
//   home/<user>/Maildir/{cur,.Sent/cur}/          plain-text messages, some with attachments
//   home/<user>/src/<project>/<part>/             .c .h .py .md
//   home/alice/src/ledger/.git/                   HEAD, config, refs, loose objects, one pack
//   home/<user>/Downloads/                        .zip (real) .7z .tar.gz
//   srv/db/ledger.sqlite                          SQLite header, mostly text pages
//   var/log/app/app.log, var/log/<service>/*.log  timestamped lines
//   usr/bin, usr/lib/x86_64-linux-gnu/*.so.N      ELF files
//   usr/share/man/man{1,3,8}/*.gz                 gzip'ed roff
//   var/lib/libvirt/images/{web01.img,db01.qcow2} disk images: zero runs, text, random blocks
//
// Thread-compatible: MakeDataset calls with distinct roots may run concurrently.
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_DATASET_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_DATASET_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/result.h"

namespace stormproof::testing::ransom {

// Fewest files a dataset has: one of every group and every fixed file.
inline constexpr size_t kMinDatasetFiles = 40;

// Every file's mtime lies in the two years before this instant (2026-01-01T00:00:00Z), with
// nanoseconds; directories get exactly this mtime.
inline constexpr int64_t kDatasetEpochSeconds = 1767225600;

struct DatasetSpec {
  uint64_t seed = 0;
  // Exactly this many regular files. REQUIRES: >= kMinDatasetFiles.
  size_t files = 2000;
  // Multiplies every file's size above 4 KiB (files up to 4 KiB keep theirs; none shrinks below
  // 4 KiB or its format's header; disk images keep one 64 KiB block). At 1, 2,000 files take
  // about 185 MiB; at 0.05, 1,000 files take about 8 MiB.
  double scale = 1.0;
};

// Writes the dataset under `root`, which must not exist or be an empty directory.
// Errors: kInvalidArgument (root not empty, too few files, scale not positive), kIo.
Status MakeDataset(const std::string& root, const DatasetSpec& spec);

}  // namespace stormproof::testing::ransom

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_DATASET_H_
