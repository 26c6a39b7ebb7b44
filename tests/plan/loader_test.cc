#include "plan/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "plan/validate.h"
#include "plan_fixtures.h"

namespace stormproof::plan {
namespace {

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
  EXPECT_NE(messages.find("plan.yaml:" + std::to_string(LineOf(text, "ownr")) +
                          ":5: error: system 'db': unknown key 'ownr' (did you mean 'owner'?)"),
            std::string::npos)
      << messages;
  EXPECT_NE(messages.find("system 'db': missing required 'owner'"), std::string::npos);
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
  EXPECT_NE(AllMessages(r).find("plan.yaml:"), std::string::npos);
  EXPECT_NE(AllMessages(r).find("YAML syntax"), std::string::npos);
}

TEST(LoaderTest, EmptyAndCommentOnlyFilesAreUnreadable) {
  for (const char* text : {"", "# nothing\n", "---\n", "~\n"}) {
    LoadResult r = LoadPlanFromText("plan.yaml", text);
    EXPECT_FALSE(r.readable) << text;
    EXPECT_NE(AllMessages(r).find("the file is empty"), std::string::npos) << text;
  }
}

TEST(LoaderTest, TopLevelMustBeAMapping) {
  LoadResult r = LoadPlanFromText("plan.yaml", "- a\n- b\n");
  EXPECT_FALSE(r.readable);
  EXPECT_NE(AllMessages(r).find("expected a mapping"), std::string::npos);
}

TEST(LoaderTest, NonUtf8TextIsUnreadableWithPosition) {
  LoadResult r = LoadPlanFromText("plan.yaml", "version: 1\nmsp: {id: acme, name: Caf\xE9}\n");
  EXPECT_FALSE(r.readable);
  EXPECT_NE(AllMessages(r).find("plan.yaml:2:26: error: not valid UTF-8 (byte 0xe9)"),
            std::string::npos)
      << AllMessages(r);
}

TEST(LoaderTest, RejectsNewerFormatVersion) {
  LoadResult r = LoadPlanFromText("plan.yaml", "version: 2\nmsp: {id: acme, name: A}\n");
  EXPECT_NE(AllMessages(r).find("plan format version 2 is newer"), std::string::npos);
}

TEST(LoaderTest, RefusesFilesOverTheSizeLimit) {
  LoadOptions options;
  options.max_file_bytes = 100;
  LoadResult r = LoadPlanFromText("plan.yaml", std::string(200, '#'), options);
  EXPECT_FALSE(r.readable);
}

TEST(LoaderTest, MissingFileAndDirectoryAreUnreadable) {
  LoadResult missing = LoadPlan("/nonexistent/plan.yaml");
  EXPECT_FALSE(missing.readable);
  EXPECT_NE(AllMessages(missing).find("/nonexistent/plan.yaml: error: cannot open"),
            std::string::npos);
  LoadResult dir = LoadPlan("/tmp");
  EXPECT_FALSE(dir.readable);
  EXPECT_NE(AllMessages(dir).find("is a directory"), std::string::npos);
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
  EXPECT_NE(messages.find("clients/b.yaml:2:26: error: client 'b': unknown key 'colour'"),
            std::string::npos)
      << messages;
}

TEST_F(LoaderIncludeTest, IncludedFilesCannotSetRootOnlyKeys) {
  Write("plan.yaml", PlanText(kPeople, kSystems) + "include: clients/a.yaml\n");
  Write("clients/a.yaml", "msp: {id: other, name: Other}\n");
  LoadResult r = LoadPlan(Path("plan.yaml"));
  EXPECT_NE(AllMessages(r).find("included plan file: unknown key 'msp'"), std::string::npos)
      << AllMessages(r);
}

TEST_F(LoaderIncludeTest, ReportsMissingIncludesCyclesAndEmptyGlobs) {
  Write("plan.yaml", PlanText(kPeople, kSystems) +
                         "include: [clients/missing.yaml, clients/loop.yaml, none/*.yaml]\n");
  Write("clients/loop.yaml", "include: [../plan.yaml]\n");
  LoadResult r = LoadPlan(Path("plan.yaml"));
  std::string messages = AllMessages(r);
  EXPECT_FALSE(r.readable);
  EXPECT_NE(messages.find("included file '" + Path("clients/missing.yaml") + "': cannot open"),
            std::string::npos)
      << messages;
  EXPECT_NE(messages.find("is already part of the plan"), std::string::npos) << messages;
  EXPECT_NE(messages.find("pattern 'none/*.yaml' matches no file"), std::string::npos);
}

TEST_F(LoaderIncludeTest, FifoIsRefusedWithoutHanging) {
  ASSERT_EQ(::mkfifo(Path("fifo.yaml").c_str(), 0600), 0);
  LoadResult r = LoadPlan(Path("fifo.yaml"));
  EXPECT_FALSE(r.readable);
  EXPECT_NE(AllMessages(r).find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace stormproof::plan
