#include "continuity/report/readiness_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "continuity/plan/loader.h"
#include "continuity/report/evidence_format.h"
#include "continuity/report/svg_chart.h"

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
  ASSERT_TRUE(catalog.AddDrill(run, drill).has_value());
}

class ReadinessReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("readiness-report-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto opened = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_TRUE(opened.has_value()) << opened.error().message();
    catalog_ = std::move(opened).value();
    // dental-db: a backup an hour before the period, one 45 days in; nothing after.
    ASSERT_TRUE(catalog_->AddRun(Backup("dental-db", kSince - kHour)).has_value());
    ASSERT_TRUE(catalog_->AddRun(Backup("dental-db", kSince + 45 * kDay)).has_value());
    ASSERT_TRUE(catalog_->AddRun(Backup("msp-rmm", kNow - 2 * kHour)).has_value());
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
    EXPECT_TRUE(html.has_value()) << html.error().message();
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
  EXPECT_NE(chart.find("aria-label=\"age &lt;of&gt; x\""), std::string::npos);
  EXPECT_NE(chart.find("<polyline class=\"series\" fill=\"none\" points=\"124.0,180.0 380.0,52.0 "
                       "380.0,180.0 "
                       "700.0,116.0\"/>"),
            std::string::npos)
      << chart;
  EXPECT_NE(chart.find("<line class=\"target\" x1=\"60.0\" y1=\"52.0\" x2=\"700.0\" "
                       "y2=\"52.0\"/>"),
            std::string::npos);
  EXPECT_NE(chart.find(">target 40 s</text>"), std::string::npos);
  EXPECT_NE(chart.find(">50 s</text>"), std::string::npos);  // the top of the value axis
  EXPECT_EQ(chart.find("xmlns"), std::string::npos);
}

TEST(SvgChartTest, BarChartCoordinates) {
  // Bars at 25 s (10 s, passed) and 75 s (none: failed before verification); target 16 s.
  // y_max = 1.25 × 16 = 20 s.
  std::vector<svg::Bar> bars = {{25 * kSecond, 10.0, Outcome::kOk},
                                {75 * kSecond, std::nullopt, Outcome::kFailed}};
  std::string chart = svg::DurationBarChart("rto", {0, 100 * kSecond}, bars, 16.0);
  EXPECT_NE(chart.find("<rect class=\"bar-pass\" x=\"216.0\" y=\"100.0\" width=\"8.0\" "
                       "height=\"80.0\"/>"),
            std::string::npos)
      << chart;
  EXPECT_NE(chart.find("<circle class=\"bar-fail\" cx=\"540.0\" cy=\"180.0\" r=\"4\"/>"),
            std::string::npos);
  EXPECT_NE(chart.find("<line class=\"target\" x1=\"60.0\" y1=\"52.0\""), std::string::npos);
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
        EXPECT_NE(element.find(" fill=\"none\""), std::string::npos) << element;
      }
    }
    EXPECT_GE(open_shapes, 1u) << chart;
  }
}

TEST_F(ReadinessReportTest, StyleSheetDoesNotFillChartLines) {
  std::string html = Render();
  for (const char* rule : {"svg.chart .axis { fill: none;", "svg.chart .grid { fill: none;",
                           "svg.chart .series { fill: none;", "svg.chart .target { fill: none;"}) {
    EXPECT_NE(html.find(rule), std::string::npos) << rule;
  }
}

TEST_F(ReadinessReportTest, RendersEveryClientWithChartsAndTables) {
  std::string html = Render();
  EXPECT_NE(html.find("<title>Readiness report — Acme IT — 2026-03-01</title>"), std::string::npos);
  EXPECT_NE(html.find("Period 2025-12-01 to 2026-03-01 (90 days)"), std::string::npos) << html;
  // One section per group, dental first, then the MSP's own systems.
  EXPECT_EQ(Count(html, "<section class=\"client\""), 2u);
  EXPECT_LT(html.find("id=\"client-dental\""), html.find("id=\"msp-systems\""));
  // Objectives.
  std::string dental = Between(html, "id=\"client-dental\"", "</section>");
  EXPECT_NE(dental.find("<td>Critical</td><td>2h</td><td>4h</td><td>30d</td>"), std::string::npos)
      << dental;
  // RPO compliance: the sawtooth from since (age 1h) to the backup at day 45 (x = 380) and on
  // to the end; the 4h target is dashed.
  EXPECT_NE(dental.find("1 backup"), std::string::npos) << dental;
  std::smatch line;
  ASSERT_TRUE(std::regex_search(dental, line,
                                std::regex("<polyline class=\"series\" fill=\"none\" "
                                           "points=\"([^\"]*)\"")));
  EXPECT_EQ(line[1].str().rfind("60.0,", 0), 0u) << line[1];
  EXPECT_NE(line[1].str().find(" 380.0,180.0 "), std::string::npos) << line[1];
  EXPECT_NE(line[1].str().find(" 700.0,"), std::string::npos) << line[1];
  EXPECT_GE(Count(dental, "<line class=\"target\""), 2u);
  // Drills of the period only: two rows, a bar for the pass and a circle for the failure.
  EXPECT_NE(dental.find("1 of 2 drills within the RTO"), std::string::npos);
  EXPECT_EQ(Count(dental, "<span class=\"verdict "), 2u);
  // Day 10 of 90: x = 60 + 640 / 9 = 131.1; 1h of y_max 2.5h: y = 180 - 64 = 116.
  EXPECT_NE(dental.find("<rect class=\"bar-pass\" x=\"127.1\" y=\"116.0\" width=\"8.0\" "
                        "height=\"64.0\"/>"),
            std::string::npos)
      << dental;
  EXPECT_NE(dental.find("<circle class=\"bar-fail\" cx=\"557.8\" cy=\"180.0\""), std::string::npos);
  // Security evidence: the client's MFA is current, the MSP's EDR is stale.
  EXPECT_NE(dental.find("current until 2026-05-02"), std::string::npos);
  std::string msp = Between(html, "id=\"msp-systems\"", "</section>");
  EXPECT_NE(msp.find("stale since 2025-12-30"), std::string::npos) << msp;
  EXPECT_NE(msp.find("No restore drills in this period."), std::string::npos);
  EXPECT_NE(html.find("Open audit findings"), std::string::npos);
  // The MSP's RMM was never drilled: its objectives are not proven.
  EXPECT_NE(Between(html, "href=\"#msp-systems\"", "</tr>").find("not proven"), std::string::npos);
}

// RPO compliance is measured from a system's first backup, counts drill-proven snapshots as
// status does, and is never rounded up to 100%.
TEST_F(ReadinessReportTest, RpoComplianceFromTheFirstBackupAndNeverRoundedUp) {
  std::string html = Render();
  std::string msp = Between(html, "id=\"msp-systems\"", "</section>");
  // msp-rmm's first backup is 2h before the end of the period: 100% of the time since then.
  EXPECT_NE(msp.find("within the 4h RPO 100% of the time since the first backup (2026-02-28 "
                     "22:00:00 UTC)"),
            std::string::npos)
      << msp;
  std::string dental = Between(html, "id=\"client-dental\"", "</section>");
  EXPECT_NE(dental.find("1 newer restore point(s) proven by drills"), std::string::npos) << dental;
  EXPECT_NE(dental.find("% of the period"), std::string::npos) << dental;
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
  EXPECT_NE(dental.find("/100 <span class=\"risk\">breached</span></h2>"), std::string::npos)
      << dental;
  EXPECT_NE(dental.find("<td>13 <span class=\"risk\">breached</span></td>"), std::string::npos)
      << dental;
  EXPECT_NE(dental.find("A breached objective caps a score at 49."), std::string::npos);
}

// The projected RTO shows its parts: dental-db's drills measured the data restore (1 GB at
// 50 MB/s) but nobody timed its hands-on work and the plan has no estimate, so 20 s is a lower
// bound and the RTO is unknown, never "projected 20s".
TEST_F(ReadinessReportTest, ProjectionShowsItsPartsAndNeverTheDataCopyAlone) {
  std::string html = Render("dental");
  EXPECT_NE(html.find("at least 20s, unknown"), std::string::npos);
  EXPECT_NE(html.find("data restore 20s (measured) + hands-on unknown (never timed, no "
                      "estimate) + verify unknown (never timed)"),
            std::string::npos);
  EXPECT_EQ(html.find("projected 20s"), std::string::npos);
}

TEST_F(ReadinessReportTest, SelfContainedPrintableAndEscaped) {
  std::string html = Render();
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("Brightsmile &lt;script&gt;alert(1)&lt;/script&gt; Dental"),
            std::string::npos);
  EXPECT_NE(html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                      "'none'; style-src 'unsafe-inline'\">"),
            std::string::npos);
  EXPECT_NE(html.find("section.client { margin-top: 0; break-before: page;"), std::string::npos);
  for (const char* bad : {"<img", "<link", "<iframe", "url(", "@import"}) {
    EXPECT_EQ(html.find(bad), std::string::npos) << bad;
  }
}

TEST_F(ReadinessReportTest, OneClientOrTheMspsOwnSystems) {
  std::string dental = Render("dental");
  EXPECT_EQ(Count(dental, "<section class=\"client\""), 1u);
  EXPECT_NE(dental.find("id=\"client-dental\""), std::string::npos);
  EXPECT_NE(dental.find("<h1>Brightsmile &lt;script&gt;"), std::string::npos);
  std::string msp = Render("acme");
  EXPECT_EQ(Count(msp, "<section class=\"client\""), 1u);
  EXPECT_NE(msp.find("id=\"msp-systems\""), std::string::npos);

  ReadinessReportOptions options;
  options.client = "nobody";
  options.now_ns = kNow;
  auto unknown = ReadinessReportHtml(plan_, catalog_.get(), options);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(ReadinessReportTest, WithoutCatalogEverythingIsUnknown) {
  ReadinessReportOptions options;
  options.now_ns = kNow;
  options.today = Date::FromCivil(2026, 3, 1);
  auto html = ReadinessReportHtml(plan_, nullptr, options);
  ASSERT_TRUE(html.has_value()) << html.error().message();
  EXPECT_NE(html->find("No catalog yet"), std::string::npos);
  EXPECT_EQ(html->find("<polyline"), std::string::npos);
  EXPECT_NE(html->find("never drilled"), std::string::npos);
}

}  // namespace
}  // namespace stormproof::report
