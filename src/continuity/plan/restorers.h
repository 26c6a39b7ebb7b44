// Who can restore what: the one rule behind plan::PeopleWhoCanRestore, the single-point-of-failure
// audit, `plan order` and `drill --absent`.
//
// A person holds a skill when their `skills:` declare it or one of their training records names
// it (of any date; whether that training is stale is the audit's training-stale rule). A person
// can restore a system when they own it, or hold a skill named after the system id, or hold every
// one of the system's skill tags. Only people the plan knows count: an owner or a training record
// naming an id that no person has counts for nobody. When a person id is written twice, the first
// person with it holds the skills of both.
//
// A Restorers index is built once from a Plan (which must outlive it, unchanged), then only read:
// safe to share between threads. Person indexes are positions in Plan::people.
#ifndef STORMPROOF_CONTINUITY_PLAN_RESTORERS_H_
#define STORMPROOF_CONTINUITY_PLAN_RESTORERS_H_

#include <cstddef>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "continuity/plan/plan.h"

namespace stormproof::plan {

class Restorers {
 public:
  // PersonIndex() of an id no person has.
  static constexpr size_t kNoPerson = static_cast<size_t>(-1);

  explicit Restorers(const Plan& plan);

  // The index of the person with `id` (the first one when duplicated), or kNoPerson.
  size_t PersonIndex(const std::string& id) const;
  // True when person `p` holds `skill`, declared or from a training record.
  // REQUIRES: p < plan.people.size().
  bool HasSkill(size_t p, const std::string& skill) const;
  // The people who hold `skill`, ascending; empty when nobody does.
  const std::vector<size_t>& WithSkill(const std::string& skill) const;
  // True when person `p` can restore `system` by the rule above.
  // REQUIRES: p < plan.people.size().
  bool CanRestore(size_t p, const System& system) const;
  // Everyone who can restore `system`, ascending; found from the skill index, without a scan
  // of every person.
  std::vector<size_t> Of(const System& system) const;

 private:
  const Plan& plan_;
  std::vector<std::unordered_set<std::string>> skills_;           // by person index
  std::unordered_map<std::string, std::vector<size_t>> holders_;  // skill -> people, ascending
};

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_RESTORERS_H_
