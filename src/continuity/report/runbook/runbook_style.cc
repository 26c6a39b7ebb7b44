#include "continuity/report/runbook/internal/runbook_style.h"

namespace stormproof::report {
namespace {

// Screen: a readable column, quiet tables, red for anything at risk. Print: black on white,
// each major section on a new page, no row, checklist step or step header split across pages.
constexpr std::string_view kStyleSheet = R"css(
:root { --ink: #1b1f24; --muted: #5b6470; --rule: #c9ced6; --head: #eef1f5; --accent: #24527a;
  --risk: #b3261e; --ok: #1e6b34; --paper: #fff; }
* { box-sizing: border-box; }
html { background: #f4f5f7; }
body { margin: 0; color: var(--ink); background: var(--paper);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 32px 40px 64px; background: var(--paper); }
h1 { font-size: 30px; line-height: 1.2; margin: 0 0 6px; }
h2 { font-size: 22px; margin: 0 0 14px; padding-bottom: 6px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 17px; margin: 26px 0 8px; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-weight: 700;
  font-size: 13px; color: var(--accent); }
.client { font-size: 18px; font-weight: 600; margin: 0 0 4px; }
.meta { color: var(--muted); margin: 4px 0 0; }
.overdue, .stale, .risk, .warn { color: var(--risk); font-weight: 700; }
.ok { color: var(--ok); font-weight: 600; }
.muted { color: var(--muted); }
.num { display: inline-block; min-width: 1.6em; color: var(--accent); }
.howto { margin: 22px 0; padding: 14px 22px 10px; border: 2px solid var(--ink); border-radius: 6px;
  background: #fff7e0; }
.howto h2 { border: 0; font-size: 19px; margin: 0 0 6px; padding: 0; }
.howto ol { margin: 0 0 6px; padding-left: 22px; }
.howto li { margin: 6px 0; font-size: 16px; }
.time, .howto .phone, .tree .phone { font-variant-numeric: tabular-nums; white-space: nowrap; }
.toc ol { columns: 2; padding-left: 22px; margin: 0; }
.toc h2 { font-size: 18px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
section.major { margin-top: 44px; }
table { width: 100%; border-collapse: collapse; margin: 8px 0 18px; font-size: 14px; }
th, td { border: 1px solid var(--rule); padding: 6px 9px; text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 650; }
table.step-facts { table-layout: fixed; }
table.facts th { width: 9.5em; background: var(--head); font-weight: 600; white-space: nowrap; }
.contact { display: block; }
.kind { display: inline-block; min-width: 4.2em; color: var(--muted); font-size: 11.5px;
  text-transform: uppercase; letter-spacing: .04em; }
ol.backups, ul.duties { margin: 0; padding-left: 18px; }
ol.backups li + li { margin-top: 6px; }
.skills { font-size: 13px; }
.tree ul { list-style: none; margin: 0; padding-left: 26px; border-left: 2px solid var(--rule); }
.tree > ul { padding-left: 0; border-left: 0; }
.tree li { margin: 6px 0; }
.role { display: inline-block; min-width: 15em; font-weight: 600; color: var(--accent); }
.client-block { margin-bottom: 28px; }
.label { margin: 12px 0 4px; font-size: 13px; color: var(--muted); }
table.messages td { white-space: pre-wrap; font-size: 13px; }
table.messages td:first-child { white-space: normal; width: 12em; }
pre, code { font: 13px/1.45 ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
pre { margin: 0 0 12px; padding: 10px 12px; background: #f6f8fa; border: 1px solid var(--rule);
  border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
code { overflow-wrap: anywhere; }
article.step { margin: 22px 0; padding: 4px 18px 10px; border: 1px solid var(--rule);
  border-left: 6px solid var(--accent); border-radius: 4px; }
article.step.at-risk { border-left-color: var(--risk); }
article.step h3 { margin: 12px 0 10px; font-size: 18px; }
.pos { display: inline-block; min-width: 1.8em; padding: 0 6px; margin-right: 6px; text-align: center;
  color: #fff; background: var(--accent); border-radius: 4px; }
.at-risk .pos { background: var(--risk); }
.id { color: var(--muted); font-weight: 400; font-size: 14px; }
article.attack { margin: 22px 0; padding: 4px 18px 10px; border: 1px solid var(--rule);
  border-left: 6px solid var(--risk); border-radius: 4px; }
article.attack h3 { margin: 12px 0 10px; font-size: 18px; }
ol.attack-steps { margin: 4px 0 12px; padding-left: 24px; }
ol.attack-steps li { margin: 0 0 10px; }
ol.attack-steps pre.command { margin: 6px 0 0; }
ol.checklist { list-style: none; counter-reset: item; margin: 4px 0 12px; padding: 0; }
ol.checklist li { counter-increment: item; display: flex; gap: 10px; align-items: flex-start;
  padding: 7px 2px; border-bottom: 1px dotted var(--rule); }
ol.checklist li::before { content: counter(item) "."; min-width: 1.6em; text-align: right;
  font-weight: 600; }
.box { flex: none; width: 15px; height: 15px; margin-top: 3px; border: 2px solid var(--ink);
  border-radius: 2px; background: var(--paper); }
.skill { margin-left: 6px; padding: 0 6px; font-size: 12px; color: var(--muted);
  border: 1px solid var(--rule); border-radius: 10px; white-space: nowrap; }
.sev { text-transform: uppercase; font-size: 12px; font-weight: 700; letter-spacing: .04em; }
.sev-critical, .sev-high { color: var(--risk); }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; text-align: center; }
@media print {
  @page { margin: 14mm 12mm; }
  html, body, main { background: #fff; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  * { color: #000 !important; box-shadow: none !important; }
  .howto, thead th, table.facts th, pre { background: #fff !important; }
  .pos { background: #fff !important; border: 1.5px solid #000; }
  a { text-decoration: none; }
  .toc a::after { content: none; }
  section.major { margin-top: 0; break-before: page; page-break-before: always; }
  h2, h3, .label { break-after: avoid; page-break-after: avoid; }
  tr, ol.checklist li, ol.attack-steps li, pre, .tree li, table.facts, .howto { break-inside: avoid;
    page-break-inside: avoid; }
  thead { display: table-header-group; }
  article.step, article.attack { border-left-width: 3px; }
  .box { border: 1.5px solid #000; }
}
)css";

}  // namespace

std::string_view RunbookStyleSheet() { return kStyleSheet.substr(1); }

}  // namespace stormproof::report
