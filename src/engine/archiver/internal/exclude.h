// Exclude patterns for backup: fnmatch(3) globs, each tested against an entry's full path and
// against its base name, so "*.tmp" drops every .tmp file and "/home/*/.cache" one directory per
// user. A '*' also matches '/' (no FNM_PATHNAME), as in `--exclude '/srv/*/logs'` for any depth.
// Immutable after construction; thread-safe.
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_EXCLUDE_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_EXCLUDE_H_

#include <string>
#include <string_view>
#include <vector>

namespace stormproof::archiver::internal {

class ExcludeMatcher {
 public:
  explicit ExcludeMatcher(std::vector<std::string> patterns);

  bool empty() const { return patterns_.empty(); }
  // True when some pattern matches `path` (absolute) or `name` (its last component).
  bool Excludes(const std::string& path, const std::string& name) const;

 private:
  std::vector<std::string> patterns_;
};

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_EXCLUDE_H_
