#include "continuity/plan/plan.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace stormproof::plan {
namespace {

template <typename T, typename Index>
void IndexById(const std::vector<T>& items, Index* index) {
  index->clear();
  index->reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) index->emplace(items[i].id, i);  // first one wins
}

template <typename T, typename Index>
const T* Lookup(const std::vector<T>& items, const Index& index, const std::string& id) {
  auto it = index.find(id);
  return it == index.end() ? nullptr : &items[it->second];
}

}  // namespace

const char* ContactKindName(ContactKind kind) {
  switch (kind) {
    case ContactKind::kEmail:
      return "email";
    case ContactKind::kPhone:
      return "phone";
    case ContactKind::kMobile:
      return "mobile";
    case ContactKind::kChat:
      return "chat";
    case ContactKind::kSms:
      return "sms";
    case ContactKind::kPager:
      return "pager";
  }
  return "contact";
}

const char* ControlKindName(ControlKind kind) {
  switch (kind) {
    case ControlKind::kEdr:
      return "edr";
    case ControlKind::kMfa:
      return "mfa";
    case ControlKind::kPatching:
      return "patching";
    case ControlKind::kVulnerabilityScanning:
      return "vulnerability_scanning";
    case ControlKind::kMonitoring:
      return "monitoring";
    case ControlKind::kEmailFiltering:
      return "email_filtering";
    case ControlKind::kAwarenessTraining:
      return "awareness_training";
    case ControlKind::kCompliance:
      return "compliance";
  }
  return "control";
}

const char* VendorKindName(VendorKind kind) {
  switch (kind) {
    case VendorKind::kIsp:
      return "isp";
    case VendorKind::kCloud:
      return "cloud";
    case VendorKind::kSaas:
      return "saas";
    case VendorKind::kHardware:
      return "hardware";
    case VendorKind::kSoftware:
      return "software";
    case VendorKind::kColocation:
      return "colocation";
    case VendorKind::kOther:
      return "other";
  }
  return "other";
}

const char* MediumName(Medium medium) {
  switch (medium) {
    case Medium::kDisk:
      return "disk";
    case Medium::kObject:
      return "object";
    case Medium::kTape:
      return "tape";
    case Medium::kCloud:
      return "cloud";
  }
  return "disk";
}

void Plan::BuildIndex() {
  IndexById(people, &people_by_id_);
  IndexById(roles, &roles_by_id_);
  IndexById(clients, &clients_by_id_);
  IndexById(tiers, &tiers_by_id_);
  IndexById(systems, &systems_by_id_);
  IndexById(vendors, &vendors_by_id_);
  IndexById(sites, &sites_by_id_);
  IndexById(repositories, &repositories_by_id_);
}

const Person* Plan::FindPerson(const std::string& id) const {
  return Lookup(people, people_by_id_, id);
}
const Role* Plan::FindRole(const std::string& id) const { return Lookup(roles, roles_by_id_, id); }
const Client* Plan::FindClient(const std::string& id) const {
  return Lookup(clients, clients_by_id_, id);
}
const Tier* Plan::FindTier(const std::string& id) const { return Lookup(tiers, tiers_by_id_, id); }
const System* Plan::FindSystem(const std::string& id) const {
  return Lookup(systems, systems_by_id_, id);
}
const Vendor* Plan::FindVendor(const std::string& id) const {
  return Lookup(vendors, vendors_by_id_, id);
}
const Site* Plan::FindSite(const std::string& id) const { return Lookup(sites, sites_by_id_, id); }
const Repository* Plan::FindRepository(const std::string& id) const {
  return Lookup(repositories, repositories_by_id_, id);
}

size_t Plan::SystemIndex(const std::string& id) const {
  auto it = systems_by_id_.find(id);
  return it == systems_by_id_.end() ? static_cast<size_t>(-1) : it->second;
}

std::string Plan::Where(const Mark& mark) const {
  if (mark.file < 0 || static_cast<size_t>(mark.file) >= files.size()) return "plan";
  return files[mark.file] + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
}

Duration BackupInterval(Duration rpo, int margin_percent) {
  int margin = std::clamp(margin_percent, 0, 100);
  return Duration::Seconds(rpo.seconds() * (100 - margin) / 100);
}

Objectives ObjectivesOf(const Plan& plan, const System& system) {
  Objectives out;
  if (system.tier) out.tier = plan.FindTier(system.tier->id);
  if (out.tier) {
    out.rto = out.tier->rto;
    out.rpo = out.tier->rpo;
    out.mtpd = out.tier->mtpd;
  }
  if (system.rto) out.rto = system.rto;
  if (system.rpo) out.rpo = system.rpo;
  return out;
}

bool IsCritical(const Plan& plan, const System& system) {
  const Tier* tier = system.tier ? plan.FindTier(system.tier->id) : nullptr;
  return tier != nullptr && tier->rank == 1;
}

std::vector<std::string> PeopleWhoCanRestore(const Plan& plan, const System& system) {
  std::map<std::string, std::set<std::string>> skills_by_person;
  for (const Person& person : plan.people) {
    skills_by_person[person.id].insert(person.skills.begin(), person.skills.end());
  }
  for (const TrainingRecord& record : plan.training) {
    skills_by_person[record.person.id].insert(record.skill);
  }
  std::set<std::string> out;
  if (system.owner && plan.FindPerson(system.owner->id)) out.insert(system.owner->id);
  for (const auto& [person, skills] : skills_by_person) {
    if (!plan.FindPerson(person)) continue;
    bool all_tags = !system.skills.empty() &&
                    std::all_of(system.skills.begin(), system.skills.end(),
                                [&known = skills](const std::string& tag) {
                                  return known.count(tag) > 0;  // clang 14: no binding captures
                                });
    if (skills.count(system.id) || all_tags) out.insert(person);
  }
  return {out.begin(), out.end()};
}

std::string ClientName(const Plan& plan, const std::optional<Ref>& client) {
  if (!client) return plan.msp.name.empty() ? "the MSP" : plan.msp.name;
  const Client* c = plan.FindClient(client->id);
  return c && !c->name.empty() ? c->name : client->id;
}

std::string HostPath(const std::string& root, const std::string& plan_path) {
  std::string path = plan_path;
  std::replace(path.begin(), path.end(), '\\', '/');
  const bool windows_drive =
      path.size() >= 2 && path[1] == ':' &&
      ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'));
  if (windows_drive) path = "/" + path.substr(0, 1) + path.substr(2);
  if (path.empty() || path.front() != '/') path = "/" + path;
  // Normalised on its own first, so ".." cannot climb out of the root.
  path = std::filesystem::path(path).lexically_normal().string();
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  std::string base = root;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + path;
}

}  // namespace stormproof::plan
