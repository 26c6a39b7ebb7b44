// The outward-facing part of the runbook model: client communications (with each message
// template filled in per system), vendors and sites, security controls.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "continuity/report/runbook/internal/message_template.h"
#include "continuity/report/runbook/internal/runbook_sections.h"

namespace stormproof::report::runbook_internal {
namespace {

bool ClientInScope(const plan::Client& client, const std::optional<std::string>& filter) {
  return !filter || client.id == *filter;
}

std::string TierLabel(const plan::Tier& tier) {
  return tier.name.empty() ? tier.id : tier.name + " (" + tier.id + ")";
}

std::vector<const plan::Tier*> TiersByRank(const plan::Plan& plan) {
  std::vector<const plan::Tier*> tiers;
  for (const plan::Tier& tier : plan.tiers) tiers.push_back(&tier);
  std::stable_sort(tiers.begin(), tiers.end(),
                   [](const plan::Tier* a, const plan::Tier* b) { return a->rank < b->rank; });
  return tiers;
}

std::vector<CadenceRow> BuildCadence(const plan::Plan& plan, const plan::Comms& comms) {
  std::vector<CadenceRow> rows;
  for (const plan::Tier* tier : TiersByRank(plan)) {
    CadenceRow row{TierLabel(*tier), "", false};
    auto it = comms.update_every.find(tier->id);
    if (it != comms.update_every.end()) {
      row = {row.tier, it->second.ToString(), true};
    } else if (tier->update_every) {
      row.interval = tier->update_every->ToString();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Template names: initial, update, resolved (the order they are sent) first, then any others.
std::vector<std::string> TemplateNames(const plan::Comms& comms) {
  std::vector<std::string> names;
  for (const char* name : {"initial", "update", "resolved"}) {
    if (comms.templates.count(name) != 0) names.push_back(name);
  }
  for (const auto& [name, text] : comms.templates) {
    if (name != "initial" && name != "update" && name != "resolved") names.push_back(name);
  }
  return names;
}

// The client's update interval for the system's tier: the client's own, else the tier's.
std::optional<Duration> UpdateInterval(const plan::Plan& plan, const plan::Client& client,
                                       const plan::System& system) {
  const plan::Tier* tier = plan::ObjectivesOf(plan, system).tier;
  if (tier == nullptr) return std::nullopt;
  auto it = client.comms.update_every.find(tier->id);
  if (it != client.comms.update_every.end()) return it->second;
  return tier->update_every;
}

// The values message_template.h fills in; a system's only when `step` is given.
std::map<std::string, std::string> MessageValues(const plan::Plan& plan, const plan::Client& client,
                                                 const analysis::RestoreStep* step) {
  std::map<std::string, std::string> values = {
      {"client", client.name.empty() ? client.id : client.name}};
  if (client.comms.liaison) values["liaison"] = CardFor(plan, client.comms.liaison->id).name;
  if (step == nullptr) return values;
  const plan::System& system = plan.systems[step->system];
  values["system"] = system.name.empty() ? system.id : system.name;
  values["eta"] = DurationInWords(step->back) + " after the incident started";
  if (auto every = UpdateInterval(plan, client, system)) {
    values["next_update"] = DurationInWords(*every) + " from now";
  }
  return values;
}

SystemMessages Messages(const plan::Plan& plan, const plan::Client& client,
                        const analysis::RestoreStep* step) {
  SystemMessages out;
  if (step != nullptr) {
    const plan::System& system = plan.systems[step->system];
    out.system_name = system.name.empty() ? system.id : system.name;
    out.system_id = system.id;
    out.back = FormatElapsed(step->back);
  }
  std::map<std::string, std::string> values = MessageValues(plan, client, step);
  for (const std::string& name : TemplateNames(client.comms)) {
    FilledMessage filled = FillMessage(client.comms.templates.at(name), values);
    out.messages.push_back({name, std::move(filled.text), std::move(filled.unfilled)});
  }
  return out;
}

// One set of messages per system of the client in the runbook's restore order; one unfilled
// for the system when the runbook holds none of them.
std::vector<SystemMessages> BuildMessages(const RunbookInput& input, const plan::Client& client) {
  if (client.comms.templates.empty()) return {};
  const plan::Plan& plan = *input.plan;
  std::vector<SystemMessages> out;
  for (const analysis::RestoreStep* step : StepsInScope(input)) {
    const auto& owner = plan.systems[step->system].client;
    if (owner && owner->id == client.id) out.push_back(Messages(plan, client, step));
  }
  if (out.empty()) out.push_back(Messages(plan, client, nullptr));
  return out;
}

ClientCommsBlock BuildOneClient(const RunbookInput& input, const plan::Client& client) {
  const plan::Plan& plan = *input.plan;
  ClientCommsBlock block{client.name.empty() ? client.id : client.name,
                         {},
                         std::nullopt,
                         std::nullopt,
                         client.comms.channel,
                         BuildCadence(plan, client.comms),
                         BuildMessages(input, client)};
  for (const plan::ClientContact& contact : client.contacts) {
    PersonCard card{contact.name, contact.role, {}, "", true};
    for (const plan::Contact& c : contact.contacts) {
      card.contacts.push_back({plan::ContactKindName(c.kind), c.value});
    }
    block.contacts.push_back(std::move(card));
  }
  if (!client.comms.liaison) return block;
  block.liaison = CardFor(plan, client.comms.liaison->id);
  const plan::Person* liaison = plan.FindPerson(client.comms.liaison->id);
  if (liaison && liaison->deputy) block.liaison_deputy = CardFor(plan, liaison->deputy->id);
  return block;
}

std::string VendorName(const plan::Plan& plan, const std::string& id) {
  const plan::Vendor* vendor = plan.FindVendor(id);
  return vendor && !vendor->name.empty() ? vendor->name : id;
}

std::string FormatCoverage(const std::optional<double>& percent) {
  if (!percent) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%g%%", *percent);
  return text;
}

void AddControls(const RunbookInput& input, const std::string& owner,
                 const std::vector<plan::SecurityControl>& controls,
                 std::vector<ControlRow>* rows) {
  for (const plan::SecurityControl& control : controls) {
    ControlRow row{owner,
                   plan::ControlKindName(control.kind),
                   control.product,
                   FormatCoverage(control.coverage_percent),
                   "",
                   true};
    if (control.last_evidence) {
      Cadence max_age = control.evidence_every.value_or(input.plan->policy.evidence_max_age);
      row.last_evidence = control.last_evidence->ToString();
      row.stale = control.last_evidence->Add(max_age) < input.generated_on;
    }
    rows->push_back(std::move(row));
  }
}

// With a client filter, the vendors its runbook needs: those of the systems in scope and the
// ISPs of the sites in scope (BuildSites), with their alternatives. Another client's suppliers
// and account numbers are not shown.
std::set<std::string> VendorsInScope(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  std::set<std::string> ids;
  if (!input.client) return ids;
  for (const analysis::RestoreStep* step : StepsInScope(input)) {
    for (const plan::Ref& ref : plan.systems[step->system].vendors) ids.insert(ref.id);
  }
  for (const plan::Site& site : plan.sites) {
    if (site.client && site.client->id != *input.client) continue;
    for (const plan::Ref& isp : site.isps) ids.insert(isp.id);
  }
  std::set<std::string> with_alternatives = ids;
  for (const std::string& id : ids) {
    const plan::Vendor* vendor = plan.FindVendor(id);
    if (vendor == nullptr) continue;
    for (const plan::Ref& alt : vendor->alternatives) with_alternatives.insert(alt.id);
  }
  return with_alternatives;
}

}  // namespace

std::vector<ClientCommsBlock> BuildClientComms(const RunbookInput& input) {
  std::vector<ClientCommsBlock> blocks;
  for (const plan::Client& client : input.plan->clients) {
    if (ClientInScope(client, input.client)) blocks.push_back(BuildOneClient(input, client));
  }
  return blocks;
}

std::vector<VendorRow> BuildVendors(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  std::set<std::string> in_scope = VendorsInScope(input);
  std::vector<VendorRow> rows;
  for (const plan::Vendor& vendor : plan.vendors) {
    if (input.client && in_scope.count(vendor.id) == 0) continue;
    VendorRow row{vendor.name.empty() ? vendor.id : vendor.name,
                  plan::VendorKindName(vendor.kind),
                  vendor.support,
                  {},
                  {}};
    for (const plan::Contact& c : vendor.contacts) {
      row.contacts.push_back({plan::ContactKindName(c.kind), c.value});
    }
    for (const plan::Ref& alt : vendor.alternatives) {
      row.alternatives.push_back(VendorName(plan, alt.id));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// With a client filter: that client's sites and the MSP's own (which its restores need).
std::vector<SiteRow> BuildSites(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  std::vector<SiteRow> rows;
  for (const plan::Site& site : plan.sites) {
    if (input.client && site.client && site.client->id != *input.client) continue;
    SiteRow row{site.name.empty() ? site.id : site.name,
                plan::ClientName(plan, site.client),
                site.address,
                {}};
    for (const plan::Ref& isp : site.isps) row.isps.push_back(VendorName(plan, isp.id));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<ControlRow> BuildControls(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  std::vector<ControlRow> rows;
  AddControls(input, plan::ClientName(plan, std::nullopt), plan.msp.security, &rows);
  for (const plan::Client& client : plan.clients) {
    if (!ClientInScope(client, input.client)) continue;
    AddControls(input, client.name.empty() ? client.id : client.name, client.security, &rows);
  }
  return rows;
}

}  // namespace stormproof::report::runbook_internal
