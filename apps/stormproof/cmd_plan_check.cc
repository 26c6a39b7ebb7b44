// stormproof plan check: load and validate the plan, reporting every problem at once.
#include <fmt/format.h>

#include "apps/stormproof/context.h"
#include "continuity/plan/validate.h"
#include "continuity/report/plan_output/json_output.h"

namespace stormproof::cli {
namespace {

struct CheckFlags {
  bool strict = false;
};

nlohmann::json CheckJson(const plan::LoadResult& loaded, bool ok) {
  nlohmann::json diagnostics = nlohmann::json::array();
  for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
    diagnostics.push_back(report::DiagnosticToJson(loaded.plan.files, d));
  }
  const plan::Plan& p = loaded.plan;
  return {{"plan", p.files.empty() ? "" : p.files.front()},
          {"files", p.files},
          {"readable", loaded.readable},
          {"ok", ok},
          {"errors", loaded.diagnostics.error_count()},
          {"warnings", loaded.diagnostics.warning_count()},
          {"counts",
           {{"clients", p.clients.size()},
            {"systems", p.systems.size()},
            {"people", p.people.size()},
            {"roles", p.roles.size()},
            {"tiers", p.tiers.size()},
            {"vendors", p.vendors.size()},
            {"sites", p.sites.size()},
            {"repositories", p.repositories.size()}}},
          {"diagnostics", diagnostics}};
}

void PrintCheckText(const plan::LoadResult& loaded) {
  const plan::Plan& p = loaded.plan;
  for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
    fmt::print("{}\n", plan::FormatDiagnostic(p.files, d));
  }
  fmt::print("{}: {} error(s), {} warning(s) in {} file(s): {} clients, {} systems, {} people\n",
             p.files.empty() ? "plan" : p.files.front(), loaded.diagnostics.error_count(),
             loaded.diagnostics.warning_count(), p.files.size(), p.clients.size(), p.systems.size(),
             p.people.size());
}

Outcome RunCheck(Context* context, const CheckFlags& flags) {
  auto today = Today(*context);
  if (!today) {
    PrintError(today.error().message());
    return Outcome::Failed(today.error());
  }
  plan::LoadResult loaded = plan::LoadPlan(context->plan_path, PlanLoadOptions(*context));
  if (loaded.readable) plan::Validate(loaded.plan, {*today}, &loaded.diagnostics);
  bool failed = loaded.diagnostics.error_count() > 0 ||
                (flags.strict && loaded.diagnostics.warning_count() > 0);
  if (context->json) {
    PrintJson(CheckJson(loaded, !failed));
  } else {
    PrintCheckText(loaded);
  }
  if (!loaded.readable) return Outcome::Failed();
  return failed ? Outcome::Problems() : Outcome::Ok();
}

}  // namespace

void AddPlanCheckCommand(CLI::App* plan, Context* context) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* cmd = plan->add_subcommand(
      "check",
      "Load the plan and every file it includes, and report every problem at once as "
      "file:line:col: error|warning: message. Exit 0 when there are no errors (3 with errors, "
      "1 when a file cannot be read).");
  cmd->add_flag("--strict", flags->strict, "Treat warnings as errors (exit 3 on any warning)");
  cmd->callback([context, flags] { context->outcome = RunCheck(context, *flags); });
}

}  // namespace stormproof::cli
