// DirectoryCache: open fds of a restore's directories, keyed by their index in RestorePlan::dirs.
//
// A directory is (re)opened relative to its parent's fd with O_NOFOLLOW|O_DIRECTORY, so a symlink
// swapped in for a restored directory is never traversed. At most `capacity` fds stay cached
// (least recently used are closed); fds are handed out shared, so eviction never closes one that
// a worker still uses. The target itself (dirs[0]) is always open. Thread-safe; the lock only
// guards the map, never a system call, so workers create and open directories in parallel (two
// workers may open the same directory at once: both fds are valid, one of them is cached).
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_DIR_CACHE_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_DIR_CACHE_H_

#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "engine/restorer/internal/restore_plan.h"
#include "engine/restorer/internal/safe_fs.h"

namespace stormproof::restorer {

using SharedFd = std::shared_ptr<const UniqueFd>;

class DirectoryCache {
 public:
  // `plan` must outlive the cache. `target` is the open restore target (dirs[0]).
  DirectoryCache(const RestorePlan& plan, UniqueFd target, size_t capacity = 128);

  // Creates directory `dir` (MakeDirectoryAt in its parent) and caches its fd.
  // REQUIRES: its parent was created or opened before.
  Result<SharedFd> Create(uint32_t dir) EXCLUDES(mu_);
  // The fd of the already created directory `dir`, opening it and its ancestors as needed.
  Result<SharedFd> Get(uint32_t dir) EXCLUDES(mu_);

 private:
  // The fd of `dir` or of its nearest cached ancestor (the target at worst); `below` gets the
  // directories between that one and `dir` that still need opening, deepest first.
  SharedFd NearestOpen(uint32_t dir, std::vector<uint32_t>* below) REQUIRES(mu_);
  // Caches `fd` as `dir`; fds pushed out go to `evicted`, to be closed after the lock is gone.
  void Insert(uint32_t dir, SharedFd fd, std::vector<SharedFd>* evicted) REQUIRES(mu_);

  struct Slot {
    SharedFd fd;
    std::list<uint32_t>::iterator lru;
  };
  const RestorePlan& plan_;
  const SharedFd target_;
  const size_t capacity_;
  Mutex mu_;
  std::unordered_map<uint32_t, Slot> open_ GUARDED_BY(mu_);
  std::list<uint32_t> lru_ GUARDED_BY(mu_);  // most recent first
};

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_DIR_CACHE_H_
