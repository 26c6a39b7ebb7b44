#include "continuity/plan/loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "continuity/plan/validate.h"
#include "tests/continuity/plan/plan_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::plan {
namespace {

using testing::kHeader;
using testing::kPeople;
using testing::kSystems;
using testing::PlanText;

std::string AllMessages(const LoadResult& r) {
  std::string out;
  for (const Diagnostic& d : r.diagnostics.all()) out += FormatDiagnostic(r.plan.files, d) + "\n";
  return out;
}

// 1-based line of the first occurrence of `needle` in `text`.
int LineOf(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

TEST(LoaderTest, LoadsEveryKindOfEntity) {
  LoadResult r = LoadPlanFromText("plan.yaml", PlanText(kPeople, kSystems));
  ASSERT_EQ(r.diagnostics.all().size(), 0u) << AllMessages(r);
  const Plan& p = r.plan;
  EXPECT_EQ(p.msp.name, "Acme IT");
  ASSERT_EQ(p.people.size(), 2u);
  EXPECT_EQ(p.people[0].contacts.size(), 2u);
  EXPECT_EQ(p.people[0].contacts[0].kind, ContactKind::kEmail);
  EXPECT_EQ(p.people[0].deputy->id, "bob");
  ASSERT_EQ(p.tiers.size(), 2u);
  EXPECT_EQ(*p.tiers[0].rto, Duration::Hours(2));
  const System* db = p.FindSystem("db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->checklist.size(), 2u);
  EXPECT_EQ(db->verify_command, "test -s \"$STORMPROOF_RESTORE_PATH/db.bak\"");
  EXPECT_EQ(p.review.every->ToString(), "3mo");
}

TEST(LoaderTest, ReportsUnknownKeysWithSuggestionAndPosition) {
  std::string text = PlanText(kPeople, R"(systems:
  - id: db
    ownr: ann
    tier: t1
)");
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  std::string messages = AllMessages(r);
  EXPECT_THAT(messages,
              HasSubstr("plan.yaml:" + std::to_string(LineOf(text, "ownr")) +
                        ":5: error: system 'db': unknown key 'ownr' (did you mean 'owner'?)"))
      << messages;
  EXPECT_THAT(messages, HasSubstr("system 'db': missing required 'owner'"));
}

struct BadValueCase {
  const char* snippet;  // replaces the systems block
  const char* at;       // text on the line the error must point at
  const char* message;  // part of the expected message
};

class LoaderBadValueTest : public ::testing::TestWithParam<BadValueCase> {};

TEST_P(LoaderBadValueTest, PointsAtTheOffendingValue) {
  const BadValueCase& c = GetParam();
  std::string text = PlanText(kPeople, c.snippet);
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  std::string want = "plan.yaml:" + std::to_string(LineOf(text, c.at)) + ":";
  bool found = false;
  for (const Diagnostic& d : r.diagnostics.all()) {
    std::string line = FormatDiagnostic(r.plan.files, d);
    if (line.find(c.message) != std::string::npos && line.rfind(want, 0) == 0) found = true;
  }
  EXPECT_TRUE(found) << "want " << want << " ... " << c.message << "\ngot:\n" << AllMessages(r);
}

INSTANTIATE_TEST_SUITE_P(
    Values, LoaderBadValueTest,
    ::testing::Values(
        BadValueCase{"systems:\n  - {id: a, owner: ann, tier: t1, rto: 4 hours}\n", "4 hours",
                     "invalid duration '4 hours'"},
        BadValueCase{"systems:\n  - {id: a, owner: ann, tier: t1, rpo: 15min}\n", "15min",
                     "'rpo': invalid duration"},
        BadValueCase{"systems:\n  - {id: a, owner: ann, tier: t1, depends_on: {x: 1}}\n",
                     "depends_on", "expected a list, found a mapping"},
        BadValueCase{"systems:\n  - {id: a, owner: ann, tier: t1, downtime_cost_per_hour: lots}\n",
                     "lots", "'downtime_cost_per_hour' must be a number"},
        BadValueCase{"systems:\n  - {id: 'a b', owner: ann, tier: t1}\n", "a b",
                     "is not a valid id"},
        BadValueCase{"systems:\n  - just-a-string\n", "just-a-string",
                     "system: expected a mapping of keys, found a single value"},
        BadValueCase{"systems: {id: a}\n", "systems:", "systems: expected a list"},
        BadValueCase{"systems:\n  - id: a\n    owner: [ann]\n    tier: t1\n", "[ann]",
                     "'owner' must be a single value, found a list"},
        BadValueCase{"repositories:\n  - {id: r, location: /x, immutable: maybe}\n", "maybe",
                     "'immutable' must be true or false"},
        BadValueCase{"repositories:\n  - {id: r, location: /x, medium: floppy}\n", "floppy",
                     "'medium' must be one of disk, object, tape, cloud"},
        BadValueCase{"training:\n  - {person: ann, skill: db, date: 2026-02-30}\n", "2026-02-30",
                     "invalid date '2026-02-30'"}));

TEST(LoaderTest, SyntaxErrorIsUnreadableWithPosition) {
  LoadResult r = LoadPlanFromText("plan.yaml", "version: 1\nmsp: {id: acme\ntiers: []\n");
  EXPECT_FALSE(r.readable);
  ASSERT_EQ(r.diagnostics.error_count(), 1u);
  EXPECT_THAT(AllMessages(r), HasSubstr("plan.yaml:"));
  EXPECT_THAT(AllMessages(r), HasSubstr("YAML syntax"));
}

TEST(LoaderTest, EmptyAndCommentOnlyFilesAreUnreadable) {
  for (const char* text : {"", "# nothing\n", "---\n", "~\n"}) {
    LoadResult r = LoadPlanFromText("plan.yaml", text);
    EXPECT_FALSE(r.readable) << text;
    EXPECT_THAT(AllMessages(r), HasSubstr("the file is empty")) << text;
  }
}

TEST(LoaderTest, TopLevelMustBeAMapping) {
  LoadResult r = LoadPlanFromText("plan.yaml", "- a\n- b\n");
  EXPECT_FALSE(r.readable);
  EXPECT_THAT(AllMessages(r), HasSubstr("expected a mapping"));
}

TEST(LoaderTest, NonUtf8TextIsUnreadableWithPosition) {
  LoadResult r = LoadPlanFromText("plan.yaml", "version: 1\nmsp: {id: acme, name: Caf\xE9}\n");
  EXPECT_FALSE(r.readable);
  EXPECT_THAT(AllMessages(r), HasSubstr("plan.yaml:2:26: error: not valid UTF-8 (byte 0xe9)"))
      << AllMessages(r);
}

TEST(LoaderTest, RejectsNewerFormatVersion) {
  LoadResult r = LoadPlanFromText("plan.yaml", "version: 2\nmsp: {id: acme, name: A}\n");
  EXPECT_THAT(AllMessages(r), HasSubstr("plan format version 2 is newer"));
}

TEST(LoaderTest, RefusesFilesOverTheSizeLimit) {
  LoadOptions options;
  options.max_file_bytes = 100;
  LoadResult r = LoadPlanFromText("plan.yaml", std::string(200, '#'), options);
  EXPECT_FALSE(r.readable);
}

// A plan whose one system's checklist (`steps` items, written once) is aliased `copies` times
// more: each alias adds `steps` + 4 nodes to what the loader walks.
std::string WideAliasPlan(int steps, int copies) {
  std::string text = std::string(kHeader) + "people:\n  - {id: ann, name: Ann}\n" +
                     "systems: [&s {id: s, owner: ann, tier: t1, restore: {checklist: [a";
  for (int i = 1; i < steps; ++i) text += ", a";
  text += "]}}";
  for (int i = 0; i < copies; ++i) text += ", *s";
  return text + "]\n";
}

TEST(LoaderTest, AliasBombIsRefusedWithItsPosition) {
  // 96 KB that the old limit (20 million nodes) let expand to 20 million checklist steps: seconds
  // and gigabytes. Now it is refused while parsing, before any of it is read.
  std::string text = WideAliasPlan(31'000, 640);
  ASSERT_LT(text.size(), 100'000u);
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  EXPECT_FALSE(r.readable);
  ASSERT_EQ(r.diagnostics.all().size(), 1u) << AllMessages(r);
  std::string want = "plan.yaml:" + std::to_string(LineOf(text, "systems:")) + ":";
  std::string message = AllMessages(r);
  EXPECT_EQ(message.rfind(want, 0), 0u) << message;
  EXPECT_THAT(message,
              HasSubstr(": error: YAML syntax: aliases expand to more than 1000000 nodes\n"))
      << message;
  EXPECT_TRUE(r.plan.systems.empty());
}

TEST(LoaderTest, NestedAliasBombIsRefused) {
  // "Billion laughs": each level ten aliases of the one before.
  std::string text = std::string(kHeader) + "people:\n  - id: ann\n    name: Ann\n    skills:\n" +
                     "      - &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 9; ++level) {
    std::string previous = "*l" + std::to_string(level - 1);
    text += "      - &l" + std::to_string(level) + " [" + previous;
    for (int k = 1; k < 10; ++k) text += ", " + previous;
    text += "]\n";
  }
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  EXPECT_FALSE(r.readable);
  std::string message = AllMessages(r);
  EXPECT_NE(message.find("plan.yaml:" + std::to_string(LineOf(text, "&l5")) +
                         ":"),  // 10^6 nodes, with the ones before just over the limit
            std::string::npos)
      << message;
  EXPECT_THAT(message, HasSubstr("error: YAML syntax: aliases expand to more than 1000000 nodes"))
      << message;
}

TEST(LoaderTest, ManyAliasesUnderTheLimitLoad) {
  // 2,000 systems sharing their backup and restore settings through aliases.
  std::string text = std::string(kHeader) + kPeople +
                     "repositories:\n  - {id: nas, location: /srv/backup}\n  - {id: cloud, "
                     "location: 's3:https://s3.example.com/bucket', medium: object}\n" +
                     "systems:\n";
  for (int i = 0; i < 2000; ++i) {
    text += "  - id: s" + std::to_string(i) + "\n    owner: ann\n    tier: t2\n";
    if (i == 0) {
      text += "    backup: &backup {paths: [/data, /etc], repositories: [nas, cloud]}\n";
      text +=
          "    restore: &restore\n      estimate: 30m\n      checklist: [Restore, Start, "
          "Check]\n      verify: test -d \"$STORMPROOF_RESTORE_PATH/data\"\n";
    } else {
      text += "    backup: *backup\n    restore: *restore\n";
    }
  }
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  ASSERT_TRUE(r.readable) << AllMessages(r);
  EXPECT_EQ(r.diagnostics.error_count(), 0u) << AllMessages(r);
  ASSERT_EQ(r.plan.systems.size(), 2000u);
  EXPECT_EQ(r.plan.systems.back().checklist.size(), 3u);
  EXPECT_EQ(r.plan.systems.back().backup.repositories.size(), 2u);
}

TEST(LoaderTest, MessagesShowBadValuesOnOneLineAtMost) {
  std::string text = PlanText(kPeople, R"(systems:
  - id: a
    owner: ann
    tier: t1
    rto: |
      4h
      root:$6$secret:19000:0:99999:7:::
    rpo: "15m\e[2J"
    downtime_cost_per_hour: "12\nsecond line"
)");
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  std::string messages = AllMessages(r);
  EXPECT_THAT(messages, HasSubstr("system 'a': 'rto': invalid duration '…' (several lines)"))
      << messages;
  EXPECT_THAT(messages, HasSubstr("system 'a': 'rpo': invalid duration '15m\\x1b[2J'")) << messages;
  EXPECT_THAT(messages, HasSubstr("'downtime_cost_per_hour' must be a number, found '12…'"))
      << messages;
  EXPECT_THAT(messages, Not(HasSubstr("secret"))) << messages;
  EXPECT_THAT(messages, Not(HasSubstr("second line"))) << messages;
  EXPECT_EQ(messages.find('\x1b'), std::string::npos) << messages;
}

TEST(LoaderTest, FormattedDiagnosticIsOneLine) {
  Diagnostic d{Severity::kError, {0, 1, 1}, "unknown key 'a\nb\x1b[2J'", "unknown-key"};
  EXPECT_EQ(FormatDiagnostic({"plan\n.yaml"}, d),
            "plan\\x0a.yaml:1:1: error: unknown key 'a\\x0ab\\x1b[2J'");
}

TEST(LoaderTest, MissingFileAndDirectoryAreUnreadable) {
  LoadResult missing = LoadPlan("/nonexistent/plan.yaml");
  EXPECT_FALSE(missing.readable);
  EXPECT_THAT(AllMessages(missing), HasSubstr("/nonexistent/plan.yaml: error: cannot open"));
  LoadResult dir = LoadPlan("/tmp");
  EXPECT_FALSE(dir.readable);
  EXPECT_THAT(AllMessages(dir), HasSubstr("is a directory"));
}

class LoaderIncludeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("stormproof-loader-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "clients");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(LoaderIncludeTest, MergesIncludedFilesAndKeepsTheirPositions) {
  Write("plan.yaml", PlanText(kPeople, kSystems) + "include: [clients/*.yaml]\n");
  Write("clients/a.yaml",
        "clients:\n  - {id: a, name: A Ltd}\nsystems:\n  - {id: a-web, owner: ann, tier: t2, "
        "client: a}\n");
  Write("clients/b.yaml", "clients:\n  - {id: b, name: B Ltd, colour: red}\n");
  LoadResult r = LoadPlan(Path("plan.yaml"));
  EXPECT_TRUE(r.readable);
  EXPECT_EQ(r.plan.files.size(), 3u);
  EXPECT_NE(r.plan.FindClient("a"), nullptr);
  EXPECT_NE(r.plan.FindSystem("a-web"), nullptr);
  std::string messages = AllMessages(r);
  EXPECT_THAT(messages, HasSubstr("clients/b.yaml:2:26: error: client 'b': unknown key 'colour'"))
      << messages;
}

TEST_F(LoaderIncludeTest, IncludedFilesCannotSetRootOnlyKeys) {
  Write("plan.yaml", PlanText(kPeople, kSystems) + "include: clients/a.yaml\n");
  Write("clients/a.yaml", "msp: {id: other, name: Other}\n");
  LoadResult r = LoadPlan(Path("plan.yaml"));
  EXPECT_THAT(AllMessages(r), HasSubstr("included plan file: unknown key 'msp'")) << AllMessages(r);
}

TEST_F(LoaderIncludeTest, ReportsMissingIncludesCyclesAndEmptyGlobs) {
  Write("plan.yaml", PlanText(kPeople, kSystems) +
                         "include: [clients/missing.yaml, clients/loop.yaml, none/*.yaml]\n");
  Write("clients/loop.yaml", "include: [../plan.yaml]\n");
  LoadResult r = LoadPlan(Path("plan.yaml"));
  std::string messages = AllMessages(r);
  EXPECT_FALSE(r.readable);
  EXPECT_THAT(messages,
              HasSubstr("included file '" + Path("clients/missing.yaml") + "': cannot open"))
      << messages;
  EXPECT_THAT(messages, HasSubstr("is already part of the plan")) << messages;
  EXPECT_THAT(messages, HasSubstr("pattern 'none/*.yaml' matches no file"));
}

TEST_F(LoaderIncludeTest, FileWithoutAPlanKeyIsOneMessageNotOnePerLine) {
  // A file included by mistake: every line a key, none a plan key. Printing an "unknown key"
  // per line would print the file.
  Write("plan.yaml", PlanText(kPeople, kSystems) + "include: [clients/*.yaml]\n");
  Write("clients/shadow.yaml",
        "root:$6$rootsalt$rootHASH:19000:0:99999:7:::\n"
        "ann:$6$annsalt$annHASH:19000:0:99999:7:::\n"
        "bob:$6$bobsalt$bobHASH:19000:0:99999:7:::\n");
  Write("clients/typo.yaml", "sytems:\n  - {id: x, owner: ann, tier: t1}\n");
  LoadResult r = LoadPlan(Path("plan.yaml"));
  EXPECT_FALSE(r.readable);
  std::string messages = AllMessages(r);
  EXPECT_THAT(messages,
              HasSubstr("clients/shadow.yaml:1:1: error: included plan file: not a plan file: "
                        "none of its 3 top-level keys is a plan key; the first is "
                        "'root:$6$rootsalt$rootHASH:19000:0:99999:7::'\n"))
      << messages;
  EXPECT_THAT(messages, Not(HasSubstr("annHASH"))) << messages;
  EXPECT_THAT(messages, Not(HasSubstr("bobHASH"))) << messages;
  EXPECT_THAT(messages,
              HasSubstr("clients/typo.yaml:1:1: error: included plan file: not a plan file: its "
                        "only top-level key, 'sytems' (did you mean 'systems'?), is not a plan "
                        "key"))
      << messages;
}

TEST_F(LoaderIncludeTest, AliasesCountOverAllFilesTogether) {
  // Each file's aliases add 600,000 nodes: one file is within the limit, two are not.
  std::string bomb = "vendors: []\nx: &a [x";
  for (int i = 1; i < 999; ++i) bomb += ", x";
  bomb += "]\ny: [*a";
  for (int i = 1; i < 600; ++i) bomb += ", *a";
  bomb += "]\n";
  Write("plan.yaml", PlanText(kPeople, kSystems) + "include: [clients/*.yaml]\n");
  Write("clients/a.yaml", bomb);
  Write("clients/b.yaml", bomb);
  LoadResult r = LoadPlan(Path("plan.yaml"));
  EXPECT_FALSE(r.readable);
  std::string messages = AllMessages(r);
  size_t at = messages.find(
      "error: YAML syntax: aliases expand to more than 1000000 nodes (600000 "
      "of them in the files read before)");
  ASSERT_NE(at, std::string::npos) << messages;
  size_t line_start = messages.rfind('\n', at) + 1;  // 0 on the first line
  EXPECT_EQ(
      messages.compare(line_start, Path("clients/b.yaml:3:").size(), Path("clients/b.yaml:3:")), 0)
      << messages;
  // a.yaml, read first, was within the limit: the only such message is b.yaml's.
  EXPECT_EQ(messages.find("aliases expand"), at + std::string("error: YAML syntax: ").size())
      << messages;
  EXPECT_EQ(messages.find("aliases expand", at + 40), std::string::npos) << messages;
}

// The plan in DIR/msp; files outside its tree in DIR/elsewhere.
class LoaderIncludeOutsideTest : public LoaderIncludeTest {
 protected:
  void SetUp() override {
    LoaderIncludeTest::SetUp();
    std::filesystem::create_directories(dir_ / "msp/clients");
    std::filesystem::create_directories(dir_ / "elsewhere");
    Write("elsewhere/vendors.yaml", "vendors:\n  - {id: isp, name: ISP, kind: isp}\n");
  }
  void WritePlan(const std::string& include) {
    Write("msp/plan.yaml", PlanText(kPeople, kSystems) + "include: " + include + "\n");
  }
  LoadResult Load(bool allow = false) {
    LoadOptions options;
    options.allow_include_outside = allow;
    return LoadPlan(Path("msp/plan.yaml"), options);
  }
  std::string PlanDir() { return std::filesystem::canonical(dir_ / "msp").string(); }
  // The message for an include on the plan's last line, in column 10 (after "include: ") or
  // 11 (after "include: [").
  std::string Refused(int column, const std::string& written, const std::string& resolves_to = "") {
    std::string text = PlanText(kPeople, kSystems);
    int line = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    return Path("msp/plan.yaml") + ":" + std::to_string(line) + ":" + std::to_string(column) +
           ": error: include '" + written + "'" +
           (resolves_to.empty() ? "" : " (it resolves to " + resolves_to + ")") +
           " is outside the plan's directory (" + PlanDir() +
           "); pass --allow-include-outside to allow it\n";
  }
};

TEST_F(LoaderIncludeOutsideTest, AbsolutePathOutsideIsRefusedUnread) {
  WritePlan(Path("elsewhere/vendors.yaml"));
  LoadResult r = Load();
  EXPECT_EQ(AllMessages(r), Refused(10, Path("elsewhere/vendors.yaml"))) << AllMessages(r);
  EXPECT_EQ(r.plan.files.size(), 1u);  // never opened
  EXPECT_EQ(r.plan.FindVendor("isp"), nullptr);
  EXPECT_EQ(r.diagnostics.all()[0].rule, "include-outside");
}

TEST_F(LoaderIncludeOutsideTest, SystemFileIsRefused) {
  WritePlan("[/etc/shadow]");
  LoadResult r = Load();
  EXPECT_EQ(AllMessages(r), Refused(11, "/etc/shadow")) << AllMessages(r);
  EXPECT_EQ(r.plan.files.size(), 1u);
}

TEST_F(LoaderIncludeOutsideTest, DotDotPathIsRefused) {
  WritePlan("../elsewhere/vendors.yaml");
  LoadResult r = Load();
  EXPECT_EQ(AllMessages(r), Refused(10, "../elsewhere/vendors.yaml")) << AllMessages(r);
  EXPECT_EQ(r.plan.FindVendor("isp"), nullptr);
}

TEST_F(LoaderIncludeOutsideTest, DotDotPatternIsRefusedWithoutListingTheDirectory) {
  WritePlan("[../elsewhere/*.yaml]");
  LoadResult r = Load();
  EXPECT_EQ(AllMessages(r), Refused(11, "../elsewhere/*.yaml")) << AllMessages(r);
}

TEST_F(LoaderIncludeOutsideTest, LinkInsideTheTreeToAFileOutsideIsRefused) {
  std::filesystem::create_symlink("../../elsewhere/vendors.yaml", dir_ / "msp/clients/link.yaml");
  Write("msp/clients/a.yaml", "clients:\n  - {id: a, name: A Ltd}\n");
  WritePlan("[clients/*.yaml]");
  LoadResult r = Load();
  std::string outside = std::filesystem::canonical(dir_ / "elsewhere/vendors.yaml").string();
  EXPECT_EQ(AllMessages(r), Refused(11, "clients/link.yaml", outside)) << AllMessages(r);
  EXPECT_NE(r.plan.FindClient("a"), nullptr);  // the other match is read
  EXPECT_EQ(r.plan.FindVendor("isp"), nullptr);
}

TEST_F(LoaderIncludeOutsideTest, LinkedDirectoryOutsideIsRefused) {
  std::filesystem::create_directory_symlink("../elsewhere", dir_ / "msp/shared");
  WritePlan("[shared/vendors.yaml, shared/*.yaml]");
  LoadResult r = Load();
  std::string outside = std::filesystem::canonical(dir_ / "elsewhere").string();
  EXPECT_EQ(AllMessages(r), Refused(11, "shared/vendors.yaml", outside + "/vendors.yaml") +
                                Refused(32, "shared/*.yaml", outside))
      << AllMessages(r);
}

TEST_F(LoaderIncludeOutsideTest, AllowedWithTheOption) {
  std::filesystem::create_symlink("../../elsewhere/vendors.yaml", dir_ / "msp/clients/link.yaml");
  WritePlan("[../elsewhere/vendors.yaml]");
  LoadResult r = Load(/*allow=*/true);
  EXPECT_TRUE(r.readable) << AllMessages(r);
  EXPECT_EQ(r.diagnostics.error_count(), 0u) << AllMessages(r);
  EXPECT_NE(r.plan.FindVendor("isp"), nullptr);
}

TEST_F(LoaderIncludeOutsideTest, FileInsideTheTreeIsStillRead) {
  Write("msp/clients/a.yaml", "clients:\n  - {id: a, name: A Ltd}\n  - {id: b, name: B, x: 1}\n");
  WritePlan("[clients/../clients/a.yaml]");
  LoadResult r = Load();
  EXPECT_NE(r.plan.FindClient("a"), nullptr) << AllMessages(r);
  EXPECT_THAT(AllMessages(r), HasSubstr("client 'b': unknown key 'x'"));
}

TEST_F(LoaderIncludeOutsideTest, SecretFileOutsideShowsNoneOfItsLinesEvenWhenAllowed) {
  Write("elsewhere/shadow",
        "root:$6$rootsalt$rootHASH:19000:0:99999:7:::\n"
        "ann:$6$annsalt$annHASH:19000:0:99999:7:::\n");
  WritePlan("[../elsewhere/shadow]");
  LoadResult r = Load(/*allow=*/true);
  EXPECT_FALSE(r.readable);
  std::string messages = AllMessages(r);
  EXPECT_EQ(messages, Path("elsewhere/shadow") +
                          ":1:1: error: included plan file: not a plan file: none of its 2 "
                          "top-level keys is a plan key\n")
      << messages;
}

TEST_F(LoaderIncludeOutsideTest, BinaryFileShowsAtMostOneLine) {
  // Lines of text between bytes that are not UTF-8 or not allowed in YAML.
  std::string binary = "SECRET-1: a\nSECRET-2: b\n\x01\x02SECRET-3\n";
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  binary += "\nSECRET-4: d\n";
  Write("elsewhere/blob.bin", binary);
  Write("msp/clients/blob.bin", binary);
  WritePlan("[../elsewhere/blob.bin, clients/blob.bin]");
  LoadResult r = Load(/*allow=*/true);
  EXPECT_FALSE(r.readable);
  std::string messages = AllMessages(r);
  EXPECT_EQ(r.diagnostics.all().size(), 2u) << messages;
  int shown = 0;
  for (const char* line : {"SECRET-1", "SECRET-2", "SECRET-3", "SECRET-4"}) {
    shown += messages.find(line) != std::string::npos;
  }
  EXPECT_LE(shown, 1) << messages;
  EXPECT_EQ(std::count(messages.begin(), messages.end(), '\n'), 2) << messages;
}

TEST_F(LoaderIncludeTest, FifoIsRefusedWithoutHanging) {
  ASSERT_EQ(::mkfifo(Path("fifo.yaml").c_str(), 0600), 0);
  LoadResult r = LoadPlan(Path("fifo.yaml"));
  EXPECT_FALSE(r.readable);
  EXPECT_THAT(AllMessages(r), HasSubstr("not a regular file"));
}

// Repositories in object storage: credentials_file (resolved like password_file) and region.
TEST(LoaderTest, ReadsS3CredentialsFileAndRegion) {
  std::string text = PlanText(kPeople, R"(repositories:
  - id: offsite
    location: s3:https://s3.eu-central-1.example.com/acme-offsite/hosts
    credentials_file: secrets/aws
    region: eu-central-1
  - {id: other, location: "s3:https://s3.example.com/bucket", credentials_file: /etc/aws}
)");
  LoadResult r = LoadPlanFromText("/srv/plans/plan.yaml", text);
  ASSERT_EQ(r.diagnostics.all().size(), 0u) << AllMessages(r);
  const RepositorySpec* offsite = r.plan.FindRepository("offsite");
  ASSERT_NE(offsite, nullptr);
  EXPECT_EQ(offsite->credentials_file, "/srv/plans/secrets/aws");
  EXPECT_EQ(offsite->region, "eu-central-1");
  EXPECT_EQ(offsite->location, "s3:https://s3.eu-central-1.example.com/acme-offsite/hosts");
  EXPECT_EQ(r.plan.FindRepository("other")->credentials_file, "/etc/aws");
  EXPECT_EQ(r.plan.FindRepository("other")->region, "");
}

// A malformed s3: location is an error (the offsite copy would never be made); a scheme this
// build cannot use is a warning (a plan may describe copies other tools make); S3 settings on a
// local repository are a warning. Each names the field as repositories[N].location.
TEST(LoaderTest, ChecksRepositoryLocations) {
  std::string text = PlanText(kPeople, R"(repositories:
  - {id: nas, location: /srv/nas, region: eu-west-1}
  - {id: typo, location: "s3:https//s3.example.com/b"}
  - {id: far, location: "sftp:backup@far.example:/srv/repo"}
  - {id: fine, location: "s3:http://127.0.0.1:7480/acme"}
)");
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  ASSERT_TRUE(r.readable);
  ASSERT_EQ(r.diagnostics.all().size(), 3u) << AllMessages(r);
  const auto& all = r.diagnostics.all();
  auto find = [&](const std::string& rule) -> const Diagnostic* {
    for (const Diagnostic& d : all) {
      if (d.rule == rule) return &d;
    }
    ADD_FAILURE() << "no " << rule << " in\n" << AllMessages(r);
    return nullptr;
  };
  const Diagnostic* bad = find("bad-location");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->severity, Severity::kError);
  EXPECT_EQ(bad->mark.line, LineOf(text, "s3:https//"));
  EXPECT_EQ(bad->message,
            "repository 'typo': repositories[1].location: invalid S3 location "
            "'s3:https//s3.example.com/b': expected s3:https://host/bucket or "
            "s3:http://host/bucket");
  const Diagnostic* unsupported = find("unsupported-location");
  ASSERT_NE(unsupported, nullptr);
  EXPECT_EQ(unsupported->severity, Severity::kWarning);
  EXPECT_EQ(unsupported->message,
            "repository 'far': repositories[2].location "
            "'sftp:backup@far.example:/srv/repo': this build cannot use sftp: locations "
            "(supported: a local path, local:PATH, s3:https://host/bucket[/prefix]); run and "
            "drills skip it");
  const Diagnostic* unused = find("s3-setting-unused");
  ASSERT_NE(unused, nullptr);
  EXPECT_EQ(unused->severity, Severity::kWarning);
  EXPECT_EQ(unused->message,
            "repository 'nas': repositories[0].location: credentials_file, "
            "maintenance_credentials_file, region and bucket_lookup apply only to s3: locations");
}

// bucket_lookup (restic's s3.bucket-lookup): auto, dns or path; absent when not written, so the
// command line's --s3-bucket-lookup applies.
TEST(LoaderTest, ReadsBucketLookup) {
  std::string text = PlanText(kPeople, R"(repositories:
  - {id: a, location: "s3:https://s3.example.com/acme-a", bucket_lookup: auto}
  - {id: d, location: "s3:https://s3.example.com/acme-d", bucket_lookup: dns}
  - {id: p, location: "s3:https://s3.example.com/acme-p", bucket_lookup: path}
  - {id: none, location: "s3:https://s3.example.com/acme-n"}
)");
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  ASSERT_EQ(r.diagnostics.all().size(), 0u) << AllMessages(r);
  EXPECT_EQ(r.plan.FindRepository("a")->bucket_lookup, BucketLookup::kAuto);
  EXPECT_EQ(r.plan.FindRepository("d")->bucket_lookup, BucketLookup::kDns);
  EXPECT_EQ(r.plan.FindRepository("p")->bucket_lookup, BucketLookup::kPath);
  EXPECT_EQ(r.plan.FindRepository("none")->bucket_lookup, std::nullopt);
}

// A word other than auto, dns or path is an error at its line naming the allowed words
// (restic's "virtual" is not one of them); on a local repository the field is a warning.
TEST(LoaderTest, ChecksBucketLookup) {
  std::string text = PlanText(kPeople, R"(repositories:
  - {id: cloud, location: "s3:https://s3.example.com/acme-c", bucket_lookup: virtual}
  - {id: nas, location: /srv/nas, bucket_lookup: path}
)");
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  ASSERT_EQ(r.diagnostics.all().size(), 2u) << AllMessages(r);
  const Diagnostic& bad = r.diagnostics.all()[0];
  EXPECT_EQ(bad.severity, Severity::kError);
  EXPECT_EQ(bad.rule, "bad-value");
  EXPECT_EQ(bad.mark.line, LineOf(text, "virtual"));
  EXPECT_EQ(FormatDiagnostic(r.plan.files, bad),
            "plan.yaml:" + std::to_string(LineOf(text, "virtual")) + ":" +
                std::to_string(bad.mark.column) +
                ": error: repository 'cloud': 'bucket_lookup' must be one of auto, dns, path; "
                "found 'virtual'");
  EXPECT_EQ(r.plan.FindRepository("cloud")->bucket_lookup, std::nullopt);
  const Diagnostic& unused = r.diagnostics.all()[1];
  EXPECT_EQ(unused.severity, Severity::kWarning);
  EXPECT_EQ(unused.rule, "s3-setting-unused");
  EXPECT_EQ(unused.message,
            "repository 'nas': repositories[1].location: credentials_file, "
            "maintenance_credentials_file, region and bucket_lookup apply only to s3: locations");
}

// A copy (copy_from, copy_every), the credentials for forget and prune
// (maintenance_credentials_file, resolved like credentials_file) and object_lock.
TEST(LoaderTest, ReadsCopiesMaintenanceCredentialsAndObjectLock) {
  std::string text = PlanText(kPeople, R"(repositories:
  - {id: nas, location: /srv/nas}
  - id: offsite
    location: s3:https://s3.example.com/acme-offsite
    credentials_file: secrets/upload.ini
    maintenance_credentials_file: secrets/maintenance.ini
    copy_from: nas
    copy_every: 6h
    object_lock: {mode: compliance, days: 30}
)");
  LoadResult r = LoadPlanFromText("/srv/plans/plan.yaml", text);
  ASSERT_EQ(r.diagnostics.all().size(), 0u) << AllMessages(r);
  const RepositorySpec* offsite = r.plan.FindRepository("offsite");
  ASSERT_NE(offsite, nullptr);
  ASSERT_TRUE(offsite->copy_from.has_value());
  EXPECT_EQ(offsite->copy_from->id, "nas");
  EXPECT_EQ(offsite->copy_every, Duration::Hours(6));
  EXPECT_EQ(offsite->maintenance_credentials_file, "/srv/plans/secrets/maintenance.ini");
  ASSERT_TRUE(offsite->object_lock.has_value());
  EXPECT_EQ(offsite->object_lock->mode, ObjectLockMode::kCompliance);
  EXPECT_EQ(offsite->object_lock->days, 30);
  EXPECT_STREQ(ObjectLockModeName(offsite->object_lock->mode), "compliance");
  const RepositorySpec* nas = r.plan.FindRepository("nas");
  EXPECT_FALSE(nas->copy_from.has_value());
  EXPECT_FALSE(nas->copy_every.has_value());
  EXPECT_FALSE(nas->object_lock.has_value());
}

// object_lock needs a known mode and days >= 1, each reported at its position; on a location
// that is not s3: it is a warning (nothing would be locked), as is maintenance_credentials_file.
TEST(LoaderTest, ChecksObjectLock) {
  std::string text = PlanText(kPeople, R"(repositories:
  - id: a
    location: s3:https://s3.example.com/acme-a
    object_lock: {mode: legal-hold, days: 0}
  - id: b
    location: s3:https://s3.example.com/acme-b
    object_lock: {days: 7}
  - {id: nas, location: /srv/nas, object_lock: {mode: governance, days: 7}}
  - {id: nas2, location: /srv/nas2, maintenance_credentials_file: /etc/m.ini}
)");
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  std::string messages = AllMessages(r);
  EXPECT_THAT(messages,
              HasSubstr("plan.yaml:" + std::to_string(LineOf(text, "legal-hold")) + ":"));
  EXPECT_THAT(messages, HasSubstr("error: repository 'a': object_lock: 'mode' must be one of "
                                  "governance, compliance; found 'legal-hold'"));
  EXPECT_THAT(messages, HasSubstr("error: repository 'a': object_lock: 'days' must be a whole "
                                  "number from 1 to 36500, found '0'"));
  EXPECT_THAT(messages,
              HasSubstr("error: repository 'b': object_lock: missing required 'mode'"));
  EXPECT_THAT(messages, HasSubstr("plan.yaml:" + std::to_string(LineOf(text, "id: nas,")) +
                                  ":"));
  EXPECT_THAT(messages, HasSubstr("warning: repository 'nas': object_lock applies only to s3: "
                                  "locations; '/srv/nas' is not locked by it"));
  EXPECT_THAT(messages, HasSubstr("warning: repository 'nas2': repositories[3].location: "
                                  "credentials_file, maintenance_credentials_file"));
  EXPECT_FALSE(r.plan.FindRepository("a")->object_lock.has_value());
  EXPECT_FALSE(r.plan.FindRepository("b")->object_lock.has_value());
}

// backup.canaries: a list (or one path), each with where it was written; absent = none; a
// misspelt key next to it is still an unknown key, and a non-text item is a wrong type.
TEST(LoaderTest, ReadsCanariesWithTheirPositions) {
  std::string text = PlanText(kPeople, R"(systems:
  - id: files
    owner: ann
    tier: t2
    backup:
      paths: ["E:/Shares"]
      canaries:
        - "E:/Shares/!Budget 2027.xlsx"
        - E:/Shares/Finance/~payroll.xlsx
  - id: one
    owner: ann
    tier: t2
    backup: {paths: [/srv], canaries: /srv/_c/a.docx}
  - id: plain
    owner: ann
    tier: t2
    backup: {paths: [/srv]}
)");
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  ASSERT_EQ(r.diagnostics.all().size(), 0u) << AllMessages(r);
  const System::Backup& files = r.plan.FindSystem("files")->backup;
  EXPECT_EQ(files.canaries, (std::vector<std::string>{"E:/Shares/!Budget 2027.xlsx",
                                                      "E:/Shares/Finance/~payroll.xlsx"}));
  ASSERT_EQ(files.canary_marks.size(), 2u);
  EXPECT_EQ(files.canary_marks[0].line, LineOf(text, "!Budget"));
  EXPECT_EQ(files.canary_marks[1].line, LineOf(text, "~payroll"));
  EXPECT_EQ(files.canary_marks[1].column, 11);
  const System::Backup& one = r.plan.FindSystem("one")->backup;
  EXPECT_EQ(one.canaries, (std::vector<std::string>{"/srv/_c/a.docx"}));
  ASSERT_EQ(one.canary_marks.size(), 1u);
  EXPECT_EQ(one.canary_marks[0].line, LineOf(text, "a.docx"));
  EXPECT_TRUE(r.plan.FindSystem("plain")->backup.canaries.empty());

  std::string typo = PlanText(kPeople, R"(systems:
  - id: files
    owner: ann
    tier: t2
    backup: {paths: [/srv], canarys: [/srv/a.xlsx]}
  - id: nested
    owner: ann
    tier: t2
    backup: {paths: [/srv], canaries: [[/srv/b.xlsx]]}
)");
  LoadResult bad = LoadPlanFromText("plan.yaml", typo);
  std::string messages = AllMessages(bad);
  EXPECT_THAT(messages, HasSubstr("error: system 'files': backup: unknown key 'canarys' (did you "
                                  "mean 'canaries'?)"));
  EXPECT_THAT(messages, HasSubstr("error: system 'nested': backup: 'canaries' items must be "
                                  "text, found a list"));
}

}  // namespace
}  // namespace stormproof::plan
