// Where caches live: DefaultCacheRoot and RepositoryCacheDirectory (cache.h).
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
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

namespace {

constexpr char kFreshPrefix[] = "stormproof-fresh-cache.";

// The pid in "stormproof-fresh-cache.<pid>.XXXXXX", or 0.
pid_t FreshCacheOwner(const std::string& name) {
  const std::string prefix = kFreshPrefix;
  if (name.compare(0, prefix.size(), prefix) != 0) return 0;
  size_t end = name.find('.', prefix.size());
  if (end == std::string::npos || end == prefix.size()) return 0;
  pid_t pid = 0;
  for (size_t i = prefix.size(); i < end; ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 100'000'000) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

// Removes the fresh-cache folders under `parent` that this user owns and whose process is gone.
void RemoveAbandonedFreshCaches(const std::filesystem::path& parent) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
    pid_t pid = FreshCacheOwner(entry.path().filename().string());
    struct stat st;
    if (pid <= 0 || ::lstat(entry.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != ::geteuid()) {
      continue;
    }
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // still running (or not ours to ask)
    std::filesystem::remove_all(entry.path(), ec);
  }
}

}  // namespace

std::string NewFreshCacheFolder(const std::string& parent) {
  std::error_code ec;
  std::filesystem::path dir =
      parent.empty() ? std::filesystem::temp_directory_path(ec) : std::filesystem::path(parent);
  if (ec) return "";
  RemoveAbandonedFreshCaches(dir);
  std::string folder = (dir / (kFreshPrefix + std::to_string(::getpid()) + ".XXXXXX")).string();
  if (::mkdtemp(folder.data()) == nullptr) return "";
  return folder;
}

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

std::string MaintenanceRecordFolder(const std::string& directory) {
  return directory + "/retention";
}

std::string DefaultStateRoot() {
  // The XDG Base Directory specification: a relative XDG_STATE_HOME is invalid and ignored.
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/stormproof";
  }
  std::string home = HomeDirectory();
  return home.empty() ? "" : home + "/.local/state/stormproof";
}

std::string MarkerRecordFolder(const std::string& directory) {
  const std::string root = DefaultStateRoot();
  if (root.empty()) return "";
  std::string_view folder = directory;
  while (folder.size() > 1 && folder.back() == '/') folder.remove_suffix(1);
  return root + "/" + std::filesystem::path(folder).filename().string();
}

}  // namespace stormproof::cache
