// The catalog queries behind status: each asks for the newest runs of one kind for one system or
// repository (or the last few drills), so each is answered from an index, whatever the number of
// runs recorded. A run counts as evidence from the moment it finished: one still running at the
// status moment is skipped, and the next older one is looked at.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "continuity/readiness/internal/assess.h"

namespace stormproof::readiness::internal {
namespace {

// Rows fetched per query while looking for a run finished by the moment.
constexpr size_t kPage = 8;
// The most checks of one repository looked through for one that read data: a repository whose
// last 64 checks read nothing has no recent data verification.
constexpr size_t kMaxChecksScanned = 64;

catalog::RunQuery Before(int64_t now_ns) {
  catalog::RunQuery query;
  query.until_ns = now_ns == INT64_MAX ? now_ns : now_ns + 1;
  return query;
}

catalog::RunQuery Query(catalog::RunKind kind, int64_t now_ns, std::vector<catalog::Outcome> o) {
  catalog::RunQuery query = Before(now_ns);
  query.kind = kind;
  query.outcomes = std::move(o);
  return query;
}

const std::vector<catalog::Outcome> kDidItsJob = {catalog::Outcome::kOk,
                                                  catalog::Outcome::kWarning};
const std::vector<catalog::Outcome> kFailedOrErred = {catalog::Outcome::kFailed,
                                                      catalog::Outcome::kError};

// The newest run matching `query` (started before its until_ns) that finished by `now_ns` and
// satisfies `accept`, looking at no more than `max_rows` rows. Pages backwards by start time.
template <typename Accept>
Result<std::optional<catalog::Run>> NewestFinished(const catalog::Catalog& catalog,
                                                   catalog::RunQuery query, int64_t now_ns,
                                                   Accept accept, size_t max_rows = SIZE_MAX) {
  std::set<int64_t> seen;
  query.limit = kPage;
  while (seen.size() < max_rows) {
    STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::Run> runs, catalog.Runs(query));
    bool fresh = false;
    for (catalog::Run& run : runs) {
      if (!seen.insert(run.id).second) continue;
      fresh = true;
      if (FinishedBy(run, now_ns) && accept(run)) return std::optional(std::move(run));
    }
    if (runs.size() < kPage) break;
    // Next page: runs started no later than the oldest seen (ties are skipped through `seen`).
    int64_t oldest = runs.back().started_ns;
    query.until_ns = fresh ? oldest + 1 : oldest;
  }
  return std::optional<catalog::Run>();
}

// A run stopped by SIGINT/SIGTERM before its verdict is no evidence of failure.
bool NotInterrupted(const catalog::Run& run) { return !catalog::WasInterrupted(run); }

Result<std::optional<catalog::Run>> NewestFinished(const catalog::Catalog& catalog,
                                                   catalog::RunQuery query, int64_t now_ns) {
  return NewestFinished(catalog, std::move(query), now_ns,
                        [](const catalog::Run&) { return true; });
}

// A copy (copy_from) holds the system's data once a copy run recorded a snapshot of it there,
// never because the plan says so: the newest such run stands for a backup when its snapshot is
// newer. `query` asks for the system's good backups in the copy.
Status NewestCopy(const catalog::Catalog& catalog, catalog::RunQuery query, int64_t now_ns,
                  CopyEvidence* copy) {
  query.kind = catalog::RunKind::kCopy;
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> copied,
                              NewestFinished(catalog, query, now_ns, [](const catalog::Run& run) {
                                return run.snapshot_time_ns != 0;
                              }));
  const std::optional<catalog::Run>& backup = copy->last_good_backup;
  if (copied && (!backup || copied->snapshot_time_ns > backup->snapshot_time_ns)) {
    copy->last_good_backup = std::move(copied);
  }
  return Ok();
}

// The checks of `repository` from `checks`, read from the catalog the first time.
Result<const RepositoryChecks*> CachedChecks(const catalog::Catalog& catalog,
                                             const std::string& repository, int64_t now_ns,
                                             std::map<std::string, RepositoryChecks>* checks) {
  auto cached = checks->find(repository);
  if (cached == checks->end()) {
    STORMPROOF_ASSIGN_OR_RETURN(RepositoryChecks found,
                                ChecksOfRepository(catalog, repository, now_ns));
    cached = checks->emplace(repository, std::move(found)).first;
  }
  return &cached->second;
}

Result<CopyEvidence> CopyOf(const catalog::Catalog& catalog, const std::string& system,
                            const plan::RepositorySpec& repository, int64_t now_ns,
                            std::map<std::string, RepositoryChecks>* checks) {
  CopyEvidence copy;
  copy.repository = &repository;
  catalog::RunQuery query = Query(catalog::RunKind::kBackup, now_ns, kDidItsJob);
  query.system = system;
  query.repository = repository.id;
  STORMPROOF_ASSIGN_OR_RETURN(copy.last_good_backup, NewestFinished(catalog, query, now_ns));
  if (repository.copy_from) STORMPROOF_TRY(NewestCopy(catalog, query, now_ns, &copy));
  query.kind = catalog::RunKind::kDrill;
  STORMPROOF_ASSIGN_OR_RETURN(copy.last_good_drill, NewestFinished(catalog, query, now_ns));
  query.outcomes = kFailedOrErred;
  STORMPROOF_ASSIGN_OR_RETURN(copy.last_failed_drill,
                              NewestFinished(catalog, query, now_ns, NotInterrupted));
  STORMPROOF_ASSIGN_OR_RETURN(const RepositoryChecks* checked,
                              CachedChecks(catalog, repository.id, now_ns, checks));
  copy.checks = *checked;
  return copy;
}

// True when a drill could not get the data back intact: a step that locates, restores or
// verifies the data did not do its job. A drill that missed its RTO or whose application check
// failed says nothing against the repository.
bool DataStepFailed(const catalog::DrillRecord& record) {
  for (const catalog::DrillStep& step : record.drill.steps) {
    bool data_step =
        step.name == "locate snapshot" || step.name == "restore" || step.name == "verify data";
    if (data_step && !catalog::DidItsJob(step.outcome)) return true;
  }
  return false;
}

// The newest drill from `repository` finished by `now_ns` that failed on its data (looks at the
// last kMaxChecksScanned failed or erred drills).
Result<std::optional<catalog::Run>> NewestDataFailure(const catalog::Catalog& catalog,
                                                      const std::string& repository,
                                                      int64_t now_ns) {
  catalog::RunQuery query = Query(catalog::RunKind::kDrill, now_ns, kFailedOrErred);
  query.repository = repository;
  query.limit = kMaxChecksScanned;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::DrillRecord> drills, catalog.Drills(query));
  for (catalog::DrillRecord& record : drills) {
    if (FinishedBy(record.run, now_ns) && NotInterrupted(record.run) && DataStepFailed(record)) {
      return std::optional(std::move(record.run));
    }
  }
  return std::optional<catalog::Run>();
}

// The newest prune of `repository` this catalog recorded itself (e->last_prune), and the newest
// one imported from hosts' evidence when it is newer (e->last_reported_prune).
Status PrunesOf(const catalog::Catalog& catalog, const std::string& repository, int64_t now_ns,
                analysis::RepositoryEvidence* e) {
  catalog::RunQuery prunes = Query(catalog::RunKind::kPrune, now_ns, kDidItsJob);
  prunes.repository = repository;
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> newest,
                              NewestFinished(catalog, prunes, now_ns));
  if (newest && newest->imported_from.empty()) {
    e->last_prune = std::move(newest);
    return Ok();
  }
  e->last_reported_prune = std::move(newest);
  prunes.own_only = true;
  STORMPROOF_ASSIGN_OR_RETURN(e->last_prune, NewestFinished(catalog, prunes, now_ns));
  return Ok();
}

}  // namespace

Result<RepositoryChecks> ChecksOfRepository(const catalog::Catalog& catalog,
                                            const std::string& repository, int64_t now_ns) {
  RepositoryChecks checks;
  catalog::RunQuery passed = Query(catalog::RunKind::kCheck, now_ns, kDidItsJob);
  passed.repository = repository;
  STORMPROOF_ASSIGN_OR_RETURN(
      checks.last_read_check,
      NewestFinished(catalog, passed, now_ns, ReadAllData, kMaxChecksScanned));
  STORMPROOF_ASSIGN_OR_RETURN(
      checks.last_partial_check,
      NewestFinished(
          catalog, passed, now_ns,
          [](const catalog::Run& run) { return ReadDataPercent(run) && !ReadAllData(run); },
          kMaxChecksScanned));
  if (checks.last_partial_check) {
    checks.partial_check_percent = ReadDataPercent(*checks.last_partial_check).value_or(0);
  }
  catalog::RunQuery failed = Query(catalog::RunKind::kCheck, now_ns, kFailedOrErred);
  failed.repository = repository;
  STORMPROOF_ASSIGN_OR_RETURN(checks.last_failed_check,
                              NewestFinished(catalog, failed, now_ns, NotInterrupted));
  return checks;
}

Result<analysis::RepositoryEvidence> RepositoryEvidenceOf(
    const catalog::Catalog& catalog, const plan::RepositorySpec& spec, int64_t now_ns,
    std::map<std::string, RepositoryChecks>* checks_cache) {
  const std::string& repository = spec.id;
  analysis::RepositoryEvidence e;
  STORMPROOF_TRY(ImmutabilityProofsOf(catalog, spec, now_ns, &e));
  STORMPROOF_ASSIGN_OR_RETURN(e.attestation, catalog.LatestAttestation(repository, now_ns));
  STORMPROOF_ASSIGN_OR_RETURN(const RepositoryChecks* found,
                              CachedChecks(catalog, repository, now_ns, checks_cache));
  const RepositoryChecks& checks = *found;
  e.last_read_check = checks.last_read_check;
  e.last_partial_check = checks.last_partial_check;
  e.partial_check_percent = checks.partial_check_percent;
  catalog::RunQuery drills = Query(catalog::RunKind::kDrill, now_ns, kDidItsJob);
  drills.repository = repository;
  STORMPROOF_ASSIGN_OR_RETURN(e.last_good_drill, NewestFinished(catalog, drills, now_ns));
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> failed_drill,
                              NewestDataFailure(catalog, repository, now_ns));
  const std::optional<catalog::Run>& failed_check = checks.last_failed_check;
  bool drill_newer =
      failed_drill && (!failed_check || failed_drill->started_ns > failed_check->started_ns);
  e.last_failure = drill_newer ? failed_drill : failed_check;
  STORMPROOF_TRY(PrunesOf(catalog, repository, now_ns, &e));
  return e;
}

bool FinishedBy(const catalog::Run& run, int64_t now_ns) {
  return std::max(run.started_ns, run.finished_ns) <= now_ns;
}

std::optional<double> ReadDataPercent(const catalog::Run& check) {
  nlohmann::json details = nlohmann::json::parse(check.details, nullptr, false);
  if (details.is_object() && details.contains("read_data_percent") &&
      details["read_data_percent"].is_number()) {
    double percent = details["read_data_percent"].get<double>();
    if (percent > 0) return percent;
    return std::nullopt;
  }
  if (check.bytes > 0) return 0.0;  // an older record: read data, share not recorded
  return std::nullopt;
}

bool ReadAllData(const catalog::Run& check) { return ReadDataPercent(check).value_or(0) >= 100; }

Result<std::optional<catalog::Run>> LastGoodBackup(const catalog::Catalog& catalog,
                                                   const std::string& system, int64_t now_ns) {
  catalog::RunQuery query = Query(catalog::RunKind::kBackup, now_ns, kDidItsJob);
  query.system = system;
  return NewestFinished(catalog, query, now_ns);
}

Result<std::vector<catalog::DrillRecord>> RecentDrills(const catalog::Catalog& catalog,
                                                       const std::string& system, size_t limit,
                                                       int64_t now_ns) {
  catalog::RunQuery query = Before(now_ns);
  query.system = system;
  // Skipped: a drill still running at the moment, and drills stopped by SIGINT/SIGTERM (they
  // prove nothing either way); a few more rows than wanted make up for them.
  query.limit = limit + kPage;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::DrillRecord> drills, catalog.Drills(query));
  std::erase_if(drills, [&](const catalog::DrillRecord& d) {
    return !FinishedBy(d.run, now_ns) || catalog::WasInterrupted(d.run);
  });
  if (drills.size() > limit) drills.resize(limit);
  return drills;
}

Result<Evidence> GatherEvidence(const catalog::Catalog& catalog, const plan::System& system,
                                const analysis::BackupShape& shape, int drill_history,
                                int64_t now_ns, std::map<std::string, RepositoryChecks>* checks) {
  Evidence evidence;
  STORMPROOF_ASSIGN_OR_RETURN(evidence.last_good_backup,
                              LastGoodBackup(catalog, system.id, now_ns));
  size_t limit = static_cast<size_t>(drill_history > 0 ? drill_history : 1);
  STORMPROOF_ASSIGN_OR_RETURN(evidence.drills, RecentDrills(catalog, system.id, limit, now_ns));
  for (const plan::RepositorySpec* repo : shape.repositories) {
    STORMPROOF_ASSIGN_OR_RETURN(CopyEvidence copy,
                                CopyOf(catalog, system.id, *repo, now_ns, checks));
    evidence.copies.push_back(std::move(copy));
  }
  STORMPROOF_ASSIGN_OR_RETURN(evidence.clean,
                              GatherCleanEvidence(catalog, system.id, system.host,
                                                  shape.repositories, now_ns));
  return evidence;
}

}  // namespace stormproof::readiness::internal
