// What the walker knows of a file it is about to read, for ransomware detection (issue 16): its
// place in the tree and, when the parent snapshot had a regular file at the same path, what that
// previous version looked like (from the parent's tree and the in-memory index; no file data is
// read for it). The walker fills one per file it reads and hands it to the file's FileTask; the
// signal collector reads it when the file's last chunk is stored. Plain data.
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_FILE_PROBE_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_FILE_PROBE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/crypto/crypto.h"

namespace stormproof::archiver::internal {

struct FileProbe {
  std::string dir;      // the directory's path as the walker names it ("" = "/")
  std::string name;     // the file's base name
  bool canary = false;  // the file's path is one of BackupOptions::canaries

  // The previous version (the parent snapshot's regular file at this path), if there was one.
  bool had_previous = false;
  int old_ratio = -1;        // its whole-file ratio in permille; -1 unknown
  int old_first_ratio = -1;  // its first chunk's ratio; -1 unknown
  int64_t old_mtime_ns = 0;
  std::vector<crypto::Id> old_content;  // its content ids, in file order
};

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_FILE_PROBE_H_
