#include "restorer/dir_cache.h"

namespace stormproof::restorer {

DirectoryCache::DirectoryCache(const RestorePlan& plan, UniqueFd target, size_t capacity)
    : plan_(plan),
      target_(std::make_shared<const UniqueFd>(std::move(target))),
      capacity_(capacity) {}

Result<SharedFd> DirectoryCache::Create(uint32_t dir) {
  std::lock_guard lock(mu_);
  STORMPROOF_ASSIGN_OR_RETURN(SharedFd parent, Cached(plan_.dirs[dir].parent));
  STORMPROOF_ASSIGN_OR_RETURN(UniqueFd fd, MakeDirectoryAt(parent->get(), plan_.DirName(dir)));
  auto shared = std::make_shared<const UniqueFd>(std::move(fd));
  Insert(dir, shared);
  return SharedFd(shared);
}

Result<SharedFd> DirectoryCache::Get(uint32_t dir) {
  std::lock_guard lock(mu_);
  return Cached(dir);
}

Result<SharedFd> DirectoryCache::Cached(uint32_t dir) {
  if (dir == 0) return target_;
  auto it = open_.find(dir);
  if (it != open_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.fd;
  }
  // Not open: find the nearest open ancestor, then open downwards.
  std::vector<uint32_t> chain{dir};
  SharedFd fd;
  for (uint32_t d = plan_.dirs[dir].parent;; d = plan_.dirs[d].parent) {
    if (d == 0) {
      fd = target_;
      break;
    }
    if (auto found = open_.find(d); found != open_.end()) {
      fd = found->second.fd;
      break;
    }
    chain.push_back(d);
  }
  for (auto d = chain.rbegin(); d != chain.rend(); ++d) {
    STORMPROOF_ASSIGN_OR_RETURN(UniqueFd next, OpenDirectoryAt(fd->get(), plan_.DirName(*d)));
    fd = std::make_shared<const UniqueFd>(std::move(next));
    Insert(*d, fd);
  }
  return fd;
}

void DirectoryCache::Insert(uint32_t dir, SharedFd fd) {
  if (auto it = open_.find(dir); it != open_.end()) {
    lru_.erase(it->second.lru);
    open_.erase(it);
  }
  lru_.push_front(dir);
  open_[dir] = Slot{std::move(fd), lru_.begin()};
  while (open_.size() > capacity_) {
    open_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace stormproof::restorer
