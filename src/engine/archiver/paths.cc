#include "engine/archiver/internal/paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace stormproof::archiver::internal {
namespace {

// Path components of an absolute path, with "." dropped and ".." applied lexically.
std::vector<std::string> NormalComponents(const std::string& absolute) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (begin <= absolute.size()) {
    size_t end = absolute.find('/', begin);
    if (end == std::string::npos) end = absolute.size();
    std::string part = absolute.substr(begin, end - begin);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    begin = end + 1;
  }
  return parts;
}

Result<std::string> WorkingDirectory() {
  std::unique_ptr<char, decltype(&std::free)> cwd(::getcwd(nullptr, 0), &std::free);
  if (!cwd) return Error::Io(std::string("cannot read the working directory: ") + strerror(errno));
  return std::string(cwd.get());
}

// The directory `parts[0..n)` with symlinks resolved, as "" for the root or "/a/b".
Result<std::string> RealDirectory(const std::vector<std::string>& parts, size_t n,
                                  const std::string& given) {
  std::string dir;
  for (size_t i = 0; i < n; ++i) dir += "/" + parts[i];
  if (dir.empty()) return dir;
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(dir.c_str(), nullptr), &std::free);
  if (!real) return Error::NotFound(given + ": " + std::strerror(errno));
  std::string resolved(real.get());
  return resolved == "/" ? std::string() : resolved;
}

}  // namespace

Result<std::string> CanonicalPath(const std::string& given) {
  if (given.empty()) return Error::InvalidArgument("empty path");
  std::string absolute = given;
  if (given[0] != '/') {
    STORMPROOF_ASSIGN_OR_RETURN(std::string cwd, WorkingDirectory());
    absolute = cwd + "/" + given;
  }
  std::vector<std::string> parts = NormalComponents(absolute);
  if (parts.empty()) return std::string("/");
  STORMPROOF_ASSIGN_OR_RETURN(std::string dir, RealDirectory(parts, parts.size() - 1, given));
  std::string path = dir + "/" + parts.back();
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Error::NotFound(given + ": " + strerror(errno));
  return path;
}

PathTrie BuildPathTrie(const std::vector<std::string>& canonical_paths) {
  PathTrie root;
  for (const std::string& path : canonical_paths) {
    PathTrie* node = &root;
    for (const std::string& part : NormalComponents(path)) {
      if (node->is_target) break;
      node = &node->children[part];
    }
    node->is_target = true;
    node->children.clear();  // everything below is covered anyway
  }
  return root;
}

}  // namespace stormproof::archiver::internal
