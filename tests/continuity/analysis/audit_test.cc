#include "continuity/analysis/audit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "tests/continuity/analysis/audit_fixtures.h"
#include "continuity/plan/loader.h"
#include "continuity/plan/validate.h"
#include "tests/matchers.h"

namespace stormproof::analysis {
namespace {

using testing::Apply;
using testing::Edit;
using testing::ExtraSystem;
using testing::kCleanPlan;
using testing::kToday;

// Loads `text`, checks that it loads cleanly (and, when `valid`, passes plan check without
// errors), then audits it as of 2026-11-26.
std::vector<Finding> AuditText(const std::string& text, bool valid = true) {
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", text);
  EXPECT_EQ(loaded.diagnostics.error_count(), 0u) << "the fixture does not load";
  plan::Diagnostics checked;
  plan::Validate(loaded.plan, {kToday}, &checked);
  if (valid) {
    for (const plan::Diagnostic& d : checked.all()) {
      EXPECT_NE(d.severity, plan::Severity::kError)
          << "the fixture is not a valid plan: " << FormatDiagnostic(loaded.plan.files, d);
    }
  }
  return Audit(loaded.plan, {kToday});
}

std::string Describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += std::string(SeverityName(f.severity)) + " " + f.rule + ": " + f.title + "\n";
  }
  return out.empty() ? "(none)\n" : out;
}

std::vector<const Finding*> WithRule(const std::vector<Finding>& findings,
                                     const std::string& rule) {
  std::vector<const Finding*> out;
  for (const Finding& f : findings) {
    if (f.rule == rule) out.push_back(&f);
  }
  return out;
}

// Without a catalog, the clean plan's immutable and offline copies are claims, never proven
// (evidence_rules_test.cc proves them): those are its only findings.
TEST(AuditTest, CleanPlanHasNoFindingsButItsUnprovenClaims) {
  std::vector<Finding> findings = AuditText(kCleanPlan);
  std::erase_if(findings, [](const Finding& f) {
    return f.rule == "immutability-never-proven" || f.rule == "offline-never-attested";
  });
  EXPECT_TRUE(findings.empty()) << Describe(findings);
}

// One rule, one edit of the clean plan: `severity` is what the rule must report, or nullopt when
// the edit must leave the rule silent. `names` must appear in the finding's title.
struct RuleCase {
  const char* name;
  std::vector<Edit> edits;
  const char* rule;
  std::optional<Severity> severity;
  const char* names = "";
};

void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

RuleCase Reports(const char* name, std::vector<Edit> edits, const char* rule, Severity severity,
                 const char* names) {
  return {name, std::move(edits), rule, severity, names};
}

RuleCase Silent(const char* name, std::vector<Edit> edits, const char* rule) {
  return {name, std::move(edits), rule, std::nullopt};
}

class AuditRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(AuditRuleTest, ReportsOrStaysSilent) {
  const RuleCase& c = GetParam();
  std::vector<Finding> findings = AuditText(Apply(kCleanPlan, c.edits));
  std::vector<const Finding*> hits = WithRule(findings, c.rule);
  if (!c.severity) {
    EXPECT_TRUE(hits.empty()) << Describe(findings);
    return;
  }
  ASSERT_FALSE(hits.empty()) << "no " << c.rule << " in:\n" << Describe(findings);
  bool matched = std::any_of(hits.begin(), hits.end(), [&](const Finding* f) {
    return f->severity == *c.severity && f->title.find(c.names) != std::string::npos;
  });
  EXPECT_TRUE(matched) << "want " << SeverityName(*c.severity) << " naming '" << c.names
                       << "' in:\n"
                       << Describe(findings);
  for (const Finding* f : hits) {
    EXPECT_FALSE(f->detail.empty());
    EXPECT_FALSE(f->recommendation.empty());
  }
}

// db's skills line: ann owns db; bob holds sql; cat is trained in it.
const std::string kDbSkills = "skills: [sql]\n";

INSTANTIATE_TEST_SUITE_P(
    People, AuditRuleTest,
    ::testing::Values(
        Reports("OneRestorer", {{kDbSkills, "skills: [oracle]\n"}}, "single-restorer",
                Severity::kHigh, "Ann Archer"),
        Silent("RestorerThroughTrainingCounts",
               {{"deputy: ann\n    skills: [sql, windows]", "deputy: ann\n    skills: [windows]"}},
               "single-restorer"),
        Reports("RoleWithoutBackups", {{"    backups: [bob]\n", ""}}, "role-no-reachable-backup",
                Severity::kHigh, "commander"),
        Reports("BackupIsTheHolder", {{"backups: [bob]", "backups: [ann]"}},
                "role-no-reachable-backup", Severity::kHigh, "commander"),
        Reports("BackupContactsStale",
                {{"contacts_verified: 2026-11-02", "contacts_verified: 2026-05-02"}},
                "role-no-reachable-backup", Severity::kHigh, "commander"),
        Reports("BackupContactsNeverVerified", {{"    contacts_verified: 2026-11-02\n", ""}},
                "role-no-reachable-backup", Severity::kHigh, "commander"),
        Reports("BackupWithoutContactMethod",
                {{"    contacts: {email: bob@example.com, mobile: \"+44 7700 900002\"}\n", ""}},
                "role-no-reachable-backup", Severity::kHigh, "commander"),
        Silent("SecondBackupReachable",
               {{"contacts_verified: 2026-11-02", "contacts_verified: 2026-05-02"},
                {"backups: [bob]", "backups: [bob, dan]"}},
               "role-no-reachable-backup"),
        Reports("OnlyRestorerOfTwoCriticalSystems",
                {{kDbSkills, "skills: [oracle]\n"},
                 {"owner: bob\n    tier: tier-1", "owner: ann\n    tier: tier-1"},
                 {"skills: [windows]\n", "skills: [cobol]\n"}},
                "person-spof", Severity::kHigh, "Ann Archer"),
        Reports("HoldsTwoRolesNobodyBacksUp",
                {{"holder: cat\n    backups: [ann]", "holder: ann"}, {"    backups: [bob]\n", ""}},
                "person-spof", Severity::kHigh, "Ann Archer"),
        Silent("OnlyRestorerOfOneCriticalSystem", {{kDbSkills, "skills: [oracle]\n"}},
               "person-spof")),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    VendorsAndSites, AuditRuleTest,
    ::testing::Values(
        Reports("CriticalSiteOneIsp", {{"isps: [fibre-a, fibre-b]", "isps: [fibre-a]"}},
                "site-single-isp", Severity::kHigh, "office"),
        Reports("CriticalSiteNoIsp", {{", isps: [fibre-a, fibre-b]", ""}}, "site-single-isp",
                Severity::kHigh, "no ISP"),
        Reports("OtherSiteOneIsp",
                {{"name: Object storage region}", "name: Object storage region, isps: [fibre-a]}"}},
                "site-single-isp", Severity::kMedium, "cloud-region"),
        Reports("VendorWithoutAlternative",
                {{"kind: cloud, alternatives: [cloud-y]", "kind: cloud"}}, "vendor-no-alternative",
                Severity::kMedium, "cloud-x"),
        Reports("CloudVendorWithoutAlternativeAtOneSite",
                {{"kind: cloud, alternatives: [cloud-y]", "kind: cloud"},
                 {"sites: [office, colo]", "sites: [office]"}},
                "vendor-no-alternative", Severity::kHigh, "cloud-x"),
        Silent("UnusedVendorWithoutAlternative",
               {{"kind: cloud, alternatives: [cloud-x]", "kind: cloud"}}, "vendor-no-alternative"),
        Reports("CriticalSystemAtOneSite", {{"sites: [office, colo]", "sites: [office]"}},
                "single-site", Severity::kMedium, "db"),
        Silent("FailoverAtAnotherSite",
               {{"sites: [office, colo]", "sites: [office]"},
                {"vendors: [cloud-x]\n", "vendors: [cloud-x]\n    failover: [db-standby]\n"},
                {"", ExtraSystem("db-standby", "tier-2")}},
               "single-site")),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Dependencies, AuditRuleTest,
    ::testing::Values(
        Reports("ArticulationPointUnderCriticalSystem",
                {{"", ExtraSystem("portal", "tier-2", "    depends_on: [db]\n")}},
                "dependency-spof", Severity::kHigh, "'app' and 'portal'"),
        Reports("ArticulationPointUnderOrdinarySystems",
                {{"", ExtraSystem("scan", "tier-2", "    depends_on: [files]\n")},
                 {"", ExtraSystem("print", "tier-2", "    depends_on: [files]\n")}},
                "dependency-spof", Severity::kMedium, "'files'"),
        Silent("ArticulationPointWithFailover",
               {{"vendors: [cloud-x]\n", "vendors: [cloud-x]\n    failover: [db-standby]\n"},
                {"", ExtraSystem("portal", "tier-2", "    depends_on: [db]\n")},
                {"", ExtraSystem("db-standby", "tier-2")}},
               "dependency-spof"),
        Reports("ThreeCriticalSystemsShareOne",
                {{"", ExtraSystem("dns", "tier-2")},
                 {"", ExtraSystem("c1", "tier-1", "    depends_on: [dns, db]\n")},
                 {"", ExtraSystem("c2", "tier-1", "    depends_on: [dns, db]\n")},
                 {"", ExtraSystem("c3", "tier-1", "    depends_on: [dns, db]\n")}},
                "shared-dependency", Severity::kMedium, "3 critical systems depend on 'dns'"),
        Silent("SharedDependencyWithFailover",
               {{"", ExtraSystem("dns", "tier-2", "    failover: [files]\n")},
                {"", ExtraSystem("c1", "tier-1", "    depends_on: [dns, db]\n")},
                {"", ExtraSystem("c2", "tier-1", "    depends_on: [dns, db]\n")},
                {"", ExtraSystem("c3", "tier-1", "    depends_on: [dns, db]\n")}},
               "shared-dependency"),
        Silent("TwoCriticalSystemsShareOne",
               {{"", ExtraSystem("dns", "tier-2")},
                {"", ExtraSystem("c1", "tier-1", "    depends_on: [dns, db]\n")},
                {"", ExtraSystem("c2", "tier-1", "    depends_on: [dns, db]\n")}},
               "shared-dependency")),
    [](const auto& info) { return std::string(info.param.name); });

const std::string kDbBackup = "paths: [/var/db], repositories: [colo-repo, vault]";
const std::string kAppBackup = "paths: [/srv/app], repositories: [colo-repo, cloud-plain, vault]";
const std::string kFilesBackup = "paths: [/srv/files], repositories: [colo-repo, vault]";

INSTANTIATE_TEST_SUITE_P(
    Backups, AuditRuleTest,
    ::testing::Values(
        Reports("CriticalSystemNotBackedUp", {{kDbBackup, "paths: [/var/db]"}}, "backup-missing",
                Severity::kCritical, "db"),
        Reports("OrdinarySystemNotBackedUp", {{"    backup: {" + kFilesBackup + "}\n", ""}},
                "backup-missing", Severity::kHigh, "files"),
        Silent("TierAsksForOneCopy",
               {{"    backup: {" + kFilesBackup + "}\n", ""},
                {"tier: tier-2\n    sites: [office]", "tier: tier-3\n    sites: [office]"},
                {"vendors:\n",
                 "  - {id: tier-3, rank: 3, rto: 3d, rpo: 1d, copies: 1, sites: 1}\n"
                 "vendors:\n"}},
               "backup-missing"),
        Reports("TwoCopiesWhereThreeAreNeeded",
                {{kAppBackup, "paths: [/srv/app], repositories: [vault]"}}, "too-few-copies",
                Severity::kHigh, "2 copies of its data planned"),
        Reports("AllCopiesInOneBuilding",
                {{kFilesBackup, "paths: [/srv/files], repositories: [office-nas]"}},
                "all-copies-one-site", Severity::kHigh,
                "planned copies of 'files' (File share) are at 1 site"),
        Reports("EveryRepositoryWhereTheSystemRuns",
                {{kDbBackup, "paths: [/var/db], repositories: [colo-repo, office-nas, tape]"}},
                "no-offsite-copy", Severity::kHigh, "no off-site copy planned"),
        Reports("CriticalWithoutImmutableCopy",
                {{kAppBackup, "paths: [/srv/app], repositories: [colo-repo, cloud-plain]"}},
                "no-immutable-copy", Severity::kHigh, "no copy planned as immutable"),
        Reports("OrdinaryWithoutImmutableCopy",
                {{kFilesBackup, "paths: [/srv/files], repositories: [colo-repo, cloud-plain]"}},
                "no-immutable-copy", Severity::kMedium, "files"),
        Silent("OfflineTapeCountsAsImmutable",
               {{kAppBackup, "paths: [/srv/app], repositories: [colo-repo, cloud-plain, tape]"}},
               "no-immutable-copy")),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Hygiene, AuditRuleTest,
    ::testing::Values(
        Reports("ContactsStale",
                {{"contacts_verified: 2026-11-04", "contacts_verified: 2026-07-04"}},
                "stale-contacts", Severity::kLow, "Dan Dale"),
        Reports("ContactsNeverVerified", {{"    contacts_verified: 2026-11-04\n", ""}},
                "stale-contacts", Severity::kLow, "never verified"),
        Reports("RoleHolderContactsStale",
                {{"contacts_verified: 2026-11-01", "contacts_verified: 2026-08-01"}},
                "stale-contacts", Severity::kMedium, "Ann Archer"),
        Silent("ContactsVerifiedExactlyMaxAgeAgo",
               {{"contacts_verified: 2026-11-04", "contacts_verified: 2026-08-28"}},
               "stale-contacts"),
        Reports("ReviewOverdue", {{"last: 2026-10-01", "last: 2026-08-01"}}, "review-overdue",
                Severity::kMedium, "2026-11-01"),
        Reports("ReviewMoreThanAPeriodOverdue", {{"last: 2026-10-01", "last: 2026-03-01"}},
                "review-overdue", Severity::kHigh, "2026-06-01"),
        Silent("ReviewDueToday", {{"last: 2026-10-01", "last: 2026-08-26"}}, "review-overdue"),
        Reports("NoReviewAtAll",
                {{"review:\n  owner: ann\n  every: quarterly\n  last: 2026-10-01\n", ""}},
                "review-overdue", Severity::kMedium, "no review"),
        Reports("LastReviewNotRecorded", {{"  last: 2026-10-01\n", ""}}, "review-overdue",
                Severity::kMedium, "not recorded"),
        Reports("ClientEvidenceStale", {{"last_evidence: 2026-11-10", "last_evidence: 2026-05-10"}},
                "security-evidence-stale", Severity::kMedium, "edr control of Dental Co"),
        Reports("MspEvidenceMissing", {{"      last_evidence: 2026-11-02\n", ""}},
                "security-evidence-stale", Severity::kMedium, "mfa control of Acme IT"),
        Silent("EvidenceWithinItsOwnCadence",
               {{"      last_evidence: 2026-11-01\n",
                 "      last_evidence: 2026-03-01\n      evidence_every: 1y\n"}},
               "security-evidence-stale"),
        Reports(
            "ClientWithoutEdr",
            {{"      - control: edr\n        coverage: 100\n        last_evidence: 2026-11-10\n",
              ""}},
            "security-control-missing", Severity::kHigh, "Dental Co has no endpoint"),
        Reports("MspWithoutMfa",
                {{"    - control: mfa\n      coverage: 100\n      last_evidence: 2026-11-02\n",
                  ""}},
                "security-control-missing", Severity::kHigh, "Acme IT has no multi-factor"),
        Reports("MfaNotEverywhere",
                {{"coverage: 100\n        last_evidence: 2026-11-11",
                  "coverage: 90\n        last_evidence: 2026-11-11"}},
                "security-control-missing", Severity::kMedium, "90%"),
        Reports("TrainingStale", {{"date: 2026-06-01", "date: 2025-06-01"}}, "training-stale",
                Severity::kLow, "Cat Cole"),
        Silent("StaleTrainingNobodyNeeds",
               {{"skill: sql, kind: course, date: 2026-06-01",
                 "skill: cobol, kind: course, "
                 "date: 2025-06-01"}},
               "training-stale"),
        Silent("StaleTrainingRefreshed",
               {{"  - {person: cat, skill: sql, kind: course, date: 2026-06-01}\n",
                 "  - {person: cat, skill: sql, kind: course, date: 2024-06-01}\n"
                 "  - {person: cat, skill: sql, kind: drill, date: 2026-09-01}\n"}},
               "training-stale")),
    [](const auto& info) { return std::string(info.param.name); });

TEST(AuditTest, NobodyCanRestoreWhenTheOwnerHasLeft) {
  // The owner was deleted from people but not from the system: plan check reports the unknown
  // owner, and the audit still shows what that means.
  std::string text =
      Apply(kCleanPlan, {{kDbSkills, "skills: [oracle]\n"},
                         {"owner: ann\n    tier: tier-1", "owner: al\n    tier: tier-1"}});
  std::vector<Finding> findings = AuditText(text, /*valid=*/false);
  std::vector<const Finding*> hits = WithRule(findings, "single-restorer");
  ASSERT_EQ(hits.size(), 1u) << Describe(findings);
  EXPECT_EQ(hits[0]->severity, Severity::kCritical);
  EXPECT_THAT(hits[0]->title, HasSubstr("Nobody"));
}

TEST(AuditTest, FindingCarriesSystemsClientsAndPosition) {
  std::vector<Finding> findings =
      AuditText(Apply(kCleanPlan, {{"sites: [office, colo]", "sites: [office]"}}));
  std::vector<const Finding*> hits = WithRule(findings, "single-site");
  ASSERT_EQ(hits.size(), 1u) << Describe(findings);
  const Finding& f = *hits[0];
  EXPECT_EQ(f.area, Area::kSites);
  EXPECT_EQ(f.systems, std::vector<std::string>{"db"});
  EXPECT_EQ(f.clients, std::vector<std::string>{"dental"});
  EXPECT_EQ(f.mark.file, 0);
  std::string text = kCleanPlan;
  int db_line =
      1 + static_cast<int>(std::count(text.begin(), text.begin() + text.find("  - id: db"), '\n'));
  EXPECT_EQ(f.mark.line, db_line);
}

TEST(AuditTest, DependencyTitleNamesFiveAndListsAll) {
  std::vector<Edit> edits;
  for (int i = 1; i <= 7; ++i) {
    edits.push_back(
        {"", ExtraSystem("scan-" + std::to_string(i), "tier-2", "    depends_on: [files]\n")});
  }
  std::vector<Finding> findings = AuditText(Apply(kCleanPlan, edits));
  std::vector<const Finding*> hits = WithRule(findings, "dependency-spof");
  ASSERT_EQ(hits.size(), 1u) << Describe(findings);
  EXPECT_THAT(hits[0]->title, HasSubstr("'scan-5' and 2 more")) << hits[0]->title;
  EXPECT_THAT(hits[0]->title, Not(HasSubstr("scan-6"))) << hits[0]->title;
  ASSERT_EQ(hits[0]->systems.size(), 8u);  // files itself, then its seven dependents
  EXPECT_EQ(hits[0]->systems[0], "files");
  EXPECT_EQ(hits[0]->systems[7], "scan-7");
}

TEST(AuditTest, SortsBySeverityAreaRuleThenPosition) {
  std::vector<Finding> findings = AuditText(
      Apply(kCleanPlan, {{kDbBackup, "paths: [/var/db]"},
                         {"contacts_verified: 2026-11-04", "contacts_verified: 2026-07-04"},
                         {"contacts_verified: 2026-11-03", "contacts_verified: 2026-07-03"},
                         {"isps: [fibre-a, fibre-b]", "isps: [fibre-a]"},
                         {"last: 2026-10-01", "last: 2026-08-01"}}));
  ASSERT_GE(findings.size(), 5u) << Describe(findings);
  EXPECT_EQ(findings.front().rule, "backup-missing");
  EXPECT_EQ(findings.back().severity, Severity::kLow);
  for (size_t i = 1; i < findings.size(); ++i) {
    const Finding& a = findings[i - 1];
    const Finding& b = findings[i];
    auto key = [](const Finding& f) {
      return std::make_tuple(f.severity, f.area, f.rule, f.mark.file, f.mark.line);
    };
    EXPECT_LE(key(a), key(b)) << Describe(findings);
  }
}

TEST(AuditTest, LongChainStaysBoundedAndReportsEveryLink) {
  // 20,000 systems in one chain: every inner link is a single point of failure for all above it.
  constexpr int kLength = 20000;
  plan::Plan p;
  p.tiers.push_back({});
  p.tiers[0].id = "t";
  p.tiers[0].rank = 2;
  p.tiers[0].copies = 1;
  for (int i = 0; i < kLength; ++i) {
    plan::System s;
    s.id = "s" + std::to_string(i);
    s.tier = plan::Ref{"t", {}};
    if (i > 0) s.depends_on.push_back({"s" + std::to_string(i - 1), {}});
    p.systems.push_back(std::move(s));
  }
  p.BuildIndex();
  std::vector<Finding> findings = Audit(p, {kToday});
  std::vector<const Finding*> hits = WithRule(findings, "dependency-spof");
  ASSERT_EQ(hits.size(), static_cast<size_t>(kLength - 2));
  size_t listed = 0;
  for (const Finding* f : hits) listed += f->systems.size();
  EXPECT_LT(listed, 5'000'000u);  // not the 200 million a full listing would take
  // The lowest link names all 19,998 systems above it; the links near the top are listed in
  // full too, those in between only cut short.
  EXPECT_EQ(hits.front()->systems.size(), static_cast<size_t>(kLength - 1));
  EXPECT_EQ(hits.back()->systems, (std::vector<std::string>{"s19998", "s19999"}));
  EXPECT_THAT(hits[kLength / 2]->title, HasSubstr("and at least")) << hits[kLength / 2]->title;
}

// The example MSP keeps five weaknesses on purpose (see the comment at the top of its plan.yaml);
// the audit must find each of them, and nothing critical.
TEST(AuditTest, FindsTheExamplePlansDocumentedWeaknesses) {
  plan::LoadResult loaded =
      plan::LoadPlan(std::string(STORMPROOF_EXAMPLES) + "/acme-msp/plan.yaml");
  ASSERT_EQ(loaded.diagnostics.error_count(), 0u);
  std::vector<Finding> findings = Audit(loaded.plan, {kToday});
  auto has = [&](const std::string& rule, const std::string& system, const std::string& client) {
    return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
      bool names_system = system.empty() || std::count(f.systems.begin(), f.systems.end(), system);
      bool names_client = client.empty() || std::count(f.clients.begin(), f.clients.end(), client);
      return f.rule == rule && names_system && names_client;
    });
  };
  EXPECT_TRUE(has("site-single-isp", "bsd-pms", "brightsmile-dental")) << Describe(findings);
  EXPECT_TRUE(has("single-restorer", "ppe-mes", "pennine-precision")) << Describe(findings);
  EXPECT_TRUE(has("stale-contacts", "", "")) << Describe(findings);
  EXPECT_TRUE(has("security-evidence-stale", "", "ledger-lane")) << Describe(findings);
  for (const char* rule : {"too-few-copies", "all-copies-one-site", "no-immutable-copy"}) {
    EXPECT_TRUE(has(rule, "ll-scans", "ledger-lane")) << rule << "\n" << Describe(findings);
  }
  for (const Finding& f : findings) EXPECT_NE(f.severity, Severity::kCritical) << f.title;
}

plan::TrainingRecord Trained(const std::string& person, const std::string& skill) {
  plan::TrainingRecord record;
  record.person.id = person;
  record.skill = skill;
  return record;
}

// People with random skills and training, critical systems with random tags and owners (some
// owners no longer in the plan). Deterministic.
plan::Plan RandomSkillsPlan() {
  std::mt19937 random(20261126);
  const std::vector<std::string> tags = {"sql", "windows", "linux", "vmware", "m365", "nas"};
  auto person_id = [&] { return "p" + std::to_string(random() % 12); };
  plan::Plan p;
  p.tiers.push_back({});
  p.tiers[0].id = "t1";
  p.tiers[0].rank = 1;
  p.tiers[0].copies = 1;
  for (int i = 0; i < 12; ++i) {
    plan::Person person;
    person.id = "p" + std::to_string(i);
    for (const std::string& tag : tags) {
      if (random() % 3 == 0) person.skills.push_back(tag);
    }
    if (random() % 2) p.training.push_back(Trained(person.id, tags[random() % tags.size()]));
    p.people.push_back(std::move(person));
  }
  for (int i = 0; i < 80; ++i) {
    plan::System s;
    s.id = "sys" + std::to_string(i);
    s.owner = plan::Ref{random() % 4 ? person_id() : "gone", {}};
    s.tier = plan::Ref{"t1", {}};
    for (const std::string& tag : tags) {
      if (random() % 4 == 0) s.skills.push_back(tag);
    }
    if (random() % 10 == 0) p.training.push_back(Trained(person_id(), s.id));
    p.systems.push_back(std::move(s));
  }
  p.BuildIndex();
  return p;
}

// The audit's own restorer index must agree with plan::PeopleWhoCanRestore on every system.
TEST(AuditTest, RestorerCountsAgreeWithPeopleWhoCanRestore) {
  plan::Plan p = RandomSkillsPlan();
  std::vector<Finding> findings = Audit(p, {kToday});
  size_t single = 0;
  for (const plan::System& s : p.systems) {
    size_t restorers = plan::PeopleWhoCanRestore(p, s).size();
    bool reported = std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
      return f.rule == "single-restorer" && f.systems == std::vector<std::string>{s.id};
    });
    EXPECT_EQ(reported, restorers <= 1) << s.id << " has " << restorers << " restorer(s)";
    single += restorers <= 1;
  }
  EXPECT_GT(single, 0u);  // the plan exercises both outcomes
  EXPECT_LT(single, p.systems.size());
}

}  // namespace
}  // namespace stormproof::analysis
