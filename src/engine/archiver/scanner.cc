#include "engine/archiver/internal/scanner.h"

#include <sys/stat.h>

#include <utility>

#include "engine/archiver/internal/listing.h"

namespace stormproof::archiver::internal {

Scanner::Scanner(const std::vector<std::string>& paths, std::vector<std::string> excludes,
                 bool one_file_system)
    : paths_(BuildPathTrie(paths)),
      excludes_(std::move(excludes)),
      one_file_system_(one_file_system),
      thread_([this] { Run(); }) {}

Scanner::~Scanner() { Stop(); }

ScanTotals Scanner::totals() const {
  ScanTotals t;
  t.done = done_.load(std::memory_order_acquire);  // first: counts read after are final
  t.files = files_.load(std::memory_order_relaxed);
  t.dirs = dirs_.load(std::memory_order_relaxed);
  t.bytes = bytes_.load(std::memory_order_relaxed);
  return t;
}

void Scanner::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Scanner::Run() {
  if (paths_.is_target) {  // "/" itself was given
    struct stat st {};
    if (::lstat("/", &st) == 0) ScanTree("", st.st_dev);
  } else {
    ScanChain("", paths_);
  }
  if (!stop_) done_.store(true, std::memory_order_release);
}

// The directories above the given paths count as directories, with only the given entries.
void Scanner::ScanChain(const std::string& path, const PathTrie& paths) {
  for (const auto& [name, below] : paths.children) {
    if (stop_) return;
    std::string child_path = JoinPath(path, name);
    struct stat st {};
    if (::lstat(child_path.c_str(), &st) != 0) continue;  // the walker reports it
    if (below.is_target) {
      ScanEntry(child_path, st, st.st_dev);
    } else if (S_ISDIR(st.st_mode)) {
      ++dirs_;
      ScanChain(child_path, below);
    }
  }
}

void Scanner::ScanEntry(const std::string& path, const struct stat& st, dev_t root_dev) {
  Count(st);
  if (S_ISDIR(st.st_mode) && EntersDirectory(one_file_system_, st, root_dev)) {
    ScanTree(path, root_dev);
  }
}

// Depth-first with an explicit stack, so a deep tree costs heap, not thread stack.
void Scanner::ScanTree(const std::string& top, dev_t root_dev) {
  std::vector<std::string> pending{top};
  while (!pending.empty() && !stop_) {
    std::string path = std::move(pending.back());
    pending.pop_back();
    Result<std::vector<DirEntry>> entries = ListDirectory(path, excludes_, nullptr);
    if (!entries.has_value()) continue;  // the walker reports it
    for (const DirEntry& entry : *entries) {
      Count(entry.st);
      if (S_ISDIR(entry.st.st_mode) && EntersDirectory(one_file_system_, entry.st, root_dev)) {
        pending.push_back(JoinPath(path, entry.name));
      }
    }
  }
}

void Scanner::Count(const struct stat& st) {
  if (S_ISREG(st.st_mode)) {
    files_.fetch_add(1, std::memory_order_relaxed);
    bytes_.fetch_add(static_cast<uint64_t>(st.st_size), std::memory_order_relaxed);
  } else if (S_ISDIR(st.st_mode)) {
    dirs_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace stormproof::archiver::internal
