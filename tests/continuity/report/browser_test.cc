// The HTML reports in a real browser: the example MSP's readiness report for every client, drill
// reports and the runbook are rendered by headless Chromium, and the screenshots are judged by
// their pixels: a chart is thin axes, a visible line or bars and a dashed target, never a filled
// dark shape (SVG fills an open path black unless told otherwise).
//
// Screenshots are kept in <build>/tests/screenshots/ (the HTML next to them) for a person to
// look at. Skips when chromium is not installed (scripts/install-deps installs it; the
// STORMPROOF_CHROMIUM variable names another binary).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/continuity/report/browser/headless_chromium.h"
#include "tests/continuity/report/browser/png_image.h"
#include "tests/continuity/report/example_msp.h"
#include "continuity/report/drill_report/drill_report.h"
#include "continuity/report/readiness_report/readiness_report.h"
#include "continuity/report/runbook/runbook.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kScreenshots = STORMPROOF_SCREENSHOT_DIR;

// One chart of a report, as the sheet places it.
struct Chart {
  std::string name;  // "<report>#<n>"
  std::string svg;
  int top = 0;  // of its cell on the sheet, in CSS pixels
};

// Layout of the chart sheet: each chart at 720 × 220 (its view box, so one unit is one pixel),
// 20 px from the left, cells of kCell px.
constexpr int kLeft = 20, kCell = 240, kPad = 10;
constexpr int kPlotLeft = 60, kPlotRight = 700, kPlotTop = 20, kPlotBottom = 180;

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A window tall enough for most pages at the first try, from what the page holds.
int GuessHeight(const std::string& html) {
  size_t height = 700 + 260 * Count(html, "<figure") + 36 * Count(html, "<tr") +
                  60 * (Count(html, "<h2") + Count(html, "<h3") + Count(html, "<h4")) +
                  26 * (Count(html, "<p") + Count(html, "<li")) +
                  22 * (Count(html, "<br") + Count(html, "\n") / 4);
  return static_cast<int>(std::min<size_t>(height * 115 / 100, 24000));
}

// True when the bottom rows are one colour: the page ended above them.
bool PageEnded(const PngImage& image) {
  Rgb corner = image.At(0, image.height() - 1);
  Box bottom{0, image.height() - 24, image.width(), image.height()};
  long same = CountPixels(
      image, bottom, [&](Rgb c) { return c.r == corner.r && c.g == corner.g && c.b == corner.b; });
  return same == static_cast<long>(bottom.x1 - bottom.x0) * (bottom.y1 - bottom.y0);
}

class BrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    chromium_ = new std::string(FindChromium());
    if (chromium_->empty()) return;
    fs::create_directories(kScreenshots);
    plan_ = new plan::Plan(LoadExamplePlan());
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("stormproof-browser-test-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    auto opened = OpenExampleCatalog(*plan_, *dir_);
    ASSERT_THAT(opened, IsOk());
    catalog_ = opened->release();
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
    delete plan_;
    plan_ = nullptr;
    delete chromium_;
    chromium_ = nullptr;
  }
  void SetUp() override {
    if (chromium_->empty()) {
      GTEST_SKIP() << "chromium is not installed, so the HTML reports were not checked in a "
                      "browser: run scripts/install-deps (or set STORMPROOF_CHROMIUM)";
    }
    ASSERT_NE(catalog_, nullptr);
  }

  std::string Readiness(const std::string& client) {
    report::ReadinessReportOptions options;
    options.client = client;
    options.now_ns = kExampleNow;
    options.today = kExampleToday;
    // A month: the example's twice-daily backups draw a sawtooth whose teeth a person (and
    // the pixel checks) can tell apart.
    options.period = Duration::Days(30);
    auto html = report::ReadinessReportHtml(*plan_, catalog_, options);
    EXPECT_THAT(html, IsOk());
    return html ? *html : "";
  }

  // Writes <screenshots>/<name>.html and screenshots it into <name>.png, the window made taller
  // until the whole page fits. Fails the test when chromium or the PNG fails.
  // A fixed `height` is taken as it is; `scale` below 1 keeps a long page quick to render.
  PngImage Shoot(const std::string& name, const std::string& html, int height = 0,
                 double scale = 1) {
    fs::path page = kScreenshots / (name + ".html"), png = kScreenshots / (name + ".png");
    std::ofstream(page, std::ios::binary) << html;
    ScreenshotOptions options;
    options.height = height > 0 ? height : GuessHeight(html);
    options.scale = scale;
    options.timeout = std::chrono::seconds(60);
    PngImage image;
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto start = std::chrono::steady_clock::now();
      std::string error = TakeScreenshot(*chromium_, page.string(), png.string(), options);
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      std::printf("screenshot %s: window %d x %d, %.1f s\n", png.c_str(), options.width,
                  options.height, took.count());
      if (!error.empty()) {
        ADD_FAILURE() << name << ": " << error;
        return image;
      }
      if (!image.Read(png.string(), &error)) {
        ADD_FAILURE() << error;
        return image;
      }
      if (height > 0 || PageEnded(image)) break;
      options.height = options.height * 3 / 2;
    }
    return image;
  }

  static std::string* chromium_;
  static plan::Plan* plan_;
  static fs::path* dir_;
  static catalog::Catalog* catalog_;
};

std::string* BrowserTest::chromium_ = nullptr;
plan::Plan* BrowserTest::plan_ = nullptr;
fs::path* BrowserTest::dir_ = nullptr;
catalog::Catalog* BrowserTest::catalog_ = nullptr;

// No filled dark square anywhere on the page: text and rules are thinner than `size`.
void ExpectNoFilledDarkShape(const std::string& name, const PngImage& page, int size = 16) {
  auto [x, y] = FindDarkSquare(page, {0, 0, page.width(), page.height()}, size);
  EXPECT_EQ(x, -1) << name << ": a filled dark " << size << "×" << size << " px area at (" << x
                   << ", " << y << ") of the screenshot " << (kScreenshots / (name + ".png"));
}

std::vector<std::string> Svgs(const std::string& html) {
  std::vector<std::string> svgs;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at)) {
    size_t end = html.find("</svg>", at);
    if (end == std::string::npos) break;
    svgs.push_back(html.substr(at, end + 6 - at));
    at = end;
  }
  return svgs;
}

// The report's own head (stylesheet, CSP) and its charts, one per fixed cell.
std::string ChartSheet(const std::string& report, std::vector<Chart>* charts) {
  std::string sheet = report.substr(0, report.find("</head>")) + "</head>\n<body>\n<style>\n" +
                      "html, body { background: #fff; margin: 0; }\n" +
                      ".cell { position: absolute; left: " + std::to_string(kLeft) +
                      "px; width: 720px; height: 220px; }\n" +
                      ".cell svg.chart { width: 720px; height: 220px; max-width: none; }\n" +
                      "</style>\n";
  for (Chart& chart : *charts) {
    sheet += "<div class=\"cell\" style=\"top: " + std::to_string(chart.top + kPad) + "px\">" +
             chart.svg + "</div>\n";
  }
  return sheet + "</body>\n</html>\n";
}

bool Accent(Rgb c) { return c.b > c.r + 40 && c.b > 90 && c.Luminance() < 215; }
bool Green(Rgb c) { return c.g > c.r + 30 && c.g > c.b + 20; }
bool Red(Rgb c) { return c.r > c.g + 60 && c.r > c.b + 60; }
bool Inky(Rgb c) { return c.Luminance() < 170 && !Accent(c) && !Green(c) && !Red(c); }

// The y of the chart's dashed target line in its view box, or -1 when it has none.
double TargetY(const std::string& svg) {
  size_t at = svg.find("<line class=\"target\"");
  if (at == std::string::npos) return -1;
  size_t y1 = svg.find("y1=\"", at);
  return y1 == std::string::npos ? -1 : std::stod(svg.substr(y1 + 4));
}

// The shapes one chart must show on the sheet.
void ExpectChartShapes(const PngImage& sheet, const Chart& chart) {
  int x0 = kLeft, y0 = chart.top + kPad;
  SCOPED_TRACE(chart.name + " (sheet y " + std::to_string(y0) + ")");
  Box whole{x0, y0, x0 + 720, y0 + 220};
  auto [dx, dy] = FindDarkSquare(sheet, whole, 10);
  EXPECT_EQ(dx, -1) << "a filled dark area at (" << dx << ", " << dy << ")";
  // Inside the plot, away from the axes: at most a sprinkle of ink (labels), never a fill.
  Box inside{x0 + kPlotLeft + 3, y0 + kPlotTop, x0 + kPlotRight, y0 + kPlotBottom - 3};
  long area = static_cast<long>(inside.x1 - inside.x0) * (inside.y1 - inside.y0);
  EXPECT_LT(CountPixels(sheet, inside, Dark), area / 50) << "the plot area is filled dark";
  // The axes: a thin line down the left of the plot and one along its bottom (where the data
  // runs over them, the data's colour), and no ink just beside the value axis.
  auto drawn = [](Rgb c) { return Inky(c) || Accent(c) || Green(c) || Red(c); };
  Box value_axis{x0 + kPlotLeft - 1, y0 + kPlotTop + 2, x0 + kPlotLeft + 1, y0 + kPlotBottom - 2};
  Box time_axis{x0 + kPlotLeft + 2, y0 + kPlotBottom - 1, x0 + kPlotRight, y0 + kPlotBottom + 1};
  EXPECT_GE(CountPixels(sheet, value_axis, drawn), (kPlotBottom - kPlotTop - 4) * 9 / 10)
      << "the value axis is missing";
  EXPECT_GE(CountPixels(sheet, time_axis, drawn), (kPlotRight - kPlotLeft - 2) * 9 / 10)
      << "the time axis is missing";
  Box beside{x0 + kPlotLeft + 3, y0 + kPlotTop + 2, x0 + kPlotLeft + 8, y0 + kPlotBottom - 4};
  EXPECT_LT(CountPixels(sheet, beside, Dark), 40) << "the value axis is not thin";
  if (Has(chart.svg, "<polyline")) {
    EXPECT_GE(CountPixels(sheet, inside, Accent), 150) << "the plotted line is not visible";
  }
  if (Has(chart.svg, "<rect class=\"bar-pass\"")) {
    EXPECT_GE(CountPixels(sheet, inside, Green), 40) << "the passed drills' bars are not visible";
  }
  if (Has(chart.svg, "class=\"bar-fail\"")) {
    Box axis_band{x0 + kPlotLeft, y0 + kPlotBottom - 5, x0 + kPlotRight, y0 + kPlotBottom + 5};
    EXPECT_GE(CountPixels(sheet, axis_band, Red), 12) << "the failed drill's mark is not visible";
  }
  // The dashed target (6 on, 4 off): red along most of its row, unless it sits on the axis.
  double target = TargetY(chart.svg);
  if (target > kPlotTop && target < kPlotBottom - 10) {
    int y = y0 + static_cast<int>(target);
    Box row{x0 + kPlotLeft, y - 1, x0 + kPlotRight, y + 2};
    EXPECT_GE(CountPixels(sheet, row, Red), (kPlotRight - kPlotLeft) * 3 / 10)
        << "the dashed target line at y " << target << " is not visible";
  }
}

TEST_F(BrowserTest, ReadinessReportOfEveryClientHasVisibleChartsNotFilledShapes) {
  std::vector<Chart> charts;
  for (const plan::Client& client : plan_->clients) {
    std::string name = "readiness-" + client.id;
    std::string html = Readiness(client.id);
    ASSERT_TRUE(Has(html, "<svg class=\"chart\"")) << name << " has no chart";
    PngImage page = Shoot(name, html);
    ExpectNoFilledDarkShape(name, page);
    for (const std::string& svg : Svgs(html)) {
      charts.push_back({name + "#" + std::to_string(charts.size() + 1), svg,
                        static_cast<int>(charts.size()) * kCell});
    }
  }
  std::string first_report = Readiness(plan_->clients.front().id);
  PngImage sheet = Shoot("readiness-charts", ChartSheet(first_report, &charts),
                         static_cast<int>(charts.size()) * kCell + kPad);
  ASSERT_GT(sheet.height(), 0);
  for (const Chart& chart : charts) ExpectChartShapes(sheet, chart);
}

TEST_F(BrowserTest, DrillReportsShowTheirVerdict) {
  // A passed and a failed drill of the example (AddExampleEvidence fails every fourth
  // system's last drill).
  catalog::RunQuery query;
  query.kind = catalog::RunKind::kDrill;
  auto drills = catalog_->Drills(query);
  ASSERT_THAT(drills, IsOk());
  const catalog::DrillRecord* passed = nullptr;
  const catalog::DrillRecord* failed = nullptr;
  for (const catalog::DrillRecord& d : *drills) {
    if (d.run.outcome == catalog::Outcome::kOk && passed == nullptr) passed = &d;
    if (d.run.outcome == catalog::Outcome::kFailed && failed == nullptr) failed = &d;
  }
  ASSERT_NE(passed, nullptr);
  ASSERT_NE(failed, nullptr);
  struct Case {
    std::string name;
    const catalog::DrillRecord* drill;
    bool (*verdict_colour)(Rgb);
  };
  for (const Case& c : {Case{"drill-passed", passed, Green}, Case{"drill-failed", failed, Red}}) {
    report::DrillReportInput input{*plan_, *c.drill, std::nullopt, {}, std::nullopt};
    PngImage page = Shoot(c.name, report::DrillReportHtml(input));
    ExpectNoFilledDarkShape(c.name, page);
    Box top{0, 0, page.width(), std::min(page.height(), 900)};
    EXPECT_GT(CountPixels(page, top, c.verdict_colour), 200)
        << c.name << ": the verdict's colour is missing";
  }
}

TEST_F(BrowserTest, RunbookOfAClientRenders) {
  // One client's runbook (the whole MSP's is some 50 000 px tall; this one is under half).
  analysis::RestoreOrderOptions order_options;
  order_options.client = "pennine-precision";
  auto order = analysis::ComputeRestoreOrder(*plan_, order_options);
  ASSERT_THAT(order, IsOk());
  report::RunbookInput input;
  input.plan = plan_;
  input.order = *order;
  input.findings = analysis::Audit(*plan_, {kExampleToday});
  input.generated_on = kExampleToday;
  input.client = "pennine-precision";
  // Taken at half scale to stay quick: a dark square of 8 px is one of 16 CSS px.
  PngImage page = Shoot("runbook-pennine-precision", report::RenderRunbookHtml(input), 0, 0.5);
  ExpectNoFilledDarkShape("runbook-pennine-precision", page, 8);
  Box all{0, 0, page.width(), page.height()};
  EXPECT_GT(CountPixels(page, all, Dark), 20000) << "the runbook looks empty";
  EXPECT_GT(page.height(), 3000) << "the runbook looks short";
}

}  // namespace
}  // namespace stormproof::testing
