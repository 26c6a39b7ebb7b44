// Vendor and site rules: site-single-isp, vendor-no-alternative, single-site.
#include <algorithm>
#include <set>
#include <unordered_map>
#include <vector>

#include "continuity/analysis/internal/audit_context.h"
#include "core/text.h"

namespace stormproof::analysis::internal {
namespace {

// Distinct ids among `refs`, in the order written.
std::vector<std::string> DistinctIds(const std::vector<plan::Ref>& refs) {
  std::vector<std::string> ids;
  for (const plan::Ref& ref : refs) {
    if (std::find(ids.begin(), ids.end(), ref.id) == ids.end()) ids.push_back(ref.id);
  }
  return ids;
}

// Site id -> the systems that run there, each once, in plan order.
std::unordered_map<std::string, std::vector<size_t>> SystemsBySite(const plan::Plan& plan) {
  std::unordered_map<std::string, std::vector<size_t>> by_site;
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    for (const std::string& site : DistinctIds(plan.systems[i].sites)) by_site[site].push_back(i);
  }
  return by_site;
}

std::string SiteLabel(const plan::Site& site) {
  return site.name.empty() ? Quoted(site.id) : Quoted(site.id) + " (" + site.name + ")";
}

void SiteSingleIsp(const AuditContext& context, const plan::Site& site,
                   const std::vector<size_t>& hosted, std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  std::vector<std::string> isps = DistinctIds(site.isps);
  std::vector<size_t> critical;
  for (size_t i : hosted) {
    if (context.critical(i)) critical.push_back(i);
  }
  if (isps.size() > 1 || (critical.empty() && isps.size() != 1)) return;
  Finding f;
  f.severity = critical.empty() ? Severity::kMedium : Severity::kHigh;
  f.area = Area::kVendors;
  f.rule = "site-single-isp";
  std::string links = isps.empty() ? "no ISP" : "a single ISP (" + Quoted(isps[0]) + ")";
  std::vector<std::string> names;
  for (size_t i : critical.empty() ? hosted : critical) {
    names.push_back(Quoted(plan.systems[i].id));
    f.systems.push_back(plan.systems[i].id);
    AddClientOf(plan.systems[i], &f.clients);
  }
  if (site.client &&
      std::find(f.clients.begin(), f.clients.end(), site.client->id) == f.clients.end()) {
    f.clients.insert(f.clients.begin(), site.client->id);
  }
  f.title =
      "Site " + SiteLabel(site) + " has " + links +
      (critical.empty() ? std::string()
                        : " and runs " + std::to_string(critical.size()) + " critical system(s)");
  f.detail = "One cut cable or one ISP outage cuts " + Quoted(site.id) + " off" +
             (names.empty() ? std::string(".") : ", and with it " + NameList(names) + ".");
  f.recommendation =
      "Add a second ISP on a different physical path (or a 4G/5G failover "
      "router) and list it under the site's isps.";
  f.mark = site.mark;
  out->push_back(std::move(f));
}

bool HasAlternative(const plan::Plan& plan, const plan::Vendor& vendor) {
  return std::any_of(vendor.alternatives.begin(), vendor.alternatives.end(),
                     [&](const plan::Ref& ref) {
                       return ref.id != vendor.id && plan.FindVendor(ref.id) != nullptr;
                     });
}

// Vendor id -> the critical systems that rely on it, in plan order.
std::unordered_map<std::string, std::vector<size_t>> CriticalSystemsByVendor(
    const AuditContext& context) {
  std::unordered_map<std::string, std::vector<size_t>> by_vendor;
  const plan::Plan& plan = context.plan();
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    if (!context.critical(i)) continue;
    for (const std::string& vendor : DistinctIds(plan.systems[i].vendors)) {
      by_vendor[vendor].push_back(i);
    }
  }
  return by_vendor;
}

void VendorNoAlternative(const AuditContext& context, const plan::Vendor& vendor,
                         const std::vector<size_t>& relying, std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  if (relying.empty() || HasAlternative(plan, vendor)) return;
  bool infrastructure =
      vendor.kind == plan::VendorKind::kIsp || vendor.kind == plan::VendorKind::kCloud;
  Finding f;
  f.severity = Severity::kMedium;
  f.area = Area::kVendors;
  f.rule = "vendor-no-alternative";
  std::vector<std::string> names, one_site;
  for (size_t i : relying) {
    const plan::System& system = plan.systems[i];
    names.push_back(Quoted(system.id));
    f.systems.push_back(system.id);
    AddClientOf(system, &f.clients);
    if (infrastructure && DistinctIds(system.sites).size() == 1) one_site.push_back(system.id);
  }
  if (!one_site.empty()) f.severity = Severity::kHigh;
  std::string label =
      vendor.name.empty() ? Quoted(vendor.id) : Quoted(vendor.id) + " (" + vendor.name + ")";
  f.title = "Vendor " + label + " has no alternative and " + std::to_string(names.size()) +
            " critical system(s) rely on it";
  f.detail = "If " + Quoted(vendor.id) + " (" + plan::VendorKindName(vendor.kind) +
             ") fails or ends the contract, " + NameList(names) +
             (names.size() == 1 ? " has" : " have") + " no other supplier" +
             (one_site.empty() ? std::string(".")
                               : "; " + NameList(one_site) + " also run at a single site.");
  f.recommendation =
      "Name an alternative vendor (vendors: alternatives) with a tested way to "
      "switch, or a failover system that does not depend on this vendor.";
  f.mark = vendor.mark;
  out->push_back(std::move(f));
}

// True when some failover of system `i` runs at a site other than `site`.
bool FailsOverElsewhere(const plan::Plan& plan, const plan::System& system,
                        const std::string& site) {
  for (const plan::Ref& ref : system.failover) {
    const plan::System* other = plan.FindSystem(ref.id);
    if (other == nullptr || other == &system) continue;
    for (const plan::Ref& s : other->sites) {
      if (s.id != site) return true;
    }
  }
  return false;
}

void SingleSite(const AuditContext& context, size_t i, std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  const plan::System& system = plan.systems[i];
  if (!context.critical(i)) return;
  std::vector<std::string> sites = DistinctIds(system.sites);
  if (sites.size() != 1 || FailsOverElsewhere(plan, system, sites[0])) return;
  Finding f;
  f.severity = Severity::kMedium;
  f.area = Area::kSites;
  f.rule = "single-site";
  f.title =
      "Critical system " + context.SystemLabel(i) + " runs at one site only, " + Quoted(sites[0]);
  f.detail = "A fire, flood or power cut at " + Quoted(sites[0]) + " takes " + Quoted(system.id) +
             " down with no failover system at another site.";
  f.recommendation =
      "Run a standby at a second site and list it under failover, or accept the "
      "restore time from backups in the tier's RTO.";
  AboutSystem(system, &f);
  out->push_back(std::move(f));
}

}  // namespace

void AuditVendorsAndSites(const AuditContext& context, std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  auto by_site = SystemsBySite(plan);
  static const std::vector<size_t> kNoSystems;
  std::set<std::string> seen;  // a duplicated id is audited once, as its first definition
  for (const plan::Site& site : plan.sites) {
    if (!seen.insert(site.id).second) continue;
    auto it = by_site.find(site.id);
    SiteSingleIsp(context, site, it == by_site.end() ? kNoSystems : it->second, out);
  }
  auto by_vendor = CriticalSystemsByVendor(context);
  seen.clear();
  for (const plan::Vendor& vendor : plan.vendors) {
    if (!seen.insert(vendor.id).second) continue;
    auto it = by_vendor.find(vendor.id);
    if (it != by_vendor.end()) VendorNoAlternative(context, vendor, it->second, out);
  }
  for (size_t i = 0; i < plan.systems.size(); ++i) SingleSite(context, i, out);
}

}  // namespace stormproof::analysis::internal
