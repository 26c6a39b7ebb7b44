// Internals of the single-point-of-failure audit, shared by the rule files audit_*.cc.
//
// AuditContext holds what several rules need and is costly to compute per system: who can
// restore each system (by plan::Restorers, from one skills index instead of a scan of every
// person per system), which systems are critical, and the dependency graph. It is built once per
// Audit() call, then only read; the rules append findings to a vector. Not thread-safe to share
// while being built. restore_order.cc asks it the same question — who can restore a system — for
// `plan order`.
#ifndef STORMPROOF_CONTINUITY_ANALYSIS_INTERNAL_AUDIT_CONTEXT_H_
#define STORMPROOF_CONTINUITY_ANALYSIS_INTERNAL_AUDIT_CONTEXT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/plan/dependency_graph.h"
#include "continuity/plan/plan.h"
#include "continuity/plan/restorers.h"

namespace stormproof::analysis::internal {

class AuditContext {
 public:
  AuditContext(const plan::Plan& plan, const AuditOptions& options);

  const plan::Plan& plan() const { return plan_; }
  Date today() const { return today_; }
  const plan::DependencyGraph& graph() const { return graph_; }

  // The rank of system `i`'s tier, or kNoRank when it has no (known) tier.
  static constexpr int kNoRank = 1 << 30;
  int rank(size_t i) const { return rank_[i]; }
  bool critical(size_t i) const { return rank_[i] == 1; }

  // How many people can restore system `i`: the people plan::PeopleWhoCanRestore() names.
  size_t RestorerCount(size_t i) const { return restorers_[i].size(); }
  // The index into plan.people of the only person who can restore system `i`.
  // REQUIRES: RestorerCount(i) == 1.
  size_t SoleRestorer(size_t i) const { return restorers_[i][0]; }
  // True when person `p` (index into plan.people) can restore system `i` (plan::Restorers).
  bool CanRestore(size_t p, size_t i) const { return index_.CanRestore(p, plan_.systems[i]); }
  // True when person `p` has `skill`, declared or from a training record.
  bool HasSkill(size_t p, const std::string& skill) const { return index_.HasSkill(p, skill); }
  // The index of the person with `id` (the first one when duplicated), or kNoPerson.
  static constexpr size_t kNoPerson = plan::Restorers::kNoPerson;
  size_t PersonIndex(const std::string& id) const { return index_.PersonIndex(id); }

  // True when the person's contacts were verified within policy.contacts_max_age.
  bool ContactsFresh(const plan::Person& person) const;
  // True when some failover of system `i` names a system in the plan.
  bool HasFailover(size_t i) const;

  // "Name (id)" or "id" for display.
  std::string PersonLabel(const std::string& id) const;
  std::string SystemLabel(size_t i) const;

 private:
  const plan::Plan& plan_;
  Date today_;
  plan::DependencyGraph graph_;
  std::vector<int> rank_;
  plan::Restorers index_;                       // who holds which skill
  std::vector<std::vector<size_t>> restorers_;  // by system index: who can restore it
};

// Each adds the findings of one group of rules to `out`.
void AuditPeople(const AuditContext& context, std::vector<Finding>* out);
void AuditVendorsAndSites(const AuditContext& context, std::vector<Finding>* out);
void AuditDependencies(const AuditContext& context, std::vector<Finding>* out);
void AuditBackups(const AuditContext& context, std::vector<Finding>* out);
void AuditContactsAndReview(const AuditContext& context, std::vector<Finding>* out);
void AuditSecurity(const AuditContext& context, std::vector<Finding>* out);
void AuditTraining(const AuditContext& context, std::vector<Finding>* out);
// Immutability and zero errors per repository, from `evidence` (may be null: no catalog).
void AuditRepositoryEvidence(const AuditContext& context, const RepositoryEvidenceMap* evidence,
                             std::vector<Finding>* out);

// Small helpers for writing findings.
std::string Quoted(const std::string& text);
// "a, b, c, d, e and 3 more": at most `limit` items named.
std::string NameList(const std::vector<std::string>& items, size_t limit = 5);
// The system's client id as a one-element list, or empty for an MSP system.
std::vector<std::string> ClientsOf(const plan::System& system);
// Makes `finding` about `system` alone: names the system and its client, and points at where the
// system is written in the plan.
void AboutSystem(const plan::System& system, Finding* finding);
// Adds the client ids of `system` to `clients` unless already there.
void AddClientOf(const plan::System& system, std::vector<std::string>* clients);
// A mark from the plan, falling back to `fallback` when `preferred` has no file.
plan::Mark MarkOr(const plan::Mark& preferred, const plan::Mark& fallback);

}  // namespace stormproof::analysis::internal

#endif  // STORMPROOF_CONTINUITY_ANALYSIS_INTERNAL_AUDIT_CONTEXT_H_
