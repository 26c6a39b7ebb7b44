#include "continuity/plan/validate.h"

#include <gtest/gtest.h>

#include "continuity/plan/loader.h"
#include "tests/continuity/plan/plan_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::plan {
namespace {

using testing::kPeople;
using testing::kSystems;
using testing::PlanText;

const Date kToday = *Date::Parse("2026-11-26");

struct Checked {
  LoadResult loaded;
  std::string text;
  std::string messages;
};

Checked Check(const std::string& text) {
  Checked c{LoadPlanFromText("plan.yaml", text), text, ""};
  Validate(c.loaded.plan, {kToday}, &c.loaded.diagnostics);
  for (const Diagnostic& d : c.loaded.diagnostics.all()) {
    c.messages += FormatDiagnostic(c.loaded.plan.files, d) + "\n";
  }
  return c;
}

int LineOf(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

TEST(ValidateTest, CleanPlanHasNoDiagnostics) {
  Checked c = Check(PlanText(kPeople, kSystems));
  EXPECT_EQ(c.messages, "");
}

// Each rule: the plan (people block, rest), the line the finding points at, and its text.
struct RuleCase {
  const char* name;
  const char* people;  // nullptr = the standard two people and one role
  const char* rest;    // systems and anything else
  const char* at;      // text on the line the diagnostic must point at
  const char* expect;  // "error: ..." or "warning: ..." text that must appear
};

class ValidateRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ValidateRuleTest, ReportsTheRuleAtItsPosition) {
  const RuleCase& rc = GetParam();
  Checked c = Check(PlanText(rc.people ? rc.people : kPeople, rc.rest));
  std::string prefix = "plan.yaml:" + std::to_string(LineOf(c.text, rc.at)) + ":";
  bool found = false;
  for (const Diagnostic& d : c.loaded.diagnostics.all()) {
    std::string line = FormatDiagnostic(c.loaded.plan.files, d);
    if (line.rfind(prefix, 0) == 0 && line.find(rc.expect) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "want " << prefix << " ... " << rc.expect << "\ngot:\n" << c.messages;
}

constexpr const char* kTwoSystems = R"(systems:
  - id: db
    owner: ann
    tier: t2
  - id: app
    owner: bob
    tier: t2
)";

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidateRuleTest,
    ::testing::Values(
        RuleCase{"UnknownOwner", nullptr, "systems:\n  - {id: x, owner: anne, tier: t2}\n", "anne",
                 "error: system 'x': unknown person 'anne' in 'owner' (did you mean 'ann'?)"},
        RuleCase{"UnknownTier", nullptr, "systems:\n  - {id: x, owner: ann, tier: gold}\n", "gold",
                 "error: system 'x': unknown tier 'gold' in 'tier'"},
        RuleCase{"UnknownDependency", nullptr,
                 "systems:\n  - {id: x, owner: ann, tier: t2, depends_on: [nope]}\n", "nope",
                 "error: system 'x': unknown system 'nope' in 'depends_on'"},
        RuleCase{"UnknownRepository", nullptr,
                 "systems:\n  - id: x\n    owner: ann\n    tier: t2\n    backup: {paths: [/d], "
                 "repositories: [nas]}\n",
                 "repositories: [nas]", "unknown repository 'nas' in 'backup.repositories'"},
        RuleCase{"DuplicateSystemId", nullptr,
                 "systems:\n  - {id: x, owner: ann, tier: t2}\n  - {id: x, owner: bob, tier: t2}\n",
                 "owner: bob", "error: duplicate system id 'x' (first defined at plan.yaml:"},
        RuleCase{"DependencyCycle", nullptr,
                 "systems:\n  - {id: a, owner: ann, tier: t2, depends_on: [b]}\n"
                 "  - {id: b, owner: ann, tier: t2, depends_on: [c]}\n"
                 "  - {id: c, owner: ann, tier: t2, depends_on: [a]}\n",
                 "depends_on: [b]", "error: dependency cycle: a -> b -> c -> a"},
        RuleCase{"SelfDependency", nullptr,
                 "systems:\n  - {id: a, owner: ann, tier: t2, depends_on: [a]}\n", "depends_on",
                 "error: dependency cycle: a -> a"},
        RuleCase{"RtoOverMtpd", nullptr, "systems:\n  - {id: a, owner: ann, tier: t2, rto: 4d}\n",
                 "rto: 4d", "error: system 'a': rto 4d is longer than its tier's mtpd 3d"},
        RuleCase{"CriticalWithoutChecklist", nullptr,
                 "systems:\n  - {id: crit, owner: ann, tier: t1, restore: {verify: 'true'}}\n",
                 "id: crit", "error: system 'crit': a tier-1 system needs a restore checklist"},
        RuleCase{"CriticalWithoutVerify", nullptr,
                 "systems:\n  - {id: crit, owner: ann, tier: t1, restore: {checklist: [do it]}}\n",
                 "id: crit", "error: system 'crit': a tier-1 system needs a verification command"},
        RuleCase{"DependencyWithLongerRto", nullptr,
                 "systems:\n  - {id: a, owner: ann, tier: t2}\n"
                 "  - {id: b, owner: ann, tier: t1, depends_on: [a], restore: {checklist: [x], "
                 "verify: 'true'}}\n",
                 "depends_on: [a]", "warning: system 'b' (rto 2h) depends on 'a' whose rto is 1d"},
        RuleCase{"OwnerWithoutDeputy",
                 "people:\n  - {id: zed, name: Zed, contacts: {email: z@x, phone: '1'}, "
                 "contacts_verified: 2026-11-01}\n",
                 "systems:\n  - {id: a, owner: zed, tier: t2}\n", "owner: zed",
                 "warning: system 'a': owner 'zed' has no deputy"},
        RuleCase{"RoleWithoutBackup",
                 "people:\n  - {id: ann, name: Ann, deputy: ann, contacts: {email: a@x, phone: "
                 "'1'}, contacts_verified: 2026-11-01}\n"
                 "roles:\n  - {id: ic, holder: ann}\n",
                 "systems: []\n", "id: ic", "warning: role 'ic': no backups"},
        RuleCase{"SelfDeputy",
                 "people:\n  - {id: ann, name: Ann, deputy: ann, contacts: {email: a@x, phone: "
                 "'1'}, contacts_verified: 2026-11-01}\n",
                 "systems: []\n", "deputy: ann", "error: person 'ann': is their own deputy"},
        RuleCase{"OneContactMethod",
                 "people:\n  - {id: ann, name: Ann, contacts: {email: a@x}, contacts_verified: "
                 "2026-11-01}\n",
                 "systems: []\n", "id: ann", "warning: person 'ann': has 1 contact method(s)"},
        RuleCase{"StaleContacts",
                 "people:\n  - {id: ann, name: Ann, contacts: {email: a@x, phone: '1'}, "
                 "contacts_verified: 2026-06-01}\n",
                 "systems: []\n", "2026-06-01",
                 "warning: person 'ann': contacts last verified 2026-06-01, more than 90d ago"},
        RuleCase{"NeverVerified",
                 "people:\n  - {id: ann, name: Ann, contacts: {email: a@x, phone: '1'}}\n",
                 "systems: []\n", "id: ann", "warning: person 'ann': contacts were never verified"},
        RuleCase{"RoleCallTreeLoop", nullptr,
                 "  - {id: tl, name: Tech lead, holder: bob, backups: [ann], reports_to: tl2}\n"
                 "  - {id: tl2, name: Tech lead 2, holder: bob, backups: [ann], reports_to: tl}\n"
                 "systems: []\n",
                 "reports_to: tl2", "error: role call tree loops: tl -> tl2 -> tl"},
        RuleCase{"UnknownCommsTier", nullptr,
                 "clients:\n  - id: c\n    name: C\n    comms: {liaison: ann, update_every: {gold: "
                 "1h}}\nsystems: []\n",
                 "comms:", "error: client 'c': unknown tier 'gold' in 'comms.update_every'"},
        RuleCase{"ClientWithoutLiaison", nullptr, "clients:\n  - {id: c, name: C}\nsystems: []\n",
                 "id: c", "warning: client 'c': no comms.liaison"}),
    [](const ::testing::TestParamInfo<RuleCase>& info) { return info.param.name; });

TEST(ValidateTest, TierRtoLongerThanMtpdIsAnError) {
  Checked c = Check(R"(msp: {id: acme, name: Acme}
tiers:
  - {id: slow, rank: 1, rto: 5d, rpo: 1d, mtpd: 2d}
)");
  EXPECT_THAT(c.messages,
              HasSubstr("plan.yaml:3:30: error: tier 'slow': rto 5d is longer than mtpd 2d"))
      << c.messages;
}

// drill_retry (how soon `run` drills again after a failed drill): read, defaulted, checked.
TEST(ValidateTest, DrillRetryIsReadAndChecked) {
  Checked ok = Check(R"(msp: {id: acme, name: Acme}
tiers:
  - {id: a, rank: 1, rto: 1h, rpo: 1h, drill_every: monthly, drill_retry: 6h}
  - {id: b, rank: 2, rto: 1h, rpo: 1h, drill_every: monthly}
)");
  EXPECT_EQ(ok.messages, "");
  ASSERT_EQ(ok.loaded.plan.tiers.size(), 2u);
  EXPECT_EQ(ok.loaded.plan.tiers[0].drill_retry, Duration::Hours(6));
  EXPECT_EQ(ok.loaded.plan.tiers[1].drill_retry, std::nullopt);
  EXPECT_EQ(kDefaultDrillRetry, Duration::Days(1));
  Checked zero = Check(R"(msp: {id: acme, name: Acme}
tiers:
  - {id: z, rank: 1, rto: 1h, rpo: 1h, drill_every: monthly, drill_retry: 0s}
  - {id: w, rank: 1, rto: 1h, rpo: 1h, drill_every: 1w, drill_retry: 2w}
  - {id: x, rank: 1, rto: 1h, rpo: 1h, drill_retry: soon}
)");
  EXPECT_THAT(zero.messages,
              HasSubstr("plan.yaml:3:75: error: tier 'z': drill_retry 0s must be longer "
                        "than zero"))
      << zero.messages;
  EXPECT_THAT(zero.messages,
              HasSubstr("plan.yaml:4:70: warning: tier 'w': drill_retry 2w is longer "
                        "than drill_every 1w"))
      << zero.messages;
  EXPECT_THAT(zero.messages, HasSubstr("plan.yaml:5:53: error: tier 'x': 'drill_retry':"))
      << zero.messages;
}

// systems[].host: read like an id; once any system names a host, one without is run by nobody,
// which plan check says.
TEST(ValidateTest, SystemHostsAreReadAndASystemWithoutOneIsNamed) {
  Checked c = Check(R"(msp: {id: acme, name: Acme}
tiers:
  - {id: t, rank: 2, rto: 1h, rpo: 1h}
systems:
  - {id: a, tier: t, host: fileserver-01.acme.example}
  - {id: b, tier: t}
  - {id: c, tier: t, host: "bad host"}
)");
  ASSERT_EQ(c.loaded.plan.systems.size(), 3u);
  EXPECT_EQ(c.loaded.plan.systems[0].host, "fileserver-01.acme.example");
  EXPECT_TRUE(c.loaded.plan.RunsOnHost(c.loaded.plan.systems[0], "fileserver-01.acme.example"));
  EXPECT_FALSE(c.loaded.plan.RunsOnHost(c.loaded.plan.systems[0], "other"));
  EXPECT_FALSE(c.loaded.plan.RunsOnHost(c.loaded.plan.systems[1], "other"));
  EXPECT_THAT(c.messages, HasSubstr("warning: system 'b': no host, while other systems name "
                                    "theirs"))
      << c.messages;
  EXPECT_THAT(c.messages, HasSubstr("plan.yaml:7:28: error: system 'c': 'host' 'bad host' is "
                                    "not a valid id"))
      << c.messages;
  Checked one_machine = Check(R"(msp: {id: acme, name: Acme}
tiers:
  - {id: t, rank: 2, rto: 1h, rpo: 1h}
systems:
  - {id: b, tier: t}
)");
  EXPECT_THAT(one_machine.messages, Not(HasSubstr("no host"))) << one_machine.messages;
  EXPECT_TRUE(one_machine.loaded.plan.RunsOnHost(one_machine.loaded.plan.systems[0], "any"));
}

TEST(ValidateTest, TrainingRecordWithoutPersonIsReportedOnce) {
  Checked c = Check(PlanText(kPeople, "training:\n  - {skill: db, date: 2026-01-01}\n"));
  EXPECT_EQ(c.loaded.diagnostics.error_count(), 1u) << c.messages;
  EXPECT_THAT(c.messages, HasSubstr("training record: missing required 'person'"));
}

TEST(ValidateTest, ReportsEveryProblemAtOnce) {
  Checked c = Check(PlanText(kPeople, R"(systems:
  - {id: a, owner: nobody, tier: t2}
  - {id: b, owner: ann, tier: none}
  - {id: c, owner: ann, tier: t2, depends_on: [ghost]}
)"));
  EXPECT_EQ(c.loaded.diagnostics.error_count(), 3u) << c.messages;
}

// Canaries lie under the system's backup.paths, written as they are (Windows drive letters,
// backslashes); an empty list, a canary equal to a backed-up file and ".." that stays inside
// are fine.
TEST(ValidateTest, CanariesUnderBackupPathsAreClean) {
  Checked c = Check(PlanText(kPeople, R"(repositories:
  - {id: nas, location: /srv/nas}
systems:
  - id: files
    owner: ann
    tier: t2
    backup:
      paths: ["E:/Shares", /srv/share/, /etc/hosts]
      canaries:
        - "E:/Shares/!Budget 2027.xlsx"
        - 'E:\Shares\Finance\payroll.xlsx'
        - /srv/share/HR/../_archive/salaries.xlsx
        - /etc/hosts
      repositories: [nas]
  - id: none
    owner: ann
    tier: t2
    backup: {paths: [/srv/x], canaries: [], repositories: [nas]}
)"));
  EXPECT_EQ(c.messages, "");
  const System* files = c.loaded.plan.FindSystem("files");
  ASSERT_NE(files, nullptr);
  EXPECT_EQ(files->backup.canaries.size(), 4u);
  EXPECT_TRUE(c.loaded.plan.FindSystem("none")->backup.canaries.empty());
}

// A relative canary, one outside every backup path (a sibling with the same prefix, ".." that
// climbs out, another drive, a system without paths) is an error at the canary's own line; a
// canary listed twice is a warning at the repeat.
TEST(ValidateTest, CanaryOutsideBackupPathsOrRelativeIsAnErrorAtItsLine) {
  std::string text = PlanText(kPeople, R"(repositories:
  - {id: nas, location: /srv/nas}
systems:
  - id: files
    owner: ann
    tier: t2
    backup:
      paths: [/srv/share, "E:/Shares"]
      canaries:
        - Finance/budget.xlsx
        - /srv/shared/budget.xlsx
        - /srv/share/../etc/passwd
        - D:/Shares/budget.xlsx
        - /srv/share/budget.xlsx
        - /srv/share/./budget.xlsx
      repositories: [nas]
  - id: bare
    owner: ann
    tier: t2
    backup: {canaries: [/srv/x/y]}
)");
  Checked c = Check(text);
  auto at = [&](const std::string& needle, const std::string& rest) {
    return "plan.yaml:" + std::to_string(LineOf(text, needle)) + ":11: " + rest + "\n";
  };
  EXPECT_THAT(c.messages, HasSubstr(at("Finance/budget.xlsx",
                                       "error: system 'files': backup.canaries[0] "
                                       "'Finance/budget.xlsx' is not an absolute path (write it "
                                       "like backup.paths: /srv/share/budget.xlsx or "
                                       "E:/Shares/budget.xlsx)")));
  const std::string outside =
      " is not under any of backup.paths (/srv/share, E:/Shares): it is never backed up, so no "
      "backup can see it change";
  EXPECT_THAT(c.messages,
              HasSubstr(at("/srv/shared/", "error: system 'files': backup.canaries[1] "
                                           "'/srv/shared/budget.xlsx'" + outside)));
  EXPECT_THAT(c.messages,
              HasSubstr(at("/srv/share/../", "error: system 'files': backup.canaries[2] "
                                             "'/srv/share/../etc/passwd'" + outside)));
  EXPECT_THAT(c.messages,
              HasSubstr(at("D:/Shares", "error: system 'files': backup.canaries[3] "
                                        "'D:/Shares/budget.xlsx'" + outside)));
  EXPECT_THAT(c.messages,
              HasSubstr(at("/srv/share/./", "warning: system 'files': backup.canaries[5] "
                                            "'/srv/share/./budget.xlsx' repeats "
                                            "backup.canaries[4]")));
  EXPECT_THAT(c.messages,
              HasSubstr("error: system 'bare': backup.canaries[0] '/srv/x/y' is not under any of "
                        "backup.paths (the system lists none)"));
  EXPECT_EQ(c.loaded.diagnostics.error_count(), 5u) << c.messages;
  EXPECT_EQ(c.loaded.diagnostics.warning_count(), 1u) << c.messages;
}

TEST(ValidateTest, LargeCleanPlanStaysQuiet) {
  std::string systems = "systems:\n";
  for (int i = 0; i < 2000; ++i) {
    systems += "  - {id: s" + std::to_string(i) + ", owner: ann, tier: t2" +
               (i ? ", depends_on: [s" + std::to_string(i / 2) + "]" : "") + "}\n";
  }
  Checked c = Check(PlanText(kPeople, systems));
  EXPECT_EQ(c.messages, "");
}

}  // namespace
}  // namespace stormproof::plan
