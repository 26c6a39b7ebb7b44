// stormproof plan order: the prioritised restore list with checklists and contacts; with
// --clean-points, in an incident, what to restore each system from (its newest clean restore
// point, from the catalog).
#include <fmt/format.h>

#include <algorithm>

#include "continuity/analysis/restore_order.h"
#include "apps/stormproof/context.h"
#include "apps/stormproof/clean_points.h"
#include "continuity/readiness/readiness.h"
#include "continuity/report/plan_output/json_output.h"
#include "continuity/report/plan_output/text_output.h"

namespace stormproof::cli {
namespace {

struct OrderFlags {
  std::string client;
  bool clean_points = false;
};

Outcome RunOrder(Context* context, const OrderFlags& flags) {
  auto usable = LoadUsablePlan(*context);
  if (!usable) return usable.outcome();
  analysis::RestoreOrderOptions options;
  if (!flags.client.empty()) options.client = flags.client;
  auto order = analysis::ComputeRestoreOrder(usable->plan(), options);
  if (!order) {
    PrintError(order.error().message());
    // Here kNotFound is the --client flag naming no client; anything else is the plan's problem.
    return order.error().code() == ErrorCode::kNotFound ? Outcome::Usage() : Outcome::Problems();
  }
  std::map<std::string, readiness::CleanPointStatus> points;
  if (flags.clean_points) {
    auto found = CleanPointsOf(*context, *usable, *order);
    if (!found) {
      PrintError(found.error().message());
      return Outcome::Failed();
    }
    points = std::move(found).value();
  }
  if (context->json) {
    nlohmann::json head = {
        {"client", flags.client.empty() ? nlohmann::json(nullptr) : nlohmann::json(flags.client)}};
    PrintJsonWithArray(head, "steps", order->size(), [&](size_t i) {
      nlohmann::json step = report::RestoreStepToJson(usable->plan(), (*order)[i]);
      if (flags.clean_points) {
        step["clean_point"] =
            report::CleanPointToJson(points[usable->plan().systems[(*order)[i].system].id]);
      }
      return step;
    });
  } else {
    report::RestoreFrom restore_from;
    for (const auto& [id, point] : points) restore_from[id] = readiness::RestoreFromText(point);
    fmt::print("{}", report::RenderOrderText(usable->plan(), *order,
                                             flags.clean_points ? &restore_from : nullptr));
  }
  // A system nobody can restore is a problem the plan must fix, whatever the output format.
  bool stranded = std::any_of(order->begin(), order->end(),
                              [](const analysis::RestoreStep& step) { return !step.restorable(); });
  return stranded ? Outcome::Problems() : Outcome::Ok();
}

}  // namespace

void AddPlanOrderCommand(CLI::App* plan, Context* context) {
  auto flags = std::make_shared<OrderFlags>();
  CLI::App* cmd = plan->add_subcommand(
      "order",
      "Print the prioritised restore list: dependencies first, then by tier and downtime cost, "
      "with each system's owner and deputy and their contacts, the restore checklist, the "
      "verification command, who restores it and when it starts and is back. The projection "
      "schedules people as a team works: one restore per person at a time, only people who can "
      "restore the system and hold its checklist skills, the owner first, then the owner's "
      "deputy, then anyone else able; each restore takes restore.estimate, or its RTO budget. "
      "A system nobody can restore is reported as such.");
  cmd->add_option("--client", flags->client, "Only this client's systems and what they depend on")
      ->type_name("ID");
  cmd->add_flag("--clean-points", flags->clean_points,
                "In an incident: read the catalog and name, per system, the snapshot to restore "
                "from — its newest clean restore point before any snapshot flagged by "
                "ransomware detection (the latest snapshot when none is flagged)");
  cmd->callback([context, flags] { context->outcome = RunOrder(context, *flags); });
}

}  // namespace stormproof::cli
