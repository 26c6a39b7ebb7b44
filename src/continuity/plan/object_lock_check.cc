#include "continuity/plan/internal/object_lock_check.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/backend/backend.h"
#include "engine/storage/storage.h"

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

// Whether `run` proves the immutability of `repository`: a stormproof repository on s3: that the
// plan calls immutable or gives an object_lock (as runner's decide.cc Prove and
// analysis::CanProveImmutability). A malformed s3: location is bad-location already.
bool IsProvenByRun(const RepositorySpec& repository) {
  if (repository.kind != RepositoryKind::kStormproof) return false;
  if (!repository.immutable && !repository.object_lock) return false;
  Result<storage::Location> location = storage::ParseLocation(repository.location);
  return location && location->kind == storage::LocationKind::kS3;
}

void CheckProofCredentials(const RepositorySpec& repository, Diagnostics* out) {
  if (!repository.credentials_file.empty()) return;
  const bool claimed = repository.immutable;
  out->Error(claimed ? repository.immutable_mark : repository.object_lock_mark,
             "immutable-without-credentials-file",
             "repository '" + repository.id + "': " +
                 (claimed ? "immutable: true" : "object_lock") +
                 " on an s3: location needs credentials_file, the backup hosts' upload-only "
                 "keys: an immutability proof counts only when made with them, and without the "
                 "file the environment of whichever machine runs `run` or `status` "
                 "(AWS_ACCESS_KEY_ID, AWS_PROFILE) decides whose proof counts; add "
                 "credentials_file: /etc/stormproof/" + repository.id + ".credentials");
}

void CheckProofCadence(const Plan& plan, const RepositorySpec& repository, Diagnostics* out) {
  if (!repository.object_lock) return;
  const int days = repository.object_lock->days;
  const int spare = backend::RetentionSpareDays({.days = days});
  const int vouched = std::max(days - spare, 0);
  const Cadence& every = plan.run.check_every;
  if (static_cast<int64_t>(std::ceil(every.ApproxDays())) <= vouched) return;
  const std::string vouch = std::to_string(vouched) + (vouched == 1 ? " day" : " days");
  out->Warning(repository.object_lock_mark, "check-every-exceeds-retention",
               "repository '" + repository.id + "': run.check_every " + every.ToString() +
                   " is longer than the " + vouch + " a proof can vouch for (object_lock days " +
                   std::to_string(days) + " less the " + std::to_string(spare) +
                   " spare day(s) of the retention upkeep): a proof counts for " +
                   every.ToString() + " but shows each object retained only " + vouch +
                   " ahead, after which only the daily upkeep keeps the lock; " +
                   (vouched > 0 ? "set run.check_every to " + std::to_string(vouched) +
                                      "d or less, or give object_lock more days"
                                : std::string("give object_lock more days")));
}

}  // namespace

void CheckImmutabilityProofs(const Plan& plan, Diagnostics* out) {
  for (const RepositorySpec& repository : plan.repositories) {
    if (plan.FindRepository(repository.id) != &repository) continue;  // a duplicate id
    if (!IsProvenByRun(repository)) continue;
    CheckProofCredentials(repository, out);
    CheckProofCadence(plan, repository, out);
  }
}

void CheckObjectLock(const Plan& plan, Diagnostics* out) {
  for (const RepositorySpec& repository : plan.repositories) {
    if (plan.FindRepository(repository.id) != &repository) continue;  // a duplicate id
    if (repository.object_lock) CheckRepository(plan, repository, out);
  }
}

}  // namespace stormproof::plan
