#include "continuity/plan/internal/scenario_check.h"

#include <string_view>
#include <vector>

#include "core/text.h"

namespace stormproof::plan {
namespace {

// The ids of `items`, for "did you mean" suggestions.
template <typename T>
std::vector<std::string_view> IdsOf(const std::vector<T>& items) {
  std::vector<std::string_view> ids;
  ids.reserve(items.size());
  for (const T& item : items) ids.push_back(item.id);
  return ids;
}

// Reports `ref` as unknown, in the words of reference_check.cc.
void Unknown(const Ref& ref, const std::string& what, const char* kind, const char* field,
             const std::vector<std::string_view>& candidates, Diagnostics* out) {
  std::string message = what + ": unknown " + kind + " " + Quoted(ref.id) + " in '" + field + "'";
  std::string close = ClosestMatch(ref.id, candidates);
  if (!close.empty()) message += " (did you mean " + Quoted(close) + "?)";
  out->Error(ref.mark, "unknown-reference", message);
}

// Checks one `lost` list: every id known (`find` returns non-null), every `for` above zero.
template <typename T, typename Find>
void CheckLosses(const std::vector<ScenarioLoss>& losses, const std::string& what, const char* kind,
                 const char* field, const std::vector<T>& items, Find find, Diagnostics* out) {
  for (const ScenarioLoss& loss : losses) {
    if (!find(loss.ref.id)) Unknown(loss.ref, what, kind, field, IdsOf(items), out);
    if (loss.duration && loss.duration->seconds() <= 0) {
      out->Error(loss.duration_mark, "bad-duration",
                 what + ": " + Quoted(loss.ref.id) + " in '" + field +
                     "': 'for' must be longer than zero");
    }
  }
}

void CheckLost(const Plan& plan, const Scenario& s, const std::string& what, Diagnostics* out) {
  const Scenario::Lost& lost = s.lost;
  if (lost.empty() && lost.mark.file >= 0) {  // an absent `lost` is the loader's missing-field
    out->Error(lost.mark, "scenario-loses-nothing",
               what +
                   ": loses nothing (list systems, sites, vendors, isps, people, "
                   "repositories or ransomware under 'lost')");
  }
  auto system = [&](const std::string& id) { return plan.FindSystem(id) != nullptr; };
  auto site = [&](const std::string& id) { return plan.FindSite(id) != nullptr; };
  auto vendor = [&](const std::string& id) { return plan.FindVendor(id) != nullptr; };
  auto person = [&](const std::string& id) { return plan.FindPerson(id) != nullptr; };
  CheckLosses(lost.systems, what, "system", "lost.systems", plan.systems, system, out);
  CheckLosses(lost.sites, what, "site", "lost.sites", plan.sites, site, out);
  CheckLosses(lost.vendors, what, "vendor", "lost.vendors", plan.vendors, vendor, out);
  CheckLosses(lost.isps, what, "vendor", "lost.isps", plan.vendors, vendor, out);
  CheckLosses(lost.people, what, "person", "lost.people", plan.people, person, out);
  for (const ScenarioLoss& isp : lost.isps) {
    const Vendor* v = plan.FindVendor(isp.ref.id);
    if (v != nullptr && v->kind != VendorKind::kIsp) {
      out->Warning(isp.ref.mark, "isp-kind",
                   what + ": " + Quoted(isp.ref.id) + " is listed as an ISP but its kind is " +
                       VendorKindName(v->kind));
    }
  }
  for (const RepositoryLoss& repository : lost.repositories) {
    if (plan.FindRepository(repository.ref.id) == nullptr) {
      Unknown(repository.ref, what, "repository", "lost.repositories", IdsOf(plan.repositories),
              out);
    }
  }
  if (lost.ransomware && plan.FindClient(lost.ransomware->id) == nullptr) {
    Unknown(*lost.ransomware, what, "client", "lost.ransomware", IdsOf(plan.clients), out);
  }
}

std::string At(Duration at) { return "T+" + at.ToString(); }

void CheckInjects(const Plan& plan, const Scenario& s, const std::string& what, Diagnostics* out) {
  const Inject* previous = nullptr;
  for (const Inject& inject : s.injects) {
    if (inject.to && !plan.FindPerson(inject.to->id) && !plan.FindRole(inject.to->id)) {
      std::vector<std::string_view> candidates = IdsOf(plan.people);
      for (std::string_view role : IdsOf(plan.roles)) candidates.push_back(role);
      Unknown(*inject.to, what, "person or role", "injects.to", candidates, out);
    }
    if (inject.at > kMaxInjectOffset) {
      out->Error(inject.at_mark, "inject-too-late",
                 what + ": inject at " + At(inject.at) + " is later than " + At(kMaxInjectOffset) +
                     ", the latest an exercise runs to");
    } else if (previous != nullptr && inject.at < previous->at) {
      out->Error(inject.at_mark, "inject-order",
                 what + ": inject at " + At(inject.at) + " comes before the one above it (" +
                     At(previous->at) + "); write injects in time order");
    }
    previous = &inject;
  }
}

}  // namespace

void CheckScenarios(const Plan& plan, Diagnostics* out) {
  for (const Scenario& s : plan.scenarios) {
    std::string what = "scenario " + Quoted(s.id);
    CheckLost(plan, s, what, out);
    CheckInjects(plan, s, what, out);
  }
}

}  // namespace stormproof::plan
