#include "continuity/report/readiness_report/readiness_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "continuity/plan/loader.h"
#include "continuity/report/evidence/evidence_format.h"
#include "continuity/report/readiness_report/internal/svg_chart.h"
#include "tests/matchers.h"

namespace stormproof::report {
namespace {

using catalog::Outcome;

constexpr const char* kPlan = R"(version: 1
msp:
  id: acme
  name: Acme IT
  security:
    - {control: edr, product: SentinelOne, coverage: 100, last_evidence: 2025-10-01}
people:
  - {id: priya, name: Priya Shah, contacts: {mobile: "+44 7700 900103"}}
tiers:
  - {id: tier-1, name: Critical, rank: 1, rto: 2h, rpo: 4h, drill_every: 30d}
clients:
  - id: dental
    name: "Brightsmile <script>alert(1)</script> Dental"
    security:
      - {control: mfa, product: Entra ID, coverage: 92, last_evidence: 2026-02-01}
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
      verify: test -s "$STORMPROOF_RESTORE_PATH/D/SQL/full.bak"
  - id: msp-rmm
    name: RMM
    owner: priya
    tier: tier-1
    backup: {paths: [/srv/rmm], repositories: [nas]}
)";

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;

int64_t At(int year, int month, int day) {
  return Date::FromCivil(year, month, day).days_since_epoch() * kDay;
}

// The period: 90 days ending 2026-03-01 00:00 UTC.
const int64_t kNow = At(2026, 3, 1);
const int64_t kSince = kNow - 90 * kDay;

plan::Plan LoadTestPlan() {
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", kPlan);
  for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
    if (d.severity == plan::Severity::kError) {
      ADD_FAILURE() << plan::FormatDiagnostic(loaded.plan.files, d);
    }
  }
  return std::move(loaded.plan);
}

catalog::Run Backup(const std::string& system, int64_t at) {
  catalog::Run run;
  run.kind = catalog::RunKind::kBackup;
  run.system = system;
  run.client = system == "dental-db" ? "dental" : "";
  run.repository = "nas";
  run.started_ns = run.finished_ns = run.snapshot_time_ns = at;
  run.bytes = 1'000'000'000;
  run.snapshot_id = "snap" + std::to_string(at / kSecond);
  return run;
}

void AddDrill(catalog::Catalog& catalog, int64_t at, Outcome outcome,
              std::optional<int64_t> rto_ms) {
  catalog::Run run = Backup("dental-db", at);
  run.kind = catalog::RunKind::kDrill;
  run.outcome = outcome;
  run.finished_ns = at + kHour;
  run.snapshot_time_ns = at - kHour;
  catalog::Drill drill;
  drill.adapter = "stormproof";
  drill.achieved_rto_ms = rto_ms;
  drill.achieved_rpo_s = 3600;
  drill.target_rto_s = 7200;
  drill.target_rpo_s = 14400;
  drill.throughput_bytes_per_s = 50e6;
  ASSERT_THAT(catalog.AddDrill(run, drill), IsOk());
}

class ReadinessReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("readiness-report-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto opened = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(opened, IsOk());
    catalog_ = std::move(opened).value();
    // dental-db: a backup an hour before the period, one 45 days in; nothing after.
    ASSERT_THAT(catalog_->AddRun(Backup("dental-db", kSince - kHour)), IsOk());
    ASSERT_THAT(catalog_->AddRun(Backup("dental-db", kSince + 45 * kDay)), IsOk());
    ASSERT_THAT(catalog_->AddRun(Backup("msp-rmm", kNow - 2 * kHour)), IsOk());
    // Drills: day 10 passed in 1h; day 70 failed before verification.
    AddDrill(*catalog_, kSince + 10 * kDay, Outcome::kOk, 3'600'000);
    AddDrill(*catalog_, kSince + 70 * kDay, Outcome::kFailed, std::nullopt);
    // Outside the period: not reported.
    AddDrill(*catalog_, kSince - 5 * kDay, Outcome::kOk, 1'800'000);
  }
  void TearDown() override {
    catalog_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Render(std::optional<std::string> client = std::nullopt) {
    ReadinessReportOptions options;
    options.client = std::move(client);
    options.now_ns = kNow;
    options.today = Date::FromCivil(2026, 3, 1);
    auto html = ReadinessReportHtml(plan_, catalog_.get(), options);
    EXPECT_THAT(html, IsOk());
    // For looking at the report in a browser: STORMPROOF_REPORT_DUMP=FILE.
    if (const char* dump = std::getenv("STORMPROOF_REPORT_DUMP"); dump != nullptr && html) {
      std::ofstream(dump) << *html;
    }
    return html ? *html : "";
  }

  plan::Plan plan_ = LoadTestPlan();
  std::filesystem::path dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string Between(const std::string& text, const std::string& from, const std::string& to) {
  size_t start = text.find(from);
  if (start == std::string::npos) return "";
  size_t end = text.find(to, start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(SvgChartTest, LineChartCoordinates) {
  // 0..100 s; the age rises from 0 to 40 s, drops to 0 at 50 s and rises to 20 s; target 40 s.
  // y_max = 1.25 × 40 = 50 s, so y = 180 - age / 50 × 160.
  std::vector<svg::LinePoint> points = {{0, std::nullopt},
                                        {10 * kSecond, 0.0},
                                        {50 * kSecond, 40.0},
                                        {50 * kSecond, 0.0},
                                        {100 * kSecond, 20.0}};
  std::string chart = svg::DurationLineChart("age <of> x", {0, 100 * kSecond}, points, 40.0);
  EXPECT_EQ(chart.rfind("<svg class=\"chart\" viewBox=\"0 0 720 220\"", 0), 0u);
  EXPECT_THAT(chart, HasSubstr("aria-label=\"age &lt;of&gt; x\""));
  EXPECT_THAT(chart,
              HasSubstr("<polyline class=\"series\" fill=\"none\" points=\"124.0,180.0 380.0,52.0 "
                        "380.0,180.0 "
                        "700.0,116.0\"/>"))
      << chart;
  EXPECT_THAT(chart, HasSubstr("<line class=\"target\" x1=\"60.0\" y1=\"52.0\" x2=\"700.0\" "
                               "y2=\"52.0\"/>"));
  EXPECT_THAT(chart, HasSubstr(">target 40 s</text>"));
  EXPECT_THAT(chart, HasSubstr(">50 s</text>"));  // the top of the value axis
  EXPECT_THAT(chart, Not(HasSubstr("xmlns")));
}

TEST(SvgChartTest, BarChartCoordinates) {
  // Bars at 25 s (10 s, passed) and 75 s (none: failed before verification); target 16 s.
  // y_max = 1.25 × 16 = 20 s.
  std::vector<svg::Bar> bars = {{25 * kSecond, 10.0, Outcome::kOk},
                                {75 * kSecond, std::nullopt, Outcome::kFailed}};
  std::string chart = svg::DurationBarChart("rto", {0, 100 * kSecond}, bars, 16.0);
  EXPECT_THAT(chart, HasSubstr("<rect class=\"bar-pass\" x=\"216.0\" y=\"100.0\" width=\"8.0\" "
                               "height=\"80.0\"/>"))
      << chart;
  EXPECT_THAT(chart, HasSubstr("<circle class=\"bar-fail\" cx=\"540.0\" cy=\"180.0\" r=\"4\"/>"));
  EXPECT_THAT(chart, HasSubstr("<line class=\"target\" x1=\"60.0\" y1=\"52.0\""));
}

// SVG fills every shape black unless told otherwise: the axis (one open path) and the series
// line must say fill="none" themselves, and the stylesheet too, or a browser draws a black
// triangle over the chart.
TEST(SvgChartTest, OpenShapesAreNeverFilled) {
  std::vector<svg::LinePoint> points = {{10 * kSecond, 0.0}, {50 * kSecond, 40.0}};
  std::vector<svg::Bar> bars = {{25 * kSecond, 10.0, Outcome::kOk}};
  for (const std::string& chart : {svg::DurationLineChart("age", {0, 100 * kSecond}, points, 40.0),
                                   svg::DurationBarChart("rto", {0, 100 * kSecond}, bars, 16.0)}) {
    size_t open_shapes = 0;
    for (const char* tag : {"<path", "<polyline"}) {
      for (size_t at = chart.find(tag); at != std::string::npos; at = chart.find(tag, at + 1)) {
        ++open_shapes;
        std::string element = chart.substr(at, chart.find('>', at) - at);
        EXPECT_THAT(element, HasSubstr(" fill=\"none\"")) << element;
      }
    }
    EXPECT_GE(open_shapes, 1u) << chart;
  }
}

TEST_F(ReadinessReportTest, StyleSheetDoesNotFillChartLines) {
  std::string html = Render();
  for (const char* rule : {"svg.chart .axis { fill: none;", "svg.chart .grid { fill: none;",
                           "svg.chart .series { fill: none;", "svg.chart .target { fill: none;"}) {
    EXPECT_THAT(html, HasSubstr(rule)) << rule;
  }
}

TEST_F(ReadinessReportTest, RendersEveryClientWithChartsAndTables) {
  std::string html = Render();
  EXPECT_THAT(html, HasSubstr("<title>Readiness report — Acme IT — 2026-03-01</title>"));
  EXPECT_THAT(html, HasSubstr("Period 2025-12-01 to 2026-03-01 (90 days)")) << html;
  // One section per group, dental first, then the MSP's own systems.
  EXPECT_EQ(Count(html, "<section class=\"client\""), 2u);
  EXPECT_LT(html.find("id=\"client-dental\""), html.find("id=\"msp-systems\""));
  // Objectives.
  std::string dental = Between(html, "id=\"client-dental\"", "</section>");
  EXPECT_THAT(dental, HasSubstr("<td>Critical</td><td>2h</td><td>4h</td><td>30d</td>")) << dental;
  // RPO compliance: the sawtooth from since (age 1h) to the backup at day 45 (x = 380) and on
  // to the end; the 4h target is dashed.
  EXPECT_THAT(dental, HasSubstr("1 backup")) << dental;
  std::smatch line;
  ASSERT_TRUE(std::regex_search(dental, line,
                                std::regex("<polyline class=\"series\" fill=\"none\" "
                                           "points=\"([^\"]*)\"")));
  EXPECT_EQ(line[1].str().rfind("60.0,", 0), 0u) << line[1];
  EXPECT_THAT(line[1].str(), HasSubstr(" 380.0,180.0 ")) << line[1];
  EXPECT_THAT(line[1].str(), HasSubstr(" 700.0,")) << line[1];
  EXPECT_GE(Count(dental, "<line class=\"target\""), 2u);
  // Drills of the period only: two rows, a bar for the pass and a circle for the failure.
  EXPECT_THAT(dental, HasSubstr("1 of 2 drills within the RTO"));
  EXPECT_EQ(Count(dental, "<span class=\"verdict "), 2u);
  // Day 10 of 90: x = 60 + 640 / 9 = 131.1; 1h of y_max 2.5h: y = 180 - 64 = 116.
  EXPECT_THAT(dental, HasSubstr("<rect class=\"bar-pass\" x=\"127.1\" y=\"116.0\" width=\"8.0\" "
                                "height=\"64.0\"/>"))
      << dental;
  EXPECT_THAT(dental, HasSubstr("<circle class=\"bar-fail\" cx=\"557.8\" cy=\"180.0\""));
  // Security evidence: the client's MFA is current, the MSP's EDR is stale.
  EXPECT_THAT(dental, HasSubstr("current until 2026-05-02"));
  std::string msp = Between(html, "id=\"msp-systems\"", "</section>");
  EXPECT_THAT(msp, HasSubstr("stale since 2025-12-30")) << msp;
  EXPECT_THAT(msp, HasSubstr("No restore drills in this period."));
  EXPECT_THAT(html, HasSubstr("Open audit findings"));
  // The MSP's RMM was never drilled: its objectives are not proven.
  EXPECT_THAT(Between(html, "href=\"#msp-systems\"", "</tr>"), HasSubstr("not proven"));
}

// Per backup repository, "the 1" and "the 0" of 3-2-1-1-0 from evidence: nas was checked (read
// data) yesterday; it is a local directory, and nobody calls it immutable.
TEST_F(ReadinessReportTest, ShowsImmutabilityAndZeroErrorsPerRepository) {
  catalog::Run check = Backup("", kNow - kDay);
  check.kind = catalog::RunKind::kCheck;
  check.details = R"({"read_data_percent":100})";
  ASSERT_THAT(catalog_->AddRun(check), IsOk());
  std::string dental = Between(Render(), "id=\"client-dental\"", "</section>");
  EXPECT_THAT(dental, HasSubstr("<th>Backup repository</th><th>Immutable</th><th>Zero errors</th>"))
      << dental;
  EXPECT_THAT(dental, HasSubstr("<td><strong>nas</strong></td><td><span class=\"muted\">not "
                                "claimed</span></td><td><span class=\"ok\">proven 2026-02-28 by "
                                "a check that read all data (1 day ago)</span></td>"))
      << dental;
}

// RPO compliance is measured from a system's first backup, counts drill-proven snapshots as
// status does, and is never rounded up to 100%.
TEST_F(ReadinessReportTest, RpoComplianceFromTheFirstBackupAndNeverRoundedUp) {
  std::string html = Render();
  std::string msp = Between(html, "id=\"msp-systems\"", "</section>");
  // msp-rmm's first backup is 2h before the end of the period: 100% of the time since then.
  EXPECT_THAT(msp,
              HasSubstr("within the 4h RPO 100% of the time since the first backup (2026-02-28 "
                        "22:00:00 UTC)"))
      << msp;
  std::string dental = Between(html, "id=\"client-dental\"", "</section>");
  EXPECT_THAT(dental, HasSubstr("1 newer restore point(s) proven by drills")) << dental;
  EXPECT_THAT(dental, HasSubstr("% of the period")) << dental;
}

TEST(PercentTest, NeverRoundABreachAway) {
  EXPECT_EQ(SharePercent(0.9958), "99.5%");
  EXPECT_EQ(SharePercent(0.99999), "99.9%");
  EXPECT_EQ(SharePercent(1.0), "100%");
  EXPECT_EQ(SharePercent(0.5), "50%");
  EXPECT_EQ(SharePercent(0.7), "70%");
  EXPECT_EQ(SharePercent(0.0), "0%");
}

// A breached system's score is capped and says so.
TEST_F(ReadinessReportTest, BreachIsShownWithTheScore) {
  std::string dental = Between(Render(), "id=\"client-dental\"", "</section>");
  EXPECT_THAT(dental, HasSubstr("/100 <span class=\"risk\">breached</span></h2>")) << dental;
  EXPECT_THAT(dental, HasSubstr("<td>13 <span class=\"risk\">breached</span></td>")) << dental;
  EXPECT_THAT(dental, HasSubstr("A breached objective caps a score at 49."));
}

// The projected RTO shows its parts: dental-db's drills measured the data restore (1 GB at
// 50 MB/s) but nobody timed its hands-on work and the plan has no estimate, so 20 s is a lower
// bound and the RTO is unknown, never "projected 20s".
TEST_F(ReadinessReportTest, ProjectionShowsItsPartsAndNeverTheDataCopyAlone) {
  std::string html = Render("dental");
  EXPECT_THAT(html, HasSubstr("at least 20s, unknown"));
  EXPECT_THAT(html, HasSubstr("data restore 20s (measured) + hands-on unknown (never timed, no "
                              "estimate) + verify unknown (never timed)"));
  EXPECT_THAT(html, Not(HasSubstr("projected 20s")));
}

TEST_F(ReadinessReportTest, SelfContainedPrintableAndEscaped) {
  std::string html = Render();
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("Brightsmile &lt;script&gt;alert(1)&lt;/script&gt; Dental"));
  EXPECT_THAT(html, HasSubstr("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                              "'none'; style-src 'unsafe-inline'\">"));
  EXPECT_THAT(html, HasSubstr("section.client { margin-top: 0; break-before: page;"));
  for (const char* bad : {"<img", "<link", "<iframe", "url(", "@import"}) {
    EXPECT_THAT(html, Not(HasSubstr(bad))) << bad;
  }
}

TEST_F(ReadinessReportTest, OneClientOrTheMspsOwnSystems) {
  std::string dental = Render("dental");
  EXPECT_EQ(Count(dental, "<section class=\"client\""), 1u);
  EXPECT_THAT(dental, HasSubstr("id=\"client-dental\""));
  EXPECT_THAT(dental, HasSubstr("<h1>Brightsmile &lt;script&gt;"));
  std::string msp = Render("acme");
  EXPECT_EQ(Count(msp, "<section class=\"client\""), 1u);
  EXPECT_THAT(msp, HasSubstr("id=\"msp-systems\""));

  ReadinessReportOptions options;
  options.client = "nobody";
  options.now_ns = kNow;
  auto unknown = ReadinessReportHtml(plan_, catalog_.get(), options);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown, ErrorIs(ErrorCode::kNotFound));
}

// The backups here carry no verdict: each system says so, visibly, and no clean RPO is claimed.
TEST_F(ReadinessReportTest, BackupsNeverJudgedAreNamed) {
  std::string html = Render("dental");
  EXPECT_THAT(html, HasSubstr("<h3>Ransomware detection</h3>"));
  EXPECT_THAT(html, HasSubstr("No backup in the catalog is flagged suspicious or infected."));
  EXPECT_THAT(html, HasSubstr("Never judged by ransomware detection (backups taken without it): "
                              "dental-db. Their clean restore point is unknown."));
  EXPECT_THAT(html, HasSubstr("<span class=\"warn\">never judged</span>"));
}

// An infected backup: the detection with its reasons (escaped), the hold and the clean RPO.
TEST_F(ReadinessReportTest, RansomwareShowsTheDetectionTheHoldAndTheCleanRpo) {
  catalog::Run clean = Backup("dental-db", kNow - 30 * kHour);
  clean.snapshot_id = std::string(64, 'c');
  clean.details = R"({"verdict":{"level":"clean","score":0,"reasons":[]}})";
  ASSERT_THAT(catalog_->AddRun(clean), IsOk());
  catalog::Run infected = Backup("dental-db", kNow - 6 * kHour);
  infected.snapshot_id = std::string(64, 'f');
  infected.outcome = Outcome::kWarning;
  infected.details = R"({"verdict":{"level":"infected","score":97,"reasons":["212 copies of )"
                     R"(<b>README</b>.txt"]},"marks":[{"kind":"hold","snapshot":")" +
                     clean.snapshot_id + R"(","reason":"newest clean restore point before )"
                     R"(infected snapshot ffffffff"}]})";
  ASSERT_THAT(catalog_->AddRun(infected), IsOk());
  std::string section =
      Between(Render("dental"), "<h3>Ransomware detection</h3>", "<h3>RPO compliance");
  EXPECT_THAT(section, HasSubstr("infected, score 97"));
  EXPECT_THAT(section, HasSubstr("212 copies of &lt;b&gt;README&lt;/b&gt;.txt"));
  EXPECT_THAT(section, Not(HasSubstr("<b>")));
  EXPECT_THAT(section, HasSubstr("snapshot cccccccc of 2026-02-27 18:00:00 UTC in nas: newest "
                                 "clean restore point before infected snapshot ffffffff"));
  EXPECT_THAT(section, HasSubstr("clean RPO 1d6h (RPO 4h) breached"));
  EXPECT_THAT(section, HasSubstr("restore from snapshot <code>cccccccc</code>"));
  EXPECT_THAT(section, HasSubstr("(held)"));
}

TEST_F(ReadinessReportTest, WithoutCatalogEverythingIsUnknown) {
  ReadinessReportOptions options;
  options.now_ns = kNow;
  options.today = Date::FromCivil(2026, 3, 1);
  auto html = ReadinessReportHtml(plan_, nullptr, options);
  ASSERT_THAT(html, IsOk());
  EXPECT_THAT(*html, HasSubstr("No catalog yet"));
  EXPECT_THAT(*html, Not(HasSubstr("<polyline")));
  EXPECT_THAT(*html, HasSubstr("never drilled"));
}

}  // namespace
}  // namespace stormproof::report
