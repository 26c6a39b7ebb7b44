// The people side of the runbook model: title, how-to box, roles, call tree, directory, and
// the assembly of all sections.
#include "continuity/report/runbook/internal/runbook_sections.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <utility>

#include "continuity/analysis/client_view.h"

namespace stormproof::report {
namespace runbook_internal {

PersonCard CardFor(const plan::Plan& plan, const std::string& person_id) {
  const plan::Person* person = plan.FindPerson(person_id);
  if (person == nullptr) return PersonCard{person_id, "", {}, "", false};
  PersonCard card{person->name.empty() ? person->id : person->name, person->title, {}, "", true};
  for (const plan::Contact& contact : person->contacts) {
    card.contacts.push_back({plan::ContactKindName(contact.kind), contact.value});
    bool phone_like = contact.kind == plan::ContactKind::kPhone ||
                      contact.kind == plan::ContactKind::kMobile ||
                      contact.kind == plan::ContactKind::kSms;
    if (phone_like && card.primary_phone.empty()) card.primary_phone = contact.value;
  }
  return card;
}

std::string FormatElapsed(Duration elapsed) {
  int64_t minutes = std::max<int64_t>(elapsed.seconds(), 0) / 60;
  char text[40];
  std::snprintf(text, sizeof text, "T+%02lld:%02lld", static_cast<long long>(minutes / 60),
                static_cast<long long>(minutes % 60));
  return text;
}

}  // namespace runbook_internal

namespace {

using runbook_internal::CardFor;

std::optional<PersonCard> CardFor(const plan::Plan& plan, const std::optional<plan::Ref>& ref) {
  if (!ref) return std::nullopt;
  return CardFor(plan, ref->id);
}

bool ContainsWord(std::string text, const std::string& lower_word) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find(lower_word) != std::string::npos;
}

// The role with `id`, else the first whose name contains `keyword` (lower case), else null.
const plan::Role* FindRoleLike(const plan::Plan& plan, const std::string& id,
                               const std::string& keyword) {
  if (const plan::Role* role = plan.FindRole(id)) return role;
  for (const plan::Role& role : plan.roles) {
    if (ContainsWord(role.name, keyword)) return &role;
  }
  return nullptr;
}

// The incident commander role; without one, the first top role (the head of the call tree).
const plan::Role* CommanderRole(const plan::Plan& plan) {
  if (const plan::Role* role = FindRoleLike(plan, "incident-commander", "commander")) return role;
  for (const plan::Role& role : plan.roles) {
    if (!role.reports_to && role.holder) return &role;
  }
  return nullptr;
}

TitleBlock BuildTitle(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  TitleBlock title{plan.msp.name.empty() ? plan.msp.id : plan.msp.name,
                   "",
                   input.generated_on.ToString(),
                   "",
                   "",
                   true,
                   {}};
  if (input.client) {
    const plan::Client* client = plan.FindClient(*input.client);
    title.client_name = client ? client->name : *input.client;
    if (!client) title.warnings.push_back("client '" + *input.client + "' is not in the plan");
  }
  if (plan.review.last) {
    Date next =
        plan.review.last->Add(plan.review.every.value_or(Cadence(3, Cadence::Unit::kMonth)));
    title.review_last = plan.review.last->ToString();
    title.review_next = next.ToString();
    title.review_overdue = next < input.generated_on;
  }
  return title;
}

HowToBlock BuildHowTo(const plan::Plan& plan) {
  HowToBlock how_to{"Incident commander", std::nullopt, std::nullopt};
  const plan::Role* role = CommanderRole(plan);
  if (role == nullptr) return how_to;
  if (!role->name.empty()) how_to.commander_role = role->name;
  how_to.commander = CardFor(plan, role->holder);
  if (!role->backups.empty()) how_to.first_backup = CardFor(plan, role->backups.front().id);
  return how_to;
}

std::vector<RoleRow> BuildRoles(const plan::Plan& plan) {
  std::vector<RoleRow> rows;
  for (const plan::Role& role : plan.roles) {
    RoleRow row{
        role.name.empty() ? role.id : role.name, CardFor(plan, role.holder), {}, role.duties};
    for (const plan::Ref& backup : role.backups) row.backups.push_back(CardFor(plan, backup.id));
    rows.push_back(std::move(row));
  }
  return rows;
}

// Children of each role by reports_to, in plan order; roles reporting to no known role (or to
// themselves) are roots.
std::vector<std::vector<size_t>> RoleChildren(const plan::Plan& plan, std::vector<size_t>* roots) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < plan.roles.size(); ++i) index.emplace(plan.roles[i].id, i);
  std::vector<std::vector<size_t>> children(plan.roles.size());
  for (size_t i = 0; i < plan.roles.size(); ++i) {
    const auto& boss = plan.roles[i].reports_to;
    auto it = boss ? index.find(boss->id) : index.end();
    if (it == index.end() || it->second == i) {
      roots->push_back(i);
    } else {
      children[it->second].push_back(i);
    }
  }
  return children;
}

// Depth-first walk without recursion. Roles caught in a reports_to cycle are never reached
// from a root, so each unvisited role is walked as a root afterwards: nobody is left out.
std::vector<CallTreeEntry> FlattenCallTree(const plan::Plan& plan) {
  std::vector<size_t> roots;
  std::vector<std::vector<size_t>> children = RoleChildren(plan, &roots);
  for (size_t i = 0; i < plan.roles.size(); ++i) roots.push_back(i);
  std::vector<bool> visited(plan.roles.size(), false);
  std::vector<CallTreeEntry> entries;
  for (size_t root : roots) {
    std::vector<std::pair<size_t, int>> stack{{root, 0}};
    while (!stack.empty()) {
      auto [role, depth] = stack.back();
      stack.pop_back();
      if (visited[role]) continue;
      visited[role] = true;
      const plan::Role& r = plan.roles[role];
      entries.push_back({depth, r.name.empty() ? r.id : r.name, CardFor(plan, r.holder)});
      for (auto it = children[role].rbegin(); it != children[role].rend(); ++it) {
        stack.push_back({*it, depth + 1});
      }
    }
  }
  return entries;
}

std::vector<SystemOwnerRow> BuildOwners(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  std::vector<SystemOwnerRow> rows;
  std::map<std::string, size_t> row_of_owner;
  for (const analysis::RestoreStep* step : runbook_internal::StepsInScope(input)) {
    const plan::System& system = plan.systems[step->system];
    if (!system.owner) continue;
    auto [it, added] = row_of_owner.emplace(system.owner->id, rows.size());
    if (added) rows.push_back({CardFor(plan, system.owner->id), {}});
    rows[it->second].systems.push_back(system.name.empty() ? system.id : system.name);
  }
  return rows;
}

CallTree BuildCallTree(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  CallTree tree{FlattenCallTree(plan), "the technical lead", BuildOwners(input)};
  const plan::Role* lead = FindRoleLike(plan, "technical-lead", "technical");
  if (lead && lead->holder) tree.technical_lead = CardFor(plan, lead->holder->id).name;
  return tree;
}

// The person's skills as a runbook shows them: with a client filter, without the skills named
// after another client's system (a skill may be a system id).
std::vector<std::string> SkillsInScope(const RunbookInput& input, const plan::Person& person) {
  if (!input.client) return person.skills;
  std::vector<std::string> skills;
  for (const std::string& skill : person.skills) {
    const plan::System* system = input.plan->FindSystem(skill);
    if (system == nullptr || !system->client || system->client->id == *input.client) {
      skills.push_back(skill);
    }
  }
  return skills;
}

std::vector<PersonRow> BuildPeople(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  std::vector<PersonRow> rows;
  for (const plan::Person& person : plan.people) {
    PersonRow row{CardFor(plan, person.id), "", SkillsInScope(input, person), "", true};
    if (person.deputy) row.deputy = CardFor(plan, person.deputy->id).name;
    if (person.contacts_verified) {
      row.verified = person.contacts_verified->ToString();
      row.stale = person.contacts_verified->Add(plan.policy.contacts_max_age) < input.generated_on;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// With a client filter: the client's view of the findings that concern it
// (analysis/client_view.h) — an MSP-side weakness only as its effect on the client's systems,
// never the MSP's internals as the audit words them, never another client's.
std::vector<FindingRow> BuildFindings(const RunbookInput& input) {
  std::vector<FindingRow> rows;
  for (const analysis::Finding& finding : input.findings) {
    std::optional<analysis::Finding> shown = finding;
    if (input.client) shown = analysis::FindingForClient(*input.plan, finding, *input.client);
    if (!shown) continue;
    rows.push_back({analysis::SeverityName(shown->severity), shown->title, shown->recommendation});
  }
  return rows;
}

std::vector<SectionHeading> Headings(const RunbookModel& model) {
  std::vector<SectionHeading> headings = {
      {kContactsAnchor, "Emergency contacts"}, {kCallTreeAnchor, "Call tree"},
      {kPeopleAnchor, "People directory"},     {kCommsAnchor, "Client communications"},
      {kRestoreAnchor, "Restore order"},
  };
  if (!model.attack.empty()) headings.push_back({kAttackAnchor, "After an attack"});
  headings.push_back({kVendorsAnchor, "Vendors, ISPs and sites"});
  headings.push_back({kSecurityAnchor, "Security controls"});
  if (!model.findings.empty()) headings.push_back({kWeaknessesAnchor, "Known weaknesses"});
  return headings;
}

}  // namespace

RunbookModel BuildRunbookModel(const RunbookInput& input) {
  if (input.plan == nullptr) {
    static const plan::Plan* const kEmptyPlan = new plan::Plan();
    RunbookInput empty = input;
    empty.plan = kEmptyPlan;
    return BuildRunbookModel(empty);
  }
  const plan::Plan& plan = *input.plan;
  RunbookModel model;
  model.title = BuildTitle(input);
  model.how_to = BuildHowTo(plan);
  model.roles = BuildRoles(plan);
  model.call_tree = BuildCallTree(input);
  model.people = BuildPeople(input);
  model.clients = runbook_internal::BuildClientComms(input);
  model.restore = runbook_internal::BuildRestore(input);
  model.attack = runbook_internal::BuildAttackRecovery(input);
  model.vendors = runbook_internal::BuildVendors(input);
  model.sites = runbook_internal::BuildSites(input);
  model.controls = runbook_internal::BuildControls(input);
  model.findings = BuildFindings(input);
  model.sections = Headings(model);
  return model;
}

void WriteSection(const RunbookSectionWriters& writers, const std::string& anchor,
                  const RunbookModel& model, std::string* out) {
  using Slot = RunbookSectionWriters::Writer RunbookSectionWriters::*;
  static const auto* slots = new std::map<std::string, Slot>{
      {kContactsAnchor, &RunbookSectionWriters::contacts},
      {kCallTreeAnchor, &RunbookSectionWriters::call_tree},
      {kPeopleAnchor, &RunbookSectionWriters::people},
      {kCommsAnchor, &RunbookSectionWriters::comms},
      {kRestoreAnchor, &RunbookSectionWriters::restore},
      {kAttackAnchor, &RunbookSectionWriters::attack},
      {kVendorsAnchor, &RunbookSectionWriters::vendors},
      {kSecurityAnchor, &RunbookSectionWriters::security},
      {kWeaknessesAnchor, &RunbookSectionWriters::weaknesses},
  };
  (writers.*slots->at(anchor))(model, out);
}

}  // namespace stormproof::report
