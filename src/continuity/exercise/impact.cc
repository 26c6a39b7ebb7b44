// What a scenario takes down (the rules are stated in impact.h): the direct hits, then the
// running/serving fixed point over dependencies and failovers, then the repositories and people.
#include "continuity/exercise/impact.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <tuple>

#include "continuity/analysis/restore_order.h"
#include "continuity/exercise/internal/impact_reasons.h"
#include "continuity/plan/dependency_graph.h"
#include "core/text.h"

namespace stormproof::exercise {
namespace {

using plan::Plan;
using Lasting = std::optional<Duration>;  // absent = until restored: longer than any duration
using LostIds = std::map<std::string, Lasting>;

constexpr size_t kNone = static_cast<size_t>(-1);

Lasting Longer(const Lasting& a, const Lasting& b) {
  if (!a || !b) return std::nullopt;
  return std::max(*a, *b);
}

Lasting Shorter(const Lasting& a, const Lasting& b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// The ids of `lists`, each with the longest `for` given to it.
LostIds Collect(std::initializer_list<const std::vector<plan::ScenarioLoss>*> lists) {
  LostIds ids;
  for (const auto* list : lists) {
    for (const plan::ScenarioLoss& loss : *list) {
      auto [it, inserted] = ids.emplace(loss.ref.id, loss.duration);
      if (!inserted) it->second = Longer(it->second, loss.duration);
    }
  }
  return ids;
}

// A site whose every ISP is lost is cut off for as long as the first of them stays lost.
std::optional<DirectCause> CutOff(const plan::Site& site, const LostIds& vendors) {
  if (site.isps.empty()) return std::nullopt;
  DirectCause cut{Cause::kSiteCutOff, site.id, std::nullopt, {}};
  bool first = true;
  for (const plan::Ref& isp : site.isps) {
    auto it = vendors.find(isp.id);
    if (it == vendors.end()) return std::nullopt;
    cut.duration = first ? it->second : Shorter(cut.duration, it->second);
    first = false;
    if (std::find(cut.isps.begin(), cut.isps.end(), isp.id) == cut.isps.end()) {
      cut.isps.push_back(isp.id);
    }
  }
  return cut;
}

// Site id -> why a system there is hit: the site is lost, or cut off.
std::map<std::string, DirectCause> SiteCauses(const Plan& plan, const plan::Scenario& scenario,
                                              const LostIds& vendors, ScenarioImpact* impact) {
  LostIds lost = Collect({&scenario.lost.sites});
  std::map<std::string, DirectCause> causes;
  for (const plan::Site& site : plan.sites) {
    if (plan.FindSite(site.id) != &site) continue;  // a duplicate id: the first one counts
    if (auto it = lost.find(site.id); it != lost.end()) {
      causes[site.id] = {Cause::kSiteLost, site.id, it->second, {}};
      impact->sites_lost.push_back(site.id);
    } else if (std::optional<DirectCause> cut = CutOff(site, vendors)) {
      causes[site.id] = *cut;
      impact->sites_cut_off.push_back(site.id);
    }
  }
  return causes;
}

// True when `system` runs at one of `client`'s own sites.
bool RunsAtClientSite(const Plan& plan, const plan::System& system, const std::string& client) {
  if (!system.client || system.client->id != client) return false;
  return std::any_of(system.sites.begin(), system.sites.end(), [&](const plan::Ref& ref) {
    const plan::Site* site = plan.FindSite(ref.id);
    return site != nullptr && site->client && site->client->id == client;
  });
}

// What hits each system directly (empty: not hit).
class DirectHits {
 public:
  DirectHits(const Plan& plan, const plan::Scenario& scenario, ScenarioImpact* impact)
      : plan_(plan),
        scenario_(scenario),
        named_(Collect({&scenario.lost.systems})),
        vendors_(Collect({&scenario.lost.vendors, &scenario.lost.isps})),
        sites_(SiteCauses(plan, scenario, vendors_, impact)) {}

  std::vector<DirectCause> Of(const plan::System& system) const {
    std::vector<DirectCause> causes;
    if (auto it = named_.find(system.id); it != named_.end()) {
      causes.push_back({Cause::kNamed, system.id, it->second, {}});
    }
    const std::optional<plan::Ref>& ransomware = scenario_.lost.ransomware;
    if (ransomware && RunsAtClientSite(plan_, system, ransomware->id)) {
      causes.push_back({Cause::kRansomware, ransomware->id, std::nullopt, {}});
    }
    bool every_site = !system.sites.empty();
    for (const plan::Ref& site : system.sites) every_site = every_site && sites_.count(site.id);
    for (const plan::Ref& site : system.sites) {
      if (every_site && !HasCause(causes, site.id)) causes.push_back(sites_.at(site.id));
    }
    for (const plan::Ref& vendor : system.vendors) {
      auto it = vendors_.find(vendor.id);
      if (it != vendors_.end() && !HasCause(causes, vendor.id)) {
        causes.push_back({Cause::kVendorLost, vendor.id, it->second, {}});
      }
    }
    return causes;
  }

  const std::map<std::string, DirectCause>& sites() const { return sites_; }

 private:
  static bool HasCause(const std::vector<DirectCause>& causes, const std::string& id) {
    return std::any_of(causes.begin(), causes.end(), [&](const DirectCause& c) {
      return c.id == id && c.cause != Cause::kNamed;
    });
  }

  const Plan& plan_;
  const plan::Scenario& scenario_;
  LostIds named_, vendors_;
  std::map<std::string, DirectCause> sites_;
};

// Failover system -> the systems it takes over for (known ids, not itself).
std::vector<std::vector<size_t>> TakesOverFor(const Plan& plan) {
  std::vector<std::vector<size_t>> takes_over(plan.systems.size());
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    for (const plan::Ref& ref : plan.systems[i].failover) {
      size_t f = plan.SystemIndex(ref.id);
      if (f < plan.systems.size() && f != i) takes_over[f].push_back(i);
    }
  }
  return takes_over;
}

// The least fixed point of impact.h: running and serving, found by propagating upward from the
// systems that run without help. Each system is marked at most once of each: linear time.
struct Status {
  std::vector<char> running, serving;
};

Status Propagate(const Plan& plan, const plan::DependencyGraph& graph,
                 const std::vector<char>& hit) {
  size_t n = plan.systems.size();
  Status s{std::vector<char>(n, 0), std::vector<char>(n, 0)};
  std::vector<std::vector<size_t>> takes_over = TakesOverFor(plan);
  std::vector<size_t> missing(n), newly_serving;
  auto serve = [&](size_t i) {
    if (!s.serving[i]) newly_serving.push_back(i);
    s.serving[i] = 1;
  };
  auto run = [&](size_t i) {
    s.running[i] = 1;
    serve(i);
    for (size_t other : takes_over[i]) serve(other);
  };
  for (size_t i = 0; i < n; ++i) {
    missing[i] = graph.depends_on(i).size();
    if (missing[i] == 0 && !hit[i]) run(i);
  }
  while (!newly_serving.empty()) {
    size_t i = newly_serving.back();
    newly_serving.pop_back();
    for (size_t up : graph.dependents(i)) {
      if (--missing[up] == 0 && !hit[up]) run(up);
    }
  }
  return s;
}

// Systems in dependency order (dependencies first). REQUIRES: no cycle.
std::vector<size_t> DependenciesFirst(const plan::DependencyGraph& graph) {
  std::vector<size_t> waiting(graph.size()), order;
  for (size_t i = 0; i < graph.size(); ++i) {
    waiting[i] = graph.depends_on(i).size();
    if (waiting[i] == 0) order.push_back(i);
  }
  for (size_t head = 0; head < order.size(); ++head) {
    for (size_t up : graph.dependents(order[head])) {
      if (--waiting[up] == 0) order.push_back(up);
    }
  }
  return order;
}

void FillClearsAfter(const plan::DependencyGraph& graph, const std::vector<size_t>& down_at,
                     std::vector<DownSystem>* down) {
  for (size_t i : DependenciesFirst(graph)) {
    if (down_at[i] == kNone) continue;
    DownSystem& d = (*down)[down_at[i]];
    Lasting clears = Duration();
    for (const DirectCause& c : d.causes) clears = Longer(clears, c.duration);
    for (size_t dep : d.dependencies) clears = Longer(clears, (*down)[down_at[dep]].clears_after);
    d.clears_after = clears;
  }
}

// Sorts `down` into `plan order`'s restore order.
void SortByRestoreOrder(const Plan& plan, std::vector<DownSystem>* down) {
  Result<std::vector<analysis::RestoreStep>> order = analysis::ComputeRestoreOrder(plan, {});
  std::vector<int> position(plan.systems.size(), 0);
  if (order) {
    for (const analysis::RestoreStep& step : *order) position[step.system] = step.position;
  }
  std::stable_sort(down->begin(), down->end(), [&](const DownSystem& a, const DownSystem& b) {
    return std::tie(position[a.system], a.system) < std::tie(position[b.system], b.system);
  });
}

// The down and failed-over systems, with their reasons.
void Systems(const Plan& plan, const plan::DependencyGraph& graph, const DirectHits& hits,
             ScenarioImpact* impact) {
  size_t n = plan.systems.size();
  std::vector<std::vector<DirectCause>> causes(n);
  std::vector<char> hit(n, 0);
  for (size_t i = 0; i < n; ++i) {
    causes[i] = hits.Of(plan.systems[i]);
    hit[i] = !causes[i].empty();
  }
  Status status = Propagate(plan, graph, hit);
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> failovers;
    for (const plan::Ref& ref : plan.systems[i].failover) {
      size_t f = plan.SystemIndex(ref.id);
      if (f < n && f != i) failovers.push_back(f);
    }
    if (status.serving[i] && !status.running[i]) {
      size_t by = *std::find_if(failovers.begin(), failovers.end(),
                                [&](size_t f) { return status.running[f] != 0; });
      std::string why = internal::DescribeCauses(causes[i]);
      if (causes[i].empty()) {
        std::vector<std::string> deps;
        for (size_t dep : graph.depends_on(i)) {
          if (!status.serving[dep]) deps.push_back(plan.systems[dep].id);
        }
        why = "depends on " + Join(deps, ", ") + (deps.size() == 1 ? ", which is" : ", which are") +
              " down";
      }
      impact->failed_over.push_back(
          {i, by, plan.systems[i].id + ": " + why + "; " + plan.systems[by].id + " takes over"});
    }
    if (status.serving[i]) continue;
    DownSystem d{i, std::move(causes[i]), {}, std::move(failovers), std::nullopt, ""};
    for (size_t dep : graph.depends_on(i)) {
      if (!status.serving[dep]) d.dependencies.push_back(dep);
    }
    impact->down.push_back(std::move(d));
  }
  std::vector<size_t> down_at(n, kNone);
  for (size_t k = 0; k < impact->down.size(); ++k) down_at[impact->down[k].system] = k;
  FillClearsAfter(graph, down_at, &impact->down);
  internal::DescribeDown(plan, down_at, &impact->down);
  SortByRestoreOrder(plan, &impact->down);
}

// How `repository` is damaged, if it is: named in the scenario, at a lost or cut-off site, or
// encrypted by ransomware at its site's client.
std::optional<UnusableRepository> Damage(const Plan& plan, const plan::Scenario& scenario,
                                         const DirectHits& hits, size_t index) {
  const plan::RepositorySpec& repo = plan.repositories[index];
  for (const plan::RepositoryLoss& loss : scenario.lost.repositories) {
    if (loss.ref.id != repo.id) continue;
    bool encrypted = loss.how == plan::RepositoryDamage::kEncrypted;
    return UnusableRepository{index,
                              encrypted ? RepositoryState::kEncrypted : RepositoryState::kLost,
                              std::nullopt, repo.id + (encrypted ? ": encrypted" : ": lost")};
  }
  if (!repo.site) return std::nullopt;
  if (auto it = hits.sites().find(repo.site->id); it != hits.sites().end()) {
    const DirectCause& c = it->second;
    bool lost = c.cause == Cause::kSiteLost;
    return UnusableRepository{index, lost ? RepositoryState::kLost : RepositoryState::kUnreachable,
                              c.duration, repo.id + ": " + internal::DescribeCauses({c})};
  }
  const plan::Site* site = plan.FindSite(repo.site->id);
  const std::optional<plan::Ref>& ransomware = scenario.lost.ransomware;
  if (ransomware && site != nullptr && site->client && site->client->id == ransomware->id &&
      !repo.immutable && !repo.offline) {
    return UnusableRepository{
        index, RepositoryState::kEncrypted, std::nullopt,
        repo.id + ": at site " + site->id + ", encrypted by ransomware at " + ransomware->id};
  }
  return std::nullopt;
}

void People(const Plan& plan, const plan::Scenario& scenario, ScenarioImpact* impact) {
  LostIds away = Collect({&scenario.lost.people});
  for (const plan::ScenarioLoss& loss : scenario.lost.people) {
    const plan::Person* found = plan.FindPerson(loss.ref.id);
    if (found == nullptr) continue;
    size_t index = static_cast<size_t>(found - plan.people.data());
    if (std::any_of(impact->people.begin(), impact->people.end(),
                    [&](const UnavailablePerson& p) { return p.person == index; })) {
      continue;
    }
    UnavailablePerson person{index, away.at(loss.ref.id), {}};
    for (const plan::Role& role : plan.roles) {
      if (!role.holder || role.holder->id != loss.ref.id) continue;
      RoleCover cover{role.id, ""};
      for (const plan::Ref& backup : role.backups) {
        if (!away.count(backup.id) && plan.FindPerson(backup.id) != nullptr) {
          cover.stand_in = backup.id;
          break;
        }
      }
      person.roles.push_back(std::move(cover));
    }
    impact->people.push_back(std::move(person));
  }
}

}  // namespace

const char* RepositoryStateName(RepositoryState state) {
  switch (state) {
    case RepositoryState::kLost:
      return "lost";
    case RepositoryState::kEncrypted:
      return "encrypted";
    case RepositoryState::kUnreachable:
      return "unreachable";
  }
  return "lost";
}

const DownSystem* ScenarioImpact::FindDown(size_t system) const {
  for (const DownSystem& d : down) {
    if (d.system == system) return &d;
  }
  return nullptr;
}

Result<ScenarioImpact> ImpactOf(const plan::Plan& plan, const plan::Scenario& scenario) {
  plan::DependencyGraph graph(plan);
  if (!graph.FindCycles().empty()) {
    return Error::FailedCheck("scenario '" + scenario.id +
                              "': the systems' dependencies contain a cycle (plan check names it)");
  }
  ScenarioImpact impact;
  DirectHits hits(plan, scenario, &impact);
  Systems(plan, graph, hits, &impact);
  for (size_t i = 0; i < plan.repositories.size(); ++i) {
    if (plan.FindRepository(plan.repositories[i].id) != &plan.repositories[i]) continue;
    if (auto damage = Damage(plan, scenario, hits, i)) impact.repositories.push_back(*damage);
  }
  People(plan, scenario, &impact);
  return impact;
}

}  // namespace stormproof::exercise
