// Reads one regular file into the pipeline, safely against a file system that changes under it:
// the file is opened without following symlinks and checked to be the one lstat saw; sparse
// files are read region by region (SEEK_DATA/SEEK_HOLE), holes recorded, not stored; a file
// that changed while being read is reported, not half-recorded.
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_FILE_READER_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_FILE_READER_H_

#include <sys/stat.h>

#include <functional>
#include <string>

#include "engine/archiver/internal/chunk_stream.h"
#include "core/result.h"
#include "engine/repository/tree.h"

namespace stormproof::archiver::internal {

// Reads the regular file at `path`, which lstat described as `st`, chunking it into `stream`
// for `file`, calling `on_read` with the byte count of each read. Sets node->holes for sparse
// files. Errors (kIo) say why the file cannot be in the
// snapshot: "open: Permission denied", "changed while being read", "read: Input/output error";
// they do not name the path. Chunks submitted before an error still complete harmlessly.
using ReadFn = std::function<void(uint64_t bytes)>;
Status ReadFileContent(const std::string& path, const struct stat& st, ChunkStream& stream,
                       FileTask* file, repository::Node* node, const ReadFn& on_read);

// For tests only: called with a file's path just before it is opened and just after its content
// was read (before the final change check), on the walker thread. Set before Backup(), reset
// (with {}) after; not thread-safe.
struct ReadHooks {
  std::function<void(const std::string& path)> before_open;
  std::function<void(const std::string& path)> after_read;
};
void SetReadHooksForTesting(ReadHooks hooks);

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_FILE_READER_H_
