#include "continuity/plan/internal/object_lock_check.h"

#include <algorithm>
#include <optional>
#include <string>

namespace stormproof::plan {
namespace {

// How often `run` writes into `repository` for `system` (whose data it holds): each backup, or
// each copy for a copy made every copy_every. Nothing without an RPO. (The retention upkeep
// itself is daily, on the machine holding the maintenance credentials, whoever writes: this
// interval is the margin a retention must keep over it.)
std::optional<Duration> MaintenanceInterval(const Plan& plan, const System& system,
                                            const RepositorySpec& repository) {
  std::optional<Duration> rpo = ObjectivesOf(plan, system).rpo;
  if (!rpo) return std::nullopt;
  Duration backups = BackupInterval(*rpo, plan.run.backup_margin_percent);
  if (repository.copy_from && repository.copy_every) {
    return std::max(backups, *repository.copy_every);
  }
  return backups;
}

void CheckRepository(const Plan& plan, const RepositorySpec& repository, Diagnostics* out) {
  std::optional<Duration> interval;
  std::string because;
  for (const System& system : plan.systems) {
    std::vector<const RepositorySpec*> holders = SystemRepositories(plan, system);
    if (std::find(holders.begin(), holders.end(), &repository) == holders.end()) continue;
    std::optional<Duration> every = MaintenanceInterval(plan, system, repository);
    if (!every || (interval && *interval <= *every)) continue;
    interval = every;
    because = repository.copy_from && repository.copy_every
                  ? "each copy of system '" + system.id + "'"
                  : "each backup of system '" + system.id + "'";
  }
  const int days = repository.object_lock->days;
  if (!interval || Duration::Days(days) > *interval) return;
  out->Error(repository.object_lock_mark, "object-lock-shorter-than-maintenance",
             "repository '" + repository.id + "': object_lock days " + std::to_string(days) +
                 " is not longer than the interval between its writes (" + interval->ToString() +
                 ", " + because +
                 "); only the retention upkeep `run` does on the machine holding its "
                 "maintenance credentials extends the files in use, so one missed upkeep could "
                 "leave them deletable; give more days than " + interval->ToString());
}

}  // namespace

void CheckObjectLock(const Plan& plan, Diagnostics* out) {
  for (const RepositorySpec& repository : plan.repositories) {
    if (plan.FindRepository(repository.id) != &repository) continue;  // a duplicate id
    if (repository.object_lock) CheckRepository(plan, repository, out);
  }
}

}  // namespace stormproof::plan
