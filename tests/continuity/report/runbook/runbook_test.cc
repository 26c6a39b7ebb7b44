#include "continuity/report/runbook/runbook.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/analysis/restore_order.h"
#include "continuity/plan/loader.h"
#include "continuity/report/html/escape.h"
#include "tests/matchers.h"

namespace stormproof::report {
namespace {

const Date kToday = *Date::Parse("2026-11-26");

// A small MSP: four people (Owen's contacts are stale), a call tree three levels deep, two
// clients, an MSP system the dental client depends on, and a template with backticks.
constexpr const char* kPlan = R"(version: 1
msp:
  id: acme
  name: Acme IT
  security:
    - control: edr
      product: SentinelOne
      coverage: 100
      last_evidence: 2026-11-01
review:
  owner: tom
  every: quarterly
  last: 2026-06-01
policy:
  contacts_max_age: 90d
people:
  - id: sarah
    name: Sarah Okafor
    title: Managing Director
    contacts:
      email: sarah@acme.example
      mobile: "+44 7700 900101"
    contacts_verified: 2026-10-14
    deputy: tom
  - id: tom
    name: Tom Hughes
    title: Operations Director
    contacts:
      email: tom@acme.example
      mobile: "+44 7700 900102"
    contacts_verified: 2026-10-14
    deputy: sarah
  - id: priya
    name: Priya Shah
    title: Head of Technical Services
    contacts:
      mobile: "+44 7700 900103"
      pager: "opsgenie:priya"
    contacts_verified: 2026-10-14
    deputy: owen
    skills: [sqlserver]
  - id: owen
    name: Owen Davies
    title: Field Engineer
    contacts:
      mobile: "+44 7700 900110"
    contacts_verified: 2026-06-12
    deputy: priya
roles:
  - id: executive-lead
    name: Executive lead
    holder: sarah
    duties: [Authorise emergency spend]
  - id: incident-commander
    name: Incident commander
    holder: tom
    backups: [priya, sarah]
    reports_to: executive-lead
    duties: [Run the bridge call]
  - id: technical-lead
    name: Technical recovery lead
    holder: priya
    reports_to: incident-commander
  - id: comms-lead
    name: Client communications lead
    holder: owen
    reports_to: incident-commander
tiers:
  - {id: tier-1, name: Critical, rank: 1, rto: 2h, rpo: 15m, update_every: 1h}
  - {id: tier-2, name: Important, rank: 2, rto: 8h, rpo: 4h, update_every: 2h}
clients:
  - id: dental
    name: Brightsmile Dental
    contacts:
      - name: Karen Doyle
        role: Practice manager
        contacts: {phone: "+44 20 7946 0500"}
    comms:
      liaison: owen
      channel: phone
      update_every: {tier-2: 4h}
      templates:
        initial: |
          Hello Karen, {system} is down.
          Run ```restart``` if asked.
    security:
      - {control: mfa, product: Entra ID, coverage: 92, last_evidence: 2026-01-10}
  - id: law
    name: Ledger and Lane
    comms:
      liaison: tom
      channel: email
vendors:
  - id: fibre
    name: Riverside Fibre
    kind: isp
    contacts: {phone: "+44 20 7946 0801"}
    support: account RF-20931
    alternatives: [broadband]
  - id: broadband
    name: Metro Broadband
    kind: isp
    support: account MB-558120
sites:
  - {id: dental-surgery, name: Dental surgery, client: dental, address: 14 Eden Street, isps: [fibre]}
  - {id: law-office, name: Law office, client: law, address: 2 Fleet Street, isps: [broadband]}
repositories:
  - {id: nas, location: /volume1/stormproof, medium: disk}
  - {id: cloud, location: "b2:acme-bucket", medium: object, immutable: true}
systems:
  - id: msp-rmm
    name: RMM
    owner: priya
    tier: tier-1
    backup: {paths: [/srv/rmm], repositories: [cloud]}
  - id: dental-db
    name: Dental database
    client: dental
    owner: priya
    tier: tier-1
    depends_on: [msp-rmm]
    backup: {paths: [D:/SQL], repositories: [nas, cloud]}
    restore:
      estimate: 40m
      checklist:
        - Build the SQL VM
        - step: Restore the newest full backup
          skill: sqlserver
        - Run DBCC CHECKDB
      verify: test -s "$STORMPROOF_RESTORE_PATH/D/SQL/full.bak"
  - id: law-dms
    name: Law document store
    client: law
    owner: tom
    tier: tier-2
    backup: {paths: [/srv/dms], repositories: [cloud]}
    restore:
      checklist: [Restore the DMS share]
)";

plan::Plan Load(const std::string& text) {
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", text);
  for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
    if (d.severity == plan::Severity::kError) {
      ADD_FAILURE() << plan::FormatDiagnostic(loaded.plan.files, d);
    }
  }
  return std::move(loaded.plan);
}

analysis::RestoreStep Step(const plan::Plan& plan, const std::string& id, int position,
                           Duration starts, Duration back, bool within_rto = true) {
  analysis::RestoreStep step;
  step.system = plan.SystemIndex(id);
  step.position = position;
  step.starts = starts;
  step.back = back;
  step.restore_time = back - starts;
  step.estimated = true;
  step.within_rto = within_rto;
  return step;
}

// The whole-plan order: the RMM first, the dental database after it, the law DMS last and late.
std::vector<analysis::RestoreStep> Order(const plan::Plan& plan) {
  return {Step(plan, "msp-rmm", 1, Duration(), Duration::Hours(1)),
          Step(plan, "dental-db", 2, Duration::Hours(1), Duration::Minutes(100)),
          Step(plan, "law-dms", 3, Duration::Hours(1), Duration::Hours(9), false)};
}

RunbookInput Input(const plan::Plan& plan) {
  RunbookInput input;
  input.plan = &plan;
  input.order = Order(plan);
  input.generated_on = kToday;
  return input;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The text between the first `from` and the next `to` after it.
std::string Between(const std::string& text, const std::string& from, const std::string& to) {
  size_t start = text.find(from);
  if (start == std::string::npos) return "";
  size_t end = text.find(to, start + from.size());
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The line of `text` that contains `needle`.
std::string LineWith(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  size_t begin = text.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return text.substr(begin, text.find('\n', at) - begin);
}

// Expects the needles to appear in this order.
void ExpectInOrder(const std::string& text, const std::vector<std::string>& needles) {
  size_t at = 0;
  for (const std::string& needle : needles) {
    size_t found = text.find(needle, at);
    ASSERT_NE(found, std::string::npos) << "'" << needle << "' missing or out of order";
    at = found + needle.size();
  }
}

// Self-contained: no tag loads or links anything outside the file, no scripts, a stylesheet
// without imports or url(). Plan text may still mention a URL; it is text, not a link.
void ExpectSelfContained(const std::string& html) {
  static const std::regex kAttribute(
      R"re(<[a-zA-Z][^<>]*\s(src|srcset|href|action|data)\s*=\s*["']?([^"'\s>]*))re");
  for (std::sregex_iterator it(html.begin(), html.end(), kAttribute), end; it != end; ++it) {
    EXPECT_TRUE((*it)[1] == "href" && (*it)[2].str().rfind('#', 0) == 0) << it->str();
  }
  for (const char* bad : {"<script", "<img", "<link", "<iframe", "<object", "<embed"}) {
    EXPECT_EQ(Count(html, bad), 0u) << bad;
  }
  std::string style = Between(html, "<style>", "</style>");
  EXPECT_FALSE(style.empty());
  for (const char* bad : {"url(", "@import", "http"}) EXPECT_EQ(Count(style, bad), 0u) << bad;
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  for (const char* tag : {"table", "section", "ul", "ol", "li", "tr", "pre", "article"}) {
    std::string open = "<" + std::string(tag);
    EXPECT_EQ(Count(html, open + ">") + Count(html, open + " "),
              Count(html, "</" + std::string(tag) + ">"))
        << tag;
  }
}

TEST(RunbookTest, HowToBoxNamesTheIncidentCommanderAndPhone) {
  plan::Plan plan = Load(kPlan);
  std::string md = RenderRunbookMarkdown(Input(plan));
  std::string html = RenderRunbookHtml(Input(plan));
  std::string md_box = Between(md, "How to use this runbook", "## Contents");
  std::string html_box = Between(html, "How to use this runbook", "</aside>");
  for (const std::string& box : {md_box, html_box}) {
    ExpectInOrder(box, {"Incident commander", "Tom Hughes", "+44 7700 900102", "Priya Shah",
                        "+44 7700 900103", "call tree", "order given"});
  }
}

TEST(RunbookTest, TitleFlagsAnOverduePlanReview) {
  plan::Plan plan = Load(kPlan);
  std::string md = RenderRunbookMarkdown(Input(plan));
  EXPECT_THAT(md, HasSubstr("last reviewed 2026-06-01, next review due 2026-09-01 — **OVERDUE**"));
  plan.review.last = *Date::Parse("2026-10-14");
  md = RenderRunbookMarkdown(Input(plan));
  EXPECT_THAT(md, HasSubstr("next review due 2027-01-14."));
  EXPECT_THAT(md, Not(HasSubstr("OVERDUE")));
}

TEST(RunbookTest, EmergencyContactsListBackupsInOrderWithEveryContact) {
  plan::Plan plan = Load(kPlan);
  std::string md = RenderRunbookMarkdown(Input(plan));
  std::string row = LineWith(md, "| **Incident commander** |");
  ExpectInOrder(row, {"**Tom Hughes** (Operations Director)", "email: tom@acme.example",
                      "mobile: +44 7700 900102", "1. **Priya Shah**", "pager: opsgenie:priya",
                      "2. **Sarah Okafor**", "Run the bridge call"});
}

TEST(RunbookTest, CallTreeNestsRolesUnderWhomTheyReportTo) {
  plan::Plan plan = Load(kPlan);
  std::string md = RenderRunbookMarkdown(Input(plan));
  EXPECT_THAT(md, HasSubstr("- Executive lead: **Sarah Okafor**, +44 7700 900101\n"
                            "  - Incident commander: **Tom Hughes**, +44 7700 900102\n"
                            "    - Technical recovery lead: **Priya Shah**, +44 7700 900103\n"
                            "    - Client communications lead: **Owen Davies**, +44 7700 900110\n"))
      << md;
  // The technical lead calls the owners of the systems being restored.
  ExpectInOrder(md, {"**System owners**, called by Priya Shah",
                     "- **Priya Shah**, +44 7700 900103: RMM; Dental database",
                     "- **Tom Hughes**, +44 7700 900102: Law document store"});
}

TEST(RunbookTest, HtmlCallTreeNestsListsByDepth) {
  plan::Plan plan = Load(kPlan);
  std::string html = RenderRunbookHtml(Input(plan));
  std::string tree = Between(html, "<div class=\"tree\">", "</div>");
  size_t lead = tree.find("Technical recovery lead");
  ASSERT_NE(lead, std::string::npos);
  std::string before = tree.substr(0, lead);
  EXPECT_EQ(Count(before, "<ul>") - Count(before, "</ul>"), 3u);
  EXPECT_EQ(Count(tree, "<ul>"), Count(tree, "</ul>"));
}

TEST(RunbookTest, CallTreeWithAReportsToCycleStillListsEveryRoleOnce) {
  plan::Plan plan = Load(kPlan);
  plan.roles[0].reports_to = plan::Ref{"comms-lead", {}};  // executive -> comms -> ... -> exec
  std::string md = RenderRunbookMarkdown(Input(plan));
  std::string tree = Between(md, "## Call tree", "**System owners**");
  for (const char* role : {"Executive lead:", "Incident commander:", "Technical recovery lead:",
                           "Client communications lead:"}) {
    EXPECT_EQ(Count(tree, role), 1u) << role << "\n" << tree;
  }
}

TEST(RunbookTest, RestoreOrderKeepsPositionsAndChecklistOrder) {
  plan::Plan plan = Load(kPlan);
  std::string md = RenderRunbookMarkdown(Input(plan));
  ExpectInOrder(
      md,
      {"| 1 | RMM | Acme IT | Critical (tier-1) | T+01:00 | 2h |",
       "| 2 | Dental database | Brightsmile Dental | Critical (tier-1) | T+01:40 | 2h |",
       "### 1. RMM (msp-rmm)", "### 2. Dental database (dental-db)", "**back by T+01:40**",
       "**Owner:** **Priya Shah**", "**Deputy:** **Owen Davies**", "**Depends on:** RMM (msp-rmm)",
       "**Backups in** nas: /volume1/stormproof (disk)",
       "cloud: b2:acme-bucket (object, immutable)", "1. [ ] Build the SQL VM\n",
       "2. [ ] Restore the newest full backup *(skill: sqlserver)*\n", "3. [ ] Run DBCC CHECKDB\n",
       "```sh\ntest -s \"$STORMPROOF_RESTORE_PATH/D/SQL/full.bak\"\n```",
       "### 3. Law document store (law-dms)"});
}

// In an incident (`plan render --clean-points`): what to restore each system from, escaped,
// with when it was read; nothing without it.
TEST(RunbookTest, RestoreFromShowsTheCleanPointWhenGiven) {
  plan::Plan plan = Load(kPlan);
  RunbookInput input = Input(plan);
  EXPECT_THAT(RenderRunbookMarkdown(input), Not(HasSubstr("Restore from")));
  input.restore_from["dental-db"] =
      "snapshot 1a2b3c4d (2026-12-05 10:00:00 UTC) in nas, the newest clean point; infected "
      "snapshot 9a8b7c6d (2026-12-06 10:00:00 UTC) after it <b>";
  input.restore_from_as_of = "2026-12-07 03:00:00 UTC";
  std::string md = RenderRunbookMarkdown(input);
  ExpectInOrder(md, {"### 2. Dental database (dental-db)",
                     "- **Restore from:** snapshot 1a2b3c4d (2026-12-05 10:00:00 UTC) in nas",
                     "(as of 2026-12-07 03:00:00 UTC)", "### 3. Law document store (law-dms)"});
  EXPECT_EQ(Count(md, "Restore from"), 1u);
  EXPECT_THAT(md, Not(HasSubstr("<b>")));
  std::string html = RenderRunbookHtml(input);
  EXPECT_THAT(html, HasSubstr("<th>Restore from</th><td colspan=\"3\">snapshot 1a2b3c4d"));
  EXPECT_THAT(html, HasSubstr("after it &lt;b&gt; (as of 2026-12-07 03:00:00 UTC)"));
}

TEST(RunbookTest, HtmlChecklistHasOneBoxPerStepInOrder) {
  plan::Plan plan = Load(kPlan);
  std::string html = RenderRunbookHtml(Input(plan));
  std::string step = Between(html, "<span class=\"pos\">2</span>", "</article>");
  EXPECT_EQ(Count(step, "<span class=\"box\""), 3u);
  ExpectInOrder(step, {"Dental database", "T+01:40", "within RTO", "Build the SQL VM",
                       "Restore the newest full backup", "skill: sqlserver", "Run DBCC CHECKDB",
                       "<pre class=\"verify\"><code>test -s &quot;$STORMPROOF_RESTORE_PATH"});
  ExpectInOrder(html, {"<span class=\"pos\">1</span>", "<span class=\"pos\">2</span>",
                       "<span class=\"pos\">3</span>"});
}

TEST(RunbookTest, MarksStepsThatMissTheirRto) {
  plan::Plan plan = Load(kPlan);
  std::string md = RenderRunbookMarkdown(Input(plan));
  std::string html = RenderRunbookHtml(Input(plan));
  EXPECT_EQ(Count(md, "**RTO at risk**"), 2u);  // in the overview and in the step
  EXPECT_THAT(
      md, HasSubstr("| 3 | Law document store | Ledger and Lane | Important (tier-2) | T+09:00 | "
                    "8h **RTO at risk** |"));
  EXPECT_THAT(Between(md, "### 3. Law document store", "[ ]"), HasSubstr("RTO at risk"));
  EXPECT_EQ(Count(html, "RTO at risk"), 2u);
  EXPECT_EQ(Count(html, "<article class=\"step at-risk\""), 1u);
  EXPECT_THAT(html, HasSubstr("<article class=\"step at-risk\" id=\"step-3\">"));
}

TEST(RunbookTest, FlagsStaleContactsOnly) {
  plan::Plan plan = Load(kPlan);
  std::string md = RenderRunbookMarkdown(Input(plan));
  EXPECT_THAT(LineWith(md, "| **Owen Davies** |"), HasSubstr("2026-06-12 **STALE**"));
  EXPECT_THAT(LineWith(md, "| **Tom Hughes** |"), Not(HasSubstr("STALE")));
  std::string html = RenderRunbookHtml(Input(plan));
  std::string people = Between(html, "id=\"people-directory\"", "</section>");
  EXPECT_EQ(Count(people, "STALE"), 1u);
  EXPECT_THAT(Between(people, "<strong>Owen Davies</strong>", "</tr>"), HasSubstr("STALE"));
}

TEST(RunbookTest, ClientCommsShowLiaisonCadenceAndMessagesFilledInPerSystem) {
  plan::Plan plan = Load(kPlan);
  const std::string filled = "Hello Karen, Dental database is down.\nRun ```restart``` if asked.\n";
  std::string md = RenderRunbookMarkdown(Input(plan));
  ExpectInOrder(
      md, {"### Brightsmile Dental", "**MSP liaison:** **Owen Davies**",
           "**If unreachable:** **Priya Shah**", "**Channel:** phone",
           "| **Karen Doyle** | Practice manager | phone: +44 20 7946 0500 |",
           "| Critical (tier-1) | 1h |", "| Important (tier-2) | 4h (agreed with this client) |",
           "#### Messages about Dental database (dental-db) · back T+01:40",
           "Message **initial**:", "````text\n" + filled + "````\n"});
  EXPECT_THAT(md, Not(HasSubstr("{system}"))) << md;
  std::string html = RenderRunbookHtml(Input(plan));
  std::string comms = Between(html, "id=\"client-communications\"", "</section>");
  ExpectInOrder(comms, {"<table class=\"messages\">", "<th>initial</th>",
                        "<strong>Dental database</strong>", "(dental-db) · back T+01:40",
                        "<td>" + HtmlEscape(filled.substr(0, filled.size() - 1)) + "</td>"});
  EXPECT_THAT(html, Not(HasSubstr("{system}")));
}

// Every placeholder the runbook knows is filled in from the plan and the restore order; one it
// does not know stays as written and is flagged.
TEST(RunbookTest, MessageTemplatesFillClientLiaisonSystemEtaAndNextUpdate) {
  plan::Plan plan = Load(kPlan);
  plan.clients[0].comms.templates["initial"] =
      "{liaison}: {system} at {client} is down. Estimate: {eta}. Next call by {next_update}. "
      "{ticket}";
  const std::string filled =
      "Owen Davies: Dental database at Brightsmile Dental is down. Estimate: 1 hour 40 minutes "
      "after the incident started. Next call by 1 hour from now. {ticket}";
  std::string md = RenderRunbookMarkdown(Input(plan));
  ExpectInOrder(md, {"```text\n" + filled + "\n```\n", "**Fill in by hand:** {ticket}"});
  for (const char* placeholder : {"{liaison}", "{system}", "{client}", "{eta}", "{next_update}"}) {
    EXPECT_THAT(md, Not(HasSubstr(placeholder))) << placeholder;
  }
  std::string html = RenderRunbookHtml(Input(plan));
  EXPECT_THAT(html,
              HasSubstr(HtmlEscape(filled) + "\n<span class=\"warn\">Fill in by hand: {ticket}"))
      << Between(html, "<table class=\"messages\">", "</table>");
}

TEST(RunbookTest, ClientFilterKeepsTheClientAndWhatItNeedsOnly) {
  plan::Plan plan = Load(kPlan);
  RunbookInput input = Input(plan);
  input.client = "dental";
  for (const std::string& out : {RenderRunbookMarkdown(input), RenderRunbookHtml(input)}) {
    EXPECT_THAT(out, HasSubstr("Dental database"));
    EXPECT_THAT(out, HasSubstr("RMM"));  // the client's database depends on it
    EXPECT_THAT(out, HasSubstr("Dental surgery"));
    EXPECT_THAT(out, HasSubstr("Tom Hughes"));       // MSP people stay
    EXPECT_THAT(out, HasSubstr("Metro Broadband"));  // and vendors
    EXPECT_THAT(out, Not(HasSubstr("Law document store")));
    EXPECT_THAT(out, Not(HasSubstr("Ledger and Lane")));
    EXPECT_THAT(out, Not(HasSubstr("Law office")));
  }
}

TEST(RunbookTest, UnknownClientFilterShowsAWarningAndNoClients) {
  plan::Plan plan = Load(kPlan);
  RunbookInput input = Input(plan);
  input.client = "nobody";
  std::string md = RenderRunbookMarkdown(input);
  EXPECT_THAT(md, HasSubstr("**Warning:** client 'nobody' is not in the plan"));
  EXPECT_THAT(md, Not(HasSubstr("Brightsmile Dental")));
  EXPECT_THAT(md, Not(HasSubstr("### 1. RMM")));
}

TEST(RunbookTest, VendorsSitesAndSecurityControls) {
  plan::Plan plan = Load(kPlan);
  std::string md = RenderRunbookMarkdown(Input(plan));
  EXPECT_THAT(
      md, HasSubstr("| **Riverside Fibre** | isp | phone: +44 20 7946 0801 | account RF-20931 | "
                    "Metro Broadband |"));
  EXPECT_THAT(
      md,
      HasSubstr("| **Dental surgery** | Brightsmile Dental | 14 Eden Street | Riverside Fibre |"));
  EXPECT_THAT(md, HasSubstr("| Acme IT | edr | SentinelOne | 100% | 2026-11-01 |"));
  EXPECT_THAT(md,
              HasSubstr("| Brightsmile Dental | mfa | Entra ID | 92% | 2026-01-10 **STALE** |"));
}

analysis::Finding MakeFinding(analysis::Severity severity, std::string title,
                              std::vector<std::string> clients) {
  analysis::Finding finding;
  finding.severity = severity;
  finding.title = std::move(title);
  finding.recommendation = "Fix it";
  finding.clients = std::move(clients);
  return finding;
}

TEST(RunbookTest, KnownWeaknessesFollowTheClientFilter) {
  plan::Plan plan = Load(kPlan);
  RunbookInput input = Input(plan);
  EXPECT_THAT(RenderRunbookMarkdown(input), Not(HasSubstr("## Known weaknesses")));
  input.findings = {
      MakeFinding(analysis::Severity::kCritical, "Single ISP at the surgery", {"dental"}),
      MakeFinding(analysis::Severity::kHigh, "Law DMS has one copy", {"law"}),
      MakeFinding(analysis::Severity::kHigh, "The RMM server runs at one site only", {})};
  ExpectInOrder(RenderRunbookMarkdown(input),
                {"## Known weaknesses", "| **critical** | Single ISP at the surgery | Fix it |",
                 "| **high** | Law DMS has one copy | Fix it |",
                 "| **high** | The RMM server runs at one site only | Fix it |"});
  input.client = "dental";
  std::string md = RenderRunbookMarkdown(input);
  EXPECT_THAT(md, HasSubstr("Single ISP at the surgery"));
  EXPECT_THAT(md, Not(HasSubstr("Law DMS has one copy")));
  // The MSP's internals never appear as the audit words them in a client's view.
  EXPECT_THAT(md, Not(HasSubstr("The RMM server runs at one site only")));
}

TEST(RunbookTest, HtmlIsOneSelfContainedWellFormedFile) {
  plan::Plan plan = Load(kPlan);
  std::string html = RenderRunbookHtml(Input(plan));
  ExpectSelfContained(html);
  EXPECT_THAT(html, Not(HasSubstr("http://")));  // this plan mentions no URL at all
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, HasSubstr("@media print"));
  EXPECT_THAT(html, HasSubstr("break-before: page"));
  EXPECT_EQ(Count(html, "<section class=\"major\""), 7u);  // no findings: no weaknesses section
  for (const char* anchor : {"emergency-contacts", "call-tree", "restore-order"}) {
    EXPECT_THAT(html, HasSubstr("<a href=\"#" + std::string(anchor) + "\">"));
    EXPECT_THAT(html, HasSubstr("id=\"" + std::string(anchor) + "\""));
  }
}

TEST(RunbookTest, HostilePlanTextIsEscapedEverywhereInHtml) {
  const std::string hostile = "<img src=x onerror=alert(1)>";
  plan::Plan plan = Load(kPlan);
  plan.people[1].name = hostile;  // the incident commander
  plan.clients[0].name = "Dr \"Bob\" & 'Co' </pre>";
  plan.clients[0].comms.templates["initial"] = "</pre><script>alert(1)</script>";
  plan.systems[1].checklist[0].text = "<style>body{display:none}</style>";
  plan.msp.name = "</title><script>x</script>";
  std::string html = RenderRunbookHtml(Input(plan));
  ExpectSelfContained(html);
  EXPECT_EQ(Count(html, "<style"), 1u);
  EXPECT_EQ(Count(html, "</pre>"), Count(html, "<pre"));
  EXPECT_GE(Count(html, HtmlEscape(hostile)), 3u);  // how-to box, roles, people, call tree
  EXPECT_THAT(html, HasSubstr("Dr &quot;Bob&quot; &amp; &#39;Co&#39; &lt;/pre&gt;"));
}

// A system nobody can restore never starts: the runbook says why (escaped: the reason quotes
// plan text) instead of "starts T+0s".
TEST(RunbookTest, ASystemNobodyCanRestoreSaysWhyAndNeverStarts) {
  plan::Plan plan = Load(kPlan);
  RunbookInput input = Input(plan);
  input.order[2].restorer = analysis::Restorer::kNobody;
  input.order[2].not_restorable = "nobody can restore it: needs <b>tapes</b>";
  std::string md = RenderRunbookMarkdown(input);
  std::string html = RenderRunbookHtml(input);
  std::string step = Between(md, "### 3. Law document store", "[ ]");
  EXPECT_THAT(step, HasSubstr("**back by never: nobody can restore it: needs")) << step;
  EXPECT_THAT(step, HasSubstr("**cannot be restored**")) << step;
  EXPECT_THAT(step, Not(HasSubstr("starts "))) << step;
  EXPECT_THAT(html, HasSubstr("never: nobody can restore it: needs &lt;b&gt;tapes&lt;/b&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<b>tapes</b>")));
  EXPECT_THAT(Between(html, "id=\"step-3\"", "</article>"), HasSubstr("cannot be restored"));
}

TEST(RunbookTest, MarkdownTableRowSurvivesPipesAndNewlinesInNames) {
  plan::Plan plan = Load(kPlan);
  plan.people[3].name = "Owen | Davies";
  plan.people[3].title = "Field\nEngineer";
  std::string md = RenderRunbookMarkdown(Input(plan));
  std::string row = LineWith(md, "| **Owen \\| Davies** |");
  ASSERT_FALSE(row.empty()) << md;
  size_t cells = 0;
  for (size_t i = 0; i < row.size(); ++i) cells += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
  EXPECT_EQ(cells, 7u) << row;  // six columns
  EXPECT_THAT(row, HasSubstr("| Field Engineer |"));
}

TEST(RunbookTest, NullPlanRendersAnEmptyRunbook) {
  RunbookInput input;
  input.generated_on = kToday;
  EXPECT_THAT(RenderRunbookMarkdown(input), HasSubstr("Incident runbook"));
  ExpectSelfContained(RenderRunbookHtml(input));
}

struct EscapeCase {
  const char* in;
  const char* html;
  const char* markdown;
};

TEST(EscapeTest, EscapesEveryMarkupCharacter) {
  const EscapeCase cases[] = {
      {"plain text é", "plain text é", "plain text é"},
      {"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;",
       "\\<img src=x onerror=alert(1)\\>"},
      {"Tom & \"Jerry\" 'x'", "Tom &amp; &quot;Jerry&quot; &#39;x&#39;", "Tom & \"Jerry\" 'x'"},
      {"a | b\nc\r\nd", "a | b\nc\r\nd", "a \\| b c d"},
      {"*bold* _it_ `code` [link](x) \\", "*bold* _it_ `code` [link](x) \\",
       "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x) \\\\"},
      {"# heading", "# heading", "\\# heading"},
      {"- item", "- item", "\\- item"},
      {"12. item", "12. item", "12\\. item"},
      {"+ item", "+ item", "\\+ item"},
      {"---", "---", "\\---"},
      {"\n  - x", "\n  - x", "\\- x"},
      {"+44 7700 900101", "+44 7700 900101", "+44 7700 900101"},
      {"12.5% -x 2026 plan", "12.5% -x 2026 plan", "12.5% -x 2026 plan"},
  };
  for (const EscapeCase& c : cases) {
    EXPECT_EQ(HtmlEscape(c.in), c.html) << c.in;
    EXPECT_EQ(MarkdownEscape(c.in), c.markdown) << c.in;
  }
}

TEST(EscapeTest, FenceIsLongerThanAnyBacktickRun) {
  EXPECT_EQ(MarkdownFence("no backticks"), "```");
  EXPECT_EQ(MarkdownFence("`one` and ``two``"), "```");
  EXPECT_EQ(MarkdownFence("```\nclosed?\n```"), "````");
  EXPECT_EQ(MarkdownFence("``````"), "```````");
}

// kPlan with object-locked copies: "vault", the off-site copy of the NAS (copy_from) under
// Object Lock with its own credentials, maintenance credentials and password; "law-vault", a
// bucket the law firm's DMS backs up to, claimed immutable, with a password file whose name
// needs quoting.
std::string PlanWithLockedCopies() {
  std::string text = kPlan;
  auto replace = [&text](const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  };
  replace("  - {id: cloud, location: \"b2:acme-bucket\", medium: object, immutable: true}\n",
          "  - {id: cloud, location: \"b2:acme-bucket\", medium: object, immutable: true}\n"
          "  - id: vault\n"
          "    location: \"s3:https://s3.eu-central-003.example.com/acme-vault/dental\"\n"
          "    medium: object\n"
          "    copy_from: nas\n"
          "    object_lock: {mode: compliance, days: 30}\n"
          "    credentials_file: /etc/stormproof/vault.credentials\n"
          "    maintenance_credentials_file: /etc/stormproof/vault-owner.credentials\n"
          "    password_file: /etc/stormproof/vault.pass\n"
          "    region: eu-central-003\n"
          "  - id: law-vault\n"
          "    location: \"s3:https://s3.example.com/law-vault\"\n"
          "    medium: object\n"
          "    immutable: true\n"
          "    password_file: \"/etc/stormproof/law vault's.pass\"\n");
  replace("backup: {paths: [/srv/dms], repositories: [cloud]}",
          "backup: {paths: [/srv/dms], repositories: [cloud, law-vault]}");
  return text;
}

// Each object-locked copy gets the way back after an attack, with its real location,
// credentials and password files in every command; each system it holds points to it.
TEST(RunbookTest, AfterAnAttackStepsUseTheLockedCopysRealCommands) {
  plan::Plan plan = Load(PlanWithLockedCopies());
  std::string md = RenderRunbookMarkdown(Input(plan));
  EXPECT_THAT(md, HasSubstr("[After an attack](#after-an-attack)"));
  EXPECT_THAT(md, HasSubstr("- **Backups in** vault: "
                            "s3:https://s3.eu-central-003.example.com/acme-vault/dental (object, "
                            "copy of nas)\n"));
  EXPECT_THAT(md, HasSubstr("- **After an attack:** recover from the object-locked copy vault "
                            "([steps](#after-an-attack))\n"));
  std::string vault = Between(md, "### After an attack on vault", "### After an attack on law");
  ASSERT_FALSE(vault.empty()) << md;
  EXPECT_THAT(vault, HasSubstr("- **Lock:** Object Lock, compliance mode, 30 days\n"));
  EXPECT_THAT(vault, HasSubstr("- **Copy of:** nas\n"));
  EXPECT_THAT(vault, HasSubstr("- **Backups of:** Dental database (dental-db)\n"));
  // Exported keys, profiles, roles, ~/.aws/config and instance metadata would win over a
  // credentials file: the commands run with nothing of the shell but PATH and HOME.
  const std::string clean =
      "env -i PATH=\"$PATH\" HOME=\"$HOME\" XDG_CACHE_HOME=\"${XDG_CACHE_HOME:-$HOME/.cache}\" "
      "XDG_STATE_HOME=\"${XDG_STATE_HOME:-$HOME/.local/state}\" AWS_CONFIG_FILE=/dev/null "
      "AWS_EC2_METADATA_DISABLED=true AWS_SHARED_CREDENTIALS_FILE=";
  const std::string owner = clean +
                            "/etc/stormproof/vault-owner.credentials "
                            "AWS_DEFAULT_REGION=eu-central-003 ";
  const std::string backup =
      clean + "/etc/stormproof/vault.credentials AWS_DEFAULT_REGION=eu-central-003 ";
  const std::string repo =
      "stormproof --repo s3:https://s3.eu-central-003.example.com/acme-vault/dental "
      "--password-file /etc/stormproof/vault.pass";
  ExpectInOrder(
      vault,
      {"**1. Stop the backups.**", "**2. Rotate the credentials.**",
       "/etc/stormproof/vault-owner.credentials", "**3. Find TIME",
       "\n" + owner +
           "aws --endpoint-url https://s3.eu-central-003.example.com "
           "s3api list-object-versions --bucket acme-vault --prefix dental/ --query",
       "**4. Dry run.**", "\n" + owner + repo + " repair --as-of TIME --dry-run\n",
       "**5. Roll back.**", "\n" + owner + repo + " repair --as-of TIME\n", "**6. Check every byte",
       "\n" + owner + repo + " check --read-data\n",
       "\n" + backup + repo + " check --immutability\n",
       "**7. Restore from vault.**", "\nstormproof drill --system dental-db --repository vault\n",
       "\n" + backup + repo + " restore latest --tag system=dental-db --target DIR\n",
       "**8. Resume the backups.**"});
  std::string law = Between(md, "### After an attack on law-vault", "## Vendors");
  EXPECT_THAT(vault, HasSubstr("starts with `env -i ...`: it runs with nothing of this shell but "
                               "PATH, HOME and stormproof's cache and state folders"));
  // repair's hides are kept only where its record is: the maintenance machine's run user.
  EXPECT_THAT(vault, HasSubstr("**5. Roll back.** Run it, and the dry run, on the maintenance "
                               "machine as the user that runs `stormproof run` there (its HOME)"));
  for (const char* leak : {"env -u", "--region", "STORMPROOF_PASSWORD_FILE"}) {
    EXPECT_THAT(vault, Not(HasSubstr(leak))) << leak;
  }
  EXPECT_THAT(law, HasSubstr("claimed immutable"));
  EXPECT_THAT(law, Not(HasSubstr("env -i")));  // no credentials files: the shell's keys
  EXPECT_THAT(law, HasSubstr("\nstormproof --repo s3:https://s3.example.com/law-vault "
                             "--password-file '/etc/stormproof/law vault'\\''s.pass' repair "
                             "--as-of TIME --dry-run\n"))
      << law;
  EXPECT_THAT(law, HasSubstr("Law document store (law-dms)"));
  // No maintenance credentials in the plan: the owner's keys, exported (upload-only ones fail).
  EXPECT_THAT(law, HasSubstr("for law-vault: export the bucket owner"));  // (markdown-escaped)
  EXPECT_THAT(vault, Not(HasSubstr("export the bucket owner")));
  // The machine with the maintenance credentials must not forget by the attacker's snapshots,
  // nor prune away what the roll-back needs; prune no longer trusts the index (pruner.h).
  EXPECT_THAT(vault, HasSubstr("Run no forget or prune of vault by hand"));
  EXPECT_THAT(vault, HasSubstr("snapshots dated in the future push every genuine one out of "
                               "keep\\_last"));
  EXPECT_THAT(vault, HasSubstr("prune deletes for good once its retention ends, out of the "
                               "roll-back's reach"));
  EXPECT_THAT(vault, Not(HasSubstr("trusts the index")));
  // With no credentials_file, the re-proof must not inherit the owner's exported keys.
  EXPECT_THAT(law, HasSubstr("prove it from a new shell"));
  EXPECT_THAT(vault, Not(HasSubstr("prove it from a new shell")));
  EXPECT_THAT(md, Not(HasSubstr("also holds other clients")));  // the MSP's runbook

  std::string html = RenderRunbookHtml(Input(plan));
  ExpectSelfContained(html);
  EXPECT_THAT(html, HasSubstr("<article class=\"attack\" id=\"attack-vault\">"));
  EXPECT_THAT(html, HasSubstr("recover from the object-locked copy <a href=\"#attack-vault\">"
                              "vault</a>"));
  EXPECT_THAT(html, HasSubstr("<pre class=\"command\"><code>" +
                              HtmlEscape(owner + repo + " repair --as-of TIME --dry-run") +
                              "</code></pre>"));
  EXPECT_EQ(Count(html, "<ol class=\"attack-steps\">"), 2u);
}

// Only a stormproof repository on S3 can be rolled back by stormproof: a restic repository in
// an object-locked bucket gets no way back with stormproof's commands, nor is it pointed to.
TEST(RunbookTest, AfterAnAttackIsOnlyForStormproofRepositories) {
  std::string text = PlanWithLockedCopies();
  const std::string from = "    immutable: true\n    password_file: \"/etc/stormproof/law vault";
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "    kind: restic\n");
  plan::Plan plan = Load(text);
  std::string md = RenderRunbookMarkdown(Input(plan));
  EXPECT_THAT(md, HasSubstr("### After an attack on vault"));
  EXPECT_THAT(md, Not(HasSubstr("After an attack on law-vault")));
  EXPECT_THAT(md, Not(HasSubstr("recover from the object-locked copy law-vault")));
  EXPECT_THAT(md, Not(HasSubstr("law-vault repair")));
}

// The plan's bucket_lookup reaches the stormproof commands (the cleared environment would not
// carry STORMPROOF_S3_BUCKET_LOOKUP); without a password_file, a placeholder the step explains.
TEST(RunbookTest, AfterAnAttackCommandsCarryTheBucketLookupAndAPasswordPlaceholder) {
  std::string text = PlanWithLockedCopies();
  const std::string password = "    password_file: /etc/stormproof/vault.pass\n";
  ASSERT_NE(text.find(password), std::string::npos);
  text.replace(text.find(password), password.size(), "    bucket_lookup: path\n");
  plan::Plan plan = Load(text);
  std::string md = RenderRunbookMarkdown(Input(plan));
  std::string vault = Between(md, "### After an attack on vault", "### After an attack on law");
  EXPECT_THAT(vault, HasSubstr(" stormproof --repo "
                               "s3:https://s3.eu-central-003.example.com/acme-vault/dental "
                               "--s3-bucket-lookup path --password-file PASSWORD_FILE repair "
                               "--as-of TIME --dry-run\n"));
  EXPECT_THAT(vault, HasSubstr("no password\\_file: in the commands, replace PASSWORD\\_FILE "
                               "with the file that holds its password"))
      << vault;
}

// A client's runbook has the way back for the copies of its own systems only, and names no
// other client's system or repository there.
TEST(RunbookTest, AfterAnAttackFollowsTheClientFilter) {
  plan::Plan plan = Load(PlanWithLockedCopies());
  RunbookInput input = Input(plan);
  input.client = "dental";
  for (const std::string& out : {RenderRunbookMarkdown(input), RenderRunbookHtml(input)}) {
    EXPECT_THAT(out, HasSubstr("After an attack on "));
    EXPECT_THAT(out, HasSubstr("--repository vault"));
    EXPECT_THAT(out, Not(HasSubstr("law-vault")));
    EXPECT_THAT(out, Not(HasSubstr("law-dms")));
    EXPECT_THAT(out, Not(HasSubstr("--system msp-rmm")));  // a dependency, not the client's
  }
  input.client = "law";
  for (const std::string& out : {RenderRunbookMarkdown(input), RenderRunbookHtml(input)}) {
    EXPECT_THAT(out, HasSubstr("--repository law-vault"));
    EXPECT_THAT(out, Not(HasSubstr("acme-vault")));
    EXPECT_THAT(out, Not(HasSubstr("dental-db")));
    std::string attack = Between(out, "After an attack on ", "Vendors, ISPs and sites");
    EXPECT_THAT(attack, Not(HasSubstr("Dental")));
  }
  // Without an object-locked copy there is no such section.
  plan::Plan plain = Load(kPlan);
  EXPECT_THAT(RenderRunbookMarkdown(Input(plain)), Not(HasSubstr("After an attack")));
}

// A copy that also holds another client's backups: a client's runbook warns that its roll-back
// is the MSP's to run for everyone at once, and still names no other client's system.
TEST(RunbookTest, AfterAnAttackOnASharedCopyLeavesTheRollBackToTheMsp) {
  std::string text = PlanWithLockedCopies();
  const std::string from = "backup: {paths: [/srv/dms], repositories: [cloud, law-vault]}";
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "backup: {paths: [/srv/dms], repositories: [nas, law-vault]}");
  plan::Plan plan = Load(text);
  RunbookInput input = Input(plan);
  input.client = "dental";
  for (const std::string& out : {RenderRunbookMarkdown(input), RenderRunbookHtml(input)}) {
    std::string attack = Between(out, "After an attack on ", "Vendors, ISPs and sites");
    EXPECT_THAT(attack, HasSubstr("vault also holds other clients"));  // (an HTML-escaped ')
    EXPECT_THAT(attack, HasSubstr("wrote after TIME, so the MSP"));
    EXPECT_THAT(attack, Not(HasSubstr("repair --as-of TIME")));  // not this client's to run
    EXPECT_THAT(attack, Not(HasSubstr("law-dms")));
    EXPECT_THAT(attack, Not(HasSubstr("Law document")));
  }
}

TEST(RunbookTest, RendersTheExamplePlan) {
  const std::string path = std::string(STORMPROOF_EXAMPLES) + "/acme-msp/plan.yaml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not written yet";
  plan::LoadResult loaded = plan::LoadPlan(path);
  if (!loaded.readable || loaded.diagnostics.error_count() > 0) {
    GTEST_SKIP() << path << " does not load cleanly yet";
  }
  auto order = analysis::ComputeRestoreOrder(loaded.plan, {});
  ASSERT_THAT(order, IsOk());
  RunbookInput input{&loaded.plan, *order, analysis::Audit(loaded.plan, {kToday}), kToday, {}};
  std::string html = RenderRunbookHtml(input);
  std::string md = RenderRunbookMarkdown(input);
  ExpectSelfContained(html);
  EXPECT_EQ(Count(html, "<article class=\"step"), loaded.plan.systems.size());
  EXPECT_THAT(md, HasSubstr(loaded.plan.msp.name));
  input.client = loaded.plan.clients.empty() ? "" : loaded.plan.clients[0].id;
  EXPECT_LT(RenderRunbookHtml(input).size(), html.size());
}

}  // namespace
}  // namespace stormproof::report
