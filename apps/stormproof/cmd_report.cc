// stormproof report: the quarterly readiness report for one client, the MSP's own systems, or
// everything, as one self-contained HTML file.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <system_error>

#include "apps/stormproof/context.h"
#include "apps/stormproof/host_evidence.h"
#include "continuity/readiness/readiness.h"
#include "continuity/report/readiness_report/readiness_report.h"

namespace stormproof::cli {
namespace {

struct ReportFlags {
  std::string client;
  bool client_given = false;
  std::string period = "90d";
  std::string out;  // "" = <run.reports>/readiness-<client or msp>-<date>.html
};

std::string DefaultPath(const plan::Plan& plan, const ReportFlags& flags, Date today) {
  std::string who = flags.client_given ? flags.client : "msp";
  if (who.empty()) who = plan.msp.id.empty() ? "msp" : plan.msp.id;
  return (std::filesystem::path(plan.run.reports) /
          ("readiness-" + who + "-" + today.ToString() + ".html"))
      .string();
}

// A client id becomes part of the default file name: refuse one that would leave the folder.
bool SafeName(const std::string& id) {
  return id != "." && id != ".." && id.find('/') == std::string::npos;
}

// Creates the directories above `path`; on failure prints why and returns exit 1.
Outcome MakeParent(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (!ec) return Outcome::Ok();
  PrintError("cannot create " + parent.string() + ": " + ec.message());
  return Outcome::Failed();
}

Outcome RunReport(Context* context, const ReportFlags& flags) {
  auto period = Duration::Parse(flags.period);
  if (!period || period->seconds() <= 0) {
    PrintError("--period: expected a duration such as 90d or 13w, got '" + flags.period + "'");
    return Outcome::Usage();
  }
  auto usable = LoadUsablePlan(*context);
  if (!usable) return usable.outcome();
  const plan::Plan& plan = usable->plan();
  auto catalog = OpenCatalogToRead(plan);
  if (!catalog) {
    PrintError(catalog.error().message());  // names the catalog file
    return Outcome::Failed();
  }
  if (*catalog) RefreshEvidence(*context, plan, **catalog);
  report::ReadinessReportOptions options;
  if (flags.client_given) options.client = flags.client;
  options.today = usable->today;
  options.now_ns = NowNs(*context, usable->today);
  options.period = *period;
  auto html = report::ReadinessReportHtml(plan, catalog->get(), options);
  if (!html) {
    PrintError(html.error().message());
    // Here kNotFound is the --client flag naming no client.
    return html.error().code() == ErrorCode::kNotFound ? Outcome::Usage() : Outcome::Failed();
  }
  std::string path = flags.out.empty() ? DefaultPath(plan, flags, usable->today) : flags.out;
  if (path != "-") {
    if (Outcome made = MakeParent(path); !made.ok()) return made;
  }
  Outcome written = WriteOutput(path, *html);
  if (!written.ok() || path == "-") return written;
  if (context->json) {
    PrintJson({{"report", path}});
  } else {
    fmt::print("{}\n", path);
  }
  return Outcome::Ok();
}

}  // namespace

void AddReportCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* cmd = app->add_subcommand(
      "report",
      "Write the readiness report (the quarterly report for a client) as one self-contained, "
      "printable HTML file: objectives and readiness per system, RPO compliance over the "
      "period and the drills run with their results (inline SVG charts), open audit findings "
      "and the age of each security control's evidence. Prints the file's path.");
  cmd->add_option("--client", flags->client,
                  "Only this client (the MSP's own id for the MSP's own systems); default: every "
                  "client and the MSP's own systems")
      ->type_name("ID")
      ->check([](const std::string& id) {
        return SafeName(id) ? std::string() : std::string("not a client id: " + id);
      })
      ->each([flags](const std::string&) { flags->client_given = true; });
  cmd->add_option("--period", flags->period,
                  "The period the report covers, ending now (or at the end of --as-of)")
      ->type_name("DURATION")
      ->default_str("90d");
  cmd->add_option("--out", flags->out,
                  "Write to FILE (crash-safe replace; - for standard output); default "
                  "<run.reports>/readiness-<client or msp>-<date>.html")
      ->type_name("FILE");
  cmd->callback([context, flags] { context->outcome = RunReport(context, *flags); });
}

}  // namespace stormproof::cli
