// stormproof plan render: the plan as an offline runbook (Markdown or self-contained HTML).
#include <fmt/format.h>

#include "continuity/analysis/audit.h"
#include "continuity/analysis/restore_order.h"
#include "apps/stormproof/clean_points.h"
#include "apps/stormproof/context.h"
#include "core/time.h"
#include "continuity/report/runbook/runbook.h"

namespace stormproof::cli {
namespace {

struct RenderFlags {
  std::string format;  // md or html; "" = from --out's extension, else md
  std::string out;
  std::string client;
  bool clean_points = false;
};

std::string ChosenFormat(const RenderFlags& flags) {
  if (!flags.format.empty()) return flags.format;
  auto ends_with = [&](const std::string& suffix) {
    return flags.out.size() >= suffix.size() &&
           flags.out.compare(flags.out.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with(".html") || ends_with(".htm") ? "html" : "md";
}

Outcome RunRender(Context* context, const RenderFlags& flags) {
  auto usable = LoadUsablePlan(*context);
  if (!usable) return usable.outcome();
  const plan::Plan& p = usable->plan();
  if (!flags.client.empty() && p.FindClient(flags.client) == nullptr) {
    PrintError("unknown client '" + flags.client + "'");
    return Outcome::Usage();
  }
  // A client's runbook numbers and times its own restore list (plus what it depends on).
  analysis::RestoreOrderOptions order_options;
  if (!flags.client.empty()) order_options.client = flags.client;
  auto order = analysis::ComputeRestoreOrder(p, order_options);
  if (!order) {
    PrintError(order.error().message());
    return Outcome::Problems();
  }
  report::RunbookInput input;
  input.plan = &p;
  input.order = std::move(order).value();
  input.findings = analysis::Audit(p, {usable->today});
  input.generated_on = usable->today;
  if (!flags.client.empty()) input.client = flags.client;
  if (flags.clean_points) {
    auto points = CleanPointsOf(*context, *usable, input.order);
    if (!points) {
      PrintError(points.error().message());
      return Outcome::Failed();
    }
    for (const auto& [id, point] : *points) {
      input.restore_from[id] = readiness::RestoreFromText(point);
    }
    input.restore_from_as_of = FormatUtc(NowNs(*context, usable->today));
  }
  std::string format = ChosenFormat(flags);
  std::string text =
      format == "html" ? report::RenderRunbookHtml(input) : report::RenderRunbookMarkdown(input);
  if (context->json) {
    nlohmann::json out = {{"format", format}, {"bytes", text.size()}};
    if (flags.out.empty() || flags.out == "-") {
      out["content"] = text;
    } else if (Outcome written = WriteOutput(flags.out, text); written.ok()) {
      out["out"] = flags.out;
    } else {
      return written;
    }
    PrintJson(out);
    return Outcome::Ok();
  }
  Outcome written = WriteOutput(flags.out, text);
  if (written.ok() && !flags.out.empty() && flags.out != "-") {
    fmt::print(stderr, "wrote {} ({} bytes, {})\n", flags.out, text.size(), format);
  }
  return written;
}

}  // namespace

void AddPlanRenderCommand(CLI::App* plan, Context* context) {
  auto flags = std::make_shared<RenderFlags>();
  CLI::App* cmd = plan->add_subcommand(
      "render",
      "Write the whole plan as a runbook a person can use offline in an emergency: how to "
      "start, incident roles and contacts, the call tree, client communications and their "
      "cadence, the restore order with checklists, vendors, sites and security controls. The "
      "HTML form is one self-contained file that prints well.");
  cmd->add_option("--format", flags->format,
                  "md or html (default: from --out's extension, else md)")
      ->check(CLI::IsMember({"md", "html"}))
      ->type_name("FORMAT");
  cmd->add_option("--out", flags->out, "Write to FILE (crash-safe replace) instead of stdout")
      ->type_name("FILE");
  cmd->add_option("--client", flags->client, "Only this client's part of the runbook")
      ->type_name("ID");
  cmd->add_flag("--clean-points", flags->clean_points,
                "In an incident: read the catalog and write in each restore step the snapshot "
                "to restore from — its newest clean restore point before any snapshot flagged "
                "by ransomware detection (the latest snapshot when none is flagged)");
  cmd->callback([context, flags] { context->outcome = RunRender(context, *flags); });
}

}  // namespace stormproof::cli
