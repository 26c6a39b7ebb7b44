// The restore-order part of the runbook model: which steps a (client) runbook shows, and each
// step with its people, objectives, checklist and backups.
#include <algorithm>
#include <utility>

#include "continuity/report/runbook/internal/runbook_sections.h"

namespace stormproof::report::runbook_internal {
namespace {

// Marks the client's systems and, walking depends_on without recursion, everything they need.
std::vector<bool> SystemsNeededBy(const plan::Plan& plan, const std::string& client) {
  std::vector<bool> needed(plan.systems.size(), false);
  std::vector<size_t> pending;
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    const auto& owner = plan.systems[i].client;
    if (owner && owner->id == client) pending.push_back(i);
  }
  while (!pending.empty()) {
    size_t i = pending.back();
    pending.pop_back();
    if (needed[i]) continue;
    needed[i] = true;
    for (const plan::Ref& dependency : plan.systems[i].depends_on) {
      size_t j = plan.SystemIndex(dependency.id);
      if (j < plan.systems.size() && !needed[j]) pending.push_back(j);
    }
  }
  return needed;
}

std::string SystemLabel(const plan::Plan& plan, const std::string& id) {
  const plan::System* system = plan.FindSystem(id);
  return system && !system->name.empty() ? system->name + " (" + id + ")" : id;
}

std::string RepositoryTraits(const plan::RepositorySpec& repository) {
  std::string traits = plan::MediumName(repository.medium);
  if (repository.immutable) traits += ", immutable";
  if (repository.offline) traits += ", offline";
  return traits;
}

// The repositories the system backs up into, in the order written (unknown ones by id), then
// the copies of those (copy_from) that run keeps.
std::vector<RepositoryLine> Repositories(const plan::Plan& plan, const plan::System& system) {
  std::vector<RepositoryLine> lines;
  for (const plan::Ref& ref : system.backup.repositories) {
    const plan::RepositorySpec* repository = plan.FindRepository(ref.id);
    if (repository == nullptr) {
      lines.push_back({ref.id, "", "not defined in the plan"});
    } else {
      lines.push_back({ref.id, repository->location, RepositoryTraits(*repository)});
    }
  }
  for (const plan::RepositorySpec* copy : plan::SystemRepositories(plan, system)) {
    bool listed = std::any_of(lines.begin(), lines.end(),
                              [&](const RepositoryLine& line) { return line.id == copy->id; });
    if (listed || !copy->copy_from) continue;
    lines.push_back(
        {copy->id, copy->location, RepositoryTraits(*copy) + ", copy of " + copy->copy_from->id});
  }
  return lines;
}

std::vector<std::string> ObjectLockedCopies(const plan::Plan& plan, const plan::System& system) {
  std::vector<std::string> ids;
  for (const plan::RepositorySpec* copy : plan::SystemRepositories(plan, system)) {
    if (IsObjectLocked(*copy)) ids.push_back(copy->id);
  }
  return ids;
}

void AddPeople(const plan::Plan& plan, const plan::System& system, RestoreBlock* block) {
  if (!system.owner) return;
  block->owner = CardFor(plan, system.owner->id);
  const plan::Person* owner = plan.FindPerson(system.owner->id);
  if (owner && owner->deputy) block->deputy = CardFor(plan, owner->deputy->id);
}

RestoreBlock BuildStep(const plan::Plan& plan, const analysis::RestoreStep& step) {
  const plan::System& system = plan.systems[step.system];
  plan::Objectives objectives = plan::ObjectivesOf(plan, system);
  RestoreBlock block;
  block.position = step.position;
  block.system_name = system.name.empty() ? system.id : system.name;
  block.system_id = system.id;
  block.client = plan::ClientName(plan, system.client);
  if (objectives.tier) block.tier = objectives.tier->name + " (" + objectives.tier->id + ")";
  if (objectives.rto) block.rto = objectives.rto->ToString();
  if (objectives.rpo) block.rpo = objectives.rpo->ToString();
  block.starts = FormatElapsed(step.starts);
  block.back = FormatElapsed(step.back);
  if (!step.restorable()) {  // `plan order` says why; it never starts
    block.back = "never: " + step.not_restorable;
    block.starts.clear();
  }
  block.restore_time = step.restore_time.ToString();
  block.estimated = step.estimated;
  block.within_rto = step.within_rto;
  block.dependency_only = step.dependency_only;
  AddPeople(plan, system, &block);
  for (const plan::Ref& dep : system.depends_on)
    block.depends_on.push_back(SystemLabel(plan, dep.id));
  for (const plan::ChecklistStep& item : system.checklist) {
    block.checklist.push_back({item.text, item.skill});
  }
  block.verify_command = system.verify_command;
  block.repositories = Repositories(plan, system);
  return block;
}

}  // namespace

std::vector<const analysis::RestoreStep*> StepsInScope(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  std::vector<bool> needed;
  if (input.client) needed = SystemsNeededBy(plan, *input.client);
  std::vector<const analysis::RestoreStep*> steps;
  for (const analysis::RestoreStep& step : input.order) {
    if (step.system >= plan.systems.size()) continue;  // not from this plan
    if (!input.client || step.dependency_only || needed[step.system]) steps.push_back(&step);
  }
  return steps;
}

bool IsOwnSystem(const RunbookInput& input, const plan::System& system) {
  return !input.client || (system.client && system.client->id == *input.client);
}

std::vector<RestoreBlock> BuildRestore(const RunbookInput& input) {
  std::vector<RestoreBlock> blocks;
  for (const analysis::RestoreStep* step : StepsInScope(input)) {
    blocks.push_back(BuildStep(*input.plan, *step));
    auto from = input.restore_from.find(input.plan->systems[step->system].id);
    if (from != input.restore_from.end() && !from->second.empty()) {
      blocks.back().restore_from = from->second + " (as of " + input.restore_from_as_of + ")";
    }
    // A client's runbook has the way back after an attack for its own systems only.
    const plan::System& system = input.plan->systems[step->system];
    if (IsOwnSystem(input, system)) {
      blocks.back().attack_copies = ObjectLockedCopies(*input.plan, system);
    }
  }
  return blocks;
}

}  // namespace stormproof::report::runbook_internal
