#include "engine/restorer/internal/dir_cache.h"

namespace stormproof::restorer {

DirectoryCache::DirectoryCache(const RestorePlan& plan, UniqueFd target, size_t capacity)
    : plan_(plan),
      target_(std::make_shared<const UniqueFd>(std::move(target))),
      capacity_(capacity) {}

Result<SharedFd> DirectoryCache::Create(uint32_t dir) {
  STORMPROOF_ASSIGN_OR_RETURN(SharedFd parent, Get(plan_.dirs[dir].parent));
  STORMPROOF_ASSIGN_OR_RETURN(UniqueFd fd, MakeDirectoryAt(parent->get(), plan_.DirName(dir)));
  auto shared = std::make_shared<const UniqueFd>(std::move(fd));
  std::vector<SharedFd> evicted;  // closed after the lock is released
  MutexLock lock(mu_);
  Insert(dir, shared, &evicted);
  return SharedFd(shared);
}

Result<SharedFd> DirectoryCache::Get(uint32_t dir) {
  std::vector<uint32_t> below;
  SharedFd fd;
  {
    MutexLock lock(mu_);
    fd = NearestOpen(dir, &below);
  }
  if (below.empty()) return fd;
  // Open downwards without the lock, each level relative to the one above.
  std::vector<std::pair<uint32_t, SharedFd>> opened;
  for (auto d = below.rbegin(); d != below.rend(); ++d) {
    STORMPROOF_ASSIGN_OR_RETURN(UniqueFd next, OpenDirectoryAt(fd->get(), plan_.DirName(*d)));
    fd = std::make_shared<const UniqueFd>(std::move(next));
    opened.emplace_back(*d, fd);
  }
  std::vector<SharedFd> evicted;  // declared before the lock: closed after it is released
  MutexLock lock(mu_);
  for (auto& [d, opened_fd] : opened) Insert(d, std::move(opened_fd), &evicted);
  return fd;
}

SharedFd DirectoryCache::NearestOpen(uint32_t dir, std::vector<uint32_t>* below) {
  for (uint32_t d = dir; d != 0; d = plan_.dirs[d].parent) {
    if (auto found = open_.find(d); found != open_.end()) {
      lru_.splice(lru_.begin(), lru_, found->second.lru);
      return found->second.fd;
    }
    below->push_back(d);
  }
  return target_;
}

void DirectoryCache::Insert(uint32_t dir, SharedFd fd, std::vector<SharedFd>* evicted) {
  if (auto it = open_.find(dir); it != open_.end()) {
    evicted->push_back(std::move(it->second.fd));
    lru_.erase(it->second.lru);
    open_.erase(it);
  }
  lru_.push_front(dir);
  open_[dir] = Slot{std::move(fd), lru_.begin()};
  while (open_.size() > capacity_) {
    auto oldest = open_.find(lru_.back());
    evicted->push_back(std::move(oldest->second.fd));
    open_.erase(oldest);
    lru_.pop_back();
  }
}

}  // namespace stormproof::restorer
