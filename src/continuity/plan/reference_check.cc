#include "continuity/plan/internal/reference_check.h"

#include <functional>
#include <string_view>
#include <unordered_map>

#include "core/text.h"

namespace stormproof::plan {
namespace {

template <typename T>
void DuplicatesIn(const Plan& plan, const std::vector<T>& items, const char* kind,
                  Diagnostics* out) {
  std::unordered_map<std::string_view, const T*> first;
  first.reserve(items.size());
  for (const T& item : items) {
    if (item.id.empty()) continue;  // a missing id is reported by the loader
    auto [it, inserted] = first.emplace(item.id, &item);
    if (!inserted) {
      out->Error(item.mark, "duplicate-id",
                 std::string("duplicate ") + kind + " id " + Quoted(item.id) +
                     " (first defined at " + plan.Where(it->second->mark) + ")");
    }
  }
}

// Resolves references of one kind, suggesting the closest known id for a typo.
class Resolver {
 public:
  template <typename T>
  Resolver(const std::vector<T>& items, const char* kind,
           std::function<bool(const std::string&)> exists)
      : kind_(kind), exists_(std::move(exists)) {
    for (const T& item : items) ids_.push_back(item.id);
  }

  // Reports `ref` unless it resolves; `owner_what` names the referring entity and field.
  bool Check(const Ref& ref, const std::string& owner_what, const char* field,
             Diagnostics* out) const {
    if (exists_(ref.id)) return true;
    std::string message =
        owner_what + ": unknown " + kind_ + " " + Quoted(ref.id) + " in '" + field + "'";
    if (ids_.size() <= 100000) {
      std::vector<std::string_view> candidates(ids_.begin(), ids_.end());
      std::string close = ClosestMatch(ref.id, candidates);
      if (!close.empty()) message += " (did you mean " + Quoted(close) + "?)";
    }
    out->Error(ref.mark, "unknown-reference", message);
    return false;
  }
  void Check(const std::optional<Ref>& ref, const std::string& owner_what, const char* field,
             Diagnostics* out) const {
    if (ref) Check(*ref, owner_what, field, out);
  }
  void Check(const std::vector<Ref>& refs, const std::string& owner_what, const char* field,
             Diagnostics* out) const {
    for (const Ref& ref : refs) Check(ref, owner_what, field, out);
  }

 private:
  const char* kind_;
  std::function<bool(const std::string&)> exists_;
  std::vector<std::string> ids_;
};

struct Resolvers {
  explicit Resolvers(const Plan& p)
      : person(p.people, "person", [&p](const std::string& id) { return p.FindPerson(id); }),
        role(p.roles, "role", [&p](const std::string& id) { return p.FindRole(id); }),
        client(p.clients, "client", [&p](const std::string& id) { return p.FindClient(id); }),
        tier(p.tiers, "tier", [&p](const std::string& id) { return p.FindTier(id); }),
        system(p.systems, "system", [&p](const std::string& id) { return p.FindSystem(id); }),
        vendor(p.vendors, "vendor", [&p](const std::string& id) { return p.FindVendor(id); }),
        site(p.sites, "site", [&p](const std::string& id) { return p.FindSite(id); }),
        repository(p.repositories, "repository",
                   [&p](const std::string& id) { return p.FindRepository(id); }) {}
  Resolver person, role, client, tier, system, vendor, site, repository;
};

void CheckSystemReferences(const Plan& plan, const Resolvers& r, Diagnostics* out) {
  for (const System& s : plan.systems) {
    std::string what = "system " + Quoted(s.id);
    r.client.Check(s.client, what, "client", out);
    r.person.Check(s.owner, what, "owner", out);
    r.tier.Check(s.tier, what, "tier", out);
    r.system.Check(s.depends_on, what, "depends_on", out);
    r.system.Check(s.failover, what, "failover", out);
    r.vendor.Check(s.vendors, what, "vendors", out);
    r.site.Check(s.sites, what, "sites", out);
    r.repository.Check(s.backup.repositories, what, "backup.repositories", out);
    for (const Ref& f : s.failover) {
      if (f.id == s.id) out->Error(f.mark, "self-failover", what + ": cannot fail over to itself");
    }
  }
}

void CheckPeopleReferences(const Plan& plan, const Resolvers& r, Diagnostics* out) {
  for (const Person& p : plan.people) {
    r.person.Check(p.deputy, "person " + Quoted(p.id), "deputy", out);
  }
  for (const Role& role : plan.roles) {
    std::string what = "role " + Quoted(role.id);
    r.person.Check(role.holder, what, "holder", out);
    r.person.Check(role.backups, what, "backups", out);
    r.role.Check(role.reports_to, what, "reports_to", out);
  }
  for (const Client& c : plan.clients) {
    std::string what = "client " + Quoted(c.id);
    r.person.Check(c.comms.liaison, what, "comms.liaison", out);
    for (const auto& [tier, every] : c.comms.update_every) {
      if (!plan.FindTier(tier)) {
        out->Error(c.comms.mark, "unknown-reference",
                   what + ": unknown tier " + Quoted(tier) + " in 'comms.update_every'");
      }
    }
  }
  for (const TrainingRecord& t : plan.training) {
    if (!t.person.id.empty())
      r.person.Check(t.person, "training record", "person", out);  // missing: loader
  }
  r.person.Check(plan.review.owner, "review", "owner", out);
}

void CheckInfrastructureReferences(const Plan& plan, const Resolvers& r, Diagnostics* out) {
  for (const Vendor& v : plan.vendors) {
    r.vendor.Check(v.alternatives, "vendor " + Quoted(v.id), "alternatives", out);
  }
  for (const Site& site : plan.sites) {
    std::string what = "site " + Quoted(site.id);
    r.client.Check(site.client, what, "client", out);
    for (const Ref& isp : site.isps) {
      if (!r.vendor.Check(isp, what, "isps", out)) continue;
      const Vendor* v = plan.FindVendor(isp.id);
      if (v->kind != VendorKind::kIsp) {
        out->Warning(isp.mark, "isp-kind",
                     what + ": " + Quoted(isp.id) + " is listed as an ISP but its kind is " +
                         VendorKindName(v->kind));
      }
    }
  }
  for (const RepositorySpec& repo : plan.repositories) {
    r.site.Check(repo.site, "repository " + Quoted(repo.id), "site", out);
    r.repository.Check(repo.copy_from, "repository " + Quoted(repo.id), "copy_from", out);
  }
}

}  // namespace

void CheckDuplicateIds(const Plan& plan, Diagnostics* out) {
  DuplicatesIn(plan, plan.people, "person", out);
  DuplicatesIn(plan, plan.roles, "role", out);
  DuplicatesIn(plan, plan.clients, "client", out);
  DuplicatesIn(plan, plan.tiers, "tier", out);
  DuplicatesIn(plan, plan.systems, "system", out);
  DuplicatesIn(plan, plan.vendors, "vendor", out);
  DuplicatesIn(plan, plan.sites, "site", out);
  DuplicatesIn(plan, plan.repositories, "repository", out);
  DuplicatesIn(plan, plan.scenarios, "scenario", out);
}

void CheckReferences(const Plan& plan, Diagnostics* out) {
  Resolvers resolvers(plan);
  CheckSystemReferences(plan, resolvers, out);
  CheckPeopleReferences(plan, resolvers, out);
  CheckInfrastructureReferences(plan, resolvers, out);
}

}  // namespace stormproof::plan
