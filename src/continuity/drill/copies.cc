// A system's copies (the repositories holding its backups, copy repositories included:
// plan::SystemRepositories) as drills see them: which one to drill next, so that drills rotate
// across every copy, and — when a drilled copy could not give its data back — whether the other
// copies would have saved the day.
#include <algorithm>

#include "continuity/drill/drill.h"
#include "core/time.h"

namespace stormproof::drill {

using access::AccessOptions;
using access::Adapter;
using access::MakeRepositoryAdapter;
using access::RepositoryLocation;
using access::RestorePoint;

namespace {

// Lists `repository` and returns its newest restore point of `system`; errors say why not.
Result<RestorePoint> NewestPoint(const plan::Plan& plan, const plan::System& system,
                                 const plan::RepositorySpec& repository,
                                 const AccessOptions& access) {
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<Adapter> adapter,
                              MakeRepositoryAdapter(plan, repository, system, access));
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<RestorePoint> points, adapter->List());
  if (points.empty()) return Error::NotFound("it holds no restore point of " + system.id);
  return *std::max_element(
      points.begin(), points.end(),
      [](const RestorePoint& a, const RestorePoint& b) { return a.time_ns < b.time_ns; });
}

// One line about one other copy; *saves is set when it would have saved the day.
std::string CopyLine(const plan::Plan& plan, const plan::System& system,
                     const plan::RepositorySpec& repository, const AccessOptions& access,
                     int64_t now_ns, bool* saves) {
  const std::string copy = "copy " + repository.id;
  Result<std::string> readable = RepositoryLocation(repository, access);
  if (!readable) return copy + " was not checked: " + readable.error().message();
  Result<RestorePoint> point = NewestPoint(plan, system, repository, access);
  if (!point) return copy + " would not have saved the day either: " + point.error().message();
  *saves = true;
  const std::string how = " (listed, not restored)";
  if (point->time_ns == 0) {
    return copy + " has restore point " + point->id + " of unknown age" + how +
           ": it would have saved the day, with an unknown loss of data";
  }
  const Duration age = ElapsedSince(point->time_ns, now_ns);
  std::string line = copy + " has a restore point " + ShortDuration(age) + " old" + how;
  std::optional<Duration> rpo = plan::ObjectivesOf(plan, system).rpo;
  if (rpo && age > *rpo) {
    return line + ": it would have saved the day, but lost more data than the RPO " +
           rpo->ToString();
  }
  return line + ": it would have saved the day";
}

}  // namespace

bool DrillCanRead(const plan::RepositorySpec& repository) {
  return RepositoryLocation(repository, AccessOptions{}).has_value();
}

const plan::RepositorySpec* FindCopy(const plan::Plan& plan, const plan::System& system,
                                     const std::string& id) {
  for (const plan::RepositorySpec* copy : plan::SystemRepositories(plan, system)) {
    if (copy->id == id) return copy;
  }
  return nullptr;
}

std::string CopiesText(const plan::Plan& plan, const plan::System& system) {
  std::string text;
  for (const plan::RepositorySpec* copy : plan::SystemRepositories(plan, system)) {
    if (!text.empty()) text += ", ";
    text += copy->id;
    if (copy->copy_from) text += " (a copy of " + copy->copy_from->id + ")";
  }
  return text;
}

const plan::RepositorySpec* NextCopyToDrill(const plan::Plan& plan, const plan::System& system,
                                            const std::map<std::string, int64_t>& last_drill_ns) {
  const plan::RepositorySpec* next = nullptr;
  std::optional<int64_t> next_drilled;  // none: never drilled
  for (const plan::RepositorySpec* repository : plan::SystemRepositories(plan, system)) {
    if (!DrillCanRead(*repository)) continue;
    auto last = last_drill_ns.find(repository->id);
    if (last == last_drill_ns.end()) return repository;  // never drilled: first in order
    if (next == nullptr || last->second < *next_drilled) {
      next = repository;
      next_drilled = last->second;
    }
  }
  return next;
}

std::vector<std::string> OtherCopies(const plan::Plan& plan, const plan::System& system,
                                     const std::string& drilled, const AccessOptions& access,
                                     int64_t now_ns) {
  std::vector<std::string> lines;
  bool saved = false;
  for (const plan::RepositorySpec* repository : plan::SystemRepositories(plan, system)) {
    if (repository->id == drilled) continue;
    lines.push_back(CopyLine(plan, system, *repository, access, now_ns, &saved));
  }
  if (lines.empty()) {
    lines.push_back("system " + system.id + " has no other copy: nothing would have saved the day");
  } else if (!saved) {
    lines.push_back(
        "no other copy holds a readable restore point: nothing would have saved the day");
  }
  return lines;
}

}  // namespace stormproof::drill
