// --absent PERSON: which checklist steps nobody reachable and trained can do.
#include <set>

#include "continuity/drill/drill.h"
#include "continuity/plan/restorers.h"
#include "core/text.h"

namespace stormproof::drill {
namespace {

// The ids of `people` (indexes into plan.people).
std::set<std::string> IdsOf(const plan::Plan& plan, const std::vector<size_t>& people) {
  std::set<std::string> out;
  for (size_t p : people) out.insert(plan.people[p].id);
  return out;
}

// Who a step (or the whole restore) needs, in words: "someone trained in soe-exact".
std::string Needed(const plan::System& system, const std::string& skill) {
  if (!skill.empty()) return "someone trained in " + skill;
  std::string need = "someone who can restore " + system.id;
  if (!system.skills.empty()) need += " (skills: " + Join(system.skills, ", ") + ")";
  return need;
}

// "; deputy bob is not trained in it", "; raj-patel has no deputy", "" for an unknown person.
std::string DeputyNote(const plan::Person* absent) {
  if (absent == nullptr) return "";
  if (absent->deputy) return "; deputy " + absent->deputy->id + " is not trained in it";
  return "; " + absent->id + " has no deputy";
}

// One uncovered task: "only ann can do step 1 'X'; needed: someone trained in db (...)".
// `trained` holds nobody reachable: it is empty or only the absent person.
std::string Uncovered(const std::string& task, const std::string& need,
                      const std::set<std::string>& trained, const plan::Person* absent) {
  std::string who = trained.empty() ? "nobody" : "only " + *trained.begin();
  return who + " can " + task + "; needed: " + need + DeputyNote(absent);
}

}  // namespace

std::vector<std::string> UncoveredSteps(const plan::Plan& plan, const plan::System& system,
                                        const std::string& absent_person) {
  std::vector<std::string> out;
  const plan::Person* absent = plan.FindPerson(absent_person);
  const plan::Restorers restorers(plan);
  const std::set<std::string> can_restore = IdsOf(plan, restorers.Of(system));
  if (system.checklist.empty() && !can_restore.empty()) {
    std::set<std::string> reachable = can_restore;
    reachable.erase(absent_person);
    if (reachable.empty()) {
      out.push_back(Uncovered("restore " + system.id, Needed(system, ""), can_restore, absent));
    }
    return out;
  }
  for (size_t i = 0; i < system.checklist.size(); ++i) {
    const plan::ChecklistStep& step = system.checklist[i];
    std::set<std::string> trained =
        step.skill.empty() ? can_restore : IdsOf(plan, restorers.WithSkill(step.skill));
    std::set<std::string> reachable = trained;
    reachable.erase(absent_person);
    if (!reachable.empty()) continue;
    std::string task = "do step " + std::to_string(i + 1) + " '" + step.text + "'";
    out.push_back(Uncovered(task, Needed(system, step.skill), trained, absent));
  }
  return out;
}

}  // namespace stormproof::drill
