// --absent PERSON: which checklist steps nobody reachable and trained can do.
#include <algorithm>
#include <set>

#include "core/text.h"
#include "drill/drill.h"

namespace stormproof::drill {
namespace {

// People with `skill`, declared or from training records (any date).
std::set<std::string> PeopleWithSkill(const plan::Plan& plan, const std::string& skill) {
  std::set<std::string> out;
  for (const plan::Person& person : plan.people) {
    if (std::find(person.skills.begin(), person.skills.end(), skill) != person.skills.end()) {
      out.insert(person.id);
    }
  }
  for (const plan::TrainingRecord& record : plan.training) {
    if (record.skill == skill) out.insert(record.person.id);
  }
  return out;
}

std::string Uncovered(size_t index, const plan::ChecklistStep& step, const std::string& need,
                      const std::set<std::string>& trained, const plan::Person* absent) {
  std::string line = "step " + std::to_string(index + 1) + " '" + step.text + "' needs " + need;
  if (trained.empty()) return line + ": nobody is trained";
  line += ": only " + Join(std::vector<std::string>(trained.begin(), trained.end()), ", ") +
          (trained.size() == 1 ? " is" : " are") + " trained";
  if (absent != nullptr && absent->deputy) {
    line += "; deputy " + absent->deputy->id + " is not";
  } else if (absent != nullptr) {
    line += "; " + absent->id + " has no deputy";
  }
  return line;
}

}  // namespace

std::vector<std::string> UncoveredSteps(const plan::Plan& plan, const plan::System& system,
                                        const std::string& absent_person) {
  std::vector<std::string> out;
  const plan::Person* absent = plan.FindPerson(absent_person);
  std::vector<std::string> restorers = plan::PeopleWhoCanRestore(plan, system);
  const std::set<std::string> can_restore(restorers.begin(), restorers.end());
  for (size_t i = 0; i < system.checklist.size(); ++i) {
    const plan::ChecklistStep& step = system.checklist[i];
    std::set<std::string> trained =
        step.skill.empty() ? can_restore : PeopleWithSkill(plan, step.skill);
    std::set<std::string> reachable = trained;
    reachable.erase(absent_person);
    if (!reachable.empty()) continue;
    out.push_back(Uncovered(
        i, step,
        step.skill.empty() ? "someone who can restore " + system.id : "skill '" + step.skill + "'",
        trained, absent));
  }
  return out;
}

}  // namespace stormproof::drill
