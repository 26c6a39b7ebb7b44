#include "continuity/report/evidence/evidence_html.h"

#include "continuity/report/evidence/evidence_format.h"
#include "continuity/report/html/html.h"

namespace stormproof::report::evidence_internal {
namespace {

// Screen: a readable column, quiet tables, colour for the verdict and for risk. Print: black
// text on white, each client section on a new page, no table row or chart split across pages.
constexpr std::string_view kStyleSheet = R"css(
:root { --ink: #1b1f24; --muted: #5b6470; --rule: #c9ced6; --head: #eef1f5; --accent: #24527a;
  --risk: #b3261e; --warn: #9a5b00; --ok: #1e6b34; --paper: #fff; }
* { box-sizing: border-box; }
html { background: #f4f5f7; }
body { margin: 0; color: var(--ink); background: var(--paper);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 32px 40px 64px; background: var(--paper); }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; }
h2 { font-size: 21px; margin: 30px 0 12px; padding-bottom: 5px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 17px; margin: 22px 0 8px; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-weight: 700;
  font-size: 13px; color: var(--accent); }
.meta, .muted { color: var(--muted); }
.risk, .stale { color: var(--risk); font-weight: 700; }
.warn { color: var(--warn); font-weight: 700; }
.ok { color: var(--ok); font-weight: 600; }
.verdict { display: inline-block; padding: 1px 10px; border-radius: 12px; font-weight: 700;
  color: #fff; white-space: nowrap; }
.v-pass { background: var(--ok); } .v-warning { background: var(--warn); }
.v-fail, .v-error { background: var(--risk); }
table { width: 100%; border-collapse: collapse; margin: 8px 0 18px; font-size: 14px; }
th, td { border: 1px solid var(--rule); padding: 6px 9px; text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 650; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { width: 11em; background: var(--head); font-weight: 600; white-space: nowrap; }
ul.items { margin: 4px 0 14px; padding-left: 22px; }
ul.items li { margin: 3px 0; }
code { font: 13px/1.45 ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  overflow-wrap: anywhere; }
figure.chart { margin: 10px 0 20px; }
figure.chart figcaption { font-size: 13px; color: var(--muted); margin-bottom: 4px; }
svg.chart { width: 100%; max-width: 720px; height: auto; display: block; }
svg.chart text { font: 11px system-ui, sans-serif; fill: var(--ink); }
svg.chart .axis { fill: none; stroke: var(--ink); stroke-width: 1; shape-rendering: crispEdges; }
svg.chart .grid { fill: none; stroke: var(--rule); stroke-width: .5; shape-rendering: crispEdges; }
svg.chart .series { fill: none; stroke: var(--accent); stroke-width: 1.5; }
svg.chart .target { fill: none; stroke: var(--risk); stroke-width: 1.2; stroke-dasharray: 6 4; }
svg.chart .bar-pass { fill: var(--ok); } svg.chart .bar-warning { fill: var(--warn); }
svg.chart .bar-fail, svg.chart .bar-error { fill: var(--risk); }
section.client { margin-top: 40px; }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; text-align: center; }
@media print {
  @page { margin: 14mm 12mm; }
  html, body, main { background: #fff; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  thead th, table.facts th { background: #fff !important; }
  .verdict { color: #000; background: #fff !important; border: 1.5px solid #000; }
  section.client { margin-top: 0; break-before: page; page-break-before: always; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure.chart, table.facts { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
}
)css";

}  // namespace

std::string HtmlHead(std::string_view title) {
  return html_internal::HtmlDocumentHead(title, kStyleSheet.substr(1));
}

std::string VerdictBadge(catalog::Outcome outcome) {
  static constexpr const char* kClass[] = {"v-pass", "v-warning", "v-fail", "v-error"};
  return std::string("<span class=\"verdict ") + kClass[static_cast<int>(outcome)] + "\">" +
         VerdictText(outcome) + "</span>";
}

}  // namespace stormproof::report::evidence_internal
