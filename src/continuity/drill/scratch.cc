#include "continuity/drill/scratch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "core/file_io.h"
#include "engine/repository/lock.h"

namespace stormproof::drill {
namespace {

namespace fs = std::filesystem;

constexpr const char* kScratchPrefix = "stormproof-drill-";

// Writes the owner file: who this drill is, as a repository lock says it (repository/lock.h).
Status WriteOwner(const std::string& dir) {
  repository::LockInfo self =
      repository::CurrentProcessLock(repository::Repository::LockKind::kShared);
  nlohmann::json owner = {{"hostname", self.hostname},
                          {"pid", self.pid},
                          {"pid_namespace", self.pid_namespace},
                          {"boot_id", self.boot_id},
                          {"start_ticks", self.start_ticks}};
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  return WriteFileAtomically(dir + "/" + ScratchDirectory::kOwnerFile,
                             owner.dump(-1, ' ', false, kReplace));
}

// The owner a scratch directory's owner file names; nullopt when it has none or it is unreadable.
std::optional<repository::LockInfo> ReadOwner(const fs::path& dir) {
  std::ifstream in(dir / ScratchDirectory::kOwnerFile);
  if (!in) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc["pid"].is_number_integer() || !doc["hostname"].is_string() ||
      !doc["boot_id"].is_string() || !doc["pid_namespace"].is_string() ||
      !doc["start_ticks"].is_number_unsigned()) {
    return std::nullopt;
  }
  repository::LockInfo owner;
  owner.hostname = doc["hostname"].get<std::string>();
  owner.pid = doc["pid"].get<int64_t>();
  owner.pid_namespace = doc["pid_namespace"].get<std::string>();
  owner.boot_id = doc["boot_id"].get<std::string>();
  owner.start_ticks = doc["start_ticks"].get<uint64_t>();
  return owner;
}

// True when `dir`'s drill died on this machine: its owner is of this host, boot and PID
// namespace, and that process no longer runs (or the pid now belongs to a later process).
// True when `dir` and its owner file are what Make creates, as this user: a real directory of
// ours that nobody else may enter (mode 0700, as mkdtemp makes it) holding a regular file of
// ours. Another local user cannot plant one in a shared scratch parent (/var/tmp) for a run
// as root to sweep.
bool MadeByUs(const fs::path& dir) {
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::geteuid() ||
      (info.st_mode & 077) != 0) {
    return false;
  }
  const fs::path owner = dir / ScratchDirectory::kOwnerFile;
  return ::lstat(owner.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         info.st_uid == ::geteuid();
}

bool OwnerDied(const fs::path& dir, const repository::LockEnvironment& env) {
  if (!MadeByUs(dir)) return false;
  std::optional<repository::LockInfo> owner = ReadOwner(dir);
  return owner && repository::SameMachine(*owner, env.self) && !env.running(*owner);
}

std::string DefaultParent() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/var/tmp";
}

// Gives the owner full access to every real directory below `root` (restored directories may
// be read-only), without following symlinks.
void MakeDirectoriesWritable(const std::string& root) {
  std::error_code ec;
  ::chmod(root.c_str(), 0700);
  for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      ::chmod(it->path().c_str(), 0700);
    }
  }
}

// Removes `root` and everything below it; restored read-only directories are made writable and
// the removal tried again. Sets *ec when something is left.
void RemoveTree(const std::string& root, std::error_code* ec) {
  ec->clear();
  fs::remove_all(root, *ec);
  if (!*ec) return;
  MakeDirectoriesWritable(root);
  ec->clear();
  fs::remove_all(root, *ec);
}

// Subtrees of `root` to remove in parallel: expands directories breadth-first (never through
// symlinks) until there are at least `wanted` of them or nothing more to expand. A restored
// copy usually starts with a chain of single directories (the backed-up path, e.g.
// var/lib/app), so the depth bound is generous; each level costs one directory read.
std::vector<fs::path> Subtrees(const fs::path& root, size_t wanted) {
  constexpr int kMaxDepth = 64;
  std::vector<fs::path> level{root};
  for (int depth = 0; depth < kMaxDepth && level.size() < wanted; ++depth) {
    std::vector<fs::path> next;
    bool expanded = false;
    for (const fs::path& dir : level) {
      std::error_code ec;
      if (!fs::is_directory(fs::symlink_status(dir, ec))) {
        next.push_back(dir);
        continue;
      }
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        next.push_back(it->path());
        expanded = true;
      }
    }
    if (!expanded) break;
    level = std::move(next);
  }
  return level;
}

// Removes everything below `root` (not `root` itself) on `threads` threads; the directories
// left empty go with the final remove_all.
void RemoveInParallel(const fs::path& root, unsigned threads) {
  std::vector<fs::path> subtrees = Subtrees(root, 8 * threads);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < subtrees.size();) {
      std::error_code ignored;
      fs::remove_all(subtrees[i], ignored);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace

Result<ScratchDirectory> ScratchDirectory::Make(const std::string& parent,
                                                const std::string& system_id) {
  const std::string base = parent.empty() ? DefaultParent() : parent;
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) return Error::Io("cannot create the scratch directory " + base + ": " + ec.message());
  std::string name = base + "/stormproof-drill-" + system_id + "-XXXXXX";
  if (::mkdtemp(name.data()) == nullptr) {
    return Error::Io("cannot create a scratch directory in " + base + ": " + std::strerror(errno));
  }
  ScratchDirectory scratch(name);
  if (Status owned = WriteOwner(name); !owned) {
    return Error::Io("cannot mark the scratch directory " + name +
                     " as this drill's: " + owned.error().message());
  }
  if (::mkdir(scratch.restore_path().c_str(), 0700) != 0) {
    return Error::Io("cannot create " + scratch.restore_path() + ": " + std::strerror(errno));
  }
  return scratch;
}

void ScratchDirectory::Keep() {
  kept_ = true;
  std::error_code ignored;  // without it the copy is only never removed by RemoveAbandoned
  fs::remove(fs::path(path_) / kOwnerFile, ignored);
}

ScratchDirectory::Abandoned ScratchDirectory::RemoveAbandoned(const std::string& parent) {
  Abandoned out;
  const repository::LockEnvironment env = repository::RealLockEnvironment();
  std::error_code ec;
  for (fs::directory_iterator it(parent.empty() ? DefaultParent() : parent, ec), end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_error;
    if (name.rfind(kScratchPrefix, 0) != 0 || !it->is_directory(type_error) ||
        it->is_symlink(type_error) || !OwnerDied(it->path(), env)) {
      continue;
    }
    ScratchDirectory abandoned(it->path().string());
    Status removed = abandoned.Remove();
    if (removed) {
      out.removed.push_back(it->path().string());
    } else {
      out.errors.push_back(removed.error().message());
    }
  }
  return out;
}

ScratchDirectory::ScratchDirectory(ScratchDirectory&& other) noexcept
    : path_(std::exchange(other.path_, "")),
      kept_(other.kept_),
      removed_(std::exchange(other.removed_, true)) {}

ScratchDirectory::~ScratchDirectory() {
  if (!path_.empty()) (void)Remove();
}

Status ScratchDirectory::Remove() {
  if (kept_ || removed_ || path_.empty()) return Ok();
  // Removing tens of thousands of restored entries is bound by file-system metadata updates,
  // which proceed in parallel in distinct directories; twice as many threads as cores, as the
  // threads also wait on the file system's journal. The restored copy goes first and the owner
  // file last: a removal cut short (a second signal) leaves the copy still marked as this
  // drill's, for RemoveAbandoned.
  RemoveInParallel(restore_path(), 2 * std::max(1u, std::thread::hardware_concurrency()));
  std::error_code ec;
  RemoveTree(restore_path(), &ec);
  if (!ec) RemoveTree(path_, &ec);
  if (ec) return Error::Io("cannot remove the scratch copy " + path_ + ": " + ec.message());
  removed_ = true;
  return Ok();
}

}  // namespace stormproof::drill
