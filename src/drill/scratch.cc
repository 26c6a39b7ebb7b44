#include "drill/scratch.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace stormproof::drill {
namespace {

namespace fs = std::filesystem;

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
  if (::mkdir(scratch.restore_path().c_str(), 0700) != 0) {
    return Error::Io("cannot create " + scratch.restore_path() + ": " + std::strerror(errno));
  }
  return scratch;
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
  // threads also wait on the file system's journal.
  RemoveInParallel(path_, 2 * std::max(1u, std::thread::hardware_concurrency()));
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec) {
    // Restored read-only directories: make them writable, then try again.
    MakeDirectoriesWritable(path_);
    ec.clear();
    fs::remove_all(path_, ec);
  }
  if (ec) return Error::Io("cannot remove the scratch copy " + path_ + ": " + ec.message());
  removed_ = true;
  return Ok();
}

}  // namespace stormproof::drill
