// End-to-end tests of `stormproof status`: the real binary on a small plan with a real catalog
// next to it, recorded through the catalog library as `run` and `drill` would.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "continuity/catalog/catalog.h"
#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

// 2026-11-26T00:00:00Z; --as-of 2026-11-26 means the end of that day.
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDayStart = 20'783LL * 24 * kHour;
constexpr int64_t kEndOfDay = kDayStart + 24 * kHour - 1;

constexpr const char* kPlan = R"(version: 1
msp: {id: acme, name: Acme IT}
review: {owner: ann, every: quarterly, last: 2026-10-01}
people:
  - {id: ann, name: Ann Archer, deputy: bob, contacts: {phone: "+1 555 0100", email: ann@example.com}, contacts_verified: 2026-10-01, skills: [db]}
  - {id: bob, name: Bob Baker, deputy: ann, contacts: {phone: "+1 555 0101", email: bob@example.com}, contacts_verified: 2026-10-01, skills: [db]}
roles:
  - {id: ic, name: Incident commander, holder: ann, backups: [bob]}
tiers:
  - {id: t1, name: Critical, rank: 1, rto: 2h, rpo: 15m, mtpd: 8h, drill_every: 30d}
systems:
  - id: db
    name: Database
    owner: ann
    tier: t1
    restore: {estimate: 1h, checklist: [Restore the database], verify: "true"}
  - id: app
    name: Web app
    owner: bob
    tier: t1
    depends_on: [db]
    restore: {estimate: 30m, checklist: [Deploy the app, Smoke test], verify: "true"}
)";

// The same two systems, db backed up to a local repository and to object storage that this build
// cannot write (so it never receives data), the object store claimed immutable.
constexpr const char* kCopies = R"(repositories:
  - {id: nas, location: /srv/stormproof/nas, site: office, medium: disk}
  - {id: kestrel-wasabi, location: "s3:https://s3.wasabisys.example.com/kestrel", site: wasabi, medium: object, immutable: true}
sites:
  - {id: office, name: Office}
  - {id: wasabi, name: Wasabi eu-central}
)";

class StatusCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-status-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "plan.yaml") << kPlan;
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Status(const std::string& flags) {
    return RunStormproof("status --plan " + (dir_ / "plan.yaml").string() + " --as-of 2026-11-26 " +
                         flags);
  }
  void Record(const std::string& system, int64_t started_ns, catalog::Outcome outcome,
              const std::string& repository = "", uint64_t bytes = 1000) {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    catalog::Run run;
    run.kind = catalog::RunKind::kBackup;
    run.system = system;
    run.repository = repository;
    run.started_ns = started_ns;
    run.finished_ns = started_ns + 30 * kSecond;
    run.snapshot_time_ns = started_ns;
    run.snapshot_id = system + "-snap";
    run.bytes = bytes;
    run.outcome = outcome;
    ASSERT_THAT((*catalog)->AddRun(run), IsOk());
  }
  // A drill of `system` from `repository` that restored `bytes` in `restore_ms`.
  void RecordDrill(const std::string& system, int64_t started_ns, catalog::Outcome outcome,
                   const std::string& repository, uint64_t bytes, int64_t restore_ms) {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    catalog::Run run;
    run.system = system;
    run.repository = repository;
    run.started_ns = started_ns;
    run.finished_ns = started_ns + kHour;
    run.snapshot_time_ns = started_ns - kHour;
    run.bytes = bytes;
    run.outcome = outcome;
    catalog::Drill drill;
    drill.adapter = "stormproof";
    drill.steps = {{"restore", restore_ms, catalog::Outcome::kOk, ""},
                   {"verify data", 1000, catalog::Outcome::kOk, ""}};
    if (catalog::DidItsJob(outcome)) drill.achieved_rto_ms = restore_ms + 1000;
    drill.target_rto_s = 7200;
    if (restore_ms > 0) drill.throughput_bytes_per_s = bytes * 1000.0 / restore_ms;
    ASSERT_THAT((*catalog)->AddDrill(run, drill), IsOk());
  }
  // Adds the repositories and sites of kCopies and backs db up to both.
  void UseCopies() {
    std::string plan = kPlan;
    plan.replace(plan.find("    restore: {estimate: 1h"), 0,
                 "    sites: [office]\n    backup: {paths: [/srv/db], repositories: [nas, "
                 "kestrel-wasabi]}\n");
    std::ofstream(dir_ / "plan.yaml") << plan << kCopies;
  }
  fs::path dir_;
};

const nlohmann::json& FindSystem(const nlohmann::json& doc, const std::string& id) {
  for (const auto& client : doc["clients"]) {
    for (const auto& system : client["systems"]) {
      if (system["id"] == id) return system;
    }
  }
  static const nlohmann::json kNone;
  return kNone;
}

TEST_F(StatusCliTest, NoCatalogYetIsAllUnknownAndCreatesNothing) {
  CliResult result = Status("--json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto doc = nlohmann::json::parse(result.out);
  EXPECT_EQ(doc["catalog_exists"], false);
  EXPECT_EQ(doc["breached"], false);
  EXPECT_EQ(FindSystem(doc, "db")["rpo"]["state"], "unknown");
  EXPECT_EQ(FindSystem(doc, "db")["drill"]["state"], "never");
  // Never drilled: the hands-on estimates are known, the data restore is not. 1h30m is only a
  // lower bound (db 1h, then app 30m), so the RTO is unknown, not feasible.
  const auto& app_rto = FindSystem(doc, "app")["rto"];
  EXPECT_EQ(app_rto["basis"], "unknown");
  EXPECT_EQ(app_rto["parts"]["hands_on"]["basis"], "estimate");
  EXPECT_EQ(app_rto["parts"]["data_restore"]["basis"], "unknown");
  EXPECT_EQ(app_rto["projected_s"], 5400);
  EXPECT_EQ(app_rto["complete"], false);
  EXPECT_EQ(app_rto["state"], "unknown");
  EXPECT_FALSE(fs::exists(dir_ / "stormproof.db"));
}

TEST_F(StatusCliTest, BreachedRpoExitsThreeWithJsonDetails) {
  Record("db", kEndOfDay - 5 * 60 * kSecond, catalog::Outcome::kOk);  // within 7m30s
  Record("app", kDayStart + 12 * kHour, catalog::Outcome::kOk);
  Record("app", kEndOfDay - 5 * 60 * kSecond, catalog::Outcome::kError);
  CliResult result = Status("--json");
  EXPECT_EQ(result.exit_code, 3) << result.err;
  auto doc = nlohmann::json::parse(result.out);
  EXPECT_EQ(doc["as_of"], "2026-11-26T23:59:59Z");
  EXPECT_EQ(doc["catalog_exists"], true);
  EXPECT_EQ(doc["breached"], true);
  const auto& db = FindSystem(doc, "db");
  EXPECT_EQ(db["rpo"]["state"], "ok");
  EXPECT_EQ(db["rpo"]["age_s"], 300);
  EXPECT_EQ(db["rpo"]["snapshot_id"], "db-snap");
  EXPECT_EQ(db["breached"], false);
  const auto& app = FindSystem(doc, "app");
  EXPECT_EQ(app["rpo"]["state"], "breached");
  EXPECT_EQ(app["breached"], true);
  ASSERT_FALSE(app["problems"].empty());
  EXPECT_EQ(app["problems"][0].get<std::string>().rfind("RPO 15m breached", 0), 0u);
  EXPECT_LT(app["score"].get<int>(), db["score"].get<int>());
  EXPECT_TRUE(doc["msp"]["score"].is_number_integer());
}

TEST_F(StatusCliTest, OkWhenEveryObjectiveHoldsAndTextShowsTheTable) {
  Record("db", kEndOfDay - 60 * kSecond, catalog::Outcome::kOk);
  Record("app", kEndOfDay - 60 * kSecond, catalog::Outcome::kWarning);
  CliResult result = Status("");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("3-2-1-1-0")) << result.out;
  EXPECT_THAT(result.out, HasSubstr("Acme IT readiness: ")) << result.out;
  EXPECT_THAT(result.out, HasSubstr("never drilled")) << result.out;
}

// The issue's case: a copy that never received data is no copy, an "immutable: true" on the plan
// is a claim, and each rule not met says why, one line each — in text and JSON.
TEST_F(StatusCliTest, CopiesCountOnlyFromEvidenceAndEachFailedRuleSaysWhy) {
  UseCopies();
  Record("db", kEndOfDay - 5 * 60 * kSecond, catalog::Outcome::kOk, "nas");
  Record("app", kEndOfDay - 60 * kSecond, catalog::Outcome::kOk);
  CliResult text = Status("");
  EXPECT_THAT(text.out, HasSubstr("✗✗✗✗?")) << text.out;
  EXPECT_THAT(text.out, Not(HasSubstr("✓✓✓✓✓"))) << text.out;
  for (const char* line :
       {"- db: copy kestrel-wasabi: never written",
        "- db: off-site: copy kestrel-wasabi is off-site but does not count",
        "- db: immutable: claimed only by copy kestrel-wasabi, which does not count",
        "- db: 0 errors: copy nas never verified"}) {
    EXPECT_THAT(text.out, HasSubstr(line)) << line << "\n" << text.out;
  }
  EXPECT_THAT(text.out, Not(HasSubstr("rules met"))) << text.out;

  auto doc = nlohmann::json::parse(Status("--json").out);
  const auto& rule = FindSystem(doc, "db")["rule_32110"];
  EXPECT_EQ(rule["copies"], 2);
  EXPECT_EQ(rule["planned_copies"], 3);
  EXPECT_EQ(rule["immutable"], false);
  EXPECT_EQ(rule["immutable_claimed"], false);
  EXPECT_EQ(rule["marks"], "✗✗✗✗?");
  EXPECT_EQ(rule["reasons"][0], "copy kestrel-wasabi: never written");
  ASSERT_EQ(rule["copy_status"].size(), 2u);
  EXPECT_EQ(rule["copy_status"][0]["repository"], "nas");
  EXPECT_EQ(rule["copy_status"][0]["counted"], true);
  EXPECT_EQ(rule["copy_status"][1]["counted"], false);
  EXPECT_EQ(rule["copy_status"][1]["restore_point"], nullptr);
}

// A breach dominates the score, visibly; a tiny drill's projection says how far it is
// extrapolated; "p95" of a few drills is the worst one and says so.
TEST_F(StatusCliTest, BreachCapsTheScoreAndProjectionsShowTheirEvidence) {
  UseCopies();
  Record("db", kEndOfDay - 5 * 60 * kSecond, catalog::Outcome::kOk, "nas", 2'000'000'000'000);
  Record("db", kEndOfDay - 6 * 60 * kSecond, catalog::Outcome::kOk, "kestrel-wasabi",
         2'000'000'000'000);
  RecordDrill("db", kDayStart + 2 * kHour, catalog::Outcome::kOk, "nas", 50'000'000, 2000);
  RecordDrill("db", kDayStart + 4 * kHour, catalog::Outcome::kFailed, "", 50'000'000, 2000);
  Record("app", kEndOfDay - 60 * kSecond, catalog::Outcome::kOk);
  CliResult text = Status("");
  EXPECT_EQ(text.exit_code, 3) << text.err;
  EXPECT_THAT(text.out, HasSubstr("BREACHED (a breach caps the score at 49)")) << text.out;
  EXPECT_THAT(text.out,
              HasSubstr("db: RTO projection extrapolated 40000× from a drill of 47.7 MiB"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("worst of last 1")) << text.out;

  auto doc = nlohmann::json::parse(Status("--json").out);
  const auto& db = FindSystem(doc, "db");
  EXPECT_EQ(db["breached"], true);
  EXPECT_LE(db["score"].get<int>(), 49);
  EXPECT_LE(doc["msp"]["score"].get<int>(), 49);
  EXPECT_EQ(db["rto"]["extrapolation"]["drill_bytes"], 50'000'000);
  EXPECT_EQ(db["rto"]["extrapolation"]["caveat"],
            "RTO projection extrapolated 40000× from a drill of 47.7 MiB");
  EXPECT_EQ(db["rto"]["confidence"]["p95_label"], "worst of last 1");
  EXPECT_EQ(db["rto"]["confidence"]["p95_is_worst"], true);
  EXPECT_EQ(db["rule_32110"]["copy_status"][0]["verification"], "passed");
}

// The issue's case: status projected the data copy alone. db's RTO is data restore (300 GB at
// 100 MB/s: 50m) + hands-on time (restore.estimate 1h until a drill times the checklist, then
// the measured 20m) + verification (1s), and the capacity follows from all of it.
TEST_F(StatusCliTest, ProjectsDataRestorePlusHandsOnPlusVerification) {
  Record("db", kEndOfDay - 5 * 60 * kSecond, catalog::Outcome::kOk, "", 300'000'000'000);
  Record("app", kEndOfDay - 60 * kSecond, catalog::Outcome::kOk);
  auto record_drill = [&](int64_t started_ns, std::vector<catalog::DrillStep> steps) {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    catalog::Run run;
    run.system = "db";
    run.started_ns = started_ns;
    run.finished_ns = started_ns + kHour;
    run.snapshot_time_ns = started_ns - kHour;
    run.bytes = 100'000'000'000;
    run.outcome = catalog::Outcome::kOk;
    catalog::Drill drill;
    drill.adapter = "stormproof";
    drill.steps = {{"restore", 1'000'000, catalog::Outcome::kOk, ""},
                   {"verify data", 1000, catalog::Outcome::kOk, ""}};
    for (catalog::DrillStep& step : steps) drill.steps.push_back(std::move(step));
    drill.throughput_bytes_per_s = 100e6;
    drill.achieved_rto_ms = 1'001'000;
    ASSERT_THAT((*catalog)->AddDrill(run, drill), IsOk());
  };
  record_drill(kDayStart + 2 * kHour, {});
  CliResult text = Status("");
  EXPECT_THAT(text.out, HasSubstr("· db: RTO projection: data restore 50m (measured) + hands-on 1h "
                                  "(estimate, never timed) + verify 1s (measured)\n"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("1h50m/2h ok (est.)")) << text.out;
  auto doc = nlohmann::json::parse(Status("--json").out);
  const auto& rto = FindSystem(doc, "db")["rto"];
  EXPECT_EQ(rto["projected_s"], 3000 + 3600 + 1);
  EXPECT_EQ(rto["parts"]["data_restore"]["seconds"], 3000);
  EXPECT_EQ(rto["parts"]["hands_on"]["basis"], "estimate");
  EXPECT_EQ(rto["capacity"]["data_budget_s"], 7200 - 3600 - 1);
  EXPECT_DOUBLE_EQ(rto["capacity"]["max_data_bytes"].get<double>(), 3599 * 100e6);
  // app waits for db (1h50m1s), then takes its 30m estimate; never drilled: a lower bound.
  EXPECT_THAT(text.out, HasSubstr("≥2h20m/2h INFEASIBLE (est.)")) << text.out;

  record_drill(kDayStart + 3 * kHour, {{"checklist 1: Restore the database", 20 * 60'000,
                                        catalog::Outcome::kOk, ""}});
  doc = nlohmann::json::parse(Status("--json").out);
  const auto& timed = FindSystem(doc, "db")["rto"];
  EXPECT_EQ(timed["parts"]["hands_on"]["basis"], "measured");
  EXPECT_EQ(timed["parts"]["hands_on"]["seconds"], 1200);
  EXPECT_EQ(timed["parts"]["hands_on"]["drills"], 1);
  EXPECT_EQ(timed["basis"], "measured");
  EXPECT_EQ(timed["projected_s"], 3000 + 1200 + 1);
}

// --as-of: a backup started before the end of the day but finished after it is no restore point.
TEST_F(StatusCliTest, AsOfIgnoresABackupStillRunning) {
  Record("db", kEndOfDay - 2 * 60 * kSecond, catalog::Outcome::kOk);  // done 30 s later
  Record("db", kEndOfDay - 10 * kSecond, catalog::Outcome::kOk);      // still running
  auto doc = nlohmann::json::parse(Status("--json").out);
  EXPECT_EQ(FindSystem(doc, "db")["rpo"]["age_s"], 120);
}

TEST_F(StatusCliTest, UnknownClientIsAUsageError) {
  CliResult result = Status("--client nobody");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("unknown client 'nobody'")) << result.err;
}

TEST_F(StatusCliTest, UnreadableCatalogExitsOne) {
  std::ofstream(dir_ / "stormproof.db") << "this is not a database, just text that is long "
                                           "enough to not look like an empty file at all";
  CliResult result = Status("");
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_THAT(result.err, HasSubstr("catalog")) << result.err;
}

}  // namespace
}  // namespace stormproof::testing
