// The shape of one system's backups as the plan designs them — its distinct repositories, the
// sites and media that would hold copies, whether one copy would be off-site and one is claimed
// immutable or offline — shared by the 3-2-1 rules of the plan audit (audit_backups.cc) and the
// 3-2-1-1-0 rule of `stormproof status` (src/continuity/readiness/copies.cc).
//
// Everything here is *planned*: a repository listed in the plan is a copy only once the catalog
// shows it holding a current backup (readiness does that), and `immutable`/`offline` are claims
// of the plan until an immutability check proves them.
//
// Pure functions of the plan; thread-safe.
#ifndef STORMPROOF_CONTINUITY_ANALYSIS_BACKUP_SHAPE_H_
#define STORMPROOF_CONTINUITY_ANALYSIS_BACKUP_SHAPE_H_

#include <set>
#include <string>
#include <vector>

#include "continuity/plan/plan.h"

namespace stormproof::analysis {

struct BackupShape {
  // Distinct, known, in the order written, then their copies (copy_from): SystemRepositories.
  std::vector<const plan::RepositorySpec*> repositories;
  std::set<std::string> own_sites;                    // where the system runs
  std::set<std::string> sites;                        // own sites plus repository sites
  std::set<plan::Medium> media;                       // the repositories' media
  bool offsite = false;            // a repository at a site where the system does not run
  bool immutable_claimed = false;  // a repository the plan calls immutable or offline
};

// Unknown repository references are skipped (plan check reports them).
BackupShape ShapeOfBackups(const plan::Plan& plan, const plan::System& system);

// True when `repository` has a site and the system (of `shape`) does not run there.
bool IsOffsite(const BackupShape& shape, const plan::RepositorySpec& repository);
// True when the plan calls `repository` immutable or offline (a claim, not a proof).
bool ClaimsImmutable(const plan::RepositorySpec& repository);

}  // namespace stormproof::analysis

#endif  // STORMPROOF_CONTINUITY_ANALYSIS_BACKUP_SHAPE_H_
