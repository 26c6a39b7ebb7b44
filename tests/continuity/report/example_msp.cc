#include "tests/continuity/report/example_msp.h"

#include <gtest/gtest.h>

#include "continuity/plan/loader.h"

namespace stormproof::testing {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kPeriod = 90 * kDay;

catalog::Run Backup(const plan::System& system, const std::string& repository, int64_t at) {
  catalog::Run run;
  run.kind = catalog::RunKind::kBackup;
  run.system = system.id;
  run.client = system.client ? system.client->id : "";
  run.repository = repository;
  run.started_ns = at;
  run.finished_ns = at + 10 * 60 * kSecond;
  run.snapshot_time_ns = at;
  run.bytes = 40'000'000'000;
  run.files = 120'000;
  run.snapshot_id = system.id + "-" + repository + "-" + std::to_string(at / kSecond);
  return run;
}

void AddBackups(const plan::System& system, size_t index, std::vector<catalog::Run>* runs) {
  const std::vector<plan::Ref>& repositories = system.backup.repositories;
  int64_t since = kExampleNow - kPeriod - kDay;
  // Every third system misses two days: its RPO is breached.
  int64_t gap_from = index % 3 == 0 ? kExampleNow - 20 * kDay : 0;
  for (size_t r = 0; r < repositories.size(); ++r) {
    int64_t every = r == 0 ? 12 * kHour : kDay;
    for (int64_t at = since + static_cast<int64_t>(index) * 7 * 60 * kSecond; at < kExampleNow;
         at += every) {
      if (at >= gap_from && at < gap_from + 2 * kDay) continue;
      runs->push_back(Backup(system, repositories[r].id, at));
    }
  }
}

Status AddDrills(const plan::Plan& plan, const plan::System& system, size_t index,
                 catalog::Catalog& catalog) {
  plan::Objectives objectives = plan::ObjectivesOf(plan, system);
  int64_t target_s = objectives.rto ? objectives.rto->seconds() : 4 * 3600;
  for (int n = 0; n < 3; ++n) {
    int64_t at = kExampleNow - (25 - 10 * n) * kDay + static_cast<int64_t>(index) * kHour;
    catalog::Run run = Backup(system, system.backup.repositories[0].id, at);
    run.kind = catalog::RunKind::kDrill;
    run.snapshot_time_ns = at - 3 * kHour;
    bool failed = n == 2 && index % 4 == 0;
    run.outcome = failed ? catalog::Outcome::kFailed : catalog::Outcome::kOk;
    catalog::Drill drill;
    drill.adapter = "stormproof";
    drill.target_rto_s = target_s;
    drill.target_rpo_s = objectives.rpo ? std::optional(objectives.rpo->seconds()) : std::nullopt;
    drill.achieved_rpo_s = 3 * 3600;
    int64_t rto_ms = target_s * (35 + 10 * n + static_cast<int64_t>(index % 5) * 5) * 10;
    drill.steps = {{"locate snapshot", 800, catalog::Outcome::kOk, ""},
                   {"restore", rto_ms * 8 / 10, catalog::Outcome::kOk, ""},
                   {"verify data", rto_ms / 10, catalog::Outcome::kOk, ""}};
    if (failed) {
      drill.steps.push_back({"verify application", 2000, catalog::Outcome::kFailed,
                             "verify command exited with status 1"});
      drill.reasons = {"the verify command failed: exit status 1"};
    } else {
      drill.achieved_rto_ms = rto_ms;
      drill.steps.push_back({"verify application", rto_ms / 10, catalog::Outcome::kOk, ""});
    }
    drill.throughput_bytes_per_s = 4e10 / (static_cast<double>(rto_ms) * 0.8 / 1000);
    run.finished_ns = at + rto_ms * 1'000'000;
    auto added = catalog.AddDrill(run, drill);
    if (!added) return added.error();
  }
  return Ok();
}

}  // namespace

const int64_t kExampleNow = Date::FromCivil(2026, 12, 1).days_since_epoch() * kDay;
const Date kExampleToday = Date::FromCivil(2026, 12, 1);

plan::Plan LoadExamplePlan() {
  plan::LoadResult loaded = plan::LoadPlan(STORMPROOF_EXAMPLES "/acme-msp/plan.yaml");
  for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
    if (d.severity == plan::Severity::kError) {
      ADD_FAILURE() << plan::FormatDiagnostic(loaded.plan.files, d);
    }
  }
  return std::move(loaded.plan);
}

Status AddExampleEvidence(const plan::Plan& plan, catalog::Catalog& catalog) {
  std::vector<catalog::Run> runs;
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    if (!plan.systems[i].backup.repositories.empty()) AddBackups(plan.systems[i], i, &runs);
  }
  STORMPROOF_TRY(catalog.AddRuns(runs));
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    if (plan.systems[i].backup.repositories.empty()) continue;
    STORMPROOF_TRY(AddDrills(plan, plan.systems[i], i, catalog));
  }
  return Ok();
}

Result<std::unique_ptr<catalog::Catalog>> OpenExampleCatalog(const plan::Plan& plan,
                                                             const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<catalog::Catalog> catalog,
                              catalog::Catalog::Open((dir / "stormproof.db").string()));
  STORMPROOF_TRY(AddExampleEvidence(plan, *catalog));
  return catalog;
}

}  // namespace stormproof::testing
