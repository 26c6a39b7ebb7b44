#include <algorithm>

#include "continuity/analysis/audit_internal.h"
#include "core/text.h"

namespace stormproof::analysis::internal {
namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

// Adds `p` to `found` unless it is there already or `found` holds two people.
void AddUpToTwo(size_t p, std::vector<size_t>* found) {
  if (p == kNone || found->size() >= 2) return;
  if (std::find(found->begin(), found->end(), p) == found->end()) found->push_back(p);
}

}  // namespace

AuditContext::AuditContext(const plan::Plan& plan, const AuditOptions& options)
    : plan_(plan),
      today_(options.today),
      graph_(plan),
      rank_(plan.systems.size(), kNoRank),
      skills_(plan.people.size()),
      restorers_(plan.systems.size()) {
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    const plan::System& system = plan.systems[i];
    const plan::Tier* tier = system.tier ? plan.FindTier(system.tier->id) : nullptr;
    if (tier != nullptr) rank_[i] = tier->rank;
  }
  IndexSkills();
  for (size_t i = 0; i < plan.systems.size(); ++i) restorers_[i] = FirstTwoRestorers(i);
}

size_t AuditContext::PersonIndex(const std::string& id) const {
  const plan::Person* person = plan_.FindPerson(id);
  return person == nullptr ? kNone : static_cast<size_t>(person - plan_.people.data());
}

void AuditContext::IndexSkills() {
  // Skills gather under the first person with an id, as plan::PeopleWhoCanRestore() does.
  for (const plan::Person& person : plan_.people) {
    size_t p = PersonIndex(person.id);
    skills_[p].insert(person.skills.begin(), person.skills.end());
  }
  for (const plan::TrainingRecord& record : plan_.training) {
    size_t p = PersonIndex(record.person.id);
    if (p != kNone) skills_[p].insert(record.skill);
  }
  for (size_t p = 0; p < skills_.size(); ++p) {
    for (const std::string& skill : skills_[p]) holders_[skill].push_back(p);  // p ascending
  }
}

bool AuditContext::HasSkill(size_t p, const std::string& skill) const {
  return skills_[p].count(skill) > 0;
}

bool AuditContext::CanRestore(size_t p, size_t i) const {
  const plan::System& system = plan_.systems[i];
  if (system.owner && PersonIndex(system.owner->id) == p) return true;
  if (HasSkill(p, system.id)) return true;
  if (system.skills.empty()) return false;
  return std::all_of(system.skills.begin(), system.skills.end(),
                     [&](const std::string& tag) { return HasSkill(p, tag); });
}

std::vector<size_t> AuditContext::FirstTwoRestorers(size_t i) const {
  const plan::System& system = plan_.systems[i];
  std::vector<size_t> found;
  if (system.owner) AddUpToTwo(PersonIndex(system.owner->id), &found);
  auto by_id = holders_.find(system.id);
  if (by_id != holders_.end()) {
    for (size_t p : by_id->second) AddUpToTwo(p, &found);
  }
  if (found.size() >= 2 || system.skills.empty()) return found;
  // Candidates come from the rarest tag; each must hold every other tag too.
  const std::vector<size_t>* rarest = nullptr;
  for (const std::string& tag : system.skills) {
    auto it = holders_.find(tag);
    if (it == holders_.end()) return found;  // nobody holds this tag
    if (rarest == nullptr || it->second.size() < rarest->size()) rarest = &it->second;
  }
  for (size_t p : *rarest) {
    if (found.size() >= 2) break;
    if (CanRestore(p, i)) AddUpToTwo(p, &found);
  }
  return found;
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
