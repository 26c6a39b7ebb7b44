#include "continuity/plan/restorers.h"

#include <algorithm>
#include <set>

namespace stormproof::plan {
namespace {

const std::vector<size_t>& NoPeople() {
  static const std::vector<size_t> kEmpty;
  return kEmpty;
}

}  // namespace

Restorers::Restorers(const Plan& plan) : plan_(plan), skills_(plan.people.size()) {
  for (const Person& person : plan.people) {
    size_t p = PersonIndex(person.id);
    skills_[p].insert(person.skills.begin(), person.skills.end());
  }
  for (const TrainingRecord& record : plan.training) {
    size_t p = PersonIndex(record.person.id);
    if (p != kNoPerson) skills_[p].insert(record.skill);
  }
  for (size_t p = 0; p < skills_.size(); ++p) {
    for (const std::string& skill : skills_[p]) holders_[skill].push_back(p);  // p ascending
  }
}

size_t Restorers::PersonIndex(const std::string& id) const {
  const Person* person = plan_.FindPerson(id);
  return person == nullptr ? kNoPerson : static_cast<size_t>(person - plan_.people.data());
}

bool Restorers::HasSkill(size_t p, const std::string& skill) const {
  return skills_[p].count(skill) > 0;
}

const std::vector<size_t>& Restorers::WithSkill(const std::string& skill) const {
  auto it = holders_.find(skill);
  return it == holders_.end() ? NoPeople() : it->second;
}

bool Restorers::CanRestore(size_t p, const System& system) const {
  if (system.owner && PersonIndex(system.owner->id) == p) return true;
  if (HasSkill(p, system.id)) return true;
  if (system.skills.empty()) return false;
  return std::all_of(system.skills.begin(), system.skills.end(),
                     [&](const std::string& tag) { return HasSkill(p, tag); });
}

std::vector<size_t> Restorers::Of(const System& system) const {
  std::set<size_t> found(WithSkill(system.id).begin(), WithSkill(system.id).end());
  size_t owner = system.owner ? PersonIndex(system.owner->id) : kNoPerson;
  if (owner != kNoPerson) found.insert(owner);
  // Candidates by tags come from the rarest tag; each must hold every other tag too.
  const std::vector<size_t>* rarest = nullptr;
  for (const std::string& tag : system.skills) {
    const std::vector<size_t>& holders = WithSkill(tag);
    if (rarest == nullptr || holders.size() < rarest->size()) rarest = &holders;
  }
  if (rarest != nullptr) {
    for (size_t p : *rarest) {
      if (CanRestore(p, system)) found.insert(p);
    }
  }
  return {found.begin(), found.end()};
}

}  // namespace stormproof::plan
