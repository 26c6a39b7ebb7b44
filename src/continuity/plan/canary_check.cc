#include "continuity/plan/internal/canary_check.h"

#include <cctype>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/text.h"

namespace stormproof::plan {
namespace {

// "/srv/x", "E:/Shares/x" or "E:\Shares\x"; not "x", "./x" or the drive-relative "E:x".
bool IsAbsolutePath(const std::string& path) {
  if (!path.empty() && (path.front() == '/' || path.front() == '\\')) return true;
  return path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
         (path[2] == '/' || path[2] == '\\');
}

// True when `path` is `base` or lies below it; both normalised by HostPath.
bool IsUnder(const std::string& path, const std::string& base) {
  if (base == "/") return true;
  return path == base ||
         (path.size() > base.size() && path.starts_with(base) && path[base.size()] == '/');
}

// `normal`: the canary normalised by HostPath.
bool UnderAnyPath(const System& system, const std::string& normal) {
  for (const std::string& path : system.backup.paths) {
    if (IsAbsolutePath(path) && IsUnder(normal, HostPath("", path))) return true;
  }
  return false;
}

// "(E:/Shares, /srv/x)", or "(the system lists none)".
std::string ListedPaths(const System& system) {
  if (system.backup.paths.empty()) return "(the system lists none)";
  return "(" + Join(system.backup.paths, ", ") + ")";
}

void CheckSystemCanaries(const System& system, Diagnostics* out) {
  const System::Backup& backup = system.backup;
  std::map<std::string, size_t> first_by_path;  // normalised path -> its first index
  for (size_t i = 0; i < backup.canaries.size(); ++i) {
    const std::string& canary = backup.canaries[i];
    const Mark mark = i < backup.canary_marks.size() ? backup.canary_marks[i] : backup.mark;
    const std::string what =
        "system '" + system.id + "': backup.canaries[" + std::to_string(i) + "] '" + canary + "'";
    if (!IsAbsolutePath(canary)) {
      out->Error(mark, "canary-not-absolute",
                 what +
                     " is not an absolute path (write it like backup.paths: "
                     "/srv/share/budget.xlsx or E:/Shares/budget.xlsx)");
      continue;
    }
    const std::string normal = HostPath("", canary);
    if (!UnderAnyPath(system, normal)) {
      out->Error(mark, "canary-outside-paths",
                 what + " is not under any of backup.paths " + ListedPaths(system) +
                     ": it is never backed up, so no backup can see it change");
      continue;
    }
    auto [first, inserted] = first_by_path.emplace(normal, i);
    if (!inserted) {
      out->Warning(mark, "duplicate-canary",
                   what + " repeats backup.canaries[" + std::to_string(first->second) + "]");
    }
  }
}

}  // namespace

void CheckCanaries(const Plan& plan, Diagnostics* out) {
  for (const System& system : plan.systems) CheckSystemCanaries(system, out);
}

}  // namespace stormproof::plan
