// Training rule: training-stale — a person relied on for a skill whose newest training in it is
// older than policy.training_max_age (or undated).
//
// "Relied on" means the skill is needed by a system they can restore: it is the system's id, one
// of its skill tags or the skill of one of its checklist steps. To stay fast on large plans the
// systems are indexed once by skill, as distinct tag sets, instead of being scanned per record.
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "continuity/analysis/internal/audit_context.h"

namespace stormproof::analysis::internal {
namespace {

// The newest training record of one person in one skill.
struct NewestTraining {
  size_t person = AuditContext::kNoPerson;
  const plan::TrainingRecord* record = nullptr;
};

bool Newer(const plan::TrainingRecord& a, const plan::TrainingRecord& b) {
  if (!a.date) return false;  // an undated record proves nothing
  return !b.date || *a.date > *b.date;
}

std::vector<NewestTraining> NewestByPersonAndSkill(const AuditContext& context) {
  std::vector<NewestTraining> newest;
  std::unordered_map<std::string, size_t> at;  // "person\0skill" -> index in newest
  for (const plan::TrainingRecord& record : context.plan().training) {
    size_t p = context.PersonIndex(record.person.id);
    if (p == AuditContext::kNoPerson) continue;
    std::string key = record.person.id + '\0' + record.skill;
    auto [it, inserted] = at.emplace(key, newest.size());
    if (inserted) {
      newest.push_back({p, &record});
    } else if (Newer(record, *newest[it->second].record)) {
      newest[it->second].record = &record;
    }
  }
  return newest;
}

// Which skills each system needs, indexed for "is this person relied on for this skill".
class SkillDemand {
 public:
  explicit SkillDemand(const AuditContext& context)
      : context_(context), owner_needs_(context.plan().people.size()) {
    const plan::Plan& plan = context.plan();
    for (const plan::System& system : plan.systems) {
      std::vector<std::string> tags(system.skills.begin(), system.skills.end());
      std::set<std::string> needed(tags.begin(), tags.end());
      for (const plan::ChecklistStep& step : system.checklist) {
        if (!step.skill.empty()) needed.insert(step.skill);
      }
      if (!tags.empty()) {
        std::set<std::string> signature(tags.begin(), tags.end());
        for (const std::string& skill : needed) by_tags_[skill].insert(signature);
      }
      size_t owner =
          system.owner ? context.PersonIndex(system.owner->id) : AuditContext::kNoPerson;
      if (owner == AuditContext::kNoPerson) continue;
      owner_needs_[owner].insert(needed.begin(), needed.end());
      owner_needs_[owner].insert(system.id);
    }
  }

  bool ReliedOn(size_t p, const std::string& skill) const {
    if (owner_needs_[p].count(skill)) return true;
    size_t system = context_.plan().SystemIndex(skill);
    if (system != std::string::npos && context_.CanRestore(p, system)) return true;
    auto it = by_tags_.find(skill);
    if (it == by_tags_.end()) return false;
    for (const std::set<std::string>& signature : it->second) {
      bool all = true;
      for (const std::string& tag : signature) all = all && context_.HasSkill(p, tag);
      if (all) return true;
    }
    return false;
  }

 private:
  const AuditContext& context_;
  std::vector<std::unordered_set<std::string>> owner_needs_;  // by person index
  // skill -> the distinct tag sets of systems that need it; holding a whole set means being
  // able to restore such a system.
  std::unordered_map<std::string, std::set<std::set<std::string>>> by_tags_;
};

void TrainingStale(const AuditContext& context, const NewestTraining& newest,
                   std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  const plan::TrainingRecord& record = *newest.record;
  std::string who = context.PersonLabel(plan.people[newest.person].id);
  Finding f;
  f.severity = Severity::kLow;
  f.area = Area::kTraining;
  f.rule = "training-stale";
  f.title = "Training of " + who + " in " + Quoted(record.skill) +
            (record.date ? " dates from " + record.date->ToString() : std::string(" is undated"));
  f.detail = "Training older than " + plan.policy.training_max_age.ToString() + " fades, and " +
             who + " is relied on to restore systems that need " + Quoted(record.skill) + ".";
  f.recommendation = "Refresh it: a restore drill or a tabletop led by " + who +
                     ", recorded as a training record.";
  if (const plan::System* system = plan.FindSystem(record.skill)) {
    f.systems = {system->id};
    f.clients = ClientsOf(*system);
  }
  f.mark = record.mark;
  out->push_back(std::move(f));
}

}  // namespace

void AuditTraining(const AuditContext& context, std::vector<Finding>* out) {
  std::vector<NewestTraining> stale;
  for (const NewestTraining& newest : NewestByPersonAndSkill(context)) {
    const std::optional<Date>& date = newest.record->date;
    if (!date || date->Add(context.plan().policy.training_max_age) < context.today()) {
      stale.push_back(newest);
    }
  }
  if (stale.empty()) return;
  SkillDemand demand(context);
  for (const NewestTraining& newest : stale) {
    if (demand.ReliedOn(newest.person, newest.record->skill)) TrainingStale(context, newest, out);
  }
}

}  // namespace stormproof::analysis::internal
