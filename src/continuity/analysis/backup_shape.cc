#include "continuity/analysis/backup_shape.h"

#include <algorithm>

namespace stormproof::analysis {

BackupShape ShapeOfBackups(const plan::Plan& plan, const plan::System& system) {
  BackupShape shape;
  for (const plan::Ref& ref : system.sites) shape.own_sites.insert(ref.id);
  shape.sites = shape.own_sites;
  for (const plan::RepositorySpec* repo : plan::SystemRepositories(plan, system)) {
    shape.repositories.push_back(repo);
    shape.media.insert(repo->medium);
    if (repo->site) shape.sites.insert(repo->site->id);
    if (IsOffsite(shape, *repo)) shape.offsite = true;
    if (ClaimsImmutable(*repo)) shape.immutable_claimed = true;
  }
  return shape;
}

bool IsOffsite(const BackupShape& shape, const plan::RepositorySpec& repository) {
  return repository.site && !shape.own_sites.count(repository.site->id);
}

bool ClaimsImmutable(const plan::RepositorySpec& repository) {
  return repository.immutable || repository.offline;
}

}  // namespace stormproof::analysis
