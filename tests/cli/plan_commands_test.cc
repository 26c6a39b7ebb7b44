// End-to-end tests of the plan commands: the real binary on real files.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

const std::string kExample = std::string(STORMPROOF_EXAMPLES) + "/acme-msp/plan.yaml";
const std::string kAsOf = " --as-of 2026-11-26";

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

constexpr const char* kSmallPlan = R"(version: 1
msp: {id: acme, name: Acme IT}
review: {owner: ann, every: quarterly, last: 2026-10-01}
people:
  - {id: ann, name: Ann Archer, deputy: bob, contacts: {phone: "+1 555 0100", email: ann@example.com}, contacts_verified: 2026-10-01, skills: [db]}
  - {id: bob, name: Bob Baker, deputy: ann, contacts: {phone: "+1 555 0101", email: bob@example.com}, contacts_verified: 2026-10-01, skills: [db]}
roles:
  - {id: ic, name: Incident commander, holder: ann, backups: [bob]}
tiers:
  - {id: t1, name: Critical, rank: 1, rto: 2h, rpo: 15m, mtpd: 8h}
  - {id: t2, name: Important, rank: 2, rto: 1d, rpo: 1d, mtpd: 3d}
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

TEST_F(CliTest, HelpAndVersionExitZero) {
  CliResult help = RunStormproof("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Exit codes:"));
  EXPECT_THAT(help.out, HasSubstr("calendar"));
  CliResult sub = RunStormproof("plan audit --help");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_THAT(sub.out, HasSubstr("--fail-on"));
  CliResult version = RunStormproof("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, HasSubstr("stormproof "));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunStormproof("").exit_code, 2);
  EXPECT_EQ(RunStormproof("plan frobnicate").exit_code, 2);
  EXPECT_EQ(RunStormproof("plan check --no-such-flag").exit_code, 2);
  EXPECT_EQ(RunStormproof("plan audit --fail-on sometimes").exit_code, 2);
  CliResult bad_date = RunStormproof("plan check --plan x.yaml --as-of 2026-13-01");
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_THAT(bad_date.err, HasSubstr("--as-of: invalid date '2026-13-01'"));
}

TEST_F(CliTest, CheckCleanPlanExitsZero) {
  std::string plan = Write("plan.yaml", kSmallPlan);
  CliResult r = RunStormproof("plan check --plan " + plan + kAsOf);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            plan + ": 0 error(s), 0 warning(s) in 1 file(s): 0 clients, 2 systems, 2 people\n");
}

TEST_F(CliTest, CheckReportsEveryProblemWithPositionAndExitsThree) {
  std::string text = kSmallPlan;
  text.replace(text.find("owner: bob"), 10, "owner: bobb");
  text.replace(text.find("rto: 2h"), 7, "rto: 2 hours");
  std::string plan = Write("plan.yaml", text);
  CliResult r = RunStormproof("plan check --plan " + plan + kAsOf);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.out,
              HasSubstr(plan + ":10:44: error: tier 't1': 'rto': invalid duration '2 hours'"))
      << r.out;
  EXPECT_THAT(r.out,
              HasSubstr(plan + ":20:12: error: system 'app': unknown person 'bobb' in 'owner' "
                               "(did you mean 'bob'?)"))
      << r.out;
}

TEST_F(CliTest, StrictTurnsWarningsIntoFailure) {
  std::string text = kSmallPlan;
  text.replace(text.find("contacts_verified: 2026-10-01"), 29, "contacts_verified: 2026-01-01");
  std::string plan = Write("plan.yaml", text);
  EXPECT_EQ(RunStormproof("plan check --plan " + plan + kAsOf).exit_code, 0);
  CliResult strict = RunStormproof("plan check --strict --plan " + plan + kAsOf);
  EXPECT_EQ(strict.exit_code, 3);
  EXPECT_THAT(strict.out, HasSubstr("warning: person 'ann': contacts last verified 2026-01-01"));
}

TEST_F(CliTest, UnreadablePlansExitOneWithOneClearLine) {
  struct Case {
    const char* name;
    std::string content;
    const char* expect;
  } cases[] = {
      {"syntax.yaml", "msp: {id: a\n", ":2:1: error: YAML syntax"},
      {"empty.yaml", "", ":1:1: error: the file is empty"},
      {"binary.yaml", std::string("msp: \xFF\xFE\n"), ":1:6: error: not valid UTF-8"},
  };
  for (const Case& c : cases) {
    std::string plan = Write(c.name, c.content);
    CliResult r = RunStormproof("plan check --plan " + plan);
    EXPECT_EQ(r.exit_code, 1) << c.name;
    EXPECT_THAT(r.out, HasSubstr(plan + c.expect)) << c.name << ": " << r.out;
  }
  CliResult missing = RunStormproof("plan check --plan " + (dir_ / "nope.yaml").string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.out, HasSubstr("nope.yaml: error: cannot open: No such file or directory"));
}

TEST_F(CliTest, CommandsRefuseAnInvalidPlanWithExitThree) {
  std::string text = kSmallPlan;
  text.replace(text.find("depends_on: [db]"), 16, "depends_on: [app]");
  std::string plan = Write("plan.yaml", text);
  for (const char* cmd : {"plan audit", "plan order", "plan render", "calendar"}) {
    CliResult r = RunStormproof(std::string(cmd) + " --plan " + plan + kAsOf);
    EXPECT_EQ(r.exit_code, 3) << cmd;
    EXPECT_THAT(r.err, HasSubstr("dependency cycle: app -> app")) << cmd << r.err;
  }
}

TEST_F(CliTest, PlanFromEnvironment) {
  std::string plan = Write("plan.yaml", kSmallPlan);
  CliResult r = RunStormproof("plan check" + kAsOf, "STORMPROOF_PLAN=" + plan);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliTest, JsonOutputsParse) {
  std::string plan = Write("plan.yaml", kSmallPlan);
  for (const char* cmd :
       {"plan check", "plan audit --fail-on never", "plan order", "calendar", "plan render"}) {
    CliResult r = RunStormproof(std::string(cmd) + " --json --plan " + plan + kAsOf);
    EXPECT_EQ(r.exit_code, 0) << cmd << r.err;
    auto parsed = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << cmd << ": " << r.out.substr(0, 200);
  }
  auto check = nlohmann::json::parse(RunStormproof("plan check --json --plan " + plan + kAsOf).out);
  EXPECT_EQ(check["errors"], 0);
  EXPECT_EQ(check["counts"]["systems"], 2);
}

TEST_F(CliTest, OrderPutsDependenciesFirstAndProjectsTimes) {
  std::string plan = Write("plan.yaml", kSmallPlan);
  CliResult r = RunStormproof("plan order --json --plan " + plan + kAsOf);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto steps = nlohmann::json::parse(r.out)["steps"];
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0]["system"], "db");
  EXPECT_EQ(steps[0]["back"], "1h");
  EXPECT_EQ(steps[1]["system"], "app");
  EXPECT_EQ(steps[1]["back"], "1h30m");
  EXPECT_EQ(steps[1]["owner"]["name"], "Bob Baker");
  EXPECT_EQ(steps[1]["deputy"]["name"], "Ann Archer");
  CliResult unknown = RunStormproof("plan order --client nobody --plan " + plan + kAsOf);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown client 'nobody'"));
}

TEST_F(CliTest, OrderSaysWhoRestoresEachSystemAndWhen) {
  // Ann restores db and Bob, her deputy, reports at the same time; app waits for db and for
  // Bob; nobody holds the tapes skill that files' checklist needs.
  std::string plan = Write("plan.yaml", std::string(kSmallPlan) + R"(  - id: reports
    owner: ann
    tier: t1
    skills: [db]
    restore: {estimate: 1h, checklist: [Restore the reports], verify: "true"}
  - id: files
    owner: ann
    tier: t2
    restore: {estimate: 2h, checklist: [{step: Mount the tapes, skill: tapes}]}
)");
  CliResult r = RunStormproof("plan order --plan " + plan + kAsOf);
  EXPECT_EQ(r.exit_code, 3) << "a system nobody can restore is a problem\n" << r.err;
  for (const char* line : {"restored by Ann Archer (owner), T+0s to T+1h\n",
                           "restored by Bob Baker (deputy), T+0s to T+1h\n",
                           "restored by Bob Baker (owner), T+1h to T+1h30m\n",
                           "rto: 1d  CANNOT BE RESTORED\n",
                           "     nobody can restore it: needs its owner (ann) or someone trained "
                           "in files, who also holds the checklist's skills tapes\n",
                           "4 systems; the others back by T+1h30m; 0 projected past their RTO; 1 "
                           "cannot be restored\n"}) {
    EXPECT_THAT(r.out, HasSubstr(line)) << line << "\nin:\n" << r.out;
  }
  CliResult json = RunStormproof("plan order --json --plan " + plan);
  EXPECT_EQ(json.exit_code, 3) << json.err;
  auto steps = nlohmann::json::parse(json.out)["steps"];
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[1]["system"], "reports");
  EXPECT_EQ(steps[1]["restored_by"]["id"], "bob");
  EXPECT_EQ(steps[1]["restorer"], "deputy");
  EXPECT_EQ(steps[2]["ready"], "1h");
  EXPECT_EQ(steps[3]["system"], "files");
  EXPECT_EQ(steps[3]["restorer"], "nobody");
  EXPECT_TRUE(steps[3]["back"].is_null());
  EXPECT_TRUE(steps[3]["restored_by"].is_null());
  EXPECT_NE(steps[3]["not_restorable"].get<std::string>().find("tapes"), std::string::npos);
}

TEST_F(CliTest, RenderWritesSelfContainedHtmlFile) {
  std::string plan = Write("plan.yaml", kSmallPlan);
  std::string out = (dir_ / "runbook.html").string();
  CliResult r = RunStormproof("plan render --plan " + plan + " --out " + out + kAsOf);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = ReadAll(out);
  EXPECT_THAT(html, HasSubstr("<html"));
  EXPECT_THAT(html, HasSubstr("Ann Archer"));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  CliResult bad_dir = RunStormproof("plan render --plan " + plan + " --out /nonexistent/x.html");
  EXPECT_EQ(bad_dir.exit_code, 1);
  EXPECT_THAT(bad_dir.err, HasSubstr("/nonexistent/x.html"));
}

TEST_F(CliTest, CalendarIsICalendar) {
  std::string plan = Write("plan.yaml", kSmallPlan);
  CliResult r = RunStormproof("calendar --plan " + plan + kAsOf);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("BEGIN:VCALENDAR\r\n", 0), 0u);
  EXPECT_THAT(r.out, HasSubstr("RRULE:FREQ=MONTHLY;INTERVAL=3"));
  EXPECT_THAT(r.out, HasSubstr("END:VCALENDAR"));
}

TEST_F(CliTest, ExamplePlanChecksCleanAndRendersEverything) {
  ASSERT_TRUE(fs::exists(kExample)) << kExample;
  CliResult check = RunStormproof("plan check --plan " + kExample + kAsOf);
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_THAT(check.out, HasSubstr(" 0 error(s)")) << check.out;
  CliResult audit = RunStormproof("plan audit --fail-on never --plan " + kExample + kAsOf);
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  CliResult order = RunStormproof("plan order --plan " + kExample + kAsOf);
  EXPECT_EQ(order.exit_code, 0) << order.err;
  std::string out = (dir_ / "acme.html").string();
  EXPECT_EQ(RunStormproof("plan render --plan " + kExample + " --out " + out + kAsOf).exit_code, 0);
  EXPECT_GT(fs::file_size(out), 10000u);
}

// --fail-on SEVERITY counts the findings at that severity or above (the words are the audit's
// severity names, most severe first) and exits 3 when there is one; "never" counts none.
TEST_F(CliTest, AuditFailOnCountsFindingsAtOrAboveTheSeverity) {
  const std::vector<std::string> levels = {"critical", "high", "medium", "low"};
  auto all = nlohmann::json::parse(
      RunStormproof("plan audit --fail-on never --json --plan " + kExample + kAsOf).out);
  for (size_t level = 0; level <= levels.size(); ++level) {
    const std::string word = level < levels.size() ? levels[level] : "never";
    size_t expected = 0;
    for (const auto& finding : all["findings"]) {
      auto rank = std::find(levels.begin(), levels.end(), finding["severity"].get<std::string>());
      expected += word != "never" && rank <= levels.begin() + static_cast<long>(level) ? 1 : 0;
    }
    CliResult r =
        RunStormproof("plan audit --json --fail-on " + word + " --plan " + kExample + kAsOf);
    auto head = nlohmann::json::parse(r.out);
    EXPECT_EQ(head["failing"], expected) << word;
    EXPECT_EQ(r.exit_code, expected > 0 ? 3 : 0) << word;
  }
  EXPECT_GT(all["count"].get<size_t>(), 0u);  // the example has findings to count
}

}  // namespace
}  // namespace stormproof::testing
