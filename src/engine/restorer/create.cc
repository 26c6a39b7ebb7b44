// Phase 1 of RestoreRun (run.h): creating entries, in parallel where the plan allows it.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>

#include "engine/restorer/internal/metadata.h"
#include "engine/restorer/internal/parallel.h"
#include "engine/restorer/internal/run.h"

namespace stormproof::restorer {

using repository::Node;
using repository::NodeType;

namespace {

constexpr uint32_t kNotAFile = UINT32_MAX;

// One entry to create; `file` is its index in RestoreRun::files_ for regular files.
struct Creation {
  uint32_t entry = 0;
  uint32_t file = kNotAFile;
};

// Creates a symlink, fifo, socket or device node for `node` inside `dir`.
Status MakeOther(int dir, const Node& node, const RestorePolicy& policy) {
  if (node.type == NodeType::kSymlink) {
    if (node.link_target.empty() || node.link_target.find('\0') != std::string::npos) {
      return Error::FailedCheck("inconsistent node: symlink target is empty or contains NUL");
    }
    return CreateSymlinkAt(dir, node.name, node.link_target);
  }
  if (node.type == NodeType::kFifo) return CreateSpecialAt(dir, node.name, S_IFIFO, 0);
  if (node.type == NodeType::kSocket) return CreateSpecialAt(dir, node.name, S_IFSOCK, 0);
  if (!policy.as_root) return Error::Io("device nodes are only restored when running as root");
  mode_t type = node.type == NodeType::kCharDevice ? S_IFCHR : S_IFBLK;
  return CreateSpecialAt(dir, node.name, type, static_cast<dev_t>(node.rdev));
}

// Splits `items` (sorted by parent directory) into one job per parent, largest first. Creating
// an entry takes its directory's lock in the kernel, and two threads creating in one directory
// mostly spin on that lock (ext4 allocates the inode while holding it), so a directory's entries
// are created by one thread and different directories in parallel; largest first balances the
// threads.
template <typename T, typename ParentOf>
std::vector<std::span<const T>> JobsPerParent(std::span<const T> items, ParentOf parent_of) {
  std::vector<std::span<const T>> jobs;
  while (!items.empty()) {
    const uint32_t parent = parent_of(items.front());
    size_t n = 1;
    while (n < items.size() && parent_of(items[n]) == parent) ++n;
    jobs.push_back(items.first(n));
    items = items.subspan(n);
  }
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return jobs;
}

std::vector<std::span<const Creation>> JobsByDirectory(const RestorePlan& plan,
                                                       std::vector<Creation>& creations) {
  std::stable_sort(creations.begin(), creations.end(), [&](const Creation& a, const Creation& b) {
    return plan.entries[a.entry].parent < plan.entries[b.entry].parent;
  });
  return JobsPerParent(std::span<const Creation>(creations),
                       [&](const Creation& c) { return plan.entries[c.entry].parent; });
}

}  // namespace

// Directories first, level by level; then everything else in parallel, except possible
// hard-link group members: which of them leads a group depends on which was created first, so
// they go last, one at a time in plan order.
void RestoreRun::CreateEntries() {
  dir_created_.assign(plan_.dirs.size(), 0);
  dir_created_[0] = 1;
  std::vector<Creation> parallel, linked;
  for (uint32_t e = 0; e < plan_.entries.size(); ++e) {
    const Node& node = plan_.entries[e].node;
    if (node.type == NodeType::kDir) continue;
    Creation creation{e, kNotAFile};
    if (node.type == NodeType::kFile) {
      creation.file = static_cast<uint32_t>(files_.size());
      files_.emplace_back(e);
    }
    (node.type == NodeType::kFile && node.links > 1 ? linked : parallel).push_back(creation);
  }
  CreateDirectories();
  std::vector<std::span<const Creation>> jobs = JobsByDirectory(plan_, parallel);
  RunParallel(
      jobs.size(), threads_,
      [&](size_t i) {
        for (const Creation& c : jobs[i]) CreateEntry(c.entry, c.file);
      },
      [&] { reporter_.Tick(); });
  for (const Creation& c : linked) {
    CreateEntry(c.entry, c.file);
    reporter_.Tick();
  }
}

// Level by level (a directory after its parent); within a level, one job per parent.
void RestoreRun::CreateDirectories() {
  for (std::vector<uint32_t>& level : DirectoryLevels()) {
    auto parent_of = [&](uint32_t d) { return plan_.dirs[d].parent; };
    std::stable_sort(level.begin(), level.end(),
                     [&](uint32_t a, uint32_t b) { return parent_of(a) < parent_of(b); });
    std::vector<std::span<const uint32_t>> jobs =
        JobsPerParent(std::span<const uint32_t>(level), parent_of);
    RunParallel(
        jobs.size(), threads_,
        [&](size_t i) {
          for (uint32_t d : jobs[i]) CreateDirectory(d);
        },
        [&] { reporter_.Tick(); });
  }
}

void RestoreRun::CreateDirectory(uint32_t dir) {
  if (!dir_created_[plan_.dirs[dir].parent]) return;  // its parent failed, and was reported
  Result<SharedFd> fd = dirs_.Create(dir);
  if (!fd) {
    reporter_.Report(plan_.EntryPath(plan_.dirs[dir].entry), fd.error());
    return;
  }
  dir_created_[dir] = 1;
  ++reporter_.dirs;
}

void RestoreRun::CreateEntry(uint32_t e, uint32_t file) {
  if (!dir_created_[plan_.entries[e].parent]) {  // its directory failed, and was reported
    if (file != kNotAFile) files_[file].failed = true;
    return;
  }
  if (file != kNotAFile) return CreateFile(e, file);
  CreateOther(e);
}

// Only possible hard-link group members (links > 1) touch link_leaders_; they are created on
// one thread.
bool RestoreRun::IsFollower(const Node& node, uint32_t* leader) const {
  if (node.links <= 1) return false;
  auto it = link_leaders_.find({node.device, node.inode});
  if (it == link_leaders_.end()) return false;
  const Node& first = plan_.entries[files_[it->second].entry].node;
  if (first.size != node.size || first.content != node.content) return false;  // not one file
  *leader = it->second;
  return true;
}

void RestoreRun::CreateFile(uint32_t e, uint32_t f) {
  const PlannedEntry& entry = plan_.entries[e];
  const Node& node = entry.node;
  RestoredFile& file = files_[f];
  if (IsFollower(node, &file.leader)) return;
  Result<SharedFd> dir = dirs_.Get(entry.parent);
  Result<NewFile> created =
      dir ? CreateRegularFileAt((*dir)->get(), node.name) : Result<NewFile>(dir.error());
  if (!created) {
    file.failed = true;
    reporter_.Report(plan_.EntryPath(e), created.error());
    return;
  }
  if (node.size > 0 && ::ftruncate(created->fd.get(), static_cast<off_t>(node.size)) != 0) {
    file.failed = true;
    reporter_.Report(plan_.EntryPath(e), OsError("cannot set the file size", errno));
    ::unlinkat((*dir)->get(), created->disk_name.c_str(), 0);
    return;
  }
  if (created->is_temporary) file.temp_name = created->disk_name;
  if (node.links > 1) link_leaders_.emplace(std::make_pair(node.device, node.inode), f);
  reporter_.total_bytes += entry.layout.data_bytes();
  if (node.content.empty()) FinishFile(f, std::move(created->fd));
}

void RestoreRun::CreateOther(uint32_t e) {
  const PlannedEntry& entry = plan_.entries[e];
  const Node& node = entry.node;
  if (!MakesEntry(node.type, policy_)) {
    ++reporter_.special_skipped;
    return;
  }
  Result<SharedFd> dir = dirs_.Get(entry.parent);
  Status made = dir ? MakeOther((*dir)->get(), node, policy_) : Status(dir.error());
  if (!made) {
    reporter_.Report(plan_.EntryPath(e), made.error());
    return;
  }
  RestoreMetadataAt((*dir)->get(), node.name, node, plan_.EntryPath(e), policy_, reporter_);
  ++(node.type == NodeType::kSymlink ? reporter_.symlinks : reporter_.other);
}

}  // namespace stormproof::restorer
