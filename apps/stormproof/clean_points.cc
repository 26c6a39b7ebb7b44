#include "apps/stormproof/clean_points.h"

#include <memory>

#include "apps/stormproof/host_evidence.h"

namespace stormproof::cli {

Result<std::map<std::string, readiness::CleanPointStatus>> CleanPointsOf(
    const Context& context, const UsablePlan& usable,
    const std::vector<analysis::RestoreStep>& order) {
  const plan::Plan& plan = usable.plan();
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<catalog::Catalog> catalog, OpenCatalogToRead(plan));
  if (catalog) RefreshEvidence(context, plan, *catalog);
  const int64_t now_ns = NowNs(context, usable.today);
  std::map<std::string, readiness::CleanPointStatus> points;
  for (const analysis::RestoreStep& step : order) {
    const plan::System& system = plan.systems[step.system];
    readiness::CleanPointStatus& point = points[system.id];
    if (!catalog) continue;
    auto found = readiness::CleanPointOf(plan, *catalog, system, now_ns);
    if (!found) {
      return found.error().WithContext("catalog " + catalog->path() + ": system '" + system.id +
                                       "'");
    }
    point = std::move(found).value();
  }
  return points;
}

}  // namespace stormproof::cli
