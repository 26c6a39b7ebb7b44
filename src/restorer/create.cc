// Phase 1 of RestoreRun (run.h): creating entries in plan order.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "restorer/metadata.h"
#include "restorer/run.h"

namespace stormproof::restorer {

using repository::Node;
using repository::NodeType;

namespace {

// Creates a symlink, fifo, socket or device node for `node` inside `dir`.
Status MakeOther(int dir, const Node& node) {
  if (node.type == NodeType::kSymlink) {
    if (node.link_target.empty() || node.link_target.find('\0') != std::string::npos) {
      return Error::FailedCheck("inconsistent node: symlink target is empty or contains NUL");
    }
    return CreateSymlinkAt(dir, node.name, node.link_target);
  }
  if (node.type == NodeType::kFifo) return CreateSpecialAt(dir, node.name, S_IFIFO, 0);
  if (node.type == NodeType::kSocket) return CreateSpecialAt(dir, node.name, S_IFSOCK, 0);
  if (::geteuid() != 0) return Error::Io("device nodes are only restored when running as root");
  mode_t type = node.type == NodeType::kCharDevice ? S_IFCHR : S_IFBLK;
  return CreateSpecialAt(dir, node.name, type, static_cast<dev_t>(node.rdev));
}

}  // namespace

void RestoreRun::CreateEntries() {
  dir_created_.assign(plan_.dirs.size(), 0);
  dir_created_[0] = 1;
  for (uint32_t e = 0; e < plan_.entries.size(); ++e) {
    const PlannedEntry& entry = plan_.entries[e];
    if (!dir_created_[entry.parent]) continue;  // its directory failed, and was reported
    switch (entry.node.type) {
      case NodeType::kDir:
        CreateDirectory(e);
        break;
      case NodeType::kFile:
        CreateFile(e);
        break;
      default:
        CreateOther(e);
    }
    reporter_.Tick();
  }
}

void RestoreRun::CreateDirectory(uint32_t e) {
  uint32_t dir = plan_.entries[e].dir;
  Result<SharedFd> fd = dirs_.Create(dir);
  if (!fd) {
    reporter_.Report(plan_.EntryPath(e), fd.error());
    return;
  }
  dir_created_[dir] = 1;
  ++reporter_.dirs;
}

bool RestoreRun::IsFollower(const Node& node, uint32_t* leader) const {
  if (node.links <= 1) return false;
  auto it = link_leaders_.find({node.device, node.inode});
  if (it == link_leaders_.end()) return false;
  const Node& first = plan_.entries[files_[it->second].entry].node;
  if (first.size != node.size || first.content != node.content) return false;  // not one file
  *leader = it->second;
  return true;
}

void RestoreRun::CreateFile(uint32_t e) {
  const PlannedEntry& entry = plan_.entries[e];
  const Node& node = entry.node;
  uint32_t leader = kNoLeader;
  if (IsFollower(node, &leader)) {
    files_.emplace_back(e, "", leader);
    return;
  }
  Result<SharedFd> dir = dirs_.Get(entry.parent);
  Result<NewFile> created =
      dir ? CreateRegularFileAt((*dir)->get(), node.name) : Result<NewFile>(dir.error());
  if (!created) {
    reporter_.Report(plan_.EntryPath(e), created.error());
    return;
  }
  if (node.size > 0 && ::ftruncate(created->fd.get(), static_cast<off_t>(node.size)) != 0) {
    reporter_.Report(plan_.EntryPath(e), OsError("cannot set the file size", errno));
    ::unlinkat((*dir)->get(), created->disk_name.c_str(), 0);
    return;
  }
  uint32_t index = static_cast<uint32_t>(files_.size());
  files_.emplace_back(e, created->is_temporary ? created->disk_name : "", kNoLeader);
  if (node.links > 1) link_leaders_.emplace(std::make_pair(node.device, node.inode), index);
  reporter_.total_bytes += entry.layout.data_bytes();
  if (node.content.empty()) FinishFile(index, std::move(created->fd));
}

void RestoreRun::CreateOther(uint32_t e) {
  const PlannedEntry& entry = plan_.entries[e];
  const Node& node = entry.node;
  Result<SharedFd> dir = dirs_.Get(entry.parent);
  Status made = dir ? MakeOther((*dir)->get(), node) : Status(dir.error());
  if (!made) {
    reporter_.Report(plan_.EntryPath(e), made.error());
    return;
  }
  RestoreMetadataAt((*dir)->get(), node.name, node, plan_.EntryPath(e), reporter_);
  ++(node.type == NodeType::kSymlink ? reporter_.symlinks : reporter_.other);
}

}  // namespace stormproof::restorer
