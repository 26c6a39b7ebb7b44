#include <algorithm>

#include "continuity/analysis/internal/audit_context.h"
#include "core/text.h"

namespace stormproof::analysis::internal {

AuditContext::AuditContext(const plan::Plan& plan, const AuditOptions& options)
    : plan_(plan),
      today_(options.today),
      graph_(plan),
      rank_(plan.systems.size(), kNoRank),
      index_(plan),
      restorers_(plan.systems.size()) {
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    const plan::System& system = plan.systems[i];
    const plan::Tier* tier = system.tier ? plan.FindTier(system.tier->id) : nullptr;
    if (tier != nullptr) rank_[i] = tier->rank;
    restorers_[i] = index_.Of(system);
  }
}

bool AuditContext::ContactsFresh(const plan::Person& person) const {
  return person.contacts_verified &&
         !(person.contacts_verified->Add(plan_.policy.contacts_max_age) < today_);
}

bool AuditContext::HasFailover(size_t i) const {
  const std::vector<plan::Ref>& failover = plan_.systems[i].failover;
  return std::any_of(failover.begin(), failover.end(), [&](const plan::Ref& ref) {
    return ref.id != plan_.systems[i].id && plan_.FindSystem(ref.id) != nullptr;
  });
}

std::string AuditContext::PersonLabel(const std::string& id) const {
  const plan::Person* person = plan_.FindPerson(id);
  if (person == nullptr || person->name.empty()) return Quoted(id);
  return person->name + " (" + id + ")";
}

std::string AuditContext::SystemLabel(size_t i) const {
  const plan::System& system = plan_.systems[i];
  if (system.name.empty()) return Quoted(system.id);
  return Quoted(system.id) + " (" + system.name + ")";
}

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

std::string NameList(const std::vector<std::string>& items, size_t limit) {
  if (items.size() <= limit) {
    if (items.size() < 2) return Join(items, "");
    std::vector<std::string> head(items.begin(), items.end() - 1);
    return Join(head, ", ") + " and " + items.back();
  }
  std::vector<std::string> head(items.begin(), items.begin() + static_cast<long>(limit));
  return Join(head, ", ") + " and " + std::to_string(items.size() - limit) + " more";
}

std::vector<std::string> ClientsOf(const plan::System& system) {
  if (!system.client) return {};
  return {system.client->id};
}

void AboutSystem(const plan::System& system, Finding* finding) {
  finding->systems = {system.id};
  finding->clients = ClientsOf(system);
  finding->mark = system.mark;
}

void AddClientOf(const plan::System& system, std::vector<std::string>* clients) {
  if (!system.client) return;
  if (std::find(clients->begin(), clients->end(), system.client->id) == clients->end()) {
    clients->push_back(system.client->id);
  }
}

plan::Mark MarkOr(const plan::Mark& preferred, const plan::Mark& fallback) {
  return preferred.file >= 0 ? preferred : fallback;
}

}  // namespace stormproof::analysis::internal
