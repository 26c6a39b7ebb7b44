#include "engine/archiver/internal/walker.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/archiver/internal/file_reader.h"
#include "core/interrupt.h"
#include "engine/repository/tree_store.h"

namespace stormproof::archiver::internal {
namespace {

using repository::BlobType;
using repository::Node;
using repository::NodeType;
using repository::Tree;

// The node called `name` in a sorted tree, or null.
const Node* FindNode(const std::optional<Tree>& tree, const std::string& name) {
  if (!tree.has_value()) return nullptr;
  auto it = std::lower_bound(tree->nodes.begin(), tree->nodes.end(), name,
                             [](const Node& n, const std::string& key) { return n.name < key; });
  return (it != tree->nodes.end() && it->name == name) ? &*it : nullptr;
}

}  // namespace

Walker::Walker(repository::Repository& repo, const BackupOptions& options, Pipeline& pipeline,
               Reporter& reporter, SignalCollector* signals)
    : repo_(repo),
      options_(options),
      pipeline_(pipeline),
      reporter_(reporter),
      signals_(signals),
      stream_(pipeline, repo.chunker_params()),
      excludes_(options.excludes) {
  if (signals_ == nullptr) stream_.SkipHeaderSamples();
}

void Walker::Run(const PathTrie& paths, DirTask* root, const Tree* parent_root) {
  ParentTree parent;
  if (parent_root != nullptr) parent = *parent_root;
  if (paths.is_target) {
    WalkFileSystemRoot(root, parent);
  } else {
    WalkChain("", paths, root, parent);
  }
  reporter_.Flush("");
  root->PartDone();
}

// "/" itself was given: everything.
void Walker::WalkFileSystemRoot(DirTask* root, const ParentTree& parent) {
  struct stat st {};
  if (::lstat("/", &st) != 0) {
    reporter_.Skip("/", ErrnoError("lstat", errno));
    return root->SetEntries(0);
  }
  Result<std::vector<Entry>> entries = ListDirectory("");
  if (!entries.has_value()) {
    reporter_.Skip("/", entries.error());
    return root->SetEntries(0);
  }
  WalkEntries("", *entries, root, parent, st.st_dev);
}

// The directories above the given paths: only the entries on the way to a given path.
void Walker::WalkChain(const std::string& path, const PathTrie& paths, DirTask* dir,
                       const ParentTree& parent) {
  std::vector<Entry> entries = StatChainEntries(path, paths);
  dir->SetEntries(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    const PathTrie& below = paths.children.at(entry.name);
    const Node* previous = FindNode(parent, entry.name);
    if (below.is_target) {
      HandleEntry(path, entry, i, dir, previous, entry.st.st_dev);
      continue;
    }
    std::string child_path = JoinPath(path, entry.name);
    dir->node(i) = NodeFromStat(entry.name, entry.st, names_);
    Result<std::vector<repository::Xattr>> xattrs = ReadXattrs(child_path);
    if (xattrs.has_value()) dir->node(i).xattrs = std::move(*xattrs);
    if (!S_ISDIR(entry.st.st_mode)) {  // replaced since the paths were checked
      reporter_.Skip(child_path, Error::Io("not a directory any more"));
      dir->Skip(i);
      continue;
    }
    reporter_.DirDone();
    if (signals_ != nullptr) signals_->CountDirectory();
    auto* child = new DirTask(&pipeline_, dir, i);
    WalkChain(child_path, below, child, LoadParentTree(previous));
    child->PartDone();
  }
}

std::vector<Walker::Entry> Walker::StatChainEntries(const std::string& path,
                                                    const PathTrie& paths) {
  std::vector<Entry> entries;
  for (const auto& [name, below] : paths.children) {
    Entry entry{name, {}};
    std::string child_path = JoinPath(path, name);
    if (::lstat(child_path.c_str(), &entry.st) != 0) {
      reporter_.Skip(child_path, ErrnoError("lstat", errno));
      continue;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

void Walker::WalkEntries(const std::string& path, const std::vector<Entry>& entries, DirTask* dir,
                         const ParentTree& parent, dev_t root_dev) {
  dir->SetEntries(entries.size());
  if (signals_ != nullptr && parent.has_value()) ReportDeleted(path, entries, parent);
  for (size_t i = 0; i < entries.size(); ++i) {
    HandleEntry(path, entries[i], i, dir, FindNode(parent, entries[i].name), root_dev);
  }
}

// The parent's regular files and directories in this directory that are gone: both lists are
// sorted by name.
void Walker::ReportDeleted(const std::string& path, const std::vector<Entry>& entries,
                           const ParentTree& parent) {
  auto entry = entries.begin();
  for (const Node& was : parent->nodes) {
    while (entry != entries.end() && entry->name < was.name) ++entry;
    if (entry != entries.end() && entry->name == was.name) continue;
    if (was.type == NodeType::kFile) signals_->AddDeleted(path, was);
    if (was.type == NodeType::kDir) signals_->AddDeletedDirectory(was);
  }
}

void Walker::HandleEntry(const std::string& dir_path, const Entry& entry, size_t index,
                         DirTask* dir, const Node* previous, dev_t root_dev) {
  std::string path = JoinPath(dir_path, entry.name);
  if (Status go_on = CheckInterrupted(); !go_on) pipeline_.Fail(go_on.error());
  if (pipeline_.failed()) return dir->Skip(index);  // the backup is lost anyway: stop reading
  reporter_.Tick(path);
  Node& node = dir->node(index);
  node = NodeFromStat(entry.name, entry.st, names_);
  Result<std::vector<repository::Xattr>> xattrs = ReadXattrs(path);
  if (xattrs.has_value()) node.xattrs = std::move(*xattrs);
  switch (node.type) {
    case NodeType::kDir:
      return HandleDirectory(path, entry.st, index, dir, previous, root_dev);
    case NodeType::kFile:
      return HandleFile(dir_path, path, entry.st, index, dir, previous);
    case NodeType::kSymlink: {
      Result<std::string> target = ReadLinkTarget(path);
      if (!target.has_value()) {
        reporter_.Skip(path, target.error());
        return dir->Skip(index);
      }
      node.link_target = std::move(*target);
      return;
    }
    default:
      return;  // fifos, sockets, devices: metadata only
  }
}

// With one_file_system, a directory on another device (a mount point) is recorded, empty.
void Walker::HandleDirectory(const std::string& path, const struct stat& st, size_t index,
                             DirTask* dir, const Node* previous, dev_t root_dev) {
  std::vector<Entry> entries;
  if (EntersDirectory(options_.one_file_system, st, root_dev)) {
    Result<std::vector<Entry>> listed = ListDirectory(path);
    if (!listed.has_value()) {
      reporter_.Skip(path, listed.error());
      ReportUnread("", path, NodeType::kDir, previous);
      return dir->Skip(index);
    }
    entries = std::move(*listed);
  }
  reporter_.DirDone();
  if (signals_ != nullptr) signals_->CountDirectory();
  auto* child = new DirTask(&pipeline_, dir, index);
  WalkEntries(path, entries, child, LoadParentTree(previous), root_dev);
  child->PartDone();
}

void Walker::HandleFile(const std::string& dir_path, const std::string& path, const struct stat& st,
                        size_t index, DirTask* dir, const Node* previous) {
  Node& node = dir->node(index);
  if (Unmodified(node, previous)) {
    node.content = previous->content;
    node.holes = previous->holes;
    if (signals_ != nullptr) signals_->CountFile(dir_path, path, node, previous);
    return reporter_.FileDone(FileOutcome::kUnmodified, node.size);
  }
  FileOutcome outcome = (previous != nullptr && previous->type == NodeType::kFile)
                            ? FileOutcome::kChanged
                            : FileOutcome::kNew;
  if (node.size > 0) {
    auto* file = new FileTask(dir, index);
    if (signals_ != nullptr) {
      file->SetDetection(signals_, signals_->Probe(dir_path, path, node, previous));
    }
    Status read = ReadFileContent(path, st, stream_, file, &node, [this, &path](uint64_t n) {
      reporter_.AddRead(n);
      reporter_.Tick(path);
    });
    if (!read.has_value()) {
      // Interrupted: the whole backup stops (no snapshot); otherwise only this file is skipped.
      if (read.error().code() == ErrorCode::kInterrupted) {
        pipeline_.Fail(read.error());
      } else {
        reporter_.Skip(path, read.error());
        ReportUnread(dir_path, path, NodeType::kFile, previous);
      }
      dir->Skip(index);
      return file->PartDone();
    }
    if (signals_ != nullptr) signals_->CountFile(dir_path, path, node, previous);
    reporter_.FileDone(outcome, node.size);
    file->PartDone();  // the last touch: its content may be set at once after this
    return PausePointForTesting("backup: file read");
  }
  if (signals_ != nullptr) signals_->CountFile(dir_path, path, node, previous);
  reporter_.FileDone(outcome, 0);
}

// An entry of type `type` this backup skipped with an error, when the parent held one of that
// type there (`previous`): unreadable while the path is still there, deleted once it is gone
// (it vanished between listing and reading). Files of a directory go by its parent subtree.
void Walker::ReportUnread(const std::string& dir_path, const std::string& path, NodeType type,
                          const Node* previous) {
  if (signals_ == nullptr || previous == nullptr || previous->type != type) return;
  struct stat st {};
  const bool gone = ::lstat(path.c_str(), &st) != 0 && errno == ENOENT;
  if (type == NodeType::kFile) {
    gone ? signals_->AddDeleted(dir_path, *previous) : signals_->AddUnreadable(path, *previous);
  } else if (gone) {
    signals_->AddDeletedDirectory(*previous);
  } else {
    signals_->AddUnreadableDirectory(*previous);
  }
}

// Same size, mtime, ctime and inode as in the parent snapshot, and every chunk still stored.
bool Walker::Unmodified(const Node& node, const Node* previous) const {
  if (previous == nullptr || previous->type != NodeType::kFile) return false;
  if (node.size != previous->size || node.mtime_ns != previous->mtime_ns ||
      node.ctime_ns != previous->ctime_ns || node.inode != previous->inode) {
    return false;
  }
  return std::all_of(previous->content.begin(), previous->content.end(),
                     [this](const crypto::Id& id) { return repo_.HasBlob(BlobType::kData, id); });
}

// The parent snapshot's tree for a directory; none when there is none or it cannot be read
// (then every file below is read again, which is always correct).
Walker::ParentTree Walker::LoadParentTree(const Node* previous) const {
  if (previous == nullptr || previous->type != NodeType::kDir || !previous->subtree) return {};
  Result<Tree> tree = repository::LoadTree(repo_, *previous->subtree);
  if (!tree.has_value()) return {};
  return std::move(*tree);
}

// The entries of a directory, excludes applied, sorted by name (bytewise).
Result<std::vector<Walker::Entry>> Walker::ListDirectory(const std::string& path) {
  return internal::ListDirectory(path, excludes_, [this](const std::string& child, const Error& e) {
    reporter_.Skip(child, e);  // vanished since readdir
  });
}

}  // namespace stormproof::archiver::internal
