#include "continuity/runner/facts.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "continuity/analysis/evidence_rules.h"
#include "continuity/readiness/readiness.h"
#include "continuity/runner/drill_job.h"
#include "continuity/runner/locations.h"
#include "core/time.h"
#include "engine/s3/s3.h"

namespace stormproof::runner {
namespace {

using catalog::Outcome;
using catalog::RunKind;

catalog::RunQuery Query(RunKind kind, const std::string& system, const std::string& repository) {
  catalog::RunQuery query;
  query.kind = kind;
  query.system = system;
  query.repository = repository;
  return query;
}

// The runs of `kind` this catalog recorded itself (own_only) started no later than
// kOwnRunsAheadAllowed after `now_ns`: the runs the upkeep and the forget guard count.
catalog::RunQuery OwnRuns(RunKind kind, const std::string& system, const std::string& repository,
                          int64_t now_ns) {
  catalog::RunQuery query = Query(kind, system, repository);
  query.own_only = true;
  const int64_t allowed_ns = kOwnRunsAheadAllowed.seconds() * kNsPerSecond;
  query.until_ns = now_ns < INT64_MAX - allowed_ns ? now_ns + allowed_ns + 1 : INT64_MAX;
  return query;
}

// The time of the newest snapshot recorded by a successful backup run, if any.
Result<std::optional<int64_t>> NewestRecordedSnapshot(const catalog::Catalog* catalog,
                                                      const std::string& system,
                                                      const std::string& repository) {
  std::optional<int64_t> newest;
  if (catalog == nullptr) return newest;
  catalog::RunQuery query = Query(RunKind::kBackup, system, repository);
  query.outcomes = {Outcome::kOk, Outcome::kWarning};
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> run, catalog->LastRun(query));
  if (run && run->snapshot_time_ns != 0) newest = run->snapshot_time_ns;
  return newest;
}

// Lists an external (restic, borg) repository for the system's restore points (bounded by
// access::ToolTimeoutsFor's listing timeout: a hung tool does not stall `run`).
Result<std::optional<int64_t>> NewestListedSnapshot(const plan::Plan& plan,
                                                    const plan::System& system,
                                                    const plan::RepositorySpec& repository,
                                                    const access::AccessOptions& access) {
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<access::Adapter> adapter,
                              access::MakeRepositoryAdapter(plan, repository, system, access));
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<access::RestorePoint> points, adapter->List());
  std::optional<int64_t> newest;
  for (const access::RestorePoint& point : points) {
    if (point.time_ns != 0) newest = std::max(newest.value_or(point.time_ns), point.time_ns);
  }
  return newest;
}

// Interrupted drills looked past before the system counts as never drilled (bounded query).
constexpr size_t kInterruptedDrillsScanned = 16;

// The newest drill of the system (any outcome; one stopped by SIGINT/SIGTERM proves nothing and
// is looked past, so the drill is due again), whether it failed, and the newest per copy.
Status DrillFacts(const plan::Plan& plan, const catalog::Catalog& catalog,
                  const plan::System& system, Facts* facts) {
  catalog::RunQuery query = Query(RunKind::kDrill, system.id, "");
  query.limit = kInterruptedDrillsScanned;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::DrillRecord> newest, catalog.Drills(query));
  STORMPROOF_ASSIGN_OR_RETURN(facts->last_drill_per_copy[system.id],
                              LastDrillPerCopy(plan, catalog, system));
  std::erase_if(newest,
                [](const catalog::DrillRecord& d) { return catalog::WasInterrupted(d.run); });
  if (newest.empty()) return Ok();
  const catalog::DrillRecord& last = newest.front();
  facts->last_drill_ns[system.id] = last.run.started_ns;
  if (catalog::DidItsJob(last.run.outcome)) return Ok();
  FailedDrill failed{last.run.started_ns, last.run.outcome, last.run.repository, last.run.error};
  if (failed.reason.empty() && !last.drill.reasons.empty()) failed.reason = last.drill.reasons[0];
  facts->failed_drill[system.id] = failed;
  return Ok();
}

// The copies (copy_from) of the system's repositories that it does not back up to directly:
// the newest snapshot of the system a copy run recorded in each, and the newest such run.
Status CopyFacts(const plan::Plan& plan, const catalog::Catalog* catalog,
                 const plan::System& system, Facts* facts, std::set<std::string>* written) {
  for (const plan::RepositorySpec* copy : plan::SystemRepositories(plan, system)) {
    if (!copy->copy_from || BacksUpInto(system, copy->id)) continue;
    if (RepositorySupportOf(*copy).use != RepositoryUse::kWrite) continue;
    written->insert(copy->id);
    if (catalog == nullptr) continue;
    // The newest copy run that did its job: its snapshot and its start.
    catalog::RunQuery done = Query(RunKind::kCopy, system.id, copy->id);
    done.outcomes = {Outcome::kOk, Outcome::kWarning};
    STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> last, catalog->LastRun(done));
    if (last && last->snapshot_time_ns != 0) {
      facts->newest_snapshot_ns[system.id][copy->id] = last->snapshot_time_ns;
    }
    if (last) facts->last_copy_ns[system.id][copy->id] = last->started_ns;
    STORMPROOF_ASSIGN_OR_RETURN(
        std::optional<int64_t> failed,
        NewestRunStart(*catalog, Query(RunKind::kCopy, system.id, copy->id),
                       {Outcome::kFailed, Outcome::kError}));
    if (failed && (!last || *failed > last->started_ns)) {
      facts->copy_failed[system.id].insert(copy->id);
    }
  }
  return Ok();
}

Status SystemFacts(const plan::Plan& plan, const catalog::Catalog* catalog,
                   const access::AccessOptions& access, const plan::System& system, Facts* facts,
                   std::set<std::string>* written, std::vector<std::string>* notes) {
  for (const plan::Ref& ref : system.backup.repositories) {
    const plan::RepositorySpec* repository = plan.FindRepository(ref.id);
    if (repository == nullptr) continue;
    RepositoryUse use = RepositorySupportOf(*repository).use;
    std::optional<int64_t> newest;
    if (use == RepositoryUse::kWrite) {
      written->insert(repository->id);
      STORMPROOF_ASSIGN_OR_RETURN(newest, NewestRecordedSnapshot(catalog, system.id, ref.id));
    } else if (use == RepositoryUse::kRead) {
      auto listed = NewestListedSnapshot(plan, system, *repository, access);
      if (listed) {
        newest = *listed;
      } else {
        notes->push_back("system " + system.id + ": cannot list repository " + ref.id + ": " +
                         listed.error().message());
      }
    }
    if (newest) facts->newest_snapshot_ns[system.id][ref.id] = *newest;
  }
  STORMPROOF_TRY(CopyFacts(plan, catalog, system, facts, written));
  if (catalog == nullptr) return Ok();
  return DrillFacts(plan, *catalog, system, facts);
}

// The newest immutability proof of `spec` (whether its config recorded Object Lock then), and
// whether one counts (readiness::ImmutabilityProofsOf: made with the credentials `run` proves
// with, at the repository's location now): only a proof that counts puts off the next one.
Status ProofFacts(const catalog::Catalog& catalog, const plan::RepositorySpec& spec, Facts* facts) {
  analysis::RepositoryEvidence proofs;
  STORMPROOF_TRY(readiness::ImmutabilityProofsOf(catalog, spec, INT64_MAX, &proofs));
  const std::optional<catalog::ImmutabilityProof>& newest =
      proofs.uncounted_proof ? proofs.uncounted_proof : proofs.proof;
  if (!newest) return Ok();
  Facts::Proof& last = facts->last_proof[spec.id];
  last = {proofs.proof ? proofs.proof->finished_ns : newest->finished_ns,
          newest->retention_days > 0, proofs.proof.has_value()};
  if (proofs.proof) {
    if (std::optional<Date> ends = analysis::ProofRetentionEnds(*proofs.proof)) {
      last.lapses_ns = StartOfDayNs(*ends);
    }
  }
  return Ok();
}

Status RepositoryFacts(const plan::Plan& plan, const catalog::Catalog* catalog,
                       const std::string& repository, int64_t now_ns, Facts* facts) {
  if (catalog == nullptr) return Ok();
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<int64_t> check,
                              NewestRunStart(*catalog, Query(RunKind::kCheck, "", repository),
                                             {Outcome::kOk, Outcome::kWarning, Outcome::kFailed}));
  if (check) facts->last_check_ns[repository] = *check;
  if (const plan::RepositorySpec* spec = plan.FindRepository(repository)) {
    STORMPROOF_TRY(ProofFacts(*catalog, *spec, facts));
  }
  // Prunes and forgets this catalog recorded itself only (own_only): a host's evidence, which
  // any backup host can forge, would otherwise put off the daily retention upkeep (a fresh
  // prune every day), or start a prune here that trusts an index the hosts write (a forget
  // said to have removed snapshots). Nor one dated in the future (OwnRuns).
  STORMPROOF_ASSIGN_OR_RETURN(
      std::optional<int64_t> prune,
      NewestRunStart(*catalog, OwnRuns(RunKind::kPrune, "", repository, now_ns), {Outcome::kOk}));
  if (prune) facts->last_prune_ns[repository] = *prune;
  catalog::RunQuery forgets = OwnRuns(RunKind::kForget, "", repository, now_ns);
  forgets.since_ns = prune.value_or(INT64_MIN);
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::Run> runs, catalog->Runs(forgets));
  // A forget run's `files` counts the snapshots it removed.
  if (std::any_of(runs.begin(), runs.end(), [](const catalog::Run& r) { return r.files > 0; })) {
    facts->prune_pending.insert(repository);
  }
  return Ok();
}

// `repository` and the repositories it is a copy of (copy_from), to the end of the chain.
std::vector<std::string> CopiedFromChain(const plan::Plan& plan, const std::string& repository) {
  std::vector<std::string> chain;
  const plan::RepositorySpec* spec = plan.FindRepository(repository);
  while (spec != nullptr &&
         std::find(chain.begin(), chain.end(), spec->id) == chain.end()) {  // a cycle: stop
    chain.push_back(spec->id);
    spec = spec->copy_from ? plan.FindRepository(spec->copy_from->id) : nullptr;
  }
  if (chain.empty()) chain.push_back(repository);
  return chain;
}

// Where `repository`'s maintenance_credentials_file stands on this machine: nothing when the
// file is absent (a backup host: the repository's maintenance is left to the machine that holds
// it); "" when it can be read (and, for an s3: repository, read as credentials); otherwise one
// line naming the file and what is wrong (present but unreadable or malformed: this is the
// machine meant to hold it, and its upkeep must not be dropped without a word).
std::optional<std::string> MaintenanceCredentialsProblem(const plan::RepositorySpec& repository) {
  const std::string& file = repository.maintenance_credentials_file;
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    return std::nullopt;
  }
  std::string what;
  if (S_ISDIR(info.st_mode)) {
    what = file + ": is a directory";
  } else if (std::ifstream in(file); !in) {
    what = file + ": cannot read: " + std::strerror(errno);
  } else if (s3::IsS3Location(repository.location)) {
    auto resolved = s3::ResolveCredentials({file, "", repository.region});
    if (!resolved) {  // "credentials_file: F:1: ...": said once, as ours
      what = resolved.error().message();
      if (what.starts_with("credentials_file: ")) what.erase(0, 18);
    }
  }
  if (what.empty()) return std::string();
  return "repository " + repository.id + ": maintenance_credentials_file " + what +
         ": its forget, prune and retention upkeep cannot run on this machine";
}

// The own successful backups (outcome ok or warning) of `system` into `into` started in
// [since_ns, now_ns + kOwnRunsAheadAllowed] (OwnRuns).
Result<std::vector<catalog::Run>> OwnBackups(const catalog::Catalog& catalog,
                                             const std::string& system, const std::string& into,
                                             int64_t since_ns, int64_t now_ns) {
  catalog::RunQuery backups = OwnRuns(RunKind::kBackup, system, into, now_ns);
  backups.outcomes = {Outcome::kOk, Outcome::kWarning};
  backups.since_ns = since_ns;
  return catalog.Runs(backups);
}

// Adds to `own` the snapshots of `system` the own backups into `into` wrote (OwnSnapshots).
Status AddOwnBackups(const catalog::Catalog& catalog, const std::string& system,
                     const std::string& into, int64_t since_ns, int64_t now_ns,
                     std::map<std::string, OwnSnapshot>* own) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::Run> runs,
                              OwnBackups(catalog, system, into, since_ns, now_ns));
  for (const catalog::Run& run : runs) {
    if (!run.snapshot_id.empty()) (*own)[run.snapshot_id] = {run.snapshot_time_ns, into};
  }
  return Ok();
}

// The copies a copy run's details list as written (kCopiesWrittenKey): copy id -> source id
// (hex). Details that are no such list give none.
std::map<std::string, std::string> CopiesWritten(const catalog::Run& run) {
  std::map<std::string, std::string> out;
  const nlohmann::json details = nlohmann::json::parse(run.details, nullptr, false);
  if (!details.is_object() || !details.contains(kCopiesWrittenKey)) return out;
  const nlohmann::json& written = details.at(kCopiesWrittenKey);
  if (!written.is_array()) return out;
  for (const nlohmann::json& pair : written) {
    if (!pair.is_object() || !pair.contains("source") || !pair.contains("copy")) continue;
    const nlohmann::json &source = pair.at("source"), &copy = pair.at("copy");
    if (source.is_string() && copy.is_string()) {
      out[copy.get<std::string>()] = source.get<std::string>();
    }
  }
  return out;
}

// Adds to `own` the copies the own copy runs into `into` wrote of snapshots made in `from`
// (already in `own`), with their sources' times (OwnSnapshots).
Status AddOwnCopies(const catalog::Catalog& catalog, const std::string& system,
                    const std::string& into, const std::string& from, int64_t since_ns,
                    int64_t now_ns, std::map<std::string, OwnSnapshot>* own) {
  catalog::RunQuery copies = OwnRuns(RunKind::kCopy, system, into, now_ns);
  copies.outcomes = {Outcome::kOk, Outcome::kWarning, Outcome::kFailed};
  copies.since_ns = since_ns;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::Run> runs, catalog.Runs(copies));
  for (const catalog::Run& run : runs) {
    for (const auto& [copy, source] : CopiesWritten(run)) {
      auto made = own->find(source);
      if (made == own->end() || made->second.repository != from) continue;
      const int64_t time_ns = made->second.time_ns;
      (*own)[copy] = {time_ns, into, source};
    }
  }
  return Ok();
}

}  // namespace

Result<OwnAdditions> OwnAdditionsSinceLastForget(const plan::Plan& plan,
                                                 const catalog::Catalog& catalog,
                                                 const std::string& system,
                                                 const std::string& repository,
                                                 int64_t now_ns) {
  OwnAdditions out;
  catalog::RunQuery forgets = OwnRuns(RunKind::kForget, system, repository, now_ns);
  STORMPROOF_ASSIGN_OR_RETURN(
      out.last_forget_ns,
      NewestRunStart(catalog, forgets, {Outcome::kOk, Outcome::kWarning, Outcome::kFailed}));
  for (const std::string& into : CopiedFromChain(plan, repository)) {
    STORMPROOF_ASSIGN_OR_RETURN(
        std::vector<catalog::Run> runs,
        OwnBackups(catalog, system, into, out.last_forget_ns.value_or(INT64_MIN), now_ns));
    out.snapshots += std::count_if(runs.begin(), runs.end(),
                                   [](const catalog::Run& r) { return !r.snapshot_id.empty(); });
  }
  return out;
}

Result<std::map<std::string, OwnSnapshot>> OwnSnapshots(const plan::Plan& plan,
                                                        const catalog::Catalog& catalog,
                                                        const std::string& system,
                                                        const std::string& repository,
                                                        int64_t since_ns, int64_t now_ns) {
  std::map<std::string, OwnSnapshot> out;
  const std::vector<std::string> chain = CopiedFromChain(plan, repository);
  // From the end of the chain: a copy counts once its source is known to be made here.
  for (size_t i = chain.size(); i-- > 0;) {
    STORMPROOF_TRY(AddOwnBackups(catalog, system, chain[i], since_ns, now_ns, &out));
    if (i + 1 < chain.size()) {
      STORMPROOF_TRY(AddOwnCopies(catalog, system, chain[i], chain[i + 1], since_ns, now_ns, &out));
    }
  }
  return out;
}

Result<std::optional<int64_t>> NewestRunStart(const catalog::Catalog& catalog,
                                              catalog::RunQuery query,
                                              const std::vector<catalog::Outcome>& outcomes) {
  query.outcomes = outcomes;
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> run, catalog.LastRun(query));
  if (!run) return std::optional<int64_t>();
  return std::optional<int64_t>(run->started_ns);
}

Result<Facts> GatherFacts(const plan::Plan& plan, const catalog::Catalog* catalog,
                          const access::AccessOptions& access, const Selection& selection,
                          int64_t now_ns, std::vector<std::string>* notes) {
  Facts facts;
  std::set<std::string> written;
  for (const plan::System& system : plan.systems) {
    if (!Selected(plan, selection, system)) continue;
    STORMPROOF_TRY(SystemFacts(plan, catalog, access, system, &facts, &written, notes));
  }
  for (const plan::RepositorySpec& repository : plan.repositories) {
    if (repository.maintenance_credentials_file.empty()) continue;
    std::optional<std::string> problem = MaintenanceCredentialsProblem(repository);
    if (!problem) {
      facts.maintenance_elsewhere.insert(repository.id);
      continue;
    }
    if (!problem->empty()) facts.maintenance_unusable[repository.id] = *problem;
    written.insert(repository.id);  // maintained here whoever backs up (Decide's upkeep)
  }
  for (const std::string& repository : written) {
    STORMPROOF_TRY(RepositoryFacts(plan, catalog, repository, now_ns, &facts));
  }
  return facts;
}

}  // namespace stormproof::runner
