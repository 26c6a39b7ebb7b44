#include "tests/continuity/report/example_msp.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

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

// The ransomware hit (docs: issue 16): every backup judged, clean, except those of the victim
// from RansomwareStart() on, infected; the first infected backup into each repository held the
// three newest clean snapshots there, and a forget after it saw those holds standing.
int64_t RansomwareStart() { return kExampleNow - 30 * kHour; }

// A 64-hex snapshot id made from `text` (the victim's snapshots look like real ones).
std::string HexId(const std::string& text) {
  std::string id;
  for (int i = 0; id.size() < 64; ++i) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(text + std::to_string(i)));
    id += hex;
  }
  return id.substr(0, 64);
}

void Judge(catalog::Run* run, bool infected) {
  nlohmann::json verdict = {{"level", "clean"}, {"score", 4}, {"reasons", nlohmann::json::array()}};
  if (infected) {
    verdict = {{"level", "infected"},
               {"score", 97},
               {"reasons",
                {"3,412 files rewritten with high-entropy content, 96% of them kept their mtime",
                 "212 copies of README-DECRYPT.txt",
                 "canary E:/Shares/!Budget 2027.xlsx changed"}}};
    run->outcome = catalog::Outcome::kWarning;
    run->error = "snapshot " + run->snapshot_id.substr(0, 8) +
                 " infected (score 97): 3,412 files rewritten with high-entropy content";
  }
  run->details = nlohmann::json{{"files_new", 12}, {"verdict", verdict}}.dump();
}

void HoldCleanPoints(const std::vector<catalog::Run*>& clean_newest_first, catalog::Run* flagged,
                     std::vector<catalog::Run>* forgets) {
  nlohmann::json marks = nlohmann::json::array(), holds = nlohmann::json::array();
  for (size_t i = 0; i < clean_newest_first.size() && i < 3; ++i) {
    const catalog::Run& held = *clean_newest_first[i];
    std::string reason = std::string(i == 0 ? "newest clean" : "clean") +
                         " restore point before infected snapshot " +
                         flagged->snapshot_id.substr(0, 8);
    marks.push_back({{"kind", "hold"}, {"snapshot", held.snapshot_id}, {"reason", reason}});
    holds.push_back({{"snapshot", held.snapshot_id},
                     {"snapshot_time_ns", held.snapshot_time_ns},
                     {"reason", reason},
                     {"because", flagged->snapshot_id}});
  }
  nlohmann::json details = nlohmann::json::parse(flagged->details);
  details["marks"] = marks;
  flagged->details = details.dump();
  catalog::Run forget = *flagged;
  forget.kind = catalog::RunKind::kForget;
  forget.outcome = catalog::Outcome::kOk;
  forget.error.clear();
  forget.snapshot_id.clear();
  forget.snapshot_time_ns = 0;
  forget.started_ns = flagged->finished_ns + kSecond;
  forget.finished_ns = forget.started_ns + kSecond;
  forget.details = nlohmann::json{{"removed", 0},
                                  {"kept", 0},
                                  {"holds_placed", 0},
                                  {"marks",
                                   {{"holds", holds},
                                    {"false_alarms", nlohmann::json::array()},
                                    {"later_verdicts", nlohmann::json::array()}}}}
                       .dump();
  forgets->push_back(forget);
}

// Judges every backup of `runs`; the victim's from RansomwareStart() on are infected.
void AddRansomwareHit(std::vector<catalog::Run>* runs) {
  std::map<std::string, std::vector<catalog::Run*>> victim;  // repository -> oldest first
  for (catalog::Run& run : *runs) {
    const bool hit = run.system == kRansomwareVictim;
    if (hit) run.snapshot_id = HexId(run.snapshot_id);
    Judge(&run, hit && run.snapshot_time_ns >= RansomwareStart());
    if (hit) victim[run.repository].push_back(&run);
  }
  std::vector<catalog::Run> forgets;
  for (auto& [repository, backups] : victim) {
    std::vector<catalog::Run*> clean;
    for (catalog::Run* run : backups) {
      if (run->snapshot_time_ns < RansomwareStart()) {
        clean.insert(clean.begin(), run);
      } else {
        HoldCleanPoints(clean, run, &forgets);
        break;
      }
    }
  }
  runs->insert(runs->end(), forgets.begin(), forgets.end());
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
const char* const kRansomwareVictim = "ll-files";
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
  AddRansomwareHit(&runs);
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
