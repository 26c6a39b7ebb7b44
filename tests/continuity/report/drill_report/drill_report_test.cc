#include "continuity/report/drill_report/drill_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "continuity/plan/loader.h"
#include "tests/matchers.h"

namespace stormproof::report {
namespace {

using catalog::DrillRecord;
using catalog::DrillStep;
using catalog::Outcome;
using catalog::Run;

constexpr const char* kPlan = R"(version: 1
msp: {id: acme, name: Acme IT}
people:
  - {id: priya, name: Priya Shah, contacts: {mobile: "+44 7700 900103"}, skills: [sqlserver]}
  - {id: tom, name: Tom Hughes, contacts: {mobile: "+44 7700 900102"}}
tiers:
  - {id: tier-1, name: Critical, rank: 1, rto: 2h, rpo: 4h}
  - {id: tier-2, name: Important, rank: 2, rto: 8h, rpo: 1d}
clients:
  - {id: dental, name: Brightsmile Dental}
repositories:
  - {id: nas, location: /volume1/stormproof, medium: disk}
systems:
  - id: dental-db
    name: Dental database
    client: dental
    owner: priya
    tier: tier-1
    backup: {paths: [D:/SQL], repositories: [nas]}
    restore:
      checklist:
        - step: Restore the newest full backup
          skill: sqlserver
      verify: test -s "$STORMPROOF_RESTORE_PATH/D/SQL/full.bak"
  - id: hostile
    name: "<script>alert(1)</script> & *bold*"
    owner: tom
    tier: tier-2
    backup: {paths: [/srv/x], repositories: [nas]}
)";

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMonthS = 2'630'016;  // 30.44 days, the report's average month

plan::Plan LoadTestPlan() {
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", kPlan);
  for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
    if (d.severity == plan::Severity::kError) {
      ADD_FAILURE() << plan::FormatDiagnostic(loaded.plan.files, d);
    }
  }
  return std::move(loaded.plan);
}

int64_t At(int year, int month, int day, int hour) {
  return (Date::FromCivil(year, month, day).days_since_epoch() * 86400 + hour * 3600) * kSecond;
}

// 240 GB restored at 40 MB/s (6000 s) plus 200 s of verification: 6200 s of a 2h RTO (86%),
// from a restore point 3h old (75% of the 4h RPO); priya absent leaves one step uncovered.
DrillRecord WarningDrill() {
  DrillRecord d;
  Run& r = d.run;
  r.id = 42;
  r.kind = catalog::RunKind::kDrill;
  r.system = "dental-db";
  r.client = "dental";
  r.repository = "nas";
  r.started_ns = At(2026, 3, 1, 10);
  r.finished_ns = r.started_ns + 6202 * kSecond;
  r.bytes = 240'000'000'000;
  r.files = 4567;
  r.outcome = Outcome::kWarning;
  r.snapshot_id = "1a2b3c4d";
  r.snapshot_time_ns = r.started_ns - 3 * 3600 * kSecond;
  d.drill.adapter = "restic";
  d.drill.achieved_rto_ms = 6'200'000;
  d.drill.achieved_rpo_s = 3 * 3600;
  d.drill.target_rto_s = 7200;
  d.drill.target_rpo_s = 14400;
  d.drill.steps = {{"locate snapshot", 1200, Outcome::kOk, ""},
                   {"restore", 6'000'000, Outcome::kOk, ""},
                   {"verify data", 140'000, Outcome::kOk, ""},
                   {"verify application", 60'000, Outcome::kOk, ""}};
  d.drill.throughput_bytes_per_s = 40e6;
  d.drill.reasons = {"achieved RTO is 86% of the target (less than 20% to spare)",
                     "1 checklist step uncovered with priya absent"};
  d.drill.absent_person = "priya";
  d.drill.uncovered_steps = {
      "step 1 'Restore the newest full backup' needs sqlserver: nobody reachable is trained"};
  return d;
}

DrillRecord PreviousDrill() {
  DrillRecord d;
  d.run.id = 7;
  d.run.kind = catalog::RunKind::kDrill;
  d.run.system = "dental-db";
  d.run.started_ns = At(2026, 2, 1, 10);
  d.run.finished_ns = d.run.started_ns + 4801 * kSecond;
  d.run.bytes = 220'000'000'000;
  d.run.outcome = Outcome::kOk;
  d.drill.adapter = "restic";
  d.drill.achieved_rto_ms = 4'800'000;
  d.drill.throughput_bytes_per_s = 50e6;
  return d;
}

// Three backups one average month apart growing 10 GB a month.
std::vector<Run> GrowingBackups() {
  std::vector<Run> runs;
  for (int i = 0; i < 3; ++i) {
    Run r;
    r.kind = catalog::RunKind::kBackup;
    r.system = "dental-db";
    r.started_ns = At(2025, 12, 1, 0) + i * kMonthS * kSecond;
    r.bytes = 220'000'000'000 + i * 10'000'000'000ULL;
    runs.push_back(r);
  }
  Run failed = runs.back();  // ignored: failed runs say nothing about the data size
  failed.outcome = Outcome::kError;
  failed.bytes = 1;
  runs.push_back(failed);
  return runs;
}

DrillReportInput WarningInput(const plan::Plan& plan) {
  return DrillReportInput{plan, WarningDrill(), PreviousDrill(), GrowingBackups()};
}

// The verify command failed: no achieved RTO.
DrillRecord FailedDrill() {
  DrillRecord d = WarningDrill();
  d.run.outcome = Outcome::kFailed;
  d.run.error = "verify application: exit status 3";
  d.drill.achieved_rto_ms.reset();
  d.drill.steps[3] = {"verify application", 60'000, Outcome::kFailed,
                      "exit status 3: table 'patients' missing"};
  d.drill.reasons = {"verify application failed: exit status 3: table 'patients' missing"};
  d.drill.absent_person.clear();
  d.drill.uncovered_steps.clear();
  return d;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text of the recommendation with `rule`, "" when there is none.
std::string RuleText(const nlohmann::json& report, const std::string& rule) {
  for (const auto& r : report["recommendations"]) {
    if (r["rule"] == rule) return r["text"];
  }
  return "";
}

std::vector<std::string> Rules(const nlohmann::json& report) {
  std::vector<std::string> rules;
  for (const auto& r : report["recommendations"]) rules.push_back(r["rule"]);
  return rules;
}

TEST(DrillReportTest, MarkdownMatchesGolden) {
  plan::Plan plan = LoadTestPlan();
  std::string path = std::string(STORMPROOF_TESTDATA) + "/drill_report_warning.md";
  std::string markdown = DrillReportMarkdown(WarningInput(plan));
  // STORMPROOF_UPDATE_GOLDEN=1 rewrites the golden file; review its diff before committing.
  if (std::getenv("STORMPROOF_UPDATE_GOLDEN") != nullptr) std::ofstream(path) << markdown;
  std::string golden = ReadFile(path);
  ASSERT_FALSE(golden.empty());
  EXPECT_EQ(markdown, golden);
}

// dental-db with a hands-on estimate of 10m (the fixture has none).
plan::Plan PlanWithEstimate() {
  plan::Plan plan = LoadTestPlan();
  plan.systems[plan.SystemIndex("dental-db")].restore_estimate = Duration::Minutes(10);
  return plan;
}

TEST(DrillReportTest, RecommendationsFollowFromTheNumbers) {
  plan::Plan plan = PlanWithEstimate();
  nlohmann::json report = DrillReportJson(WarningInput(plan));
  EXPECT_EQ(Rules(report),
            (std::vector<std::string>{"rto-margin", "rto-capacity", "hands-on-not-timed",
                                      "uncovered-steps", "throughput-drop"}));
  // The data restore has the 2h RTO less 10m hands-on (estimate) and 200 s of verification:
  // 6400 s × 40 MB/s = 256 GB, reached in 1.6 months at 10 GB a month.
  const nlohmann::json& capacity = report["capacity"];
  EXPECT_EQ(capacity["verification_ms"], 200'000);
  EXPECT_EQ(capacity["hands_on_ms"], 600'000);
  EXPECT_EQ(capacity["hands_on_basis"], "estimate, never timed");
  EXPECT_EQ(capacity["dependency_wait_ms"], 0);
  EXPECT_EQ(capacity["data_restore_budget_ms"], 6'400'000);
  EXPECT_DOUBLE_EQ(capacity["max_bytes_within_rto"].get<double>(), 256e9);
  EXPECT_NEAR(capacity["growth_bytes_per_month"].get<double>(), 10e9, 1e3);
  EXPECT_NEAR(capacity["months_until_breach"].get<double>(), 1.6, 1e-6);
  EXPECT_EQ(report["recommendations"][1]["text"],
            "restore throughput 40 MB/s: RTO will be breached when data passes 256 GB (now 240 "
            "GB; at current growth of 10 GB/month, in about 2 months) — the data restore has "
            "1h46m of the 2h RTO after hands-on 10m (estimate, never timed), verification 3m"
            "20s");
  EXPECT_EQ(report["recommendations"][0]["text"],
            "achieved RTO used 86% of the 2h target: little room for more data or a slower "
            "day; speed up the restore or agree a longer RTO");
}

TEST(DrillReportTest, CapacityWithoutGrowthAndWhenDataAlreadyTooBig) {
  plan::Plan plan = PlanWithEstimate();
  DrillReportInput one_backup{plan, WarningDrill(), std::nullopt, {GrowingBackups()[0]}};
  nlohmann::json report = DrillReportJson(one_backup);
  EXPECT_TRUE(report["capacity"]["growth_bytes_per_month"].is_null());
  EXPECT_EQ(report["recommendations"][1]["text"],
            "restore throughput 40 MB/s: RTO will be breached when data passes 256 GB (now 240 "
            "GB) — the data restore has 1h46m of the 2h RTO after hands-on 10m (estimate, never "
            "timed), verification 3m20s");

  DrillRecord big = WarningDrill();
  big.drill.throughput_bytes_per_s = 20e6;  // 6400 s × 20 MB/s = 128 GB < 240 GB
  report = DrillReportJson({plan, big, std::nullopt, {}});
  EXPECT_EQ(report["recommendations"][1]["text"],
            "restore throughput 20 MB/s: the 240 GB of data already exceed the 128 GB that "
            "restore within the 2h RTO: restore faster or agree a longer RTO — the data restore "
            "has 1h46m of the 2h RTO after hands-on 10m (estimate, never timed), verification "
            "3m20s");
}

// The issue's case: capacity advice from the data copy alone ("RTO breached when data passes
// 66.8 TB") misleads. Without any hands-on time there is no figure, and the advice says why.
TEST(DrillReportTest, NoCapacityFigureWithoutHandsOnTime) {
  plan::Plan plan = LoadTestPlan();  // dental-db: a checklist, no estimate, not timed
  nlohmann::json report = DrillReportJson(WarningInput(plan));
  const nlohmann::json& capacity = report["capacity"];
  EXPECT_TRUE(capacity["max_bytes_within_rto"].is_null());
  EXPECT_TRUE(capacity["hands_on_ms"].is_null());
  EXPECT_EQ(capacity["no_figure_reason"], "hands-on time unknown: never timed, no estimate");
  EXPECT_EQ(RuleText(report, "rto-capacity"),
            "restore throughput 40 MB/s: no capacity figure, as the 2h RTO also holds work not "
            "known: hands-on time unknown: never timed, no estimate");
}

// The budget comes from the whole recovery: the checklist this drill timed, and the wait for the
// systems it depends on from the projection.
TEST(DrillReportTest, CapacityCountsTimedHandsOnAndTheWaitForDependencies) {
  plan::Plan plan = LoadTestPlan();
  plan.systems[plan.SystemIndex("dental-db")].depends_on.push_back({"hostile", {}});
  DrillRecord timed = WarningDrill();
  timed.drill.steps.push_back({"checklist 1: Restore the newest full backup", 300'000,
                               Outcome::kOk, ""});
  DrillReportInput input{plan, timed, std::nullopt, {}};
  // A dependency and no projection: the wait is unknown.
  EXPECT_EQ(DrillReportJson(input)["capacity"]["no_figure_reason"],
            "the wait for the systems it depends on is unknown (one of them was never drilled or "
            "timed)");
  readiness::RtoProjection projection;
  projection.dependency_wait = Duration::Minutes(20);
  projection.dependency_wait_complete = true;
  projection.hands_on = Duration::Hours(1);  // earlier drills: this drill's timing wins
  projection.hands_on_basis = readiness::ProjectionBasis::kMeasured;
  input.projection = projection;
  nlohmann::json report = DrillReportJson(input);
  // 7200 − 1200 wait − 300 hands-on − 200 verification = 5500 s × 40 MB/s = 220 GB.
  EXPECT_EQ(report["capacity"]["hands_on_basis"], "measured by this drill");
  EXPECT_EQ(report["capacity"]["dependency_wait_ms"], 1'200'000);
  EXPECT_DOUBLE_EQ(report["capacity"]["max_bytes_within_rto"].get<double>(), 220e9);
  std::string text = RuleText(report, "rto-capacity");
  EXPECT_THAT(text, HasSubstr("the 240 GB of data already exceed the 220 GB")) << text;
  EXPECT_THAT(text,
              HasSubstr("after hands-on 5m (measured by this drill), verification 3m20s and 20m "
                        "waiting for the systems it depends on"))
      << text;
}

TEST(DrillReportTest, RtoBreachAndRpoMarginAreRecommended) {
  plan::Plan plan = LoadTestPlan();
  DrillRecord late = WarningDrill();
  late.run.outcome = Outcome::kFailed;
  late.drill.achieved_rto_ms = 9'000'000;  // 2h30m
  late.drill.achieved_rpo_s = 13'000;      // 3h36m 40s: 90% of 4h
  late.drill.absent_person.clear();
  late.drill.uncovered_steps.clear();
  nlohmann::json report = DrillReportJson({plan, late, std::nullopt, {}});
  EXPECT_EQ(Rules(report), (std::vector<std::string>{"rto-breached", "rpo-margin", "rto-capacity",
                                                     "hands-on-not-timed"}));
  EXPECT_EQ(report["recommendations"][0]["text"],
            "achieved RTO 2h30m exceeded the 2h target by 30m: restore faster (faster storage "
            "or network, a closer copy) or agree a longer RTO");
  EXPECT_EQ(report["recommendations"][1]["text"],
            "restore point was 3h36m old, 90% of the 4h RPO: back up more often");
  EXPECT_EQ(report["rto"]["margin_ms"], -1'800'000);
  EXPECT_EQ(report["verdict"], "fail");
  EXPECT_EQ(report["failed"][0], "achieved RTO 2h30m exceeded the 2h target by 30m");
}

TEST(DrillReportTest, FailedVerificationIsExplained) {
  plan::Plan plan = LoadTestPlan();
  DrillReportInput input{plan, FailedDrill(), WarningDrill(), {}};
  std::string md = DrillReportMarkdown(input);
  EXPECT_THAT(md, HasSubstr("## Verdict: fail\n"));
  EXPECT_THAT(md, HasSubstr("- verify application failed after 1m: exit status 3: table 'patients' "
                            "missing\n"))
      << md;
  // The run's error is a summary of the step's note: not repeated.
  EXPECT_THAT(md, Not(HasSubstr("- verify application: exit status 3\n"))) << md;
  EXPECT_THAT(md, HasSubstr("| Verdict | pass with warnings | fail | changed |"));
  nlohmann::json report = DrillReportJson(input);
  EXPECT_EQ(report["verdict"], "fail");
  EXPECT_TRUE(report["rto"]["achieved_ms"].is_null());
  EXPECT_EQ(Rules(report)[0], "step-failed");
  EXPECT_EQ(report["recommendations"][0]["text"],
            "fix the 'verify application' failure (exit status 3: table 'patients' missing) and "
            "drill again");
  EXPECT_TRUE(report["previous"]["verdict_changed"].get<bool>());
  EXPECT_EQ(report["previous"]["verdict"], "pass-with-warnings");
}

// A failed verify command's kept standard error is shown in all three forms, escaped.
TEST(DrillReportTest, FailedVerifyShowsTheLastLinesOfItsStandardError) {
  plan::Plan plan = LoadTestPlan();
  DrillRecord d = FailedDrill();
  d.drill.steps[3].output = {"checking tables", "<b>table</b> 'patients' missing"};
  DrillReportInput input{plan, d, std::nullopt, {}};
  std::string md = DrillReportMarkdown(input);
  EXPECT_THAT(md, HasSubstr("| verify application | 1m | failed | exit status 3: table 'patients' "
                            "missing |\n\nverify application: last 2 line(s) of standard error:\n\n"
                            "    checking tables\n    <b>table</b> 'patients' missing\n"))
      << md;
  std::string html = DrillReportHtml(input);
  EXPECT_THAT(
      html, HasSubstr("<p>verify application: last 2 line(s) of standard error:</p>\n<pre>checking "
                      "tables\n&lt;b&gt;table&lt;/b&gt; &#39;patients&#39; missing\n</pre>"))
      << html;
  nlohmann::json report = DrillReportJson(input);
  EXPECT_EQ(report["steps"][3]["stderr"],
            (nlohmann::json{"checking tables", "<b>table</b> 'patients' missing"}));
  EXPECT_EQ(report["steps"][3]["note"], "exit status 3: table 'patients' missing");
  EXPECT_EQ(report["steps"][0]["stderr"], nlohmann::json::array());
}

TEST(DrillReportTest, ErrorWithoutRestorePoint) {
  plan::Plan plan = LoadTestPlan();
  DrillRecord d;
  d.run.id = 5;
  d.run.kind = catalog::RunKind::kDrill;
  d.run.system = "dental-db";
  d.run.started_ns = d.run.finished_ns = At(2026, 3, 1, 10);
  d.run.outcome = Outcome::kError;
  d.run.error = "no restore point in repository 'nas'";
  d.drill.adapter = "stormproof";
  d.drill.steps = {{"locate snapshot", 300, Outcome::kError, d.run.error}};
  nlohmann::json report = DrillReportJson({plan, d, std::nullopt, {}});
  EXPECT_EQ(report["verdict"], "error");
  EXPECT_TRUE(report["snapshot"].is_null());
  EXPECT_TRUE(report["capacity"].is_null());
  EXPECT_TRUE(report["previous"].is_null());
  EXPECT_EQ(report["failed"],
            nlohmann::json::array(
                {"locate snapshot could not run after 300 ms: no restore point in repository "
                 "'nas'"}));
  EXPECT_EQ(Rules(report), std::vector<std::string>{"step-failed"});
  std::string md = DrillReportMarkdown({plan, d, std::nullopt, {}});
  EXPECT_THAT(md, HasSubstr("| Restore point | none found |")) << md;
  EXPECT_THAT(md, HasSubstr("This is the first recorded drill of this system."));
}

TEST(DrillReportTest, PassWithMarginToSpare) {
  plan::Plan plan = LoadTestPlan();
  DrillRecord d = WarningDrill();
  d.run.outcome = Outcome::kOk;
  d.run.bytes = 24'000'000'000;
  d.drill.steps[1].duration_ms = 600'000;
  d.drill.achieved_rto_ms = 800'000;
  d.drill.reasons.clear();
  d.drill.absent_person.clear();
  d.drill.uncovered_steps.clear();
  nlohmann::json report = DrillReportJson({plan, d, std::nullopt, {}});
  EXPECT_EQ(report["verdict"], "pass");
  EXPECT_EQ(report["rto"]["used_percent"], 11);
  EXPECT_EQ(Rules(report), (std::vector<std::string>{"rto-capacity", "hands-on-not-timed"}));
  EXPECT_TRUE(report["failed"].empty());
  EXPECT_EQ(report["worked"].size(), 4u);
  std::string md = DrillReportMarkdown({plan, d, std::nullopt, {}});
  EXPECT_THAT(md, HasSubstr("## Verdict: pass\n\nWithin every target, with margin to spare.\n"));
}

TEST(DrillReportTest, NoVerifyCommandIsRecommended) {
  plan::Plan plan = LoadTestPlan();
  DrillRecord d = WarningDrill();
  d.run.system = "hostile";
  d.drill.target_rto_s.reset();  // from the plan: 8h
  d.drill.steps[3] = {"verify application", 0, Outcome::kOk, "skipped: no verify command"};
  nlohmann::json report = DrillReportJson({plan, d, std::nullopt, {}});
  EXPECT_EQ(report["rto"]["target_ms"], 8 * 3600 * 1000);
  std::vector<std::string> rules = Rules(report);
  EXPECT_NE(std::find(rules.begin(), rules.end(), "no-verify-command"), rules.end());
  EXPECT_EQ(report["worked"].size(), 3u);  // a skipped step did not "work"
}

TEST(DrillReportTest, HtmlIsEscapedAndSelfContained) {
  plan::Plan plan = LoadTestPlan();
  DrillRecord d = WarningDrill();
  d.run.system = "hostile";
  d.drill.steps[3].note = "<img src=x onerror=alert(2)>";
  std::string html = DrillReportHtml({plan, d, PreviousDrill(), {}});
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt; &amp; *bold*"));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(2)&gt;"));
  EXPECT_THAT(html, HasSubstr("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                              "'none'; style-src 'unsafe-inline'\">"));
  EXPECT_THAT(html, HasSubstr("@media print"));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  for (const char* key : {"Restore drill report", "1a2b3c4d", "Acme IT", "86%", "40 MB/s",
                          "verify application", "pass with warnings", "Compared with the previous",
                          "no capacity figure, as the 2h RTO also holds work not known"}) {
    EXPECT_THAT(html, HasSubstr(key)) << key;
  }
  std::string md = DrillReportMarkdown({plan, d, std::nullopt, {}});
  EXPECT_THAT(
      md, HasSubstr("# Restore drill: \\<script\\>alert(1)\\</script\\> & \\*bold\\* (hostile)"))
      << md;
}

TEST(DrillReportTest, JsonHasEverySchemaField) {
  plan::Plan plan = LoadTestPlan();
  nlohmann::json report = DrillReportJson(WarningInput(plan));
  for (const char* key :
       {"schema",  "run_id",   "system",   "client",          "tier",     "adapter",
        "started", "finished", "surprise", "snapshot",        "verdict",  "reasons",
        "error",   "rto",      "rpo",      "steps",           "restored", "worked",
        "failed",  "absence",  "capacity", "recommendations", "previous", "repository",
        "rto_parts", "other_copies", "repository_copy_of"}) {
    EXPECT_TRUE(report.contains(key)) << key;
  }
  EXPECT_EQ(report.size(), 27u);
  EXPECT_EQ(report["repository"], "nas");
  EXPECT_TRUE(report["repository_copy_of"].is_null());
  EXPECT_EQ(report["other_copies"], nlohmann::json::array());
  EXPECT_EQ(report["rto_parts"], (nlohmann::json{{"data_restore_ms", 6'141'200},
                                                 {"hands_on_ms", nullptr},
                                                 {"verification_ms", 60'000},
                                                 {"checklist_steps", 1},
                                                 {"checklist_steps_timed", 0},
                                                 {"checklist_steps_done", 0}}));
  EXPECT_EQ(report["capacity"]["hands_on_ms"], nullptr);  // not timed, no estimate
  EXPECT_EQ(report["schema"], "stormproof.drill-report/1");
  EXPECT_EQ(report["system"], (nlohmann::json{{"id", "dental-db"}, {"name", "Dental database"}}));
  EXPECT_EQ(report["client"]["id"], "dental");
  EXPECT_EQ(report["tier"]["name"], "Critical");
  EXPECT_EQ(report["started"], "2026-03-01T10:00:00Z");
  EXPECT_EQ(report["snapshot"]["time"], "2026-03-01T07:00:00Z");
  EXPECT_EQ(report["snapshot"]["age_seconds"], 10800);
  EXPECT_EQ(report["verdict"], "pass-with-warnings");
  EXPECT_TRUE(report["error"].is_null());
  EXPECT_EQ(report["rto"], (nlohmann::json{{"target_ms", 7'200'000},
                                           {"achieved_ms", 6'200'000},
                                           {"margin_ms", 1'000'000},
                                           {"used_percent", 86}}));
  EXPECT_EQ(report["rpo"]["used_percent"], 75);
  EXPECT_EQ(report["steps"].size(), 4u);
  EXPECT_EQ(report["steps"][1],
            (nlohmann::json{{"name", "restore"},
                            {"duration_ms", 6'000'000},
                            {"outcome", "ok"},
                            {"note", ""},
                            {"stderr", nlohmann::json::array()}}));
  EXPECT_EQ(report["restored"]["bytes"], 240'000'000'000ULL);
  EXPECT_EQ(report["absence"]["name"], "Priya Shah");
  EXPECT_EQ(report["previous"]["rto_change_ms"], 1'400'000);
  EXPECT_EQ(report["previous"]["rto_change_percent"], 29);
  EXPECT_EQ(report["previous"]["throughput_change_percent"], -20);
}

// With --checklist the hands-on steps are part of the achieved RTO: the report shows the data
// restore and the hands-on parts, and the RTO capacity leaves room for the hands-on work.
TEST(DrillReportTest, HandsOnWorkIsAPartOfTheAchievedRto) {
  plan::Plan plan = LoadTestPlan();
  DrillRecord d = WarningDrill();
  d.drill.absent_person.clear();
  d.drill.uncovered_steps.clear();
  d.drill.steps.insert(d.drill.steps.begin() + 3,
                       {"checklist 1: Restore the newest full backup", 600'000, Outcome::kOk, ""});
  d.drill.achieved_rto_ms = 6'800'000;
  nlohmann::json report = DrillReportJson({plan, d, std::nullopt, {}});
  EXPECT_EQ(report["rto_parts"]["data_restore_ms"], 6'141'200);
  EXPECT_EQ(report["rto_parts"]["hands_on_ms"], 600'000);
  EXPECT_EQ(report["rto_parts"]["checklist_steps_done"], 1);
  // (2h - 200 s verification - 600 s hands-on) × 40 MB/s = 256 GB.
  EXPECT_DOUBLE_EQ(report["capacity"]["max_bytes_within_rto"].get<double>(), 256e9);
  EXPECT_EQ(report["capacity"]["hands_on_ms"], 600'000);
  std::vector<std::string> rules = Rules(report);
  EXPECT_EQ(std::find(rules.begin(), rules.end(), "hands-on-not-timed"), rules.end());
  std::string md = DrillReportMarkdown({plan, d, std::nullopt, {}});
  EXPECT_THAT(md,
              HasSubstr("Achieved RTO = data restore 1h42m + hands-on 10m (1 of 1 checklist step "
                        "done) + verification 1m.\n"))
      << md;
  EXPECT_THAT(md,
              HasSubstr("- hands-on checklist 1: Restore the newest full backup: done in 10m\n"))
      << md;
  std::string html = DrillReportHtml({plan, d, std::nullopt, {}});
  EXPECT_THAT(html, HasSubstr("<p>Achieved RTO = data restore 1h42m + hands-on 10m"));
}

// A drill of a copy that failed names it and what the other copies hold.
TEST(DrillReportTest, NamesTheCopyAndTheOtherCopies) {
  plan::Plan plan = LoadTestPlan();
  DrillRecord d = FailedDrill();
  d.run.details = R"({"other_copies": ["copy b2 has a restore point 3h old (listed, not )"
                  R"(restored): it would have saved the day"]})";
  nlohmann::json report = DrillReportJson({plan, d, std::nullopt, {}});
  EXPECT_EQ(report["repository"], "nas");
  ASSERT_EQ(report["other_copies"].size(), 1u);
  EXPECT_EQ(report["other_copies"][0].get<std::string>().rfind("copy b2 has a restore point", 0),
            0u);
  std::string md = DrillReportMarkdown({plan, d, std::nullopt, {}});
  EXPECT_THAT(md, HasSubstr("| Copy drilled | nas |\n")) << md;
  d.run.repository.clear();
  EXPECT_THAT(DrillReportMarkdown({plan, d, std::nullopt, {}}),
              HasSubstr("| Copy drilled | — (restore command) |\n"));
  EXPECT_TRUE(DrillReportJson({plan, d, std::nullopt, {}})["repository"].is_null());
}

// A drill of a copy repository (copy_from) says which repository it is a copy of.
TEST(DrillReportTest, ACopyRepositoryDrilledIsShownAsACopy) {
  plan::Plan plan = LoadTestPlan();
  plan::RepositorySpec offsite;
  offsite.id = "offsite";
  offsite.location = "s3:https://s3.example.com/offsite";
  offsite.medium = plan::Medium::kObject;
  offsite.copy_from = plan::Ref{"nas", {}};
  plan.repositories.push_back(offsite);
  plan.BuildIndex();
  DrillRecord d = WarningDrill();
  d.run.repository = "offsite";
  nlohmann::json report = DrillReportJson({plan, d, std::nullopt, {}});
  EXPECT_EQ(report["repository"], "offsite");
  EXPECT_EQ(report["repository_copy_of"], "nas");
  EXPECT_THAT(DrillReportMarkdown({plan, d, std::nullopt, {}}),
              HasSubstr("| Copy drilled | offsite, a copy of nas (copy_from) |\n"));
  EXPECT_THAT(DrillReportHtml({plan, d, std::nullopt, {}}),
              HasSubstr("<th>Copy drilled</th><td>offsite, a copy of nas <span "
                        "class=\"muted\">(copy_from)</span></td>"));
  d.run.repository = "nas";
  EXPECT_TRUE(DrillReportJson({plan, d, std::nullopt, {}})["repository_copy_of"].is_null());
}

TEST(DrillReportTest, WritesThreeFilesAndRefusesUnsafeSystemIds) {
  plan::Plan plan = LoadTestPlan();
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("drill-report-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string json_path;
  ASSERT_THAT(WriteDrillReports(WarningInput(plan), dir.string(), &json_path), IsOk());
  std::string base = (dir / "dental-db" / "20260301T100000Z-drill-42").string();
  EXPECT_EQ(json_path, base + ".json");
  EXPECT_EQ(ReadFile(base + ".md"), DrillReportMarkdown(WarningInput(plan)));
  EXPECT_EQ(ReadFile(base + ".html"), DrillReportHtml(WarningInput(plan)));
  EXPECT_EQ(nlohmann::json::parse(ReadFile(json_path)), DrillReportJson(WarningInput(plan)));

  DrillRecord evil = WarningDrill();
  evil.run.system = "../escape";
  Status status = WriteDrillReports({plan, evil, std::nullopt, {}}, dir.string(), nullptr);
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_FALSE(std::filesystem::exists(dir / "escape"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stormproof::report
