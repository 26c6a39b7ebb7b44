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

// The access key id of kestrel-wasabi's credentials_file (UseCopies writes it).
constexpr const char* kBackupKeyId = "AKIAKESTRELBACKUP001";

// The same two systems, db backed up to a local repository and to object storage that this build
// cannot write (so it never receives data), the object store claimed immutable.
constexpr const char* kCopies = R"(repositories:
  - {id: nas, location: /srv/stormproof/nas, site: office, medium: disk}
  - {id: kestrel-wasabi, location: "s3:https://s3.wasabisys.example.com/kestrel", site: wasabi, medium: object, immutable: true, credentials_file: kestrel-backup.aws}
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
    // The backup hosts' credentials for kestrel-wasabi: whose proofs count.
    std::ofstream(dir_ / "kestrel-backup.aws")
        << "[default]\naws_access_key_id = " << kBackupKeyId
        << "\naws_secret_access_key = the-backup-hosts-secret\n";
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

// --- "the 1" and "the 0" of 3-2-1-1-0 per repository, from evidence ------------------------

catalog::ImmutabilityProof WasabiProof(int64_t finished_ns, catalog::Outcome outcome) {
  catalog::ImmutabilityProof proof;
  proof.repository = "kestrel-wasabi";
  proof.location = "s3:https://s3.wasabisys.example.com/kestrel";
  proof.started_ns = finished_ns - 40 * kSecond;
  proof.finished_ns = finished_ns;
  proof.outcome = outcome;
  proof.credentials = "profile 'default' of kestrel-backup.aws";
  proof.access_key_id = kBackupKeyId;
  proof.retention_mode = "compliance";
  proof.retention_days = 30;
  if (outcome == catalog::Outcome::kFailed) {
    proof.allowed = {"deleting a pack's version was allowed"};
  }
  return proof;
}

const nlohmann::json& FindRepository(const nlohmann::json& client, const std::string& id) {
  for (const auto& repository : client["repositories"]) {
    if (repository["id"] == id) return repository;
  }
  static const nlohmann::json kNone;
  return kNone;
}

// Written into the catalog directly, as `check --immutability` will write it.
TEST_F(StatusCliTest, ImmutabilityAndZeroErrorsPerRepositoryFromEvidence) {
  UseCopies();
  Record("db", kEndOfDay - 5 * 60 * kSecond, catalog::Outcome::kOk, "nas");
  Record("db", kEndOfDay - 6 * 60 * kSecond, catalog::Outcome::kOk, "kestrel-wasabi");
  Record("app", kEndOfDay - 60 * kSecond, catalog::Outcome::kOk);
  CliResult before = Status("");
  EXPECT_THAT(before.out,
              HasSubstr("  repository kestrel-wasabi: immutable: claimed, never proven\n"
                        "                             zero errors: never proven (no "
                        "check that read all data, no drill)\n"))
      << before.out;
  EXPECT_THAT(before.out, HasSubstr("- db: immutable: copy kestrel-wasabi claimed, never proven"))
      << before.out;
  {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    ASSERT_THAT((*catalog)->AddImmutabilityProof(
                    WasabiProof(kDayStart - 2 * 24 * kHour + kHour, catalog::Outcome::kOk)),
                IsOk());
    catalog::Run check;
    check.kind = catalog::RunKind::kCheck;
    check.repository = "nas";
    check.started_ns = kDayStart - 24 * kHour;
    check.finished_ns = check.started_ns + kHour;
    check.bytes = 1000;
    check.details = R"({"read_data_percent":100})";
    ASSERT_THAT((*catalog)->AddRun(check), IsOk());
    check.repository = "kestrel-wasabi";  // `run`'s default subset: named, never counted
    check.details = R"({"read_data_percent":5})";
    ASSERT_THAT((*catalog)->AddRun(check), IsOk());
  }
  CliResult text = Status("");
  EXPECT_THAT(text.out, HasSubstr("zero errors: 5% of the data read on 2026-11-25 (a full check "
                                  "--read-data or a drill proves zero errors)\n"))
      << text.out;
  EXPECT_THAT(text.out,
              HasSubstr("  repository kestrel-wasabi: immutable: proven 2026-11-24 (2 days ago)\n"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("  repository nas: immutable: not claimed\n"
                                  "                  zero errors: proven 2026-11-25 by a check "
                                  "that read all data (1 day ago)\n"))
      << text.out;
  EXPECT_THAT(text.out, Not(HasSubstr("immutable: copy kestrel-wasabi"))) << text.out;

  auto doc = nlohmann::json::parse(Status("--json").out);
  const auto& client = doc["clients"][0];
  const auto& wasabi = FindRepository(client, "kestrel-wasabi");
  EXPECT_EQ(wasabi["immutability"]["state"], "proven");
  EXPECT_EQ(wasabi["immutability"]["counts"], true);
  EXPECT_EQ(wasabi["immutability"]["age_days"], 2);
  EXPECT_EQ(wasabi["immutability"]["cadence"], "1w");
  EXPECT_EQ(wasabi["immutability"]["when"], "2026-11-24T01:00:00Z");
  EXPECT_EQ(wasabi["zero_errors"]["state"], "never proven");
  EXPECT_EQ(wasabi["zero_errors"]["by"], nullptr);
  const auto& nas = FindRepository(client, "nas");
  EXPECT_EQ(nas["zero_errors"]["state"], "proven");
  EXPECT_EQ(nas["zero_errors"]["by"], "check");
  const auto& rule = FindSystem(doc, "db")["rule_32110"];
  EXPECT_EQ(rule["immutable"], true);
  EXPECT_EQ(rule["copy_status"][1]["immutability"], "proven");
}

// Evidence imported from a host (here a failed check of nas, after this catalog's own pass) says
// who reported it: in the repository's line and in --json (reported_by, failed_reported_by).
TEST_F(StatusCliTest, ImportedEvidenceNamesTheHostThatReportedIt) {
  UseCopies();
  Record("db", kEndOfDay - 5 * 60 * kSecond, catalog::Outcome::kOk, "nas");
  {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    catalog::Run check;
    check.kind = catalog::RunKind::kCheck;
    check.repository = "nas";
    check.started_ns = kDayStart - 2 * 24 * kHour;
    check.finished_ns = check.started_ns + kHour;
    check.bytes = 1000;
    check.details = R"({"read_data_percent":100})";
    ASSERT_THAT((*catalog)->AddRun(check), IsOk());
    check.started_ns = kDayStart - 24 * kHour;
    check.finished_ns = check.started_ns + kHour;
    check.outcome = catalog::Outcome::kFailed;
    check.error = "pack 3f2a: checksum mismatch";
    check.host = "web1";
    check.record_id = catalog::NewRecordId();
    ASSERT_THAT(
        (*catalog)->ImportRecords("nas", "web1-evidence", {{check, std::nullopt}}, kDayStart),
        IsOk());
  }
  CliResult text = Status("");
  EXPECT_THAT(text.out, HasSubstr("  repository nas: immutable: not claimed\n"
                                  "                  zero errors: check FAILED on 2026-11-25, "
                                  "reported by web1's evidence: pack 3f2a: checksum mismatch\n"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("0 errors: copy nas check failed 2026-11-25 reported by a "
                                  "host's evidence"))
      << text.out;

  auto doc = nlohmann::json::parse(Status("--json").out);
  const auto& nas = FindRepository(doc["clients"][0], "nas");
  EXPECT_EQ(nas["zero_errors"]["state"], "failed");
  EXPECT_EQ(nas["zero_errors"]["reported_by"], "web1's evidence");
  const auto& copy = FindSystem(doc, "db")["rule_32110"]["copy_status"][0];
  EXPECT_EQ(copy["repository"], "nas");
  EXPECT_EQ(copy["failed_reported_by"], "web1's evidence");
  EXPECT_EQ(copy["verified_reported_by"], nullptr);  // the pass is this catalog's own
}

TEST_F(StatusCliTest, AFailedImmutabilityProofSaysWhatWasAllowedAndIsAHighFinding) {
  UseCopies();
  Record("db", kEndOfDay - 6 * 60 * kSecond, catalog::Outcome::kOk, "kestrel-wasabi");
  {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    ASSERT_THAT(
        (*catalog)->AddImmutabilityProof(WasabiProof(kDayStart + kHour, catalog::Outcome::kFailed)),
        IsOk());
  }
  CliResult text = Status("");
  EXPECT_THAT(text.out, HasSubstr("  repository kestrel-wasabi: immutable: proof FAILED on "
                                  "2026-11-26: deleting a pack's version was allowed\n"))
      << text.out;
  CliResult audit = RunStormproof("plan audit --json --fail-on never --plan " +
                                  (dir_ / "plan.yaml").string() + " --as-of 2026-11-26");
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  auto doc = nlohmann::json::parse(audit.out);
  EXPECT_EQ(doc["catalog_exists"], true);
  bool found = false;
  for (const auto& finding : doc["findings"]) {
    if (finding["rule"] != "immutability-proof-failed") continue;
    found = true;
    EXPECT_EQ(finding["severity"], "high");
    EXPECT_EQ(finding["title"],
              "Repository 'kestrel-wasabi': immutability proof FAILED on 2026-11-26: deleting a "
              "pack's version was allowed");
    EXPECT_THAT(finding["detail"].get<std::string>(),
                HasSubstr("profile 'default' of kestrel-backup.aws"));
  }
  EXPECT_TRUE(found) << audit.out;
}

// A proof counts only when made with the backup hosts' credentials (the access key id of the
// repository's credentials_file) at its location now. One made with the MSP's maintenance
// credentials, or of the bucket the repository has moved from, is named with why, never counted:
// status looks past it to the newest proof that counts.
TEST_F(StatusCliTest, AProofMadeWithOtherCredentialsOrElsewhereDoesNotCount) {
  UseCopies();
  Record("db", kEndOfDay - 6 * 60 * kSecond, catalog::Outcome::kOk, "kestrel-wasabi");
  catalog::ImmutabilityProof owner = WasabiProof(kDayStart + kHour, catalog::Outcome::kOk);
  owner.access_key_id = "AKIAMSPOWNERMAINT001";
  owner.credentials = "AWS_PROFILE owner";
  {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    ASSERT_THAT((*catalog)->AddImmutabilityProof(owner), IsOk());
  }
  CliResult text = Status("");
  EXPECT_THAT(text.out,
              HasSubstr("  repository kestrel-wasabi: immutable: claimed, never proven with the "
                        "backup hosts' credentials: proof of 2026-11-26 not counted: made with "
                        "other credentials (AKIAMSPOWNERMAINT001) — not the backup hosts' "
                        "(AKIAKESTRELBACKUP001, profile 'default' of "))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("- db: immutable: copy kestrel-wasabi claimed, never proven"))
      << text.out;
  EXPECT_THAT(text.out, Not(HasSubstr("the-backup-hosts-secret"))) << text.out;
  auto doc = nlohmann::json::parse(Status("--json").out);
  const auto& wasabi = FindRepository(doc["clients"][0], "kestrel-wasabi");
  EXPECT_EQ(wasabi["immutability"]["state"], "never proven");
  EXPECT_EQ(wasabi["immutability"]["counts"], false);

  // An older proof by the backup hosts counts; the newer one by other credentials is named.
  // A newer one of the bucket the repository has moved from counts neither.
  catalog::ImmutabilityProof elsewhere = WasabiProof(kDayStart + 2 * kHour, catalog::Outcome::kOk);
  elsewhere.location = "s3:https://s3.wasabisys.example.com/kestrel-old";
  {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    ASSERT_THAT((*catalog)->AddImmutabilityProof(
                    WasabiProof(kDayStart - 24 * kHour, catalog::Outcome::kOk)),
                IsOk());
    ASSERT_THAT((*catalog)->AddImmutabilityProof(elsewhere), IsOk());
  }
  text = Status("");
  EXPECT_THAT(text.out,
              HasSubstr("  repository kestrel-wasabi: immutable: proven 2026-11-25 (1 day ago); "
                        "newer proof of 2026-11-26 not counted: made at "
                        "s3:https://s3.wasabisys.example.com/kestrel-old, not at the repository's "
                        "location now (s3:https://s3.wasabisys.example.com/kestrel)\n"))
      << text.out;
}

// Without a catalog the plan's claim is a finding; `plan audit` creates no catalog.
TEST_F(StatusCliTest, PlanAuditCallsAnUnprovenClaimAFinding) {
  UseCopies();
  CliResult audit = RunStormproof("plan audit --fail-on never --plan " +
                                  (dir_ / "plan.yaml").string() + " --as-of 2026-11-26");
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("[immutability-never-proven] Repository 'kestrel-wasabi' is "
                                   "claimed immutable, never proven"))
      << audit.out;
  EXPECT_THAT(audit.out, Not(HasSubstr("zero-errors"))) << audit.out;
  EXPECT_FALSE(fs::exists(dir_ / "stormproof.db"));
}

// Offline media: `stormproof attest` records a person's word; status shows it as attested, never
// as proven, and it expires with run.check_every.
constexpr const char* kTape = R"(repositories:
  - {id: vault-tapes, location: /dev/nst0, site: bank, medium: tape, offline: true}
  - {id: nas, location: /srv/stormproof/nas, site: office, medium: disk}
sites:
  - {id: office, name: Office}
  - {id: bank, name: Bank safe-deposit box}
)";

class AttestCliTest : public StatusCliTest {
 protected:
  void SetUp() override {
    StatusCliTest::SetUp();
    std::string plan = kPlan;
    plan.replace(plan.find("    restore: {estimate: 1h"), 0,
                 "    sites: [office]\n    backup: {paths: [/srv/db], repositories: [nas, "
                 "vault-tapes]}\n");
    std::ofstream(dir_ / "plan.yaml") << plan << kTape;
  }
  CliResult Attest(const std::string& flags) {
    return RunStormproof("attest --plan " + (dir_ / "plan.yaml").string() + " " + flags);
  }
};

TEST_F(AttestCliTest, AnAttestationCountsAsAttestedUntilTheCadenceEnds) {
  CliResult attest = Attest(
      "--as-of 2026-11-24 --repository vault-tapes --by ann --note "
      "'tape set 12 in the vault, write-protect tab set'");
  ASSERT_EQ(attest.exit_code, 0) << attest.err;
  EXPECT_THAT(attest.out, HasSubstr("attested: vault-tapes by ann on 2026-11-24: tape set 12 in "
                                    "the vault, write-protect tab set\n"))
      << attest.out;
  EXPECT_THAT(attest.out, HasSubstr("until 2026-12-01")) << attest.out;
  CliResult text = Status("");
  EXPECT_THAT(text.out, HasSubstr("  repository vault-tapes: immutable: attested by Ann Archer "
                                  "(ann) on 2026-11-24 (2 days ago): tape set 12 in the vault, "
                                  "write-protect tab set\n"))
      << text.out;
  auto doc = nlohmann::json::parse(Status("--json").out);
  const auto& tapes = FindRepository(doc["clients"][0], "vault-tapes");
  EXPECT_EQ(tapes["immutability"]["state"], "attested");
  EXPECT_EQ(tapes["immutability"]["counts"], true);
  // Two weeks later the attestation has expired.
  auto later = nlohmann::json::parse(
      RunStormproof("status --json --plan " + (dir_ / "plan.yaml").string() + " --as-of 2026-12-08")
          .out);
  const auto& expired = FindRepository(later["clients"][0], "vault-tapes");
  EXPECT_EQ(expired["immutability"]["state"], "attestation stale");
  EXPECT_EQ(expired["immutability"]["counts"], false);
  EXPECT_EQ(expired["immutability"]["text"],
            "attested by Ann Archer (ann) on 2026-11-24, 14 days ago, expired (cadence 1w)");
}

TEST_F(AttestCliTest, JsonNamesWhatWasRecorded) {
  CliResult attest = Attest(
      "--json --as-of 2026-11-26 --repository vault-tapes --by bob "
      "--note 'tapes seen in the safe'");
  ASSERT_EQ(attest.exit_code, 0) << attest.err;
  auto doc = nlohmann::json::parse(attest.out);
  EXPECT_EQ(doc["repository"], "vault-tapes");
  EXPECT_EQ(doc["person"], "bob");
  EXPECT_EQ(doc["attested"], "2026-11-26T23:59:59Z");
  EXPECT_EQ(doc["note"], "tapes seen in the safe");
  EXPECT_EQ(doc["counts_until"], "2026-12-03");
  EXPECT_EQ(doc["record_id"].get<std::string>().size(), 32u);
}

// Printable text in any script is plain text: accents, dashes, symbols, emoji.
TEST_F(AttestCliTest, AcceptsPrintableUnicodeInTheNote) {
  const std::string note = "Bänder im Safe, Fach 3 — ✓ 📼 (テープ)";
  CliResult attest = Attest("--json --as-of 2026-11-26 --repository vault-tapes --by bob --note '" +
                            note + "'");
  ASSERT_EQ(attest.exit_code, 0) << attest.err;
  EXPECT_EQ(nlohmann::json::parse(attest.out)["note"], note);
}

TEST_F(AttestCliTest, RefusesWhatAnAttestationCannotBeFor) {
  struct Case {
    const char* flags;
    const char* error;
  } cases[] = {
      {"--repository nowhere --by ann --note seen", "--repository nowhere: no such repository"},
      {"--repository nas --by ann --note seen", "--repository nas: not offline in the plan"},
      {"--repository vault-tapes --by zed --note seen", "--by zed: no such person in the plan"},
      {"--repository vault-tapes --by ann --note ''", "--note: say in one line what you saw"},
      // An escape sequence would rewrite the terminal of whoever reads status.
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\033[2J seen')\"",
       "--note: U+001B is not allowed: control, format and separator characters"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\tseen')\"",
       "--note: U+0009 is not allowed"},
      // A C1 control (CSI) and a right-to-left override are control characters too.
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\302\\2332J seen')\"",
       "--note: U+009B is not allowed"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes \\342\\200\\256nees')\"",
       "--note: U+202E is not allowed"},
      // So are what could hide text or start a second line: the line and paragraph separators,
      // zero-width characters, a soft hyphen, a byte order mark, tag characters.
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\342\\200\\250seen')\"",
       "--note: U+2028 is not allowed"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\342\\200\\251seen')\"",
       "--note: U+2029 is not allowed"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\342\\200\\213seen')\"",
       "--note: U+200B is not allowed"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\342\\200\\215seen')\"",
       "--note: U+200D is not allowed"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\342\\201\\240seen')\"",
       "--note: U+2060 is not allowed"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\357\\273\\277seen')\"",
       "--note: U+FEFF is not allowed"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\302\\255seen')\"",
       "--note: U+00AD is not allowed"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\363\\240\\201\\201seen')\"",
       "--note: U+E0041 is not allowed"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\363\\240\\200\\200seen')\"",
       "--note: U+E0000 is not allowed"},
      // Invalid UTF-8 (a lone continuation byte, a truncated sequence).
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\200seen')\"",
       "--note: not valid UTF-8 (at byte 6)"},
      {"--repository vault-tapes --by ann --note \"$(printf 'tapes\\342\\200')\"",
       "--note: not valid UTF-8 (at byte 6)"},
      // Nobody attests what they will see.
      {"--as-of 2099-12-31 --repository vault-tapes --by ann --note seen",
       "--as-of 2099-12-31: after today"},
  };
  for (const Case& c : cases) {
    CliResult result = Attest(c.flags);
    EXPECT_EQ(result.exit_code, 2) << c.flags;
    EXPECT_THAT(result.err, HasSubstr(c.error)) << c.flags;
  }
  EXPECT_FALSE(fs::exists(dir_ / "stormproof.db"));  // nothing recorded
}

// A client-scoped status shows that client's repositories only, never another client's, and an
// offline copy shared by both as attested by the MSP, naming neither the person nor the note.
TEST(StatusClientScopeTest, ShowsOnlyTheClientsRepositories) {
  fs::path dir =
      fs::temp_directory_path() / ("stormproof-status-scope-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "plan.yaml") << R"(version: 1
msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann Archer, contacts: {phone: "+1 555 0100"}, contacts_verified: 2026-10-01}
  - {id: zoe, name: Zoe Quist, contacts: {phone: "+1 555 0199"}, contacts_verified: 2026-10-01}
clients:
  - {id: brightsmile, name: Brightsmile Dental}
  - {id: harcourt, name: Harcourt Vale}
tiers:
  - {id: t1, name: Important, rank: 2, rto: 2h, rpo: 1d}
repositories:
  - {id: brightsmile-locked, location: "s3:https://s3.example.com/brightsmile", medium: object, immutable: true, credentials_file: brightsmile-backup.aws}
  - {id: harcourt-locked, location: "s3:https://s3.example.com/harcourt", medium: object, immutable: true, credentials_file: harcourt-backup.aws}
  - {id: msp-tapes, location: /dev/nst0, medium: tape, offline: true}
systems:
  - {id: bsd-pms, name: Practice system, client: brightsmile, owner: ann, tier: t1, backup: {paths: [/srv/pms], repositories: [brightsmile-locked, msp-tapes]}}
  - {id: hv-case, name: Case files, client: harcourt, owner: ann, tier: t1, backup: {paths: [/srv/case], repositories: [harcourt-locked, msp-tapes]}}
)";
  // The backup hosts' credentials: the failed proof below was made with them, so it counts.
  std::ofstream(dir / "brightsmile-backup.aws")
      << "[default]\naws_access_key_id = AKIABRIGHTSMILE00001\naws_secret_access_key = x\n";
  CliResult attest = RunStormproof("attest --plan " + (dir / "plan.yaml").string() +
                                   " --as-of 2026-11-25 --repository msp-tapes --by zoe --note "
                                   "'Harcourt and Brightsmile tapes in the safe'");
  ASSERT_EQ(attest.exit_code, 0) << attest.err;
  {
    // A failed check of the shared tapes whose error names the other client's file, and a
    // failed proof saying what was allowed on the MSP's endpoint and bucket: the client reads
    // that they failed and when, nothing more.
    auto catalog = catalog::Catalog::Open((dir / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    catalog::Run check;
    check.kind = catalog::RunKind::kCheck;
    check.repository = "msp-tapes";
    check.started_ns = kDayStart - 23 * kHour;  // 2026-11-25 01:00 UTC
    check.finished_ns = check.started_ns + 1'000'000'000;
    check.outcome = catalog::Outcome::kFailed;
    check.error = "snapshot 05d0cd36: /srv/harcourt-vale/hr/dismissals-2026.xlsx: blob missing";
    ASSERT_THAT((*catalog)->AddRun(check), IsOk());
    catalog::ImmutabilityProof proof;
    proof.repository = "brightsmile-locked";
    proof.location = "s3:https://s3.example.com/brightsmile";
    proof.started_ns = check.started_ns;
    proof.finished_ns = check.finished_ns;
    proof.outcome = catalog::Outcome::kFailed;
    proof.credentials = "AWS_PROFILE backup";
    proof.access_key_id = "AKIABRIGHTSMILE00001";
    proof.allowed = {"deleting s3:https://s3.example.com/brightsmile/data/3f/3f2a's version "
                     "was allowed"};
    ASSERT_THAT((*catalog)->AddImmutabilityProof(proof), IsOk());
  }
  CliResult result = RunStormproof("status --json --client brightsmile --plan " +
                                   (dir / "plan.yaml").string() + " --as-of 2026-11-26");
  CliResult text = RunStormproof("status --client brightsmile --plan " +
                                 (dir / "plan.yaml").string() + " --as-of 2026-11-26");
  fs::remove_all(dir);
  auto doc = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << result.err;
  ASSERT_EQ(doc["clients"].size(), 1u);
  ASSERT_EQ(doc["clients"][0]["repositories"].size(), 2u);
  EXPECT_EQ(doc["clients"][0]["repositories"][0]["id"], "brightsmile-locked");
  EXPECT_THAT(text.out, HasSubstr("repository msp-tapes: immutable: attested by Acme IT on "
                                  "2026-11-25 (1 day ago)\n"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("zero errors: check FAILED on 2026-11-25\n")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("repository brightsmile-locked: immutable: proof FAILED on "
                                  "2026-11-25\n"))
      << text.out;
  for (const char* other : {"harcourt", "hv-case", "Harcourt", "Zoe", "zoe", "s3.example.com",
                            "dismissals", "3f2a"}) {
    EXPECT_THAT(result.out, Not(HasSubstr(other))) << other;
    EXPECT_THAT(text.out, Not(HasSubstr(other))) << other;
  }
}

// Ransomware (issue 16): db's newest backup into nas is infected, the one before it clean and
// held. `status` shows the clean RPO beside the RPO, the detection and the clean point, in text
// and JSON; `plan order --clean-points` names what to restore from; app, never judged, says so.
TEST_F(StatusCliTest, CleanRpoBesideTheRpoAndTheRestorePointInPlanOrder) {
  UseCopies();
  {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(catalog, IsOk());
    const std::string clean_id(64, 'c'), infected_id(64, 'f');
    catalog::Run run;
    run.kind = catalog::RunKind::kBackup;
    run.system = "db";
    run.repository = "nas";
    run.started_ns = run.snapshot_time_ns = kEndOfDay - 2 * kHour;
    run.finished_ns = run.started_ns + 30 * kSecond;
    run.snapshot_id = clean_id;
    run.details = R"({"verdict":{"level":"clean","score":0,"reasons":[]}})";
    ASSERT_THAT((*catalog)->AddRun(run), IsOk());
    run.started_ns = run.snapshot_time_ns = kEndOfDay - 5 * 60 * kSecond;
    run.finished_ns = run.started_ns + 30 * kSecond;
    run.snapshot_id = infected_id;
    run.outcome = catalog::Outcome::kWarning;
    run.details = nlohmann::json{
        {"verdict", {{"level", "infected"}, {"score", 97}, {"reasons", {"212 ransom notes"}}}},
        {"marks", {{{"kind", "hold"}, {"snapshot", clean_id}, {"reason", "newest clean"}}}}}
                      .dump();
    ASSERT_THAT((*catalog)->AddRun(run), IsOk());
    run.system = "app";
    run.details = "";
    run.outcome = catalog::Outcome::kOk;
    ASSERT_THAT((*catalog)->AddRun(run), IsOk());
  }
  CliResult text = Status("");
  EXPECT_EQ(text.exit_code, 3) << text.err;
  EXPECT_THAT(text.out, HasSubstr("CLEAN RPO")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("2h/15m BREACHED")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("never judged")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("! db: ransomware suspected: infected snapshot ffffffff"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("score 97: 212 ransom notes")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("! db: clean RPO 15m breached: newest clean restore point "
                                  "cccccccc")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("· db: newest clean point cccccccc (2026-11-26 21:59:59 UTC) in "
                                  "nas, held: newest clean snapshot; 1 newer flagged"))
      << text.out;

  CliResult json = Status("--json");
  auto doc = nlohmann::json::parse(json.out);
  const auto& clean = FindSystem(doc, "db")["clean_point"];
  EXPECT_EQ(clean["state"], "flagged");
  EXPECT_EQ(clean["snapshot_id"], std::string(64, 'c'));
  EXPECT_EQ(clean["age_s"], 2 * 3600);
  EXPECT_EQ(clean["breached"], true);
  EXPECT_EQ(clean["held"], true);
  EXPECT_EQ(clean["flagged"]["level"], "infected");
  EXPECT_EQ(clean["flagged"]["score"], 97);
  EXPECT_EQ(clean["holds"].size(), 1u);
  EXPECT_EQ(FindSystem(doc, "app")["clean_point"]["state"], "never judged");

  const std::string plan = " --plan " + (dir_ / "plan.yaml").string() + " --as-of 2026-11-26";
  CliResult order = RunStormproof("plan order --clean-points" + plan);
  EXPECT_EQ(order.exit_code, 0) << order.err;
  EXPECT_THAT(order.out, HasSubstr("restore from: snapshot cccccccc (2026-11-26 21:59:59 UTC) in "
                                   "nas, the newest clean point; infected snapshot ffffffff "
                                   "(2026-11-26 23:54:59 UTC) after it"))
      << order.out;
  EXPECT_THAT(order.out, HasSubstr("never judged (taken without detection)")) << order.out;
  EXPECT_THAT(RunStormproof("plan order" + plan).out, Not(HasSubstr("restore from:")));
  CliResult order_json = RunStormproof("plan order --json --clean-points" + plan);
  auto steps = nlohmann::json::parse(order_json.out)["steps"];
  ASSERT_EQ(steps[0]["system"], "db");
  EXPECT_EQ(steps[0]["clean_point"]["snapshot_id"], std::string(64, 'c'));
  CliResult runbook = RunStormproof("plan render --format md --clean-points --out -" + plan);
  EXPECT_THAT(runbook.out, HasSubstr("- **Restore from:** snapshot cccccccc")) << runbook.out;
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
