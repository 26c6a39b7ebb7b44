#include "continuity/plan/internal/copy_check.h"

#include <algorithm>
#include <set>

namespace stormproof::plan {
namespace {

// "a -> b -> a" when following copy_from from `start` comes back to it; "" otherwise (the
// chain ends, meets an unknown id, or loops without `start`).
std::string CycleThrough(const Plan& plan, const RepositorySpec& start) {
  std::string path = start.id;
  std::set<std::string> seen = {start.id};
  for (const RepositorySpec* at = &start; at->copy_from;) {
    const std::string& next = at->copy_from->id;
    path += " -> " + next;
    if (next == start.id) return path;
    if (!seen.insert(next).second) return "";  // a loop that does not include `start`
    at = plan.FindRepository(next);
    if (at == nullptr) return "";
  }
  return "";
}

void CheckSource(const Plan& plan, const RepositorySpec& copy, Diagnostics* out) {
  const std::string what = "repository " + Quoted(copy.id);
  const Ref& from = *copy.copy_from;
  if (from.id == copy.id) {
    out->Error(from.mark, "self-copy", what + ": copy_from names the repository itself");
    return;
  }
  const RepositorySpec* source = plan.FindRepository(from.id);
  if (source == nullptr) return;  // unknown-reference
  if (std::string cycle = CycleThrough(plan, copy); !cycle.empty()) {
    out->Error(from.mark, "copy-cycle", what + ": copy_from loops: " + cycle);
    return;
  }
  for (const RepositorySpec* r : {source, &copy}) {
    if (r->kind != RepositoryKind::kStormproof) {
      out->Error(from.mark, "copy-kind",
                 what + ": copy_from " + Quoted(from.id) + ": repository " + Quoted(r->id) +
                     " is not of kind stormproof; only stormproof repositories are copied");
      return;
    }
  }
  if (copy.site && source->site && copy.site->id == source->site->id) {
    out->Warning(from.mark, "copy-same-site",
                 what + ": a copy of " + Quoted(from.id) + " at the same site " +
                     Quoted(copy.site->id) + " is no off-site copy");
  }
}

// A copy made every copy_every cannot follow a system with a shorter RPO.
void CheckCadence(const Plan& plan, const RepositorySpec& copy, Diagnostics* out) {
  const std::string what = "repository " + Quoted(copy.id);
  if (!copy.copy_from) {
    out->Warning(copy.copy_every_mark, "copy-every-unused",
                 what + ": copy_every without copy_from: nothing is copied here");
    return;
  }
  for (const System& system : plan.systems) {
    std::vector<const RepositorySpec*> holders = SystemRepositories(plan, system);
    if (std::find(holders.begin(), holders.end(), &copy) == holders.end()) continue;
    std::optional<Duration> rpo = ObjectivesOf(plan, system).rpo;
    if (!rpo || *copy.copy_every <= *rpo) continue;
    out->Warning(copy.copy_every_mark, "copy-every-exceeds-rpo",
                 what + ": copy_every " + copy.copy_every->ToString() + " is longer than the RPO " +
                     rpo->ToString() + " of system " + Quoted(system.id) +
                     ": the copy cannot follow within the RPO");
  }
}

}  // namespace

void CheckCopies(const Plan& plan, Diagnostics* out) {
  for (const RepositorySpec& repository : plan.repositories) {
    if (plan.FindRepository(repository.id) != &repository) continue;  // a duplicate id
    if (repository.copy_from) CheckSource(plan, repository, out);
    if (repository.copy_every) CheckCadence(plan, repository, out);
  }
}

}  // namespace stormproof::plan
