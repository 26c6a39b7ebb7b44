// `scenarios:` (src/continuity/plan/read_scenarios.cc, scenario_check.cc): read into plain
// structs, and every rule reported as one line at the offending value.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "continuity/plan/loader.h"
#include "continuity/plan/validate.h"
#include "tests/continuity/plan/plan_fixtures.h"

namespace stormproof::plan {
namespace {

using testing::kPeople;
using testing::PlanText;

// Sites, an ISP, a cloud vendor, a repository and two systems for scenarios to lose.
constexpr const char* kWorld = R"(vendors:
  - {id: fibre, kind: isp}
  - {id: cloud, kind: cloud}
sites:
  - {id: hq, isps: [fibre]}
repositories:
  - {id: nas, location: /srv/nas, site: hq}
clients:
  - {id: bank, name: Bank, comms: {liaison: ann}}
systems:
  - {id: db, owner: ann, tier: t2, sites: [hq]}
  - {id: app, owner: bob, tier: t2, depends_on: [db], client: bank}
)";

std::string WithScenarios(const std::string& scenarios) {
  return PlanText(kPeople, std::string(kWorld) + "scenarios:\n" + scenarios);
}

struct Checked {
  LoadResult loaded;
  std::string messages;
};

Checked Check(const std::string& text) {
  Checked c{LoadPlanFromText("plan.yaml", text), ""};
  Validate(c.loaded.plan, {*Date::Parse("2026-11-26")}, &c.loaded.diagnostics);
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

constexpr const char* kFull = R"(  - id: fire
    name: Fire at HQ
    description: The server room burns.
    starts: {day: friday, time: "17:30", timezone: Europe/London}
    lost:
      systems: [app, {id: db, for: 4h}]
      sites: [{id: hq, for: 7d}]
      vendors: [cloud]
      isps: [{id: fibre, for: 2d}]
      people: [{id: bob, for: 1w}]
      repositories: [nas, {id: nas, how: encrypted}]
      ransomware: bank
    injects:
      - {at: T+0m, text: Smoke alarm, to: ic}
      - {at: T+2h, text: The press calls, to: bob}
)";

TEST(ScenariosTest, ReadsEveryField) {
  Checked c = Check(WithScenarios(kFull));
  ASSERT_EQ(c.messages, "");
  ASSERT_EQ(c.loaded.plan.scenarios.size(), 1u);
  const Scenario& s = c.loaded.plan.scenarios[0];
  EXPECT_EQ(s.id, "fire");
  EXPECT_EQ(s.name, "Fire at HQ");
  EXPECT_EQ(s.description, "The server room burns.");
  EXPECT_EQ(s.starts.day, Weekday::kFriday);
  EXPECT_EQ(s.starts.minute_of_day, 17 * 60 + 30);
  EXPECT_EQ(s.starts.timezone, "Europe/London");
  ASSERT_EQ(s.lost.systems.size(), 2u);
  EXPECT_EQ(s.lost.systems[0].ref.id, "app");
  EXPECT_FALSE(s.lost.systems[0].duration);
  EXPECT_EQ(s.lost.systems[1].ref.id, "db");
  EXPECT_EQ(s.lost.systems[1].duration, Duration::Hours(4));
  ASSERT_EQ(s.lost.sites.size(), 1u);
  EXPECT_EQ(s.lost.sites[0].duration, Duration::Days(7));
  EXPECT_EQ(s.lost.vendors[0].ref.id, "cloud");
  EXPECT_EQ(s.lost.isps[0].duration, Duration::Days(2));
  EXPECT_EQ(s.lost.people[0].ref.id, "bob");
  EXPECT_EQ(s.lost.people[0].duration, Duration::Days(7));
  ASSERT_EQ(s.lost.repositories.size(), 2u);
  EXPECT_EQ(s.lost.repositories[0].how, RepositoryDamage::kLost);
  EXPECT_EQ(s.lost.repositories[1].how, RepositoryDamage::kEncrypted);
  ASSERT_TRUE(s.lost.ransomware);
  EXPECT_EQ(s.lost.ransomware->id, "bank");
  ASSERT_EQ(s.injects.size(), 2u);
  EXPECT_EQ(s.injects[1].at, Duration::Hours(2));
  EXPECT_EQ(s.injects[1].text, "The press calls");
  EXPECT_EQ(s.injects[1].to->id, "bob");
  EXPECT_EQ(c.loaded.plan.FindScenario("fire"), &s);
  EXPECT_EQ(WeekdayName(s.starts.day), std::string("friday"));
}

struct ScenarioCase {
  const char* name;
  const char* scenarios;  // the items of `scenarios:`
  const char* at;         // text on the line the diagnostic must point at
  const char* expect;     // the whole message after "plan.yaml:LINE:COL: "
};

class ScenarioRuleTest : public ::testing::TestWithParam<ScenarioCase> {};

TEST_P(ScenarioRuleTest, ReportsOneLineAtTheValue) {
  const ScenarioCase& sc = GetParam();
  std::string text = WithScenarios(sc.scenarios);
  Checked c = Check(text);
  std::string prefix = "plan.yaml:" + std::to_string(LineOf(text, sc.at)) + ":";
  bool found = false;
  for (const Diagnostic& d : c.loaded.diagnostics.all()) {
    std::string line = FormatDiagnostic(c.loaded.plan.files, d);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    size_t colon = line.find(": ", prefix.size());
    if (line.rfind(prefix, 0) == 0 && colon != std::string::npos &&
        line.substr(colon + 2) == sc.expect) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << "want " << prefix << "COL: " << sc.expect << "\ngot:\n" << c.messages;
}

constexpr const char* kStarts = "    starts: {day: monday, time: \"09:00\"}\n";

std::string One(const std::string& lost, const std::string& rest = "") {
  return std::string("  - id: s\n    name: S\n") + kStarts + "    lost:\n" + lost + rest;
}

const std::string kUnknownSystem = One("      systems: [dbx]\n");
const std::string kBadFor = One("      sites: [{id: hq, for: 7x}]\n");
const std::string kZeroFor = One("      people: [{id: ann, for: 0m}]\n");
const std::string kUnknownRepository = One("      repositories: [{id: nax, how: lost}]\n");
const std::string kBadHow = One("      repositories: [{id: nas, how: wiped}]\n");
const std::string kUnknownClient = One("      ransomware: banq\n");
const std::string kNotIsp = One("      isps: [cloud]\n");
const std::string kNothing = std::string("  - id: s\n    name: S\n") + kStarts + "    lost: {}\n";
const std::string kInjects = One("      systems: [db]\n",
                                 "    injects:\n"
                                 "      - {at: T+2h, text: a, to: carol}\n"
                                 "      - {at: T+1h, text: b}\n"
                                 "      - {at: 1h, text: c}\n"
                                 "      - {at: T+31d, text: d}\n");
const std::string kBadTime =
    "  - id: s\n    name: S\n    starts: {day: fri, time: \"24:00\"}\n"
    "    lost: {systems: [db]}\n";
const std::string kTwice = One("      systems: [db]\n") + One("      systems: [app]\n");

INSTANTIATE_TEST_SUITE_P(
    Rules, ScenarioRuleTest,
    ::testing::Values(
        ScenarioCase{"UnknownSystem", kUnknownSystem.c_str(), "dbx",
                     "error: scenario 's': unknown system 'dbx' in 'lost.systems' (did you "
                     "mean 'db'?)"},
        ScenarioCase{"BadDuration", kBadFor.c_str(), "7x}",
                     "error: scenario 's': lost.sites: 'for': invalid duration '7x': unknown "
                     "unit 'x' (expected e.g. 15m, 4h, 1h30m, 2d)"},
        ScenarioCase{"ZeroDuration", kZeroFor.c_str(), "0m",
                     "error: scenario 's': 'ann' in 'lost.people': 'for' must be longer than "
                     "zero"},
        ScenarioCase{"UnknownRepository", kUnknownRepository.c_str(), "nax",
                     "error: scenario 's': unknown repository 'nax' in 'lost.repositories' (did "
                     "you mean 'nas'?)"},
        ScenarioCase{"BadHow", kBadHow.c_str(), "wiped",
                     "error: scenario 's': lost.repositories: 'how' must be one of lost, "
                     "encrypted; found 'wiped'"},
        ScenarioCase{"UnknownClient", kUnknownClient.c_str(), "banq",
                     "error: scenario 's': unknown client 'banq' in 'lost.ransomware' (did you "
                     "mean 'bank'?)"},
        ScenarioCase{"NotAnIsp", kNotIsp.c_str(), "cloud]",
                     "warning: scenario 's': 'cloud' is listed as an ISP but its kind is cloud"},
        ScenarioCase{"LosesNothing", kNothing.c_str(), "lost: {}",
                     "error: scenario 's': loses nothing (list systems, sites, vendors, isps, "
                     "people, repositories or ransomware under 'lost')"},
        ScenarioCase{"UnknownInjectTarget", kInjects.c_str(), "carol",
                     "error: scenario 's': unknown person or role 'carol' in 'injects.to'"},
        ScenarioCase{"InjectOutOfOrder", kInjects.c_str(), "T+1h",
                     "error: scenario 's': inject at T+1h comes before the one above it (T+2h); "
                     "write injects in time order"},
        ScenarioCase{"InjectTimeUnparsed", kInjects.c_str(), "at: 1h",
                     "error: scenario 's': inject: 'at' must be T+ and a duration from the start "
                     "(T+0m, T+2h, T+1d4h), found '1h'"},
        ScenarioCase{"InjectTooLate", kInjects.c_str(), "T+31d",
                     "error: scenario 's': inject at T+4w3d is later than T+4w2d, the latest an "
                     "exercise runs to"},
        ScenarioCase{"BadDay", kBadTime.c_str(), "fri",
                     "error: scenario 's': starts: 'day' must be one of monday, tuesday, "
                     "wednesday, thursday, friday, saturday, sunday; found 'fri'"},
        ScenarioCase{"BadTime", kBadTime.c_str(), "24:00",
                     "error: scenario 's': starts: 'time' must be a time of day HH:MM from 00:00 "
                     "to 23:59, found '24:00'"}),
    [](const ::testing::TestParamInfo<ScenarioCase>& info) { return info.param.name; });

TEST(ScenariosTest, DuplicateIdNamesTheFirst) {
  std::string text = WithScenarios(kTwice);
  Checked c = Check(text);
  int first = LineOf(text, "  - id: s\n");
  int second = LineOf(text, "systems: [app]") - 4;
  EXPECT_NE(c.messages.find("plan.yaml:" + std::to_string(second) +
                            ":5: error: duplicate scenario id 's' (first defined at plan.yaml:" +
                            std::to_string(first) + ":5)\n"),
            std::string::npos)
      << c.messages;
}

TEST(ScenariosTest, MissingStartsAndLostAreReported) {
  Checked c = Check(WithScenarios("  - {id: s, name: S}\n"));
  EXPECT_NE(c.messages.find("error: scenario 's': missing required 'starts'"), std::string::npos)
      << c.messages;
  EXPECT_NE(c.messages.find("error: scenario 's': missing required 'lost'"), std::string::npos)
      << c.messages;
  EXPECT_EQ(c.messages.find("loses nothing"), std::string::npos) << c.messages;  // said once
}

TEST(ScenariosTest, ExampleMspHasThreeCleanScenarios) {
  LoadResult loaded =
      LoadPlan(std::string(STORMPROOF_EXAMPLES) + "/acme-msp/plan.yaml", LoadOptions{});
  Validate(loaded.plan, {*Date::Parse("2026-12-07")}, &loaded.diagnostics);
  EXPECT_EQ(loaded.diagnostics.error_count(), 0u);
  std::vector<std::string> ids;
  for (const Scenario& s : loaded.plan.scenarios) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"ransomware-harcourt-vale", "office-isp-down",
                                           "works-flood-lead-away"}));
}

}  // namespace
}  // namespace stormproof::plan
