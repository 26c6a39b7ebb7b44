// Copying one snapshot's trees and file data into the destination: every blob re-identified
// under the destination's key, every tree rewritten with the destination's ids, bottom-up.
#ifndef STORMPROOF_ENGINE_COPIER_INTERNAL_TREE_COPIER_H_
#define STORMPROOF_ENGINE_COPIER_INTERNAL_TREE_COPIER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.h"
#include "engine/copier/internal/id_map.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"

namespace stormproof::copier::internal {

// What copying did so far (CopySummary's counts, and the blobs written, for their sizes).
struct CopyCounts {
  uint64_t data_blobs_written = 0, tree_blobs_written = 0;
  uint64_t bytes_read = 0, blobs_mapped = 0;
  std::vector<std::pair<repository::BlobType, Id>> written;
};

// Whether `error`, met reading the source, says that the source's data is damaged (kCorrupt,
// kFailedCheck, kNotFound: a blob that fails its checks, is malformed, or is not where the index
// says), rather than that it could not be read now (kIo, kPermissionDenied, a timeout: the same
// read may succeed later) or that the copy was interrupted.
bool IsSourceDamage(const Error& error);

// Copies trees of one repository into another. Not thread-safe; one snapshot at a time.
class TreeCopier {
 public:
  // Called with the bytes of file data each blob (its plaintext, once per use) or mapped
  // directory (the size of its files) adds to the progress.
  using BytesDoneFn = std::function<void(uint64_t bytes)>;
  TreeCopier(const repository::Repository& source, repository::Repository& destination,
             IdMap& map, CopyCounts& counts, BytesDoneFn bytes_done)
      : source_(source),
        destination_(destination),
        map_(map),
        counts_(counts),
        bytes_done_(std::move(bytes_done)) {}

  // Copies directory `tree` (a source tree id, `path` its path for messages) and everything below
  // it; returns its id in the destination. A directory mapped to a tree the destination holds is
  // not read. Errors: the repositories' (a source blob's names it and its pack, with the path of
  // the file or directory), kFailedCheck for a directory nested deeper than kMaxDepth,
  // kInterrupted (checked before every read, file and directory).
  Result<Id> CopyTree(const Id& tree, const std::string& path);
  // After CopyTree failed: whether the error was the source's snapshot's own (a tree or data blob
  // of it that is damaged, missing or nested too deep: IsSourceDamage), not the destination's, a
  // source that could not be read now, or an interruption. Such an error concerns that snapshot
  // only.
  bool source_failed() const { return source_failed_; }

 private:
  Result<MappedTree> CopyDirectory(const Id& tree, const std::string& path, uint32_t depth);
  // Marks `error` as the source snapshot's own when IsSourceDamage(error); returns it.
  Error SourceFailed(Error error);
  Result<repository::Tree> LoadSourceTree(const Id& tree, const std::string& path);
  Result<MappedTree> CopyEntries(repository::Tree& tree, const std::string& path, uint32_t depth);
  // A directory's data blobs to read: where each is, for messages the first file using it and
  // for progress the bytes all its uses stand for.
  struct WantedData {
    struct Use {
      std::string file;
      uint64_t bytes = 0;
    };
    std::vector<std::pair<Id, repository::BlobLocation>> blobs;
    std::unordered_map<Id, Use, crypto::IdHash> files;
  };
  Status CopyFileData(const repository::Tree& tree, const std::string& path);
  Status FindWantedData(const repository::Tree& tree, const std::string& path,
                        WantedData& wanted);
  Status CopyRun(const std::vector<std::pair<Id, repository::BlobLocation>>& run,
                 const WantedData& wanted);
  Status StoreData(const Id& source_id, ByteView plaintext);
  Result<Id> SaveTree(const repository::Tree& tree);
  // The destination id of `source_id` when mapped and still present in the destination.
  std::optional<Id> MappedData(const Id& source_id) const;

  const repository::Repository& source_;
  repository::Repository& destination_;
  IdMap& map_;
  CopyCounts& counts_;
  BytesDoneFn bytes_done_;
  bool source_failed_ = false;
};

}  // namespace stormproof::copier::internal

#endif  // STORMPROOF_ENGINE_COPIER_INTERNAL_TREE_COPIER_H_
