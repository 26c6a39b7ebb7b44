// Assembles the readiness report: a cover with the period and a summary per client, then one
// section per client (page break before each when printed).
#include "continuity/report/readiness_report/readiness_report.h"

#include <fmt/format.h>

#include "continuity/readiness/readiness.h"
#include "continuity/report/evidence/evidence_format.h"
#include "continuity/report/evidence/evidence_html.h"
#include "continuity/report/readiness_report/internal/readiness_report_parts.h"
#include "continuity/report/html/html.h"

namespace stormproof::report {
namespace {

using html_internal::H;
using readiness_internal::SectionContext;

std::string ScoreText(const std::optional<int>& score) {
  return score ? fmt::format("{}/100", *score) : "—";
}

std::string Anchor(const readiness::ClientStatus& client) {
  return client.id.empty() ? "msp-systems" : "client-" + H(client.id);
}

// One section; returns the number of drills in the period.
Result<int> WriteClient(const SectionContext& context, const readiness::ClientStatus& client,
                        std::string* out) {
  *out += "<section class=\"client\" id=\"" + Anchor(client) + "\">\n<h2>" + H(client.name);
  if (!client.id.empty()) *out += " <span class=\"muted\">(" + H(client.id) + ")</span>";
  *out += " — readiness " + ScoreText(client.score);
  if (client.breached) *out += " <span class=\"risk\">breached</span>";
  *out += "</h2>\n";
  if (client.systems.empty()) *out += "<p class=\"muted\">No systems in the plan.</p>\n";
  readiness_internal::WriteObjectives(context, client, out);
  readiness_internal::WriteReadinessNow(client, out);
  readiness_internal::WriteRansomware(client, out);
  STORMPROOF_TRY(readiness_internal::WriteRpoHistory(context, client, out));
  STORMPROOF_ASSIGN_OR_RETURN(int drills, readiness_internal::WriteDrills(context, client, out));
  readiness_internal::WriteFindings(context, client, out);
  readiness_internal::WriteSecurity(context, client, out);
  *out += "</section>\n";
  return drills;
}

std::string Cover(const readiness::MspStatus& status, const ReadinessReportOptions& options,
                  const svg::TimeRange& period, const std::string& scope) {
  std::string out = "<header>\n<p class=\"kicker\">Readiness report</p>\n<h1>" + H(scope) +
                    "</h1>\n<p class=\"meta\">";
  out += fmt::format("Period {} to {} ({} days) · generated {} · prepared by {}",
                     UtcDateOf(period.since_ns).ToString(), UtcDateOf(period.until_ns).ToString(),
                     options.period.seconds() / kSecondsPerDay, options.today.ToString(),
                     H(status.msp_name.empty() ? "the MSP" : status.msp_name));
  out += "</p>\n";
  if (!status.has_catalog) {
    out += "<p class=\"risk\">No catalog yet: no backups, checks or drills are recorded.</p>\n";
  }
  return out + "</header>\n";
}

// True when every system's RPO, RTO and drill evidence is known (breached or not).
bool Proven(const readiness::ClientStatus& client) {
  for (const readiness::SystemStatus& s : client.systems) {
    if (s.rpo.state == readiness::RpoState::kUnknown ||
        s.rto.state == readiness::RtoState::kUnknown ||
        s.drill.state == readiness::DrillState::kNever) {
      return false;
    }
  }
  return true;
}

std::string Summary(const readiness::MspStatus& status, const std::vector<int>& drills) {
  std::string out = "<h2>Summary</h2>\n" +
                    html_internal::TableHead({"Client", "Systems", "Readiness", "Objectives",
                                              "Drills in period", "Audit findings"});
  for (size_t i = 0; i < status.clients.size(); ++i) {
    const readiness::ClientStatus& c = status.clients[i];
    std::string state = c.breached  ? "<span class=\"risk\">breached</span>"
                        : Proven(c) ? "<span class=\"ok\">met</span>"
                                    : "<span class=\"warn\">not proven</span>";
    out += html_internal::Row({"<a href=\"#" + Anchor(c) + "\">" + H(c.name) + "</a>",
                               std::to_string(c.systems.size()), ScoreText(c.score), state,
                               std::to_string(drills[i]), std::to_string(c.findings.total())});
  }
  out += html_internal::kTableEnd;
  if (status.clients.size() > 1) {
    out +=
        fmt::format("<p>Readiness of the whole MSP: <strong>{}/100</strong>{}.</p>\n", status.score,
                    status.breached ? fmt::format(" — an objective is breached, so at most {}",
                                                  readiness::kBreachedScoreCap)
                                    : "");
  }
  return out;
}

// With a client filter, ComputeStatus() returns exactly that one group.
std::string Scope(const readiness::MspStatus& status, const ReadinessReportOptions& options) {
  if (!options.client) return status.msp_name.empty() ? "All clients" : status.msp_name;
  return status.clients.front().name;
}

}  // namespace

Result<std::string> ReadinessReportHtml(const plan::Plan& plan, const catalog::Catalog* catalog,
                                        const ReadinessReportOptions& options) {
  if (options.period.seconds() <= 0) {
    return Error::InvalidArgument("report period must be positive");
  }
  readiness::StatusOptions status_options;
  status_options.now_ns = options.now_ns;
  status_options.today = options.today;
  status_options.client = options.client;
  STORMPROOF_ASSIGN_OR_RETURN(readiness::MspStatus status,
                              readiness::ComputeStatus(plan, catalog, status_options));
  svg::TimeRange period{options.now_ns - options.period.seconds() * kNsPerSecond, options.now_ns};
  SectionContext context{plan, catalog, period, options.today, status.findings};
  std::string sections;
  std::vector<int> drills;
  for (const readiness::ClientStatus& client : status.clients) {
    STORMPROOF_ASSIGN_OR_RETURN(int count, WriteClient(context, client, &sections));
    drills.push_back(count);
  }
  std::string scope = Scope(status, options);
  std::string out =
      evidence_internal::HtmlHead("Readiness report — " + scope + " — " + options.today.ToString());
  out += "<body>\n<main>\n" + Cover(status, options, period, scope) + Summary(status, drills);
  out += sections + "<footer>stormproof readiness report · " + options.today.ToString() +
         "</footer>\n</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace stormproof::report
