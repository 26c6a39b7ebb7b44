// The readiness report's tables: objectives, readiness now, open audit findings and security
// evidence ages.
#include <fmt/format.h>

#include <algorithm>

#include "continuity/analysis/client_view.h"
#include "core/text.h"
#include "continuity/report/evidence/evidence_format.h"
#include "continuity/report/readiness_report/internal/readiness_report_parts.h"
#include "continuity/report/html/html.h"

namespace stormproof::report::readiness_internal {
namespace {

using html_internal::H;
using html_internal::Row;
using html_internal::Span;
using html_internal::TableHead;
using readiness::SystemStatus;

std::string OrDash(const std::optional<Duration>& d) {
  return d ? ShortDuration(*d) : "—";
}

std::string SystemCell(const SystemStatus& s) {
  return "<strong>" + H(s.name.empty() ? s.id : s.name) + "</strong> " +
         Span("muted", "(" + H(s.id) + ")");
}

std::string RpoCell(const SystemStatus& s) {
  std::string state = readiness::RpoStateName(s.rpo.state);
  const char* css = s.rpo.state == readiness::RpoState::kOk       ? "ok"
                    : s.rpo.state == readiness::RpoState::kAtRisk ? "warn"
                                                                  : "risk";
  std::string age = s.rpo.age ? ", age " + ShortDuration(*s.rpo.age) : "";
  return Span(css, state) + age;
}

// "projected 1h50m" ("at least 1h50m, unknown" when a part is unknown), then its parts with
// their bases: data restore, hands-on time, verification.
std::string RtoCell(const SystemStatus& s) {
  std::string parts = "<br>" + Span("muted", H(readiness::ProjectionPartsText(s.rto)));
  if (!s.rto.projected) return Span("muted", readiness::RtoStateName(s.rto.state)) + parts;
  const char* css = s.rto.state == readiness::RtoState::kFeasible ? "ok"
                    : s.rto.state == readiness::RtoState::kUnknown ? "warn"
                                                                   : "risk";
  std::string projected = ShortDuration(*s.rto.projected);
  std::string text = s.rto.complete ? "projected " + projected
                                    : "at least " + projected + ", " +
                                          readiness::RtoStateName(s.rto.state);
  return Span(css, text) + parts;
}

std::string DrillCell(const SystemStatus& s) {
  if (!s.drill.last_ns) return Span("risk", "never drilled");
  std::string date = UtcDateOf(*s.drill.last_ns).ToString();
  std::string outcome = s.drill.last_outcome ? catalog::OutcomeName(*s.drill.last_outcome) : "";
  bool late = s.drill.state == readiness::DrillState::kOverdue;
  return date + " " + H(outcome) + (late ? " " + Span("risk", "overdue") : "");
}

// "proven …" in green; a failed proof or verification in red; anything unproven in amber.
std::string ImmutabilityCell(const analysis::ImmutabilityVerdict& v) {
  using analysis::ImmutabilityState;
  const char* css = v.counts                                     ? "ok"
                    : v.state == ImmutabilityState::kProofFailed ? "risk"
                    : v.state == ImmutabilityState::kNotClaimed  ? "muted"
                                                                 : "warn";
  return Span(css, H(v.text));
}

std::string ZeroErrorsCell(const analysis::ZeroErrorsVerdict& v) {
  const char* css = v.counts                                        ? "ok"
                    : v.state == analysis::ZeroErrorsState::kFailed ? "risk"
                                                                    : "warn";
  return Span(css, H(v.text));
}

// The "1" and the "0" of 3-2-1-1-0 per repository the group's systems back up into.
void WriteRepositories(const readiness::ClientStatus& client, std::string* out) {
  if (client.repositories.empty()) return;
  *out += TableHead({"Backup repository", "Immutable", "Zero errors"});
  for (const readiness::RepositoryStatus& r : client.repositories) {
    *out += Row({"<strong>" + H(r.id) + "</strong>", ImmutabilityCell(r.immutability),
                 ZeroErrorsCell(r.zero_errors)});
  }
  *out += html_internal::kTableEnd;
  *out +=
      "<p class=\"muted\">Immutable counts only when an immutability proof passed within the "
      "check cadence, or, for offline media, a person attested them within it (attested, never "
      "proven); zero errors only when a check that read the data, or a restore drill, passed "
      "within its cadence.</p>\n";
}

// The MSP's own group (id ""): findings that name no client and no system, or one of its
// systems, as the audit words them.
bool ConcernsMsp(const analysis::Finding& f, const readiness::ClientStatus& group) {
  if (f.clients.empty() && f.systems.empty()) return true;
  for (const SystemStatus& s : group.systems) {
    if (std::find(f.systems.begin(), f.systems.end(), s.id) != f.systems.end()) return true;
  }
  return false;
}

// The findings a group's section shows: for a client, the client's view of them (its own
// systems only; MSP-side weaknesses as their effect on it, analysis/client_view.h).
std::vector<analysis::Finding> FindingsOf(const SectionContext& context,
                                          const readiness::ClientStatus& group) {
  if (!group.id.empty()) {
    return analysis::FindingsForClient(context.plan, context.findings, group.id);
  }
  std::vector<analysis::Finding> out;
  for (const analysis::Finding& f : context.findings) {
    if (ConcernsMsp(f, group)) out.push_back(f);
  }
  return out;
}

}  // namespace

void WriteObjectives(const SectionContext& context, const readiness::ClientStatus& client,
                     std::string* out) {
  *out += "<h3>Objectives</h3>\n" + TableHead({"System", "Tier", "RTO", "RPO", "Drill every"});
  for (const SystemStatus& s : client.systems) {
    const plan::Tier* tier = context.plan.FindTier(s.tier);
    std::string tier_name = tier == nullptr ? "—" : H(tier->name.empty() ? tier->id : tier->name);
    std::string every = s.drill.every ? s.drill.every->ToString() : "—";
    *out += Row({SystemCell(s), tier_name, OrDash(s.rto.target), OrDash(s.rpo.target), every});
  }
  *out += html_internal::kTableEnd;
}

void WriteReadinessNow(const readiness::ClientStatus& client, std::string* out) {
  *out += "<h3>Readiness now</h3>\n" +
          TableHead({"System", "RPO", "Clean RPO", "RTO", "Last drill", "3-2-1-1-0", "Score",
                     "Problems"});
  for (const SystemStatus& s : client.systems) {
    std::string score = std::to_string(s.score);
    if (s.breached) score += " " + Span("risk", "breached");
    *out += Row({SystemCell(s), RpoCell(s), CleanRpoCell(s), RtoCell(s), DrillCell(s),
                 H(s.rule.Marks()), score,
                 html_internal::Lines(s.problems)});
  }
  *out += html_internal::kTableEnd;
  *out += fmt::format(
      "<p class=\"muted\">3-2-1-1-0 counts only what the catalog proves: a copy counts when it "
      "holds a backup within the RPO; ✓ proven, ✗ not met, ~ claimed by the plan but never "
      "proven, ? not verified. A breached objective caps a score at {}.</p>\n",
      readiness::kBreachedScoreCap);
  WriteRepositories(client, out);
}

void WriteFindings(const SectionContext& context, const readiness::ClientStatus& client,
                   std::string* out) {
  *out += "<h3>Open audit findings</h3>\n";
  std::string rows;
  for (const analysis::Finding& f : FindingsOf(context, client)) {
    const char* severity = analysis::SeverityName(f.severity);
    std::string css = f.severity <= analysis::Severity::kHigh ? "risk" : "warn";
    rows += Row({Span(css, severity), "<strong>" + H(f.title) + "</strong><br>" + H(f.detail),
                 H(Join(f.systems, ", ")), H(f.recommendation)});
  }
  if (rows.empty()) {
    *out += "<p class=\"ok\">No open findings.</p>\n";
    return;
  }
  *out += TableHead({"Severity", "Finding", "Systems", "Recommendation"}) + rows +
          html_internal::kTableEnd;
}

void WriteSecurity(const SectionContext& context, const readiness::ClientStatus& client,
                   std::string* out) {
  const plan::Client* c = context.plan.FindClient(client.id);
  const std::vector<plan::SecurityControl>& controls =
      c != nullptr ? c->security : context.plan.msp.security;
  *out += "<h3>Security-control evidence</h3>\n";
  if (controls.empty()) {
    *out += "<p class=\"muted\">No security controls recorded in the plan.</p>\n";
    return;
  }
  *out += TableHead({"Control", "Product", "Last evidence", "Age", "Allowed age", "State"});
  for (const plan::SecurityControl& control : controls) {
    Cadence max_age = control.evidence_every.value_or(context.plan.policy.evidence_max_age);
    std::string last = "—", age = "—", state = Span("risk", "no evidence");
    if (control.last_evidence) {
      Date due = control.last_evidence->Add(max_age);
      last = control.last_evidence->ToString();
      age = fmt::format("{} days", control.last_evidence->DaysUntil(context.today));
      state = context.today > due ? Span("risk", "stale since " + due.ToString())
                                  : Span("ok", "current until " + due.ToString());
    }
    *out += Row({H(plan::ControlKindName(control.kind)), H(control.product), last, age,
                 max_age.ToString(), state});
  }
  *out += html_internal::kTableEnd;
}

}  // namespace stormproof::report::readiness_internal
