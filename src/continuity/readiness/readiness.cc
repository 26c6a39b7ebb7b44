// ComputeStatus: gathers each selected system's evidence (plus that of the systems it depends on,
// for the projection), assesses it, then groups systems by client and aggregates the scores.
#include "continuity/readiness/readiness.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/readiness/internal/assess.h"

namespace stormproof::readiness {
namespace {

using internal::Evidence;

// The groups to report, in order: client ids in plan order, then "" (the MSP's own systems).
Result<std::vector<std::string>> SelectGroups(const plan::Plan& plan,
                                              const std::optional<std::string>& client) {
  if (client) {
    if (client->empty() || *client == plan.msp.id) return std::vector<std::string>{""};
    if (plan.FindClient(*client) == nullptr) {
      return Error::NotFound("unknown client '" + *client + "'");
    }
    return std::vector<std::string>{*client};
  }
  std::vector<std::string> groups;
  for (const plan::Client& c : plan.clients) groups.push_back(c.id);
  for (const plan::System& s : plan.systems) {
    if (!s.client) {
      groups.push_back("");
      break;
    }
  }
  return groups;
}

std::string GroupOf(const plan::System& system) { return system.client ? system.client->id : ""; }

// The selected systems and, transitively, everything they depend on.
std::vector<bool> NeededSystems(const plan::DependencyGraph& graph, std::vector<bool> needed) {
  std::vector<size_t> stack;
  for (size_t i = 0; i < needed.size(); ++i) {
    if (needed[i]) stack.push_back(i);
  }
  while (!stack.empty()) {
    size_t node = stack.back();
    stack.pop_back();
    for (size_t dep : graph.depends_on(node)) {
      if (!needed[dep]) {
        needed[dep] = true;
        stack.push_back(dep);
      }
    }
  }
  return needed;
}

void Count(analysis::Severity severity, FindingCounts* counts) {
  switch (severity) {
    case analysis::Severity::kCritical:
      ++counts->critical;
      break;
    case analysis::Severity::kHigh:
      ++counts->high;
      break;
    case analysis::Severity::kMedium:
      ++counts->medium;
      break;
    case analysis::Severity::kLow:
      ++counts->low;
      break;
  }
}

struct AuditCounts {
  std::vector<FindingCounts> by_system;
  std::map<std::string, FindingCounts> by_group;  // client id, "" for findings naming no client
};

AuditCounts CountFindings(const plan::Plan& plan, const std::vector<analysis::Finding>& audit) {
  AuditCounts counts;
  counts.by_system.resize(plan.systems.size());
  for (const analysis::Finding& finding : audit) {
    for (const std::string& id : finding.systems) {
      size_t i = plan.SystemIndex(id);
      if (i < plan.systems.size()) Count(finding.severity, &counts.by_system[i]);
    }
    if (finding.clients.empty()) Count(finding.severity, &counts.by_group[""]);
    for (const std::string& id : finding.clients) Count(finding.severity, &counts.by_group[id]);
  }
  return counts;
}

// Each repository's verdicts, judged once (a repository is shared by many systems).
// `for_clients` and `zero_errors_for_clients` hold the same verdicts worded for a client
// (client_text): a client never reads the name of the MSP person who attested an offline copy,
// what a failed immutability proof was allowed (the MSP's endpoint, bucket and keys), why a
// proof does not count (whose access keys, which bucket), nor the error of a failed check (in a
// shared repository it may name another client's files). The failures and the uncounted proofs
// lose their details only in a status scoped to one client (`client_view`: `status --client`, a
// client's readiness report), what a client reads; the MSP's views of its clients keep them, to
// act on.
struct RepositoryVerdicts {
  std::map<std::string, analysis::ImmutabilityVerdict> immutability, for_clients;
  std::map<std::string, analysis::ZeroErrorsVerdict> zero_errors, zero_errors_for_clients;
};

RepositoryVerdicts JudgeRepositories(const plan::Plan& plan,
                                     const analysis::RepositoryEvidenceMap& evidence, Date today,
                                     bool client_view) {
  RepositoryVerdicts verdicts;
  const analysis::RepositoryEvidence none;
  for (const plan::RepositorySpec& repository : plan.repositories) {
    auto found = evidence.find(repository.id);
    const analysis::RepositoryEvidence& e = found == evidence.end() ? none : found->second;
    analysis::ImmutabilityVerdict verdict = analysis::JudgeImmutability(plan, repository, e, today);
    analysis::ImmutabilityVerdict client = verdict;
    // What the MSP must act on keeps its details in its own views: a failed proof, and a proof
    // that does not count (made with other credentials, or of another location).
    const bool to_act_on =
        verdict.state == analysis::ImmutabilityState::kProofFailed || e.uncounted_proof;
    if (client_view || !to_act_on) client.text = client.client_text;
    verdicts.immutability.emplace(repository.id, std::move(verdict));
    verdicts.for_clients.emplace(repository.id, std::move(client));
    analysis::ZeroErrorsVerdict zero = analysis::JudgeZeroErrors(plan, e, today);
    analysis::ZeroErrorsVerdict zero_for_client = zero;
    if (client_view) zero_for_client.text = zero_for_client.client_text;
    verdicts.zero_errors.emplace(repository.id, std::move(zero));
    verdicts.zero_errors_for_clients.emplace(repository.id, std::move(zero_for_client));
  }
  return verdicts;
}

// The repositories the systems of `group` back up into, and their copies (copy_from), in plan
// order, with their verdicts.
std::vector<RepositoryStatus> RepositoriesOf(const plan::Plan& plan, const std::string& group,
                                             const RepositoryVerdicts& verdicts) {
  std::vector<RepositoryStatus> repositories;
  for (const plan::RepositorySpec& repository : plan.repositories) {
    bool used = std::any_of(plan.systems.begin(), plan.systems.end(), [&](const plan::System& s) {
      if (GroupOf(s) != group) return false;
      std::vector<const plan::RepositorySpec*> held = plan::SystemRepositories(plan, s);
      return std::any_of(held.begin(), held.end(), [&](const plan::RepositorySpec* r) {
        return r->id == repository.id;
      });
    });
    if (!used) continue;
    const auto& immutability = group.empty() ? verdicts.immutability : verdicts.for_clients;
    const auto& zero_errors =
        group.empty() ? verdicts.zero_errors : verdicts.zero_errors_for_clients;
    repositories.push_back(
        {repository.id, immutability.at(repository.id), zero_errors.at(repository.id)});
  }
  return repositories;
}

// Everything about system `i` that does not need the other systems.
SystemStatus AssessOne(const plan::Plan& plan, size_t i, const Evidence& evidence,
                       const StatusOptions& options, const analysis::BackupShape& shape,
                       const RepositoryVerdicts& verdicts) {
  const plan::System& system = plan.systems[i];
  plan::Objectives objectives = plan::ObjectivesOf(plan, system);
  SystemStatus status;
  status.id = system.id;
  status.name = system.name;
  status.client = GroupOf(system);
  if (objectives.tier != nullptr) {
    status.tier = objectives.tier->id;
    status.tier_rank = objectives.tier->rank;
  }
  status.rpo =
      internal::AssessRpo(objectives.rpo, plan.run.backup_margin_percent, evidence, options.now_ns);
  // A system meant to be backed up with no restore point at all would lose everything: that is
  // a breach, not an unknown.
  const bool backed_up = !system.backup.repositories.empty() || !system.restore_command.empty();
  if (backed_up && objectives.rpo && !status.rpo.restore_point_ns) {
    status.rpo.state = RpoState::kBreached;
  }
  status.clean = internal::AssessCleanPoint(evidence.clean, objectives.rpo, options.now_ns);
  std::optional<Cadence> every = objectives.tier ? objectives.tier->drill_every : std::nullopt;
  status.drill = internal::AssessDrillRecency(every, evidence, options.now_ns, options.today);
  status.confidence = internal::AssessConfidence(evidence.drills, objectives.rto);
  status.rto = internal::MeasureOwnRestore(evidence, system, objectives.rto);
  internal::CopyRules copy_rules;
  copy_rules.rpo = objectives.rpo;
  copy_rules.check_every = plan.run.check_every;
  copy_rules.drill_every = every;
  copy_rules.immutability = system.client ? &verdicts.for_clients : &verdicts.immutability;
  status.rule =
      internal::AssessRule32110(shape, evidence, copy_rules, options.now_ns, options.today);
  return status;
}

// Fills each group's scores and the MSP's, capped where a system is breached.
void Aggregate(MspStatus* status) {
  double sum = 0;
  int groups = 0;
  for (ClientStatus& client : status->clients) {
    client.score = internal::WeightedScore(client.systems);
    for (const SystemStatus& system : client.systems) client.breached |= system.breached;
    if (client.score) client.score = internal::CappedScore(*client.score, client.breached);
    status->breached |= client.breached;
    if (client.score) {
      sum += *client.score;
      ++groups;
    }
  }
  status->score = internal::CappedScore(
      groups == 0 ? 0 : static_cast<int>(std::lround(sum / groups)), status->breached);
}

}  // namespace

Result<MspStatus> ComputeStatus(const plan::Plan& plan, const catalog::Catalog* catalog,
                                const StatusOptions& options) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<std::string> groups, SelectGroups(plan, options.client));
  const int drill_history = plan.run.drill_history;
  plan::DependencyGraph graph(plan);
  std::vector<bool> selected(plan.systems.size());
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    selected[i] = std::find(groups.begin(), groups.end(), GroupOf(plan.systems[i])) != groups.end();
  }
  std::vector<bool> needed = NeededSystems(graph, selected);
  // Each repository's checks, read once for its evidence and every system's copy in it.
  std::map<std::string, internal::RepositoryChecks> checks;
  analysis::RepositoryEvidenceMap repository_evidence;
  if (catalog != nullptr) {
    STORMPROOF_ASSIGN_OR_RETURN(repository_evidence, internal::GatherRepositoryEvidence(
                                                         plan, *catalog, options.now_ns, &checks));
  }
  std::vector<catalog::RecordConflict> conflicts;
  if (catalog != nullptr) {
    Result<std::vector<catalog::RecordConflict>> found = catalog->RecordConflicts();
    if (!found) return found.error().WithContext("catalog " + catalog->path());
    conflicts = std::move(found).value();
  }
  const bool client_view = options.client.has_value() && !options.client->empty();
  const RepositoryVerdicts verdicts =
      JudgeRepositories(plan, repository_evidence, options.today, client_view);

  std::vector<SystemStatus> systems(plan.systems.size());
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    if (!needed[i]) continue;
    analysis::BackupShape shape = analysis::ShapeOfBackups(plan, plan.systems[i]);
    Evidence evidence;
    if (catalog != nullptr) {
      auto gathered = internal::GatherEvidence(*catalog, plan.systems[i], shape, drill_history,
                                               options.now_ns, &checks);
      if (!gathered) {
        return gathered.error().WithContext("catalog " + catalog->path() + ": system '" +
                                            plan.systems[i].id + "'");
      }
      evidence = std::move(gathered).value();
    }
    systems[i] = AssessOne(plan, i, evidence, options, shape, verdicts);
  }
  std::vector<RtoProjection> rto(plan.systems.size());
  for (size_t i = 0; i < plan.systems.size(); ++i) rto[i] = std::move(systems[i].rto);
  internal::ProjectAlongDependencies(plan, graph, needed, &rto);
  MspStatus status;
  // The same findings as `plan audit` with this catalog.
  status.findings =
      analysis::Audit(plan, {options.today, catalog != nullptr ? &repository_evidence : nullptr});
  AuditCounts findings = CountFindings(plan, status.findings);
  status.msp_id = plan.msp.id;
  status.msp_name = plan.msp.name;
  status.now_ns = options.now_ns;
  status.today = options.today;
  status.has_catalog = catalog != nullptr;
  std::map<std::string, size_t> group_index;
  for (const std::string& id : groups) {
    group_index[id] = status.clients.size();
    ClientStatus& client = status.clients.emplace_back();
    client.id = id;
    client.name = id.empty() ? plan::ClientName(plan, std::nullopt)
                             : plan::ClientName(plan, plan::Ref{id, {}});
    client.findings = findings.by_group[id];
    client.repositories = RepositoriesOf(plan, id, verdicts);
  }
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    if (!selected[i]) continue;
    SystemStatus& system = systems[i];
    system.rto = std::move(rto[i]);
    system.findings = findings.by_system[i];
    // Why a backup could not hold the clean points names the MSP's storage: not for a client.
    // Nor a person's words on a hold.
    if (client_view && !system.clean.marks_failed.empty()) {
      system.clean.marks_failed = "a backup could not place its holds";
    }
    for (StandingHold& hold : system.clean.holds) {
      if (client_view && hold.by_person) hold.reason = "held by the MSP";
    }
    system.parts = internal::ScoreOf(system);
    internal::JudgeProblems(&system);
    internal::AddConflictProblems(conflicts, client_view, &system);
    system.score = internal::CappedScore(system.parts.Total(), system.breached);
    system.capped = system.score < system.parts.Total();
    status.clients[group_index[system.client]].systems.push_back(std::move(system));
  }
  Aggregate(&status);
  return status;
}

Result<analysis::RepositoryEvidenceMap> internal::GatherRepositoryEvidence(
    const plan::Plan& plan, const catalog::Catalog& catalog, int64_t now_ns,
    std::map<std::string, RepositoryChecks>* checks) {
  analysis::RepositoryEvidenceMap evidence;
  for (const plan::RepositorySpec& repository : plan.repositories) {
    auto found = RepositoryEvidenceOf(catalog, repository, now_ns, checks);
    if (!found) {
      return found.error().WithContext("catalog " + catalog.path() + ": repository '" +
                                       repository.id + "'");
    }
    evidence.emplace(repository.id, std::move(found).value());
  }
  return evidence;
}

Result<analysis::RepositoryEvidenceMap> GatherRepositoryEvidence(const plan::Plan& plan,
                                                                 const catalog::Catalog& catalog,
                                                                 int64_t now_ns) {
  std::map<std::string, internal::RepositoryChecks> checks;
  return internal::GatherRepositoryEvidence(plan, catalog, now_ns, &checks);
}

Result<std::unique_ptr<catalog::Catalog>> OpenExistingCatalog(const std::string& path) {
  std::error_code error;
  bool exists = std::filesystem::exists(path, error);
  if (error) return Error::Io("catalog " + path + ": " + error.message());
  if (!exists) return std::unique_ptr<catalog::Catalog>();
  return catalog::Catalog::Open(path);
}

}  // namespace stormproof::readiness
