// The shape of one system's backups — its distinct repositories, the sites and media that hold
// copies, whether one copy is off-site and one immutable or offline — shared by the 3-2-1 rules
// of the plan audit (audit_backups.cc) and the 3-2-1-1-0 score of `stormproof status`.
//
// A pure function of the plan; thread-safe.
#ifndef STORMPROOF_ANALYSIS_BACKUP_SHAPE_H_
#define STORMPROOF_ANALYSIS_BACKUP_SHAPE_H_

#include <set>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace stormproof::analysis {

struct BackupShape {
  std::vector<const plan::Repository*> repositories;  // distinct, known, in the order written
  std::set<std::string> own_sites;                    // where the system runs
  std::set<std::string> sites;                        // own sites plus repository sites
  std::set<plan::Medium> media;                       // the repositories' media
  bool offsite = false;    // a repository at a site where the system does not run
  bool immutable = false;  // a repository immutable or offline
};

// Unknown repository references are skipped (plan check reports them).
BackupShape ShapeOfBackups(const plan::Plan& plan, const plan::System& system);

}  // namespace stormproof::analysis

#endif  // STORMPROOF_ANALYSIS_BACKUP_SHAPE_H_
