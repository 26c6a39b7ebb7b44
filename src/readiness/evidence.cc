// The catalog queries behind status: each asks for the newest run of one kind for one system or
// repository (or the last few drills), so each is answered from an index, whatever the number of
// runs recorded.
#include <map>
#include <optional>
#include <string>

#include "readiness/assess.h"

namespace stormproof::readiness::internal {
namespace {

catalog::RunQuery Before(int64_t now_ns) {
  catalog::RunQuery query;
  query.until_ns = now_ns == INT64_MAX ? now_ns : now_ns + 1;
  return query;
}

// The newer of two optional runs by start time.
std::optional<catalog::Run> Newer(std::optional<catalog::Run> a, std::optional<catalog::Run> b) {
  if (!a) return b;
  if (!b) return a;
  return b->started_ns > a->started_ns ? b : a;
}

Result<std::optional<catalog::Run>> LastCheck(
    const catalog::Catalog& catalog, const std::string& repository, int64_t now_ns,
    std::map<std::string, std::optional<catalog::Run>>* checks) {
  auto cached = checks->find(repository);
  if (cached != checks->end()) return cached->second;
  catalog::RunQuery query = Before(now_ns);
  query.kind = catalog::RunKind::kCheck;
  query.repository = repository;
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> check, catalog.LastRun(query));
  (*checks)[repository] = check;
  return check;
}

}  // namespace

Result<std::optional<catalog::Run>> LastGoodBackup(const catalog::Catalog& catalog,
                                                   const std::string& system, int64_t now_ns) {
  catalog::RunQuery query = Before(now_ns);
  query.kind = catalog::RunKind::kBackup;
  query.system = system;
  query.outcomes = {catalog::Outcome::kOk, catalog::Outcome::kWarning};
  return catalog.LastRun(query);
}

Result<Evidence> GatherEvidence(const catalog::Catalog& catalog, const plan::System& system,
                                const analysis::BackupShape& shape, int drill_history,
                                int64_t now_ns,
                                std::map<std::string, std::optional<catalog::Run>>* checks) {
  Evidence evidence;
  STORMPROOF_ASSIGN_OR_RETURN(evidence.last_good_backup,
                              LastGoodBackup(catalog, system.id, now_ns));
  catalog::RunQuery drills = Before(now_ns);
  drills.system = system.id;
  drills.limit = static_cast<size_t>(drill_history > 0 ? drill_history : 1);
  STORMPROOF_ASSIGN_OR_RETURN(evidence.drills, catalog.Drills(drills));
  for (const plan::Repository* repo : shape.repositories) {
    STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> check,
                                LastCheck(catalog, repo->id, now_ns, checks));
    evidence.last_check = Newer(std::move(evidence.last_check), std::move(check));
  }
  return evidence;
}

}  // namespace stormproof::readiness::internal
