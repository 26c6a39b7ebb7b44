// Where caches live: DefaultCacheRoot and RepositoryCacheDirectory (cache.h).
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "engine/cache/cache.h"
#include "engine/crypto/crypto.h"

namespace stormproof::cache {
namespace {

std::string HomeDirectory() {
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') return home;
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<size_t>(size) : 16384);
  struct passwd entry;
  struct passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr || found->pw_dir == nullptr || found->pw_dir[0] != '/') {
    return "";
  }
  return found->pw_dir;
}

}  // namespace

std::string DefaultCacheRoot() {
  // The XDG Base Directory specification: a relative XDG_CACHE_HOME is invalid and ignored.
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/stormproof";
  }
  std::string home = HomeDirectory();
  return home.empty() ? "" : home + "/.cache/stormproof";
}

std::string RepositoryCacheDirectory(const std::string& root, std::string_view location) {
  return root + "/" + crypto::Sha256(AsBytes(location)).Hex().substr(0, 32);
}

}  // namespace stormproof::cache
