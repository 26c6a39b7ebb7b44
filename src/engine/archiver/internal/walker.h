// Walker: the archiver's walker thread. Goes depth-first through the given paths (lstat, never
// following symlinks), records each entry's metadata into its directory's task, reads changed
// files into the pipeline and re-uses the parent snapshot's content lists for unchanged ones,
// walking the parent's trees alongside. Entries it cannot back up go to the Reporter.
// Not thread-safe: one Walker per backup, used by one thread.
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_WALKER_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_WALKER_H_

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/archiver/archiver.h"
#include "engine/archiver/internal/chunk_stream.h"
#include "engine/archiver/internal/exclude.h"
#include "engine/archiver/internal/listing.h"
#include "engine/archiver/internal/metadata.h"
#include "engine/archiver/internal/paths.h"
#include "engine/archiver/internal/pipeline.h"
#include "engine/archiver/internal/reporter.h"

namespace stormproof::archiver::internal {

class Walker {
 public:
  // `signals` null: no ransomware signals are gathered (BackupOptions::detect off).
  Walker(repository::Repository& repo, const BackupOptions& options, Pipeline& pipeline,
         Reporter& reporter, SignalCollector* signals);

  // Backs up everything `paths` names into `root` (the snapshot's root tree), aligned with
  // `parent_root` (the parent snapshot's root tree, null for none), then releases the walker's
  // hold on `root`.
  void Run(const PathTrie& paths, DirTask* root, const repository::Tree* parent_root);

 private:
  using Entry = DirEntry;
  using ParentTree = std::optional<repository::Tree>;

  void WalkFileSystemRoot(DirTask* root, const ParentTree& parent);
  void WalkChain(const std::string& path, const PathTrie& paths, DirTask* dir,
                 const ParentTree& parent);
  void WalkEntries(const std::string& path, const std::vector<Entry>& entries, DirTask* dir,
                   const ParentTree& parent, dev_t root_dev);
  void HandleEntry(const std::string& dir_path, const Entry& entry, size_t index, DirTask* dir,
                   const repository::Node* previous, dev_t root_dev);
  void HandleDirectory(const std::string& path, const struct stat& st, size_t index, DirTask* dir,
                       const repository::Node* previous, dev_t root_dev);
  void HandleFile(const std::string& dir_path, const std::string& path, const struct stat& st,
                  size_t index, DirTask* dir, const repository::Node* previous);
  void ReportDeleted(const std::string& path, const std::vector<Entry>& entries,
                     const ParentTree& parent);
  void ReportUnread(const std::string& dir_path, const std::string& path,
                    repository::NodeType type, const repository::Node* previous);

  Result<std::vector<Entry>> ListDirectory(const std::string& path);
  std::vector<Entry> StatChainEntries(const std::string& path, const PathTrie& paths);
  ParentTree LoadParentTree(const repository::Node* previous) const;
  bool Unmodified(const repository::Node& node, const repository::Node* previous) const;

  repository::Repository& repo_;
  const BackupOptions& options_;
  Pipeline& pipeline_;
  Reporter& reporter_;
  SignalCollector* signals_;  // null: detection off
  ChunkStream stream_;
  ExcludeMatcher excludes_;
  OwnerNames names_;
};

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_WALKER_H_
