// The outward-facing part of the runbook model: client communications, vendors and sites,
// security controls.
#include <algorithm>
#include <cstdio>
#include <utility>

#include "report/runbook_sections.h"

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

// initial, update, resolved (the order they are sent) first, then any others by name.
std::vector<TemplateRow> BuildTemplates(const plan::Comms& comms) {
  std::vector<TemplateRow> rows;
  for (const char* name : {"initial", "update", "resolved"}) {
    auto it = comms.templates.find(name);
    if (it != comms.templates.end()) rows.push_back({it->first, it->second});
  }
  for (const auto& [name, text] : comms.templates) {
    if (name != "initial" && name != "update" && name != "resolved") rows.push_back({name, text});
  }
  return rows;
}

ClientCommsBlock BuildOneClient(const plan::Plan& plan, const plan::Client& client) {
  ClientCommsBlock block{client.name.empty() ? client.id : client.name,
                         {},
                         std::nullopt,
                         std::nullopt,
                         client.comms.channel,
                         BuildCadence(plan, client.comms),
                         BuildTemplates(client.comms)};
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

}  // namespace

std::vector<ClientCommsBlock> BuildClientComms(const RunbookInput& input) {
  std::vector<ClientCommsBlock> blocks;
  for (const plan::Client& client : input.plan->clients) {
    if (ClientInScope(client, input.client)) blocks.push_back(BuildOneClient(*input.plan, client));
  }
  return blocks;
}

std::vector<VendorRow> BuildVendors(const plan::Plan& plan) {
  std::vector<VendorRow> rows;
  for (const plan::Vendor& vendor : plan.vendors) {
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
