#include "engine/restorer/internal/run.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/interrupt.h"
#include "core/text.h"
#include "engine/restorer/internal/metadata.h"
#include "engine/restorer/internal/parallel.h"
#include "engine/restorer/internal/verify.h"

namespace stormproof::restorer {

RestoreRun::RestoreRun(const repository::Repository& repo, const RestorePlan& plan,
                       const RestoreOptions& options, UniqueFd target, Reporter& reporter)
    : repo_(repo),
      plan_(plan),
      options_(options),
      policy_(PolicyFor(options)),
      reporter_(reporter),
      threads_(WorkerCount(options.threads)),
      dirs_(plan, std::move(target)) {}

void RestoreRun::Run() {
  CreateEntries();
  if (Interrupted()) return;  // what is left is the caller's to report (Restore)
  WriteContents();
  if (Interrupted()) return;
  LinkFollowers();
  FinishDirectories();
}

void RestoreRun::Fail(uint32_t file, const Error& error) {
  if (!files_[file].failed.exchange(true)) {
    reporter_.Report(plan_.EntryPath(files_[file].entry), error);
  }
}

const std::string& RestoreRun::DiskName(const RestoredFile& file) const {
  return file.temp_name.empty() ? plan_.entries[file.entry].node.name : file.temp_name;
}

void RestoreRun::FinishFile(uint32_t f, UniqueFd fd) {
  RestoredFile& file = files_[f];
  const PlannedEntry& entry = plan_.entries[file.entry];
  Result<SharedFd> dir = dirs_.Get(entry.parent);
  if (!dir) return Fail(f, dir.error());
  const int dir_fd = (*dir)->get();
  if (file.failed) {  // no partial file: a file is restored whole or not at all
    ::unlinkat(dir_fd, DiskName(file).c_str(), 0);  // created by this restore (O_EXCL)
    return;
  }
  if (!fd.valid()) {
    Result<UniqueFd> opened = OpenRegularFileAt(dir_fd, DiskName(file));
    if (!opened) return Fail(f, opened.error());
    fd = std::move(opened).value();
  }
  const std::string path = plan_.EntryPath(file.entry);
  if (options_.verify) {
    Status same = VerifyFileContent(repo_, fd.get(), entry.node, entry.layout);
    if (same) {
      ++reporter_.verified_files;
    } else {
      reporter_.Report(path, same.error());
    }
  }
  RestoreMetadata(fd.get(), entry.node, path, policy_, reporter_);
  if (!file.temp_name.empty() &&
      ::renameat(dir_fd, file.temp_name.c_str(), dir_fd, entry.node.name.c_str()) != 0) {
    Fail(f, OsError("cannot replace the existing file", errno));
    ::unlinkat(dir_fd, file.temp_name.c_str(), 0);
    return;
  }
  ++reporter_.files;
}

void RestoreRun::LinkFollowers() {
  for (RestoredFile& file : files_) {
    if (file.leader == kNoLeader) continue;
    const RestoredFile& leader = files_[file.leader];
    const PlannedEntry& entry = plan_.entries[file.entry];
    const PlannedEntry& first = plan_.entries[leader.entry];
    Status linked = Ok();
    if (leader.failed) {
      linked = Error::Io("hard link not made: " + EscapeName(plan_.EntryPath(leader.entry)) +
                         " could not be restored");
    } else {
      Result<SharedFd> from = dirs_.Get(first.parent);
      Result<SharedFd> to = dirs_.Get(entry.parent);
      linked = !from ? Status(from.error())
               : !to ? Status(to.error())
                     : LinkAt((*from)->get(), first.node.name, (*to)->get(), entry.node.name);
    }
    if (!linked) {
      file.failed = true;
      reporter_.Report(plan_.EntryPath(file.entry), linked.error());
    } else {
      ++reporter_.files;
    }
    reporter_.Tick();
  }
}

std::vector<std::vector<uint32_t>> RestoreRun::DirectoryLevels() const {
  std::vector<std::vector<uint32_t>> levels;
  for (uint32_t d = 1; d < plan_.dirs.size(); ++d) {
    const uint32_t depth = plan_.dirs[d].depth;
    if (levels.size() < depth) levels.resize(depth);
    levels[depth - 1].push_back(d);
  }
  return levels;
}

// Deepest level first; the directories of one level in parallel.
void RestoreRun::FinishDirectories() {
  std::vector<std::vector<uint32_t>> levels = DirectoryLevels();
  for (auto level = levels.rbegin(); level != levels.rend(); ++level) {
    RunParallel(
        level->size(), threads_, [&](size_t i) { FinishDirectory((*level)[i]); },
        [&] { reporter_.Tick(); });
  }
}

void RestoreRun::FinishDirectory(uint32_t d) {
  if (!dir_created_[d]) return;
  const PlannedEntry& entry = plan_.entries[plan_.dirs[d].entry];
  Result<SharedFd> fd = dirs_.Get(d);
  if (!fd) return reporter_.Report(plan_.DirPath(d), fd.error());
  RestoreMetadata((*fd)->get(), entry.node, plan_.DirPath(d), policy_, reporter_);
}

}  // namespace stormproof::restorer
