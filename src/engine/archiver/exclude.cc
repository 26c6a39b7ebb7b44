#include "engine/archiver/internal/exclude.h"

#include <fnmatch.h>

#include <utility>

namespace stormproof::archiver::internal {

ExcludeMatcher::ExcludeMatcher(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {
  for (std::string& p : patterns_) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();  // "cache/" names the directory "cache"
  }
  std::erase(patterns_, std::string());
}

bool ExcludeMatcher::Excludes(const std::string& path, const std::string& name) const {
  for (const std::string& pattern : patterns_) {
    if (::fnmatch(pattern.c_str(), path.c_str(), 0) == 0) return true;
    if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace stormproof::archiver::internal
