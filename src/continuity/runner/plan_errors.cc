#include "continuity/runner/plan_errors.h"

#include <set>
#include <tuple>

#include "core/text.h"
#include "continuity/plan/written_items.h"

namespace stormproof::runner {
namespace {

using plan::WrittenItem;

// What one error stops.
struct Reach {
  bool everything = false;
  std::set<std::string> systems;       // all their work
  std::set<std::string> drills;        // only their drills
  std::set<std::string> repositories;  // every action on them (backup, forget, check, prune, drill)
};

std::string Names(const std::set<std::string>& ids) {
  constexpr size_t kShown = 5;
  std::vector<std::string> shown;
  for (const std::string& id : ids) {
    if (shown.size() == kShown) break;
    shown.push_back(id.empty() ? "(without id)" : id);
  }
  std::string names = Join(shown, ", ");
  if (ids.size() > kShown) names += " and " + std::to_string(ids.size() - kShown) + " more";
  return names;
}

std::string Describe(const Reach& reach) {
  if (reach.everything) return "stops everything: nothing is backed up until it is fixed";
  std::vector<std::string> parts;
  if (!reach.systems.empty()) {
    parts.push_back(std::string("stops the backups, forgets and drills of system") +
                    (reach.systems.size() > 1 ? "s " : " ") + Names(reach.systems));
  }
  if (!reach.drills.empty()) {
    parts.push_back(std::string("stops the drill") + (reach.drills.size() > 1 ? "s" : "") + " of " +
                    Names(reach.drills));
  }
  if (!reach.repositories.empty()) {
    parts.push_back(std::string("stops every backup, forget, check, prune and drill of repositor") +
                    (reach.repositories.size() > 1 ? "ies " : "y ") + Names(reach.repositories));
  }
  return parts.empty() ? "stops nothing" : Join(parts, "; ");
}

bool IsIncludeRule(const std::string& rule) {
  return rule == "unreadable" || rule.rfind("include-", 0) == 0;
}

// Judges the errors of one loaded plan.
class Judge {
 public:
  explicit Judge(const plan::LoadResult& loaded)
      : loaded_(loaded),
        plan_(loaded.plan),
        index_(loaded.items),
        unreadable_(loaded.unreadable_files.begin(), loaded.unreadable_files.end()) {}

  Reach Of(const plan::Diagnostic& d) const {
    Reach reach;
    std::vector<plan::ItemPlace> places = index_.At(d.mark);
    if (places.empty()) {
      TopLevel(d, &reach);
    } else {
      for (const plan::ItemPlace& place : places) InItem(d, place, &reach);
    }
    return reach;
  }

 private:
  // An error outside every item: a file's top level, or the root file's own sections.
  void TopLevel(const plan::Diagnostic& d, Reach* reach) const {
    const int file = d.mark.file;
    if (IsIncludeRule(d.rule) && !(file == 0 && unreadable_.count(0))) {
      return;  // what the include would bring is not in the plan; who refers to it has errors
    }
    if (file <= 0) {
      reach->everything = true;
      return;
    }
    for (const WrittenItem& item : loaded_.items) {
      if (item.file == file) InItem(d, {&item, ""}, reach);
    }
    for (const WrittenItem& item : loaded_.items) {
      if (item.file == file && item.collection == "clients") ClientSystems(item, reach);
    }
  }

  void InItem(const plan::Diagnostic& d, const plan::ItemPlace& place, Reach* reach) const {
    const WrittenItem& item = *place.item;
    if (item.collection == "repositories") {
      // Only what touches that repository; one whose id cannot be told stops everything.
      std::string repository = EntityId(plan_.repositories, item);
      if (repository.empty()) {
        reach->everything = true;
      } else {
        reach->repositories.insert(repository);
      }
    } else if (item.collection == "systems") {
      bool restore_only = place.section == "restore" || d.rule == "critical-without-checklist" ||
                          d.rule == "critical-without-verify";
      (restore_only ? reach->drills : reach->systems).insert(SystemId(item));
    } else if (item.collection == "tiers") {
      bool drills_only = place.section == "drill_every" || place.section == "drill_retry";
      std::string tier = EntityId(plan_.tiers, item);
      for (const plan::System& system : plan_.systems) {
        if (system.tier && system.tier->id == tier) {
          (drills_only ? reach->drills : reach->systems).insert(system.id);
        }
      }
    }
    // Clients, people, roles, vendors, sites and training: `run` does not use them.
  }

  // A file-level error in a file that defines a client: the client's systems, wherever they are.
  void ClientSystems(const WrittenItem& item, Reach* reach) const {
    std::string client = EntityId(plan_.clients, item);
    for (const plan::System& system : plan_.systems) {
      if (system.client && system.client->id == client) reach->systems.insert(system.id);
    }
  }

  std::string SystemId(const WrittenItem& item) const { return EntityId(plan_.systems, item); }

  // The id of the entity the loader read from `item` (same position), else the id as written.
  template <typename Entity>
  static std::string EntityId(const std::vector<Entity>& entities, const WrittenItem& item) {
    for (const Entity& entity : entities) {
      if (std::tie(entity.mark.file, entity.mark.line, entity.mark.column) ==
          std::tie(item.file, item.begin.line, item.begin.column)) {
        return entity.id;
      }
    }
    return item.id;
  }

  const plan::LoadResult& loaded_;
  const plan::Plan& plan_;
  plan::WrittenItemIndex index_;
  std::set<int> unreadable_;
};

}  // namespace

PlanErrors JudgePlanErrors(const plan::LoadResult& loaded) {
  PlanErrors out;
  Judge judge(loaded);
  for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
    if (d.severity != plan::Severity::kError) continue;
    Reach reach = judge.Of(d);
    std::string line = plan::FormatDiagnostic(loaded.plan.files, d);
    out.lines.push_back(line + "; " + Describe(reach));
    out.stops_everything = out.stops_everything || reach.everything;
    for (const std::string& id : reach.systems) out.stopped.emplace(id, line);
    for (const std::string& id : reach.drills) out.drill_stopped.emplace(id, line);
    for (const std::string& id : reach.repositories) out.repository_stopped.emplace(id, line);
  }
  for (const auto& [id, line] : out.stopped) out.drill_stopped.erase(id);
  return out;
}

std::string WithheldBecause(const PlanErrors& errors, const Action& action) {
  auto stopped = errors.stopped.find(action.system);
  if (stopped != errors.stopped.end()) return "plan error: " + stopped->second;
  for (const std::string* id : {&action.repository, &action.source}) {  // a copy: both ends
    auto repository = errors.repository_stopped.find(*id);
    if (!id->empty() && repository != errors.repository_stopped.end()) {
      return "plan error: " + repository->second;
    }
  }
  auto drill = errors.drill_stopped.find(action.system);
  if (action.kind == ActionKind::kDrill && drill != errors.drill_stopped.end()) {
    return "plan error: " + drill->second;
  }
  return "";
}

std::vector<Action> Withhold(const PlanErrors& errors, Decisions* decisions) {
  std::vector<Action> withheld;
  std::vector<Action> kept;
  for (Action& action : decisions->actions) {
    if (!WithheldBecause(errors, action).empty()) {
      withheld.push_back(std::move(action));
    } else {
      kept.push_back(std::move(action));
    }
  }
  decisions->actions = std::move(kept);
  return withheld;
}

std::vector<std::string> RecordWithheld(const plan::Plan& plan, const PlanErrors& errors,
                                        const std::vector<Action>& withheld,
                                        catalog::Catalog& catalog, int64_t now_ns) {
  std::vector<std::string> failures;
  for (const Action& action : withheld) {
    if (action.kind != ActionKind::kBackup && action.kind != ActionKind::kCopy) continue;
    catalog::Run run;
    run.kind = action.kind;
    run.system = action.system;
    run.repository = action.repository;
    if (const plan::System* system = plan.FindSystem(action.system); system && system->client) {
      run.client = system->client->id;
    }
    run.started_ns = run.finished_ns = now_ns;
    run.outcome = catalog::Outcome::kError;
    run.error = WithheldBecause(errors, action);
    if (auto id = catalog.AddRun(run); !id) failures.push_back(id.error().message());
  }
  return failures;
}

}  // namespace stormproof::runner
