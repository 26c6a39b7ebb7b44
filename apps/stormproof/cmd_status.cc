// stormproof status: readiness now — RPO compliance and the clean RPO (the newest clean restore
// point after ransomware), RTO feasibility and confidence, drill
// recency, 3-2-1-1-0 and audit findings per system, immutability and zero errors per repository,
// and readiness scores per client and for the MSP, from the plan and the catalog (docs/cli.md,
// "status").
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "apps/stormproof/context.h"
#include "apps/stormproof/host_evidence.h"
#include "core/text.h"
#include "core/time.h"
#include "continuity/readiness/readiness.h"
#include "continuity/report/evidence/evidence_format.h"
#include "continuity/report/plan_output/json_output.h"

namespace stormproof::cli {
namespace {

using nlohmann::json;

struct StatusFlags {
  std::string client;
  bool client_given = false;
};

template <typename T, typename F>
json OrNull(const std::optional<T>& value, F convert) {
  return value ? json(convert(*value)) : json(nullptr);
}
json Seconds(const std::optional<Duration>& d) {
  return OrNull(d, [](Duration v) { return v.seconds(); });
}
json Time(const std::optional<int64_t>& ns) { return OrNull(ns, FormatRfc3339); }
json OrNullIfEmpty(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json FindingsJson(const readiness::FindingCounts& f) {
  return {{"critical", f.critical}, {"high", f.high}, {"medium", f.medium}, {"low", f.low}};
}

json RpoJson(const readiness::RpoStatus& rpo) {
  return {{"state", readiness::RpoStateName(rpo.state)}, {"target_s", Seconds(rpo.target)},
          {"interval_s", Seconds(rpo.interval)},         {"age_s", Seconds(rpo.age)},
          {"restore_point", Time(rpo.restore_point_ns)}, {"snapshot_id", rpo.snapshot_id}};
}

// How far a measured projection is extrapolated from its drill evidence; null without one.
json ExtrapolationJson(const readiness::RtoProjection& rto) {
  if (!rto.extrapolation_factor) return nullptr;
  std::string caveat = readiness::ExtrapolationCaveat(rto);
  return {{"factor", *rto.extrapolation_factor},
          {"drill_bytes", rto.evidence_bytes},
          {"caveat", OrNullIfEmpty(caveat)}};
}

json PartJson(const std::optional<Duration>& part, readiness::ProjectionBasis basis) {
  return {{"seconds", Seconds(part)}, {"basis", readiness::ProjectionBasisName(basis)}};
}

// The parts of the projection with their bases, and the capacity that follows from them.
json PartsJson(const readiness::RtoProjection& rto) {
  json hands_on = PartJson(rto.hands_on, rto.hands_on_basis);
  hands_on["drills"] = rto.hands_on_drills;
  return {{"data_restore", PartJson(rto.data_restore, rto.data_restore_basis)},
          {"hands_on", std::move(hands_on)},
          {"verify", PartJson(rto.verify_time, rto.verify_basis)},
          {"dependency_wait_s", Seconds(rto.dependency_wait)}};
}

json CapacityJson(const readiness::RtoProjection& rto) {
  return {{"data_budget_s", Seconds(rto.data_budget)},
          {"max_data_bytes", OrNull(rto.max_data_bytes, [](double v) { return v; })},
          {"reason", OrNullIfEmpty(rto.no_capacity_reason)}};
}

json RtoJson(const readiness::RtoProjection& rto, const readiness::RtoConfidence& c) {
  return {
      {"complete", rto.complete},
      {"unknowns", rto.unknowns},
      {"parts", PartsJson(rto)},
      {"capacity", CapacityJson(rto)},
      {"state", readiness::RtoStateName(rto.state)},
      {"basis", readiness::ProjectionBasisName(rto.basis)},
      {"target_s", Seconds(rto.target)},
      {"projected_s", Seconds(rto.projected)},
      {"own_s", Seconds(rto.own)},
      {"data_bytes", rto.data_bytes},
      {"throughput_bytes_per_s", OrNull(rto.throughput_bytes_per_s, [](double v) { return v; })},
      {"verify_s", Seconds(rto.verify_time)},
      {"waits_for", rto.waits_for},
      {"extrapolation", ExtrapolationJson(rto)},
      {"confidence",
       {{"drills", c.drills},
        {"within_target", c.within_target},
        {"share_within", c.share_within},
        {"verified", c.verified},
        {"p50_s", Seconds(c.p50)},
        {"p95_s", Seconds(c.p95)},
        {"p95_is_worst", c.p95_is_worst()},
        {"p95_label", c.P95Label()}}}};
}

json DrillJson(const readiness::DrillRecency& d) {
  return {{"state", readiness::DrillStateName(d.state)},
          {"every", OrNull(d.every, [](const Cadence& c) { return c.ToString(); })},
          {"last", Time(d.last_ns)},
          {"last_outcome", OrNull(d.last_outcome, catalog::OutcomeName)},
          {"age_s", Seconds(d.age)},
          {"due", OrNull(d.due, [](Date v) { return v.ToString(); })}};
}

json CopyJson(const readiness::CopyStatus& c) {
  return {{"repository", c.repository},
          {"medium", plan::MediumName(c.medium)},
          {"offsite", c.offsite},
          {"immutable_claimed", c.immutable_claimed},
          {"immutable_proven", c.immutable_proven},
          {"immutable_attested", c.immutable_attested},
          {"immutability", analysis::ImmutabilityStateName(c.immutability)},
          {"restore_point", Time(c.restore_point_ns)},
          {"restore_point_from_drill", c.point_from_drill},
          {"age_s", Seconds(c.age)},
          {"allowed_age_s", Seconds(c.allowed_age)},
          {"counted", c.counted},
          {"verification", readiness::VerificationName(c.verification)},
          {"verified", Time(c.verified_ns)},
          {"verified_by", OrNullIfEmpty(c.verified_by)},
          {"verified_reported_by", OrNullIfEmpty(c.verified_reported_by)},
          {"failed", Time(c.failed_ns)},
          {"failed_by", OrNullIfEmpty(c.failed_by)},
          {"failed_reported_by", OrNullIfEmpty(c.failed_reported_by)}};
}

json RuleJson(const readiness::Rule32110& r) {
  json copies = json::array();
  for (const readiness::CopyStatus& c : r.copy_status) copies.push_back(CopyJson(c));
  return {{"copies", r.copies},
          {"planned_copies", r.planned_copies},
          {"media", r.media},
          {"offsite", r.offsite},
          {"immutable", r.immutable_met()},
          {"immutable_proven", r.immutable_proven},
          {"immutable_attested", r.immutable_attested},
          {"immutable_claimed", r.immutable_claimed},
          {"zero_errors", OrNull(r.zero_errors, [](bool v) { return v; })},
          {"passed", r.Passed()},
          {"marks", r.Marks()},
          {"reasons", r.reasons},
          {"copy_status", std::move(copies)}};
}

json DaysJson(const std::optional<int64_t>& days) {
  return OrNull(days, [](int64_t v) { return v; });
}

// The "1" of 3-2-1-1-0 for one repository (analysis::ImmutabilityVerdict).
json ImmutabilityJson(const analysis::ImmutabilityVerdict& v) {
  return {{"state", analysis::ImmutabilityStateName(v.state)},
          {"counts", v.counts},
          {"text", v.text},
          {"when", Time(v.when_ns)},
          {"age_days", DaysJson(v.age_days)},
          {"cadence", v.cadence.ToString()}};
}

// The "0" of 3-2-1-1-0 for one repository (analysis::ZeroErrorsVerdict).
json ZeroErrorsJson(const analysis::ZeroErrorsVerdict& v) {
  return {{"state", analysis::ZeroErrorsStateName(v.state)},
          {"counts", v.counts},
          {"text", v.text},
          {"when", Time(v.when_ns)},
          {"age_days", DaysJson(v.age_days)},
          {"by", OrNullIfEmpty(v.by)},
          {"reported_by", OrNullIfEmpty(v.reported_by)},
          {"cadence", v.cadence.ToString()}};
}

json RepositoriesJson(const std::vector<readiness::RepositoryStatus>& repositories) {
  json out = json::array();
  for (const readiness::RepositoryStatus& r : repositories) {
    out.push_back({{"id", r.id},
                   {"immutability", ImmutabilityJson(r.immutability)},
                   {"zero_errors", ZeroErrorsJson(r.zero_errors)}});
  }
  return out;
}

json SystemJson(const readiness::SystemStatus& s) {
  const readiness::ScoreParts& p = s.parts;
  return {{"id", s.id},
          {"name", s.name},
          {"tier", OrNullIfEmpty(s.tier)},
          {"score", s.score},
          {"score_capped", s.capped},
          {"score_uncapped", s.parts.Total()},
          {"breached", s.breached},
          {"problems", s.problems},
          {"rpo", RpoJson(s.rpo)},
          {"clean_point", report::CleanPointToJson(s.clean)},
          {"rto", RtoJson(s.rto, s.confidence)},
          {"drill", DrillJson(s.drill)},
          {"rule_32110", RuleJson(s.rule)},
          {"findings", FindingsJson(s.findings)},
          {"score_parts",
           {{"rpo", p.rpo},
            {"drill_recency", p.drill_recency},
            {"drill_results", p.drill_results},
            {"rto", p.rto},
            {"rule_32110", p.rule_32110},
            {"audit", p.audit}}}};
}

json StatusJson(const readiness::MspStatus& status, const std::string& catalog_path) {
  json clients = json::array();
  for (const readiness::ClientStatus& c : status.clients) {
    json systems = json::array();
    for (const readiness::SystemStatus& s : c.systems) systems.push_back(SystemJson(s));
    clients.push_back({{"id", OrNullIfEmpty(c.id)},
                       {"name", c.name},
                       {"score", OrNull(c.score, [](int v) { return v; })},
                       {"breached", c.breached},
                       {"findings", FindingsJson(c.findings)},
                       {"systems", std::move(systems)},
                       {"repositories", RepositoriesJson(c.repositories)}});
  }
  return {{"as_of", FormatRfc3339(status.now_ns)},
          {"today", status.today.ToString()},
          {"catalog", catalog_path},
          {"catalog_exists", status.has_catalog},
          {"msp", {{"id", status.msp_id}, {"name", status.msp_name}, {"score", status.score}}},
          {"breached", status.breached},
          {"clients", std::move(clients)}};
}

std::string RpoCell(const readiness::RpoStatus& rpo) {
  std::string age = rpo.age ? ShortDuration(*rpo.age) : "-";
  std::string target = rpo.target ? ShortDuration(*rpo.target) : "-";
  return fmt::format("{}/{} {}", age, target, readiness::RpoStateName(rpo.state));
}

// The clean RPO beside the RPO: "25h/1d BREACHED" (flagged, past the RPO), "1h/1d ok" (nothing
// flagged, or flagged within the RPO), "none/1d BREACHED" (flagged, no clean point), "never
// judged", "-" (no backup).
std::string CleanCell(const readiness::CleanPointStatus& c) {
  std::string target = c.target ? ShortDuration(*c.target) : "-";
  switch (c.state) {
    case readiness::CleanState::kNoEvidence:
      return "-";
    case readiness::CleanState::kNeverJudged:
      return "never judged";
    case readiness::CleanState::kNoCleanPoint:
      return fmt::format("none/{} BREACHED", target);
    case readiness::CleanState::kNoneFlagged:
    case readiness::CleanState::kFlagged:
      break;
  }
  std::string verdict = c.breached ? "BREACHED" : c.flagged ? "flagged" : "ok";
  return fmt::format("{}/{} {}", ShortDuration(*c.age), target, verdict);
}

// "newest clean point 1a2b3c4d (2026-12-05 10:00:00 UTC) in nas, held; 2 hold(s) standing" for a
// system with judged backups that has something to say: a flag, or holds; "" otherwise (the
// CLEAN RPO column says the rest). Evidence text is escaped for a terminal.
std::string CleanPointLine(const readiness::CleanPointStatus& c) {
  if (c.snapshot_id.empty() || c.state == readiness::CleanState::kNeverJudged) return "";
  if (c.state == readiness::CleanState::kNoneFlagged && !c.held && c.holds.empty()) return "";
  std::string line = fmt::format("newest clean point {} ({}) in {}{}: {}",
                                 c.snapshot_id.substr(0, 8), FormatUtc(*c.point_ns), c.repository,
                                 c.held ? ", held" : "", c.reason);
  if (!c.holds.empty()) line += fmt::format("; {} hold(s) standing", c.holds.size());
  return EscapeControls(line);
}

// "1h1m/2h ok", "1h31m/2h ok (est.)" (hands-on time from restore.estimate), "≥1h1m/2h unknown"
// (an incomplete projection is a lower bound), "-/2h unknown".
std::string RtoCell(const readiness::RtoProjection& rto) {
  std::string target = rto.target ? ShortDuration(*rto.target) : "-";
  if (!rto.projected) return fmt::format("-/{} unknown", target);
  const char* verdict = rto.state == readiness::RtoState::kInfeasible ? "INFEASIBLE"
                        : rto.state == readiness::RtoState::kFeasible ? "ok"
                                                                      : "unknown";
  std::string cell = fmt::format("{}{}/{} {}", rto.complete ? "" : "≥",
                                 ShortDuration(*rto.projected), target, verdict);
  return rto.hands_on_basis == readiness::ProjectionBasis::kEstimate ? cell + " (est.)" : cell;
}

std::string DrillCell(const readiness::DrillRecency& d) {
  if (!d.age) return "never";
  std::string cell = ShortDuration(*d.age) + " ago " + catalog::OutcomeName(*d.last_outcome);
  if (d.state == readiness::DrillState::kOverdue || d.state == readiness::DrillState::kDueSoon) {
    cell += std::string(", ") + readiness::DrillStateName(d.state);
  }
  return cell;
}

std::string ScoreText(const std::optional<int>& score) {
  return score ? fmt::format("{}/100", *score) : "no systems";
}

// "49/100, BREACHED (a breach caps the score at 49)" for a breached group.
std::string GroupScoreText(const std::optional<int>& score, bool breached) {
  if (!breached || !score) return ScoreText(score);
  return fmt::format("{}, BREACHED (a breach caps the score at {})", ScoreText(score),
                     readiness::kBreachedScoreCap);
}

// "3 of 4 recent drills within the RTO; p50 1h1m, worst of last 4 1h20m"; "" without drills.
std::string ConfidenceText(const readiness::RtoConfidence& c) {
  if (c.drills == 0) return "";
  std::string text = fmt::format("RTO confidence: {} of {} recent drills within the RTO",
                                 c.within_target, c.drills);
  if (c.p50 && c.p95) {
    text +=
        fmt::format("; p50 {}, {} {}", ShortDuration(*c.p50), c.P95Label(), ShortDuration(*c.p95));
  }
  return text;
}

// Per repository, the "1" and the "0" of 3-2-1-1-0 from evidence:
//   repository acme-b2: immutable: proven 2026-12-05 (2 days ago)
//                       zero errors: never proven (no check that read all data, no drill)
void PrintRepositories(const std::vector<readiness::RepositoryStatus>& repositories) {
  for (const readiness::RepositoryStatus& r : repositories) {
    std::string head = fmt::format("  repository {}: ", r.id);
    fmt::print("{}immutable: {}\n", head, r.immutability.text);
    fmt::print("{:<{}}zero errors: {}\n", "", head.size(), r.zero_errors.text);
  }
}

void PrintClient(const readiness::ClientStatus& client) {
  fmt::print("{}{} — readiness {}\n", client.name, client.id.empty() ? "" : " (" + client.id + ")",
             GroupScoreText(client.score, client.breached));
  size_t id_width = 20;  // the widest system id, so the columns stay aligned
  for (const readiness::SystemStatus& s : client.systems)
    id_width = std::max(id_width, s.id.size());
  fmt::print("  {:<{}} {:<10} {:<22} {:<22} {:<30} {:<24} {:<9} {:>5}\n", "SYSTEM", id_width,
             "TIER", "RPO age/target", "CLEAN RPO", "RTO projected/target", "LAST DRILL",
             "3-2-1-1-0", "SCORE");
  for (const readiness::SystemStatus& s : client.systems) {
    fmt::print("  {:<{}} {:<10} {:<22} {:<22} {:<30} {:<24} {}     {:>5}{}\n", s.id, id_width,
               s.tier, RpoCell(s.rpo), CleanCell(s.clean), RtoCell(s.rto), DrillCell(s.drill),
               s.rule.Marks(), s.score, s.breached ? " BREACHED" : "");
  }
  for (const readiness::SystemStatus& s : client.systems) {
    for (const std::string& problem : s.problems) {
      fmt::print("  {} {}: {}\n", s.breached ? "!" : "-", s.id, problem);
    }
    if (std::string confidence = ConfidenceText(s.confidence); !confidence.empty()) {
      fmt::print("  · {}: {}\n", s.id, confidence);
    }
    fmt::print("  · {}: RTO projection: {}\n", s.id, readiness::ProjectionPartsText(s.rto));
    if (std::string clean = CleanPointLine(s.clean); !clean.empty()) {
      fmt::print("  · {}: {}\n", s.id, clean);
    }
  }
  PrintRepositories(client.repositories);
  fmt::print("\n");
}

void PrintText(const readiness::MspStatus& status) {
  if (!status.has_catalog) {
    fmt::print("No catalog yet: nothing has been recorded, so all evidence is unknown.\n\n");
  }
  size_t systems = 0, breached = 0;
  for (const readiness::ClientStatus& client : status.clients) {
    PrintClient(client);
    systems += client.systems.size();
    for (const readiness::SystemStatus& s : client.systems) breached += s.breached ? 1 : 0;
  }
  fmt::print("{} readiness: {}; {} group(s), {} system(s), as of {}; {}\n",
             status.msp_name.empty() ? "MSP" : status.msp_name,
             GroupScoreText(status.score, status.breached), status.clients.size(), systems,
             FormatRfc3339(status.now_ns),
             breached == 0 ? std::string("no objective breached")
                           : fmt::format("{} system(s) with an objective breached", breached));
}

Outcome RunStatus(Context* context, const StatusFlags& flags) {
  auto usable = LoadUsablePlan(*context);
  if (!usable) return usable.outcome();
  const plan::Plan& plan = usable->plan();
  auto catalog = OpenCatalogToRead(plan);
  if (!catalog) {
    PrintError(catalog.error().message());  // names the catalog file
    return Outcome::Failed();
  }
  std::vector<hosts::ImportedEvidence> evidence;
  if (*catalog) evidence = RefreshEvidence(*context, plan, **catalog);
  readiness::StatusOptions options;
  options.today = usable->today;
  options.now_ns = NowNs(*context, usable->today);
  if (flags.client_given) options.client = flags.client;
  auto status = readiness::ComputeStatus(plan, catalog->get(), options);
  if (!status) {
    PrintError(status.error().message());
    // Here kNotFound is the --client flag naming no client.
    return status.error().code() == ErrorCode::kNotFound ? Outcome::Usage() : Outcome::Failed();
  }
  if (context->json) {
    json out = StatusJson(*status, plan.run.catalog);
    if (plan.NamesHosts()) out["evidence"] = EvidenceJson(evidence);
    PrintJson(out);
  } else {
    PrintText(*status);
  }
  return status->breached ? Outcome::Problems() : Outcome::Ok();
}

}  // namespace

void AddStatusCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* cmd = app->add_subcommand(
      "status",
      "Show readiness now, per client and per system: RPO compliance (age of the newest "
      "restorable snapshot vs RPO), the clean RPO (age of the newest restore point before any "
      "snapshot flagged by ransomware detection, with the detection and the holds), projected "
      "restore time vs RTO from measured drill throughput along the dependency chain, RTO confidence, time since the last drill, "
      "3-2-1-1-0 from evidence (a copy counts only when the catalog shows a current backup in "
      "it; each rule not met says why), per repository whether it is proven immutable (or, "
      "offline, attested) and proven free of errors, plan audit findings, and a readiness score "
      "(0-100) per "
      "system, client and for the MSP, at most 49 where an objective is breached. Reads the "
      "catalog (run.catalog) and creates nothing, except that with a plan naming hosts it "
      "first imports every host's evidence from the repositories into the catalog "
      "(docs/catalog.md). Exit 3 when an objective is breached (RPO or clean RPO breached, RTO "
      "infeasible, last drill failed).");
  cmd->add_option("--client", flags->client,
                  "Only this client (the MSP's own id for the MSP's own systems)")
      ->type_name("ID")
      ->each([flags](const std::string&) { flags->client_given = true; });
  cmd->callback([context, flags] { context->outcome = RunStatus(context, *flags); });
}

}  // namespace stormproof::cli
