// stormproof status: readiness now — RPO compliance, RTO feasibility and confidence, drill
// recency, 3-2-1-1-0 and audit findings per system, and readiness scores per client and for the
// MSP, from the plan and the catalog (docs/cli.md, "status").
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "context.h"
#include "readiness/readiness.h"
#include "report/evidence_format.h"

namespace stormproof::cli {
namespace {

using nlohmann::json;
using readiness::ShortDuration;

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
json Time(const std::optional<int64_t>& ns) { return OrNull(ns, report::FormatUtcRfc3339); }

json FindingsJson(const readiness::FindingCounts& f) {
  return {{"critical", f.critical}, {"high", f.high}, {"medium", f.medium}, {"low", f.low}};
}

json RpoJson(const readiness::RpoStatus& rpo) {
  return {{"state", readiness::RpoStateName(rpo.state)}, {"target_s", Seconds(rpo.target)},
          {"interval_s", Seconds(rpo.interval)},         {"age_s", Seconds(rpo.age)},
          {"restore_point", Time(rpo.restore_point_ns)}, {"snapshot_id", rpo.snapshot_id}};
}

json RtoJson(const readiness::RtoProjection& rto, const readiness::RtoConfidence& c) {
  return {
      {"state", readiness::RtoStateName(rto.state)},
      {"basis", readiness::ProjectionBasisName(rto.basis)},
      {"target_s", Seconds(rto.target)},
      {"projected_s", Seconds(rto.projected)},
      {"own_s", Seconds(rto.own)},
      {"data_bytes", rto.data_bytes},
      {"throughput_bytes_per_s", OrNull(rto.throughput_bytes_per_s, [](double v) { return v; })},
      {"verify_s", Seconds(rto.verify_time)},
      {"waits_for", rto.waits_for},
      {"confidence",
       {{"drills", c.drills},
        {"within_target", c.within_target},
        {"share_within", c.share_within},
        {"p50_s", Seconds(c.p50)},
        {"p95_s", Seconds(c.p95)}}}};
}

json DrillJson(const readiness::DrillRecency& d) {
  return {{"state", readiness::DrillStateName(d.state)},
          {"every", OrNull(d.every, [](const Cadence& c) { return c.ToString(); })},
          {"last", Time(d.last_ns)},
          {"last_outcome", OrNull(d.last_outcome, catalog::OutcomeName)},
          {"age_s", Seconds(d.age)},
          {"due", OrNull(d.due, [](Date v) { return v.ToString(); })}};
}

json RuleJson(const readiness::Rule32110& r) {
  return {{"copies", r.copies},
          {"media", r.media},
          {"offsite", r.offsite},
          {"immutable", r.immutable},
          {"zero_errors", OrNull(r.zero_errors, [](bool v) { return v; })},
          {"passed", r.Passed()},
          {"marks", r.Marks()}};
}

json SystemJson(const readiness::SystemStatus& s) {
  const readiness::ScoreParts& p = s.parts;
  return {{"id", s.id},
          {"name", s.name},
          {"tier", s.tier.empty() ? json(nullptr) : json(s.tier)},
          {"score", s.score},
          {"breached", s.breached},
          {"problems", s.problems},
          {"rpo", RpoJson(s.rpo)},
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
    clients.push_back({{"id", c.id.empty() ? json(nullptr) : json(c.id)},
                       {"name", c.name},
                       {"score", OrNull(c.score, [](int v) { return v; })},
                       {"breached", c.breached},
                       {"findings", FindingsJson(c.findings)},
                       {"systems", std::move(systems)}});
  }
  return {{"as_of", report::FormatUtcRfc3339(status.now_ns)},
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

std::string RtoCell(const readiness::RtoProjection& rto) {
  std::string target = rto.target ? ShortDuration(*rto.target) : "-";
  if (!rto.projected) return fmt::format("-/{} no drill yet", target);
  std::string cell =
      fmt::format("{}/{} {}", ShortDuration(*rto.projected), target,
                  rto.state == readiness::RtoState::kInfeasible ? "INFEASIBLE" : "ok");
  return rto.basis == readiness::ProjectionBasis::kEstimate ? cell + " (est.)" : cell;
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

void PrintClient(const readiness::ClientStatus& client) {
  fmt::print("{}{} — readiness {}\n", client.name, client.id.empty() ? "" : " (" + client.id + ")",
             ScoreText(client.score));
  size_t id_width = 20;  // the widest system id, so the columns stay aligned
  for (const readiness::SystemStatus& s : client.systems)
    id_width = std::max(id_width, s.id.size());
  fmt::print("  {:<{}} {:<10} {:<22} {:<30} {:<24} {:<9} {:>5}\n", "SYSTEM", id_width, "TIER",
             "RPO age/target", "RTO projected/target", "LAST DRILL", "3-2-1-1-0", "SCORE");
  for (const readiness::SystemStatus& s : client.systems) {
    fmt::print("  {:<{}} {:<10} {:<22} {:<30} {:<24} {}     {:>5}\n", s.id, id_width, s.tier,
               RpoCell(s.rpo), RtoCell(s.rto), DrillCell(s.drill), s.rule.Marks(), s.score);
  }
  for (const readiness::SystemStatus& s : client.systems) {
    for (const std::string& problem : s.problems) {
      fmt::print("  {} {}: {}\n", s.breached ? "!" : "-", s.id, problem);
    }
  }
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
  fmt::print("{} readiness: {}/100 ({} group(s), {} system(s), as of {}); {}\n",
             status.msp_name.empty() ? "MSP" : status.msp_name, status.score, status.clients.size(),
             systems, report::FormatUtcRfc3339(status.now_ns),
             breached == 0 ? std::string("no objective breached")
                           : fmt::format("{} system(s) with an objective breached", breached));
}

void RunStatus(Context* context, const StatusFlags& flags) {
  std::optional<UsablePlan> usable = LoadUsablePlan(context);
  if (!usable) return;
  const plan::Plan& plan = usable->plan();
  auto catalog = readiness::OpenExistingCatalog(plan.run.catalog);
  if (!catalog) {
    PrintError(catalog.error().message());  // names the catalog file
    context->exit_code = kExitError;
    return;
  }
  readiness::StatusOptions options;
  options.today = usable->today;
  options.now_ns = NowNs(*context, usable->today);
  if (flags.client_given) options.client = flags.client;
  auto status = readiness::ComputeStatus(plan, catalog->get(), options);
  if (!status) {
    PrintError(status.error().message());
    context->exit_code = status.error().code() == ErrorCode::kNotFound ? kExitUsage : kExitError;
    return;
  }
  if (context->json) {
    PrintJson(StatusJson(*status, plan.run.catalog));
  } else {
    PrintText(*status);
  }
  context->exit_code = status->breached ? kExitProblems : kExitOk;
}

}  // namespace

void AddStatusCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* cmd = app->add_subcommand(
      "status",
      "Show readiness now, per client and per system: RPO compliance (age of the newest "
      "restorable snapshot vs RPO), projected restore time vs RTO from measured drill "
      "throughput along the dependency chain, RTO confidence, time since the last drill, "
      "3-2-1-1-0, plan audit findings, and a readiness score (0-100) per system, client and for "
      "the MSP. Reads the catalog (run.catalog); creates nothing. Exit 3 when an objective is "
      "breached (RPO breached, RTO infeasible, last drill failed).");
  cmd->add_option("--client", flags->client,
                  "Only this client (the MSP's own id for the MSP's own systems)")
      ->type_name("ID")
      ->each([flags](const std::string&) { flags->client_given = true; });
  cmd->callback([context, flags] { RunStatus(context, *flags); });
}

}  // namespace stormproof::cli
