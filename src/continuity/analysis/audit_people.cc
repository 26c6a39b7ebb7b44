// People rules: single-restorer, role-no-reachable-backup, person-spof.
#include <vector>

#include "continuity/analysis/internal/audit_context.h"
#include "core/text.h"

namespace stormproof::analysis::internal {
namespace {

std::string SkillsNeeded(const plan::System& system) {
  if (system.skills.empty()) return "the skill " + Quoted(system.id);
  std::vector<std::string> tags;
  for (const std::string& tag : system.skills) tags.push_back(Quoted(tag));
  return (tags.size() == 1 ? "the skill " : "the skills ") + Join(tags, ", ");
}

void SingleRestorer(const AuditContext& context, size_t i, std::vector<Finding>* out) {
  const plan::System& system = context.plan().systems[i];
  size_t count = context.RestorerCount(i);
  bool critical = context.critical(i);
  if (count >= 2 || (!critical && count == 1)) return;
  Finding f;
  f.area = Area::kPeople;
  f.rule = "single-restorer";
  std::string kind = critical ? "critical system " : "system ";
  if (count == 0) {
    f.severity = critical ? Severity::kCritical : Severity::kMedium;
    f.title = "Nobody can restore " + kind + context.SystemLabel(i);
    f.detail = "No person in the plan owns " + Quoted(system.id) + " or holds " +
               SkillsNeeded(system) + "; after a loss nobody is able to bring it back.";
  } else {
    const plan::Person& only = context.plan().people[context.SoleRestorer(i)];
    f.severity = Severity::kHigh;
    f.title =
        "Only " + context.PersonLabel(only.id) + " can restore " + kind + context.SystemLabel(i);
    f.detail = "If " + context.PersonLabel(only.id) +
               " is ill, on leave or gone, nobody else can restore " + Quoted(system.id) +
               " within its objectives.";
  }
  f.recommendation = "Cross-train a second engineer in " + SkillsNeeded(system) +
                     " (add it to their skills or record the training) and have them lead the "
                     "next restore drill.";
  AboutSystem(system, &f);
  out->push_back(std::move(f));
}

// Why `backup` cannot take over `role`, or "" when they can.
std::string WhyUnreachable(const AuditContext& context, const plan::Role& role,
                           const plan::Ref& backup) {
  const plan::Person* person = context.plan().FindPerson(backup.id);
  if (person == nullptr) return Quoted(backup.id) + " is not a person in the plan";
  if (role.holder && role.holder->id == backup.id) return Quoted(backup.id) + " is the holder";
  if (person->contacts.empty()) return Quoted(backup.id) + " has no contact method";
  if (!person->contacts_verified) return Quoted(backup.id) + "'s contacts were never verified";
  if (!context.ContactsFresh(*person)) {
    return Quoted(backup.id) + "'s contacts were last verified " +
           person->contacts_verified->ToString() + ", more than " +
           context.plan().policy.contacts_max_age.ToString() + " ago";
  }
  return "";
}

// The reasons no backup can take over, or an empty list when one can.
std::vector<std::string> UnreachableBackups(const AuditContext& context, const plan::Role& role,
                                            bool* reachable) {
  std::vector<std::string> reasons;
  *reachable = false;
  for (const plan::Ref& backup : role.backups) {
    std::string why = WhyUnreachable(context, role, backup);
    if (why.empty()) {
      *reachable = true;
      return {};
    }
    reasons.push_back(why);
  }
  return reasons;
}

bool HasReachableBackup(const AuditContext& context, const plan::Role& role) {
  bool reachable = false;
  UnreachableBackups(context, role, &reachable);
  return reachable;
}

std::string RoleLabel(const plan::Role& role) {
  return role.name.empty() ? Quoted(role.id) : Quoted(role.id) + " (" + role.name + ")";
}

void RoleWithoutBackup(const AuditContext& context, const plan::Role& role,
                       std::vector<Finding>* out) {
  bool reachable = false;
  std::vector<std::string> reasons = UnreachableBackups(context, role, &reachable);
  if (reachable) return;
  std::string holder = role.holder ? context.PersonLabel(role.holder->id) : "its holder";
  Finding f;
  f.severity = Severity::kHigh;
  f.area = Area::kPeople;
  f.rule = "role-no-reachable-backup";
  f.title = "Incident role " + RoleLabel(role) +
            (role.backups.empty() ? " has no backup" : " has no reachable backup");
  f.detail = "When " + holder + " cannot be reached, nobody takes over this role" +
             (reasons.empty() ? std::string(".") : ": " + Join(reasons, "; ") + ".");
  f.recommendation =
      "Name at least one backup other than the holder, with a contact method "
      "verified within " +
      context.plan().policy.contacts_max_age.ToString() + ".";
  f.mark = role.mark;
  out->push_back(std::move(f));
}

struct PersonLoad {
  std::vector<size_t> sole_systems;      // critical systems only this person can restore
  std::vector<const plan::Role*> roles;  // roles they hold with no reachable backup
};

std::vector<PersonLoad> LoadByPerson(const AuditContext& context) {
  const plan::Plan& plan = context.plan();
  std::vector<PersonLoad> load(plan.people.size());
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    if (context.critical(i) && context.RestorerCount(i) == 1) {
      load[context.SoleRestorer(i)].sole_systems.push_back(i);
    }
  }
  for (const plan::Role& role : plan.roles) {
    size_t p = role.holder ? context.PersonIndex(role.holder->id) : AuditContext::kNoPerson;
    if (p != AuditContext::kNoPerson && !HasReachableBackup(context, role)) {
      load[p].roles.push_back(&role);
    }
  }
  return load;
}

void PersonSpof(const AuditContext& context, size_t p, const PersonLoad& load,
                std::vector<Finding>* out) {
  if (load.sole_systems.size() < 2 && load.roles.size() < 2) return;
  const plan::Plan& plan = context.plan();
  const plan::Person& person = plan.people[p];
  Finding f;
  f.severity = Severity::kHigh;
  f.area = Area::kPeople;
  f.rule = "person-spof";
  std::vector<std::string> systems, roles;
  for (size_t i : load.sole_systems) {
    systems.push_back(Quoted(plan.systems[i].id));
    f.systems.push_back(plan.systems[i].id);
    AddClientOf(plan.systems[i], &f.clients);
  }
  for (const plan::Role* role : load.roles) roles.push_back(RoleLabel(*role));
  std::vector<std::string> parts;
  if (!systems.empty()) parts.push_back(std::to_string(systems.size()) + " critical system(s)");
  if (!roles.empty()) parts.push_back(std::to_string(roles.size()) + " incident role(s)");
  f.title =
      "Bus factor 1: losing " + context.PersonLabel(person.id) + " stops " + Join(parts, " and ");
  f.detail = context.PersonLabel(person.id) + " is the only person who can restore " +
             (systems.empty() ? "no critical system" : NameList(systems)) + ", and holds " +
             (roles.empty() ? "no uncovered role" : NameList(roles)) +
             " with nobody reachable to take over.";
  f.recommendation =
      "Spread the load: cross-train someone for each of these systems and name a "
      "reachable backup for each role.";
  f.mark = person.mark;
  out->push_back(std::move(f));
}

}  // namespace

void AuditPeople(const AuditContext& context, std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  for (size_t i = 0; i < plan.systems.size(); ++i) SingleRestorer(context, i, out);
  for (const plan::Role& role : plan.roles) RoleWithoutBackup(context, role, out);
  std::vector<PersonLoad> load = LoadByPerson(context);
  for (size_t p = 0; p < load.size(); ++p) PersonSpof(context, p, load[p], out);
}

}  // namespace stormproof::analysis::internal
