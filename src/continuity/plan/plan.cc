#include "continuity/plan/plan.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "continuity/plan/restorers.h"
#include "continuity/plan/words.h"

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
  return WordOf(ContactKindWords(), kind, "contact");
}

const char* ControlKindName(ControlKind kind) {
  return WordOf(ControlKindWords(), kind, "control");
}

const char* VendorKindName(VendorKind kind) { return WordOf(VendorKindWords(), kind, "other"); }

const char* MediumName(Medium medium) { return WordOf(MediumWords(), medium, "disk"); }

const char* ObjectLockModeName(ObjectLockMode mode) {
  return WordOf(ObjectLockModeWords(), mode, "governance");
}

const char* WeekdayName(Weekday day) { return WordOf(WeekdayWords(), day, "monday"); }

const char* RepositoryDamageName(RepositoryDamage damage) {
  return WordOf(RepositoryDamageWords(), damage, "lost");
}

std::vector<const RepositorySpec*> SystemRepositories(const Plan& plan, const System& system) {
  std::vector<const RepositorySpec*> out;
  auto add = [&out](const RepositorySpec* repository) {
    if (repository != nullptr && std::find(out.begin(), out.end(), repository) == out.end()) {
      out.push_back(repository);
    }
  };
  for (const Ref& ref : system.backup.repositories) add(plan.FindRepository(ref.id));
  // Breadth first: out[i]'s copies are appended after everything found so far.
  for (size_t i = 0; i < out.size(); ++i) {
    for (const RepositorySpec& candidate : plan.repositories) {
      if (candidate.copy_from && candidate.copy_from->id == out[i]->id &&
          plan.FindRepository(candidate.id) == &candidate) {
        add(&candidate);
      }
    }
  }
  return out;
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
  IndexById(scenarios, &scenarios_by_id_);
}

const Scenario* Plan::FindScenario(const std::string& id) const {
  return Lookup(scenarios, scenarios_by_id_, id);
}

const Person* Plan::FindPerson(const std::string& id) const {
  return Lookup(people, people_by_id_, id);
}
const Role* Plan::FindRole(const std::string& id) const { return Lookup(roles, roles_by_id_, id); }
const Client* Plan::FindClient(const std::string& id) const {
  return Lookup(clients, clients_by_id_, id);
}
const Tier* Plan::FindTier(const std::string& id) const { return Lookup(tiers, tiers_by_id_, id); }
bool Plan::NamesHosts() const {
  return std::any_of(systems.begin(), systems.end(),
                     [](const System& system) { return !system.host.empty(); });
}

bool Plan::RunsOnHost(const System& system, const std::string& host) const {
  if (!system.host.empty()) return system.host == host;
  return !NamesHosts();
}

const System* Plan::FindSystem(const std::string& id) const {
  return Lookup(systems, systems_by_id_, id);
}
const Vendor* Plan::FindVendor(const std::string& id) const {
  return Lookup(vendors, vendors_by_id_, id);
}
const Site* Plan::FindSite(const std::string& id) const { return Lookup(sites, sites_by_id_, id); }
const RepositorySpec* Plan::FindRepository(const std::string& id) const {
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
  std::set<std::string> out;
  for (size_t p : Restorers(plan).Of(system)) out.insert(plan.people[p].id);
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
