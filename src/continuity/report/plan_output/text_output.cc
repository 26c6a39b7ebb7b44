#include "continuity/report/plan_output/text_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/text.h"

namespace stormproof::report {
namespace {

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string AffectedLine(const analysis::Finding& f) {
  constexpr size_t kShown = 8;
  std::vector<std::string> shown(f.systems.begin(),
                                 f.systems.begin() + std::min(kShown, f.systems.size()));
  std::string line = Join(shown, ", ");
  if (f.systems.size() > kShown) line += fmt::format(" and {} more", f.systems.size() - kShown);
  return line;
}

void AppendFinding(const plan::Plan& plan, const analysis::Finding& f, std::string* out) {
  *out +=
      fmt::format("{:<8}  [{}] {}\n", Upper(analysis::SeverityName(f.severity)), f.rule, f.title);
  if (!f.detail.empty()) *out += fmt::format("          {}\n", f.detail);
  if (!f.recommendation.empty()) *out += fmt::format("          fix: {}\n", f.recommendation);
  if (!f.systems.empty()) *out += fmt::format("          systems: {}\n", AffectedLine(f));
  if (!f.clients.empty()) *out += fmt::format("          clients: {}\n", Join(f.clients, ", "));
  if (f.mark.file >= 0) *out += fmt::format("          at {}\n", plan.Where(f.mark));
}

std::string PersonById(const plan::Plan& plan, const std::optional<plan::Ref>& ref) {
  if (!ref) return "(none)";
  const plan::Person* p = plan.FindPerson(ref->id);
  return p ? PersonWithContacts(*p) : ref->id;
}

// "restored by Bob Baker (deputy), T+1h to T+2h30m, waiting 1h for a free restorer", or why
// nobody can restore it.
std::string RestoredByLine(const plan::Plan& plan, const analysis::RestoreStep& step) {
  if (!step.restorable()) return step.not_restorable;
  const plan::Person* person = plan.FindPerson(step.person);
  std::string line = "restored by " + (person && !person->name.empty() ? person->name : step.person) +
                     " (" + analysis::RestorerName(step.restorer) + "), " +
                     FromIncident(step.starts) + " to " + FromIncident(step.back);
  if (step.starts > step.ready) {
    line += ", waiting " + (step.starts - step.ready).ToString() + " for a free restorer";
  }
  return line;
}

void AppendStep(const plan::Plan& plan, const analysis::RestoreStep& step,
                const RestoreFrom* restore_from, std::string* out) {
  const plan::System& s = plan.systems[step.system];
  plan::Objectives o = plan::ObjectivesOf(plan, s);
  std::string rto = o.rto ? o.rto->ToString() : "-";
  std::string verdict = step.within_rto || !step.restorable() ? "" : "  ** RTO AT RISK **";
  std::string back = step.restorable() ? "back by " + FromIncident(step.back) +
                                             (step.estimated ? "" : " (RTO budget)")
                                       : "CANNOT BE RESTORED";
  *out += fmt::format("{:>3}. {} ({})  client: {}  tier: {}  rto: {}  {}{}\n", step.position,
                      s.name.empty() ? s.id : s.name, s.id, plan::ClientName(plan, s.client),
                      o.tier ? o.tier->id : "-", rto, back, verdict);
  if (step.dependency_only) *out += "     needed by the selected client's systems\n";
  if (!step.waits_for.empty()) {
    *out += fmt::format("     after: {}\n", Join(step.waits_for, ", "));
  }
  *out += "     " + RestoredByLine(plan, step) + "\n";
  if (restore_from != nullptr) {
    auto it = restore_from->find(s.id);
    if (it != restore_from->end() && !it->second.empty()) {
      *out += "     restore from: " + it->second + "\n";
    }
  }
  const plan::Person* owner = s.owner ? plan.FindPerson(s.owner->id) : nullptr;
  *out += fmt::format("     owner: {}\n", PersonById(plan, s.owner));
  *out += fmt::format("     deputy: {}\n", owner ? PersonById(plan, owner->deputy) : "(none)");
  for (size_t i = 0; i < s.checklist.size(); ++i) {
    *out += fmt::format("     [ ] {}. {}\n", i + 1, s.checklist[i].text);
  }
  if (!s.verify_command.empty()) *out += fmt::format("     verify: {}\n", s.verify_command);
}

}  // namespace

std::string FromIncident(const Duration& d) { return "T+" + d.ToString(); }

std::string PersonWithContacts(const plan::Person& person) {
  std::vector<std::string> contacts;
  for (size_t i = 0; i < person.contacts.size() && i < 2; ++i) {
    contacts.push_back(person.contacts[i].value);
  }
  std::string name = person.name.empty() ? person.id : person.name;
  return contacts.empty() ? name : name + " (" + Join(contacts, ", ") + ")";
}

std::string RenderAuditText(const plan::Plan& plan,
                            const std::vector<analysis::Finding>& findings) {
  std::string out;
  std::array<size_t, 4> counts{};
  for (const analysis::Finding& f : findings) {
    AppendFinding(plan, f, &out);
    out += "\n";
    ++counts[static_cast<size_t>(f.severity)];
  }
  if (findings.empty()) out += "No single points of failure found.\n";
  out += fmt::format("{} findings: {} critical, {} high, {} medium, {} low\n", findings.size(),
                     counts[0], counts[1], counts[2], counts[3]);
  return out;
}

std::string RenderOrderText(const plan::Plan& plan, const std::vector<analysis::RestoreStep>& steps,
                            const RestoreFrom* restore_from) {
  std::string out;
  size_t at_risk = 0, lost = 0;
  Duration all_back;
  for (const analysis::RestoreStep& step : steps) {
    AppendStep(plan, step, restore_from, &out);
    out += "\n";
    lost += step.restorable() ? 0 : 1;
    at_risk += step.within_rto || !step.restorable() ? 0 : 1;
    all_back = std::max(all_back, step.back);
  }
  out += fmt::format("{} systems; {} back by {}; {} projected past their RTO", steps.size(),
                     lost == 0 ? "everything" : "the others", FromIncident(all_back), at_risk);
  if (lost > 0) out += fmt::format("; {} cannot be restored", lost);
  return out + "\n";
}

}  // namespace stormproof::report
