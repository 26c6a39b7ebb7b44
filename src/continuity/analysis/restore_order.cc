// The restore order: the selection, the priority among ready systems, and the list scheduling
// of restores over the people who can do them (the algorithm is stated in restore_order.h).
#include "continuity/analysis/restore_order.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>
#include <set>
#include <string_view>
#include <tuple>

#include "continuity/analysis/internal/audit_context.h"
#include "core/text.h"
#include "continuity/plan/dependency_graph.h"

namespace stormproof::analysis {
namespace {

// Which systems take part, and which of them only because a selected system needs them.
struct Selection {
  std::vector<char> selected;
  std::vector<char> dependency_only;
  size_t count = 0;
};

Error UnknownClient(const plan::Plan& plan, const std::string& id) {
  std::vector<std::string_view> ids;
  for (const plan::Client& client : plan.clients) ids.push_back(client.id);
  std::string message = "unknown client '" + id + "'";
  std::string close = ClosestMatch(id, ids);
  if (!close.empty()) message += " (did you mean '" + close + "'?)";
  return Error::NotFound(message);
}

bool BelongsTo(const plan::System& system, const std::string& client) {
  return system.client && system.client->id == client;
}

// The client's systems plus everything they depend on, transitively; every system without one.
Result<Selection> Select(const plan::Plan& plan, const plan::DependencyGraph& graph,
                         const RestoreOrderOptions& options) {
  size_t n = plan.systems.size();
  Selection s{std::vector<char>(n, options.client ? 0 : 1), std::vector<char>(n, 0),
              options.client ? 0 : n};
  if (!options.client) return s;
  const std::string& client = *options.client;
  if (plan.FindClient(client) == nullptr) return UnknownClient(plan, client);
  std::vector<size_t> queue;
  for (size_t i = 0; i < n; ++i) {
    if (!BelongsTo(plan.systems[i], client)) continue;
    queue.push_back(i);
    s.selected[i] = 1;
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    for (size_t down : graph.depends_on(queue[head])) {
      if (s.selected[down]) continue;
      s.selected[down] = 1;
      s.dependency_only[down] = 1;  // not the client's, or it would be selected already
      queue.push_back(down);
    }
  }
  s.count = queue.size();
  return s;
}

// Each system's tier rank, no tier last.
std::vector<int> TierRanks(const plan::Plan& plan) {
  std::vector<int> rank(plan.systems.size(), std::numeric_limits<int>::max());
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    const plan::System& s = plan.systems[i];
    const plan::Tier* tier = s.tier ? plan.FindTier(s.tier->id) : nullptr;
    if (tier != nullptr) rank[i] = tier->rank;
  }
  return rank;
}

// Restore priority among ready systems: tier rank (no tier last), then downtime cost per hour
// (highest first, none last), then id. Cheap to copy, as the heap algorithms copy it often.
class Priority {
 public:
  Priority(const plan::Plan& plan, const std::vector<int>& rank) : plan_(&plan), rank_(&rank) {}

  // True when `a` comes back after `b` (the order std::priority_queue wants).
  bool operator()(size_t a, size_t b) const {
    const plan::System& x = plan_->systems[a];
    const plan::System& y = plan_->systems[b];
    double x_cost = x.downtime_cost_per_hour.value_or(-1);
    double y_cost = y.downtime_cost_per_hour.value_or(-1);
    return std::tie((*rank_)[a], y_cost, x.id, a) > std::tie((*rank_)[b], x_cost, y.id, b);
  }

 private:
  const plan::Plan* plan_;
  const std::vector<int>* rank_;
};

Error CycleError(const plan::Plan& plan, const plan::DependencyGraph& graph,
                 const Selection& selection) {
  for (const std::vector<size_t>& cycle : graph.FindCycles()) {
    if (!selection.selected[cycle.front()]) continue;
    std::vector<std::string> ids;
    for (size_t i : cycle) ids.push_back("'" + plan.systems[i].id + "'");
    ids.push_back(ids.front());
    return Error::FailedCheck("the dependencies contain a cycle: " + Join(ids, " -> ") +
                              "; run plan check");
  }
  return Error::FailedCheck("the dependencies contain a cycle; run plan check");
}

// The priority order of the selected systems (Kahn's algorithm: a system is ready once every
// dependency it has is placed; among ready ones, Priority). Shorter than the selection when the
// dependencies contain a cycle.
std::vector<size_t> PriorityOrder(const plan::DependencyGraph& graph, const Selection& selection,
                                  const Priority& priority) {
  std::vector<size_t> waiting(graph.size(), 0);
  std::priority_queue<size_t, std::vector<size_t>, Priority> ready{priority};
  for (size_t i = 0; i < graph.size(); ++i) {
    if (!selection.selected[i]) continue;
    waiting[i] = graph.depends_on(i).size();  // a selection holds all its dependencies
    if (waiting[i] == 0) ready.push(i);
  }
  std::vector<size_t> order;
  order.reserve(selection.count);
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (size_t up : graph.dependents(i)) {
      if (selection.selected[up] && --waiting[up] == 0) ready.push(up);
    }
  }
  return order;
}

constexpr size_t kNoPerson = internal::AuditContext::kNoPerson;

// Who can restore each system, in order of preference: the owner, the owner's deputy, then
// everyone else in plan order. Each can restore the system (the audit's rule) and holds the
// skill of every checklist step.
class Team {
 public:
  explicit Team(const plan::Plan& plan) : plan_(plan), context_(plan, AuditOptions{}) {}

  std::vector<size_t> WhoCanRestore(size_t i) const {
    std::vector<size_t> out;
    std::vector<char> tried(plan_.people.size(), 0);
    const plan::System& system = plan_.systems[i];
    size_t owner = system.owner ? context_.PersonIndex(system.owner->id) : kNoPerson;
    AddIfAble(owner, i, &tried, &out);
    if (owner != kNoPerson && plan_.people[owner].deputy) {
      AddIfAble(context_.PersonIndex(plan_.people[owner].deputy->id), i, &tried, &out);
    }
    for (size_t p = 0; p < plan_.people.size(); ++p) AddIfAble(p, i, &tried, &out);
    return out;
  }

  // How person `p` stands to system `i`.
  Restorer RoleOf(size_t p, size_t i) const {
    const plan::System& system = plan_.systems[i];
    size_t owner = system.owner ? context_.PersonIndex(system.owner->id) : kNoPerson;
    if (p == owner) return Restorer::kOwner;
    const plan::Person* owner_person = owner == kNoPerson ? nullptr : &plan_.people[owner];
    if (owner_person != nullptr && owner_person->deputy &&
        context_.PersonIndex(owner_person->deputy->id) == p) {
      return Restorer::kDeputy;
    }
    return Restorer::kOther;
  }

 private:
  // Appends person `p` to `out` when not tried yet and able to restore system `i`.
  void AddIfAble(size_t p, size_t i, std::vector<char>* tried, std::vector<size_t>* out) const {
    if (p == kNoPerson || (*tried)[p]) return;
    (*tried)[p] = 1;
    if (context_.PersonIndex(plan_.people[p].id) != p) return;  // a duplicate id
    if (!context_.CanRestore(p, i)) return;
    for (const plan::ChecklistStep& step : plan_.systems[i].checklist) {
      if (!step.skill.empty() && !context_.HasSkill(p, step.skill)) return;
    }
    out->push_back(p);
  }

  const plan::Plan& plan_;
  internal::AuditContext context_;
};

// "nobody can restore it: needs its owner (ann) or someone trained in db (or in sqlserver and
// linux), who also holds the checklist's skills tapes".
std::string NobodyText(const plan::System& system) {
  std::string text = "nobody can restore it: needs ";
  if (system.owner) text += "its owner (" + system.owner->id + ") or ";
  text += "someone trained in " + system.id;
  if (!system.skills.empty()) text += " (or in " + Join(system.skills, " and ") + ")";
  std::set<std::string> steps;
  for (const plan::ChecklistStep& step : system.checklist) {
    if (!step.skill.empty()) steps.insert(step.skill);
  }
  if (!steps.empty()) {
    text += ", who also holds the checklist's skills " +
            Join(std::vector<std::string>(steps.begin(), steps.end()), ", ");
  }
  return text;
}

// The list scheduling of restores over people (see restore_order.h).
class Schedule {
 public:
  Schedule(const plan::Plan& plan, const plan::DependencyGraph& graph, const Selection& selection,
           const Priority& priority)
      : plan_(plan),
        graph_(graph),
        selection_(selection),
        team_(plan),
        ready_(After(priority)),
        free_at_(plan.people.size()),
        steps_(graph.size()),
        waiting_(graph.size(), 0),
        who_(graph.size()) {}

  // Schedules every selected system; returns the steps, started ones first, in the order they
  // start, then those that cannot be restored in `priority_order`.
  std::vector<RestoreStep> Run(const std::vector<size_t>& priority_order) {
    for (size_t i : priority_order) Prepare(i);
    Duration now;
    while (true) {
      Release(now);
      if (StartWhatCan(now)) continue;  // a restore taking no time may release others now
      std::optional<Duration> next = NextEvent(now);
      if (!next) break;
      now = *next;
    }
    return Ordered(priority_order);
  }

 private:
  // Wraps Priority (true when a comes after b) into "a before b" for the ready set.
  static std::function<bool(size_t, size_t)> After(const Priority& priority) {
    return [priority](size_t a, size_t b) { return priority(b, a); };
  }

  void Prepare(size_t i) {
    RestoreStep& step = steps_[i];
    step.system = i;
    step.dependency_only = selection_.dependency_only[i];
    const plan::System& system = plan_.systems[i];
    step.rto = plan::ObjectivesOf(plan_, system).rto;
    step.estimated = system.restore_estimate.has_value();
    step.restore_time = system.restore_estimate.value_or(step.rto.value_or(Duration()));
    who_[i] = team_.WhoCanRestore(i);
    if (who_[i].empty()) step.not_restorable = NobodyText(system);
    waiting_[i] = graph_.depends_on(i).size();
    if (waiting_[i] == 0 && !who_[i].empty()) released_.push({Duration(), i});
  }

  // Moves the systems released by `now` into the ready set.
  void Release(Duration now) {
    while (!released_.empty() && released_.top().first <= now) {
      ready_.insert(released_.top().second);
      released_.pop();
    }
  }

  // Starts every ready system someone free can restore, in priority order; true when one did.
  // Stops as soon as nobody is free, so a long queue behind a busy team costs little.
  bool StartWhatCan(Duration now) {
    bool started = false;
    auto is_free = [&](size_t p) { return free_at_[p] <= now; };
    size_t free = 0;
    for (size_t p = 0; p < free_at_.size(); ++p) free += is_free(p) ? 1 : 0;
    for (auto it = ready_.begin(); it != ready_.end() && free > 0;) {
      size_t i = *it;
      auto person = std::find_if(who_[i].begin(), who_[i].end(), is_free);
      if (person == who_[i].end()) {
        ++it;
        continue;
      }
      Start(i, *person, now);
      if (!is_free(*person)) --free;  // a restore that takes no time leaves them free
      it = ready_.erase(it);
      started = true;
    }
    return started;
  }

  void Start(size_t i, size_t p, Duration now) {
    RestoreStep& step = steps_[i];
    step.starts = now;
    step.back = now + step.restore_time;
    step.within_rto = !step.rto || step.back <= *step.rto;
    step.restorer = team_.RoleOf(p, i);
    step.person = plan_.people[p].id;
    step.position = static_cast<int>(started_.size()) + 1;
    started_.push_back(i);
    free_at_[p] = step.back;
    finishes_.push(step.back);
    for (size_t up : graph_.dependents(i)) {
      if (selection_.selected[up] && --waiting_[up] == 0) Released(up);
    }
  }

  // All dependencies of `i` have started: it is ready when the last of them is back.
  void Released(size_t i) {
    RestoreStep& step = steps_[i];
    for (size_t d : graph_.depends_on(i)) step.ready = std::max(step.ready, steps_[d].back);
    for (size_t d : graph_.depends_on(i)) {
      if (steps_[d].back == step.ready) step.waits_for.push_back(plan_.systems[d].id);
    }
    if (!who_[i].empty()) released_.push({step.ready, i});
  }

  // The next moment something changes: a restore finishes or a system is released.
  std::optional<Duration> NextEvent(Duration now) {
    while (!finishes_.empty() && finishes_.top() <= now) finishes_.pop();
    std::optional<Duration> next;
    if (!finishes_.empty()) next = finishes_.top();
    if (!released_.empty() && (!next || released_.top().first < *next)) {
      next = released_.top().first;
    }
    return next;
  }

  std::vector<RestoreStep> Ordered(const std::vector<size_t>& priority_order) {
    std::vector<RestoreStep> out;
    out.reserve(priority_order.size());
    for (size_t i : started_) out.push_back(steps_[i]);
    std::vector<char> lost(graph_.size(), 0);
    for (size_t i : priority_order) {  // dependencies before dependents
      if (!steps_[i].person.empty()) continue;
      lost[i] = 1;
      RestoreStep step = steps_[i];
      step.within_rto = false;
      step.position = static_cast<int>(out.size()) + 1;
      step.restorer = who_[i].empty() ? Restorer::kNobody : Restorer::kBlocked;
      if (step.restorer == Restorer::kBlocked) step.not_restorable = BlockedText(i, lost);
      step.ready = step.starts = step.back = Duration();
      out.push_back(std::move(step));
    }
    return out;
  }

  std::string BlockedText(size_t i, const std::vector<char>& lost) const {
    std::vector<std::string> ids;
    for (size_t d : graph_.depends_on(i)) {
      if (lost[d]) ids.push_back(plan_.systems[d].id);
    }
    return "waits for " + Join(ids, ", ") + ", which cannot be restored";
  }

  using Pending = std::pair<Duration, size_t>;  // when released, system
  const plan::Plan& plan_;
  const plan::DependencyGraph& graph_;
  const Selection& selection_;
  Team team_;
  std::set<size_t, std::function<bool(size_t, size_t)>> ready_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> released_;
  std::priority_queue<Duration, std::vector<Duration>, std::greater<>> finishes_;
  std::vector<Duration> free_at_;   // by person index
  std::vector<RestoreStep> steps_;  // by system index
  std::vector<size_t> waiting_;     // dependencies not started yet, by system index
  std::vector<std::vector<size_t>> who_;
  std::vector<size_t> started_;  // systems in the order their restores start
};

}  // namespace

const char* RestorerName(Restorer restorer) {
  switch (restorer) {
    case Restorer::kOwner:
      return "owner";
    case Restorer::kDeputy:
      return "deputy";
    case Restorer::kOther:
      return "other";
    case Restorer::kBlocked:
      return "blocked";
    case Restorer::kNobody:
      break;
  }
  return "nobody";
}

Result<std::vector<RestoreStep>> ComputeRestoreOrder(const plan::Plan& plan,
                                                     const RestoreOrderOptions& options) {
  plan::DependencyGraph graph(plan);
  STORMPROOF_ASSIGN_OR_RETURN(Selection selection, Select(plan, graph, options));
  // The whole MSP is scheduled even for one client: its people restore the other clients'
  // systems too, so a client's own schedule alone would promise times nobody is free for.
  STORMPROOF_ASSIGN_OR_RETURN(Selection everything, Select(plan, graph, {}));
  std::vector<int> rank = TierRanks(plan);
  Priority priority(plan, rank);
  std::vector<size_t> order = PriorityOrder(graph, everything, priority);
  if (order.size() < everything.count) {
    // A cycle elsewhere (a plan with errors): the selection alone, when it is free of it.
    std::vector<size_t> own = PriorityOrder(graph, selection, priority);
    if (own.size() < selection.count) return CycleError(plan, graph, selection);
    return Schedule(plan, graph, selection, priority).Run(own);
  }
  std::vector<RestoreStep> steps = Schedule(plan, graph, everything, priority).Run(order);
  if (!options.client) return steps;
  std::erase_if(steps, [&](const RestoreStep& s) { return !selection.selected[s.system]; });
  for (size_t i = 0; i < steps.size(); ++i) {
    steps[i].position = static_cast<int>(i) + 1;
    steps[i].dependency_only = selection.dependency_only[steps[i].system] != 0;
  }
  return steps;
}

}  // namespace stormproof::analysis
