// Round trips of runs and drills, every RunQuery filter, and the index behind each query.
#include "continuity/catalog/catalog.h"

#include <gtest/gtest.h>

#include "continuity/catalog/internal/rows.h"
#include "tests/continuity/catalog/catalog_fixture.h"
#include "tests/matchers.h"

namespace stormproof::catalog {
namespace {

using testing::CatalogTest;

// Hostile and odd text: quotes, SQL, newlines, non-ASCII, invalid UTF-8 and an embedded NUL.
const std::string kOddText = std::string("disk 'full' \"x\"; DROP TABLE runs; --\nzweite Zeile ") +
                             "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\xA5 \xFF\xFE" +
                             std::string("a\0b", 3);

Run FullRun() {
  catalog::Run run;
  run.kind = RunKind::kCheck;
  run.system = "payroll-db \xE2\x82\xAC";
  run.client = "acme";
  run.repository = "offsite";
  run.started_ns = 1'700'000'000'123'456'789;
  run.finished_ns = 1'700'000'360'987'654'321;
  run.bytes = UINT64_MAX - 5;  // beyond SQLite's signed integers
  run.files = 123'456'789'012;
  run.outcome = Outcome::kFailed;
  run.error = kOddText;
  run.snapshot_id = "4f1e2d3c";
  run.snapshot_time_ns = -42;
  run.details = R"({"read_percent":5,"packs":17})";
  return run;
}

void ExpectSameRun(const catalog::Run& want, const catalog::Run& got) {
  EXPECT_EQ(want.kind, got.kind);
  EXPECT_EQ(want.system, got.system);
  EXPECT_EQ(want.client, got.client);
  EXPECT_EQ(want.repository, got.repository);
  EXPECT_EQ(want.started_ns, got.started_ns);
  EXPECT_EQ(want.finished_ns, got.finished_ns);
  EXPECT_EQ(want.bytes, got.bytes);
  EXPECT_EQ(want.files, got.files);
  EXPECT_EQ(want.outcome, got.outcome);
  EXPECT_EQ(want.error, got.error);
  EXPECT_EQ(want.snapshot_id, got.snapshot_id);
  EXPECT_EQ(want.snapshot_time_ns, got.snapshot_time_ns);
  EXPECT_EQ(want.details, got.details);
}

void ExpectSameDrill(const Drill& want, const Drill& got) {
  EXPECT_EQ(want.adapter, got.adapter);
  EXPECT_EQ(want.achieved_rto_ms, got.achieved_rto_ms);
  EXPECT_EQ(want.achieved_rpo_s, got.achieved_rpo_s);
  EXPECT_EQ(want.target_rto_s, got.target_rto_s);
  EXPECT_EQ(want.target_rpo_s, got.target_rpo_s);
  EXPECT_EQ(want.throughput_bytes_per_s, got.throughput_bytes_per_s);
  EXPECT_EQ(want.reasons, got.reasons);
  EXPECT_EQ(want.surprise, got.surprise);
  EXPECT_EQ(want.absent_person, got.absent_person);
  EXPECT_EQ(want.uncovered_steps, got.uncovered_steps);
  EXPECT_EQ(want.report_path, got.report_path);
  ASSERT_EQ(want.steps.size(), got.steps.size());
  for (size_t i = 0; i < want.steps.size(); ++i) {
    EXPECT_EQ(want.steps[i].name, got.steps[i].name);
    EXPECT_EQ(want.steps[i].duration_ms, got.steps[i].duration_ms);
    EXPECT_EQ(want.steps[i].outcome, got.steps[i].outcome);
    EXPECT_EQ(want.steps[i].note, got.steps[i].note);
  }
}

TEST_F(CatalogTest, OpenCreatesTheFileAndItsDirectories) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path_));
  EXPECT_EQ(catalog->SchemaVersion(), kSchemaVersion);
  EXPECT_EQ(catalog->path(), path_);
  EXPECT_EQ(SqlValue("PRAGMA journal_mode"), "wal");
}

TEST_F(CatalogTest, OpenFailsWhenTheDirectoryCannotBeMade) {
  std::ofstream(dir_ + "/file") << "x";
  auto catalog = Catalog::Open(dir_ + "/file/sub/stormproof.db");
  ASSERT_FALSE(catalog.has_value());
  EXPECT_THAT(catalog, ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(catalog.error().message(), HasSubstr(dir_ + "/file/sub/stormproof.db"));
}

TEST_F(CatalogTest, RoundTripsEveryRunField) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  const catalog::Run full = FullRun();
  const catalog::Run defaults;  // empty strings, zero counts
  auto full_id = catalog->AddRun(full);
  auto defaults_id = catalog->AddRun(defaults);
  ASSERT_THAT(full_id, IsOk());
  ASSERT_THAT(defaults_id, IsOk());
  EXPECT_NE(*full_id, *defaults_id);

  catalog.reset();  // read back from the file, not from a cache
  catalog = OpenCatalog();
  auto runs = catalog->Runs({});
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].id, *full_id);  // newest started first
  ExpectSameRun(full, (*runs)[0]);
  EXPECT_EQ((*runs)[1].id, *defaults_id);
  ExpectSameRun(defaults, (*runs)[1]);
  EXPECT_EQ(SqlValue("SELECT kind, outcome FROM runs WHERE id = " + std::to_string(*full_id)),
            "check|failed");
}

TEST_F(CatalogTest, RoundTripsDrillsWithAndWithoutOptionalFields) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  catalog::Run run = FullRun();
  run.kind = RunKind::kBackup;  // AddDrill records it as a drill
  Drill full;
  full.adapter = "restic";
  full.achieved_rto_ms = 0;  // present, even though zero
  full.achieved_rpo_s = 7200;
  full.target_rto_s = 14400;
  full.target_rpo_s = 86400;
  full.steps = {{"locate snapshot", 120, Outcome::kOk, ""},
                {"restore", 3'600'000, Outcome::kOk, ""},
                {"verify data", 5000, Outcome::kWarning, kOddText},
                {"verify application", 0, Outcome::kOk, "skipped: no verify command"}};
  full.throughput_bytes_per_s = 41'943'040.5;
  full.reasons = {"RTO margin 12% < 20%",
                  "Pr\xC3\xBC"
                  "fung \xF0\x9F\x94\xA5 \"quoted\"\nline"};
  full.surprise = true;
  full.absent_person = "j.doe";
  full.uncovered_steps = {"restart the ERP service"};
  full.report_path = "/srv/reports/drill-1.json";
  const Drill bare;  // no optionals, no steps, empty lists
  catalog::Run bare_run;
  bare_run.kind = RunKind::kDrill;
  bare_run.started_ns = run.started_ns + 1;

  auto full_id = catalog->AddDrill(run, full);
  auto bare_id = catalog->AddDrill(bare_run, bare);
  ASSERT_THAT(full_id, IsOk());
  ASSERT_THAT(bare_id, IsOk());

  auto drills = catalog->Drills({});
  ASSERT_THAT(drills, IsOk());
  ASSERT_EQ(drills->size(), 2u);
  EXPECT_EQ((*drills)[0].run.id, *bare_id);
  ExpectSameRun(bare_run, (*drills)[0].run);
  ExpectSameDrill(bare, (*drills)[0].drill);
  EXPECT_EQ((*drills)[1].run.id, *full_id);
  run.kind = RunKind::kDrill;
  ExpectSameRun(run, (*drills)[1].run);
  ExpectSameDrill(full, (*drills)[1].drill);
  EXPECT_EQ(SqlValue("SELECT achieved_rto_ms IS NULL, target_rpo_s IS NULL FROM drills WHERE "
                     "run_id = " +
                     std::to_string(*bare_id)),
            "1|1");
}

// A failed verify's kept standard error is stored with the step's note and read back apart.
TEST_F(CatalogTest, RoundTripsAStepsOutputLinesWithItsNote) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  Drill drill;
  drill.steps = {{"verify application", 10, Outcome::kFailed, "verify command exited: last"},
                 {"verify data", 5, Outcome::kOk, kOddText}};
  drill.steps[0].output = {"first line", "", "  indented \\x1b[2J", "last"};
  auto id = catalog->AddDrill(catalog::Run{}, drill);
  ASSERT_THAT(id, IsOk());
  auto drills = catalog->Drills({});
  ASSERT_THAT(drills, IsOk());
  ASSERT_EQ(drills->size(), 1u);
  const std::vector<catalog::DrillStep>& steps = (*drills)[0].drill.steps;
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].note, "verify command exited: last");
  EXPECT_EQ(steps[0].output, drill.steps[0].output);
  EXPECT_EQ(steps[1].note, kOddText);
  EXPECT_TRUE(steps[1].output.empty());
  EXPECT_EQ(SqlValue("SELECT note FROM drill_steps WHERE position = 0"),
            "verify command exited: last\n--- last lines of standard error ---\nfirst line\n\n"
            "  indented \\x1b[2J\nlast");
}

TEST_F(CatalogTest, SetDrillReportUpdatesOnlyThatDrill) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  auto first = catalog->AddDrill(catalog::Run{}, Drill{});
  auto second = catalog->AddDrill(catalog::Run{}, Drill{});
  ASSERT_TRUE(first.has_value() && second.has_value());
  ASSERT_THAT(catalog->SetDrillReport(*first, "reports/a b.json"), IsOk());
  auto drills = catalog->Drills({});
  ASSERT_THAT(drills, IsOk());
  ASSERT_EQ(drills->size(), 2u);
  EXPECT_EQ((*drills)[0].drill.report_path, "");
  EXPECT_EQ((*drills)[1].drill.report_path, "reports/a b.json");

  auto backup = catalog->AddRun(catalog::Run{});
  ASSERT_THAT(backup, IsOk());
  for (int64_t id : {*backup, *second + 1000}) {
    Status missing = catalog->SetDrillReport(id, "x.json");
    ASSERT_FALSE(missing.has_value()) << id;
    EXPECT_THAT(missing, ErrorIs(ErrorCode::kNotFound));
  }
}

// Ten runs; their ids are 1..10 in insertion order.
struct Row {
  int64_t started_ns;
  RunKind kind;
  const char *system, *client, *repository;
  Outcome outcome;
};
const Row kRows[] = {
    {100, RunKind::kBackup, "a", "c1", "r1", Outcome::kOk},
    {200, RunKind::kBackup, "b", "c1", "r1", Outcome::kWarning},
    {300, RunKind::kCheck, "", "", "r1", Outcome::kOk},
    {400, RunKind::kDrill, "a", "c1", "r1", Outcome::kFailed},
    {500, RunKind::kBackup, "a", "c1", "r2", Outcome::kError},
    {600, RunKind::kPrune, "", "", "r2", Outcome::kOk},
    {700, RunKind::kBackup, "c", "c2", "r2", Outcome::kOk},
    {800, RunKind::kForget, "a", "c1", "r1", Outcome::kOk},
    {900, RunKind::kBackup, "a", "c1", "r1", Outcome::kOk},
    {900, RunKind::kBackup, "a", "c1", "r1", Outcome::kOk},  // same start: the newer id first
};

struct FilterCase {
  const char* name;
  RunQuery query;
  std::vector<int64_t> ids;
};

RunQuery Query(auto fill) {
  RunQuery query;
  fill(query);
  return query;
}

std::vector<FilterCase> FilterCases() {
  return {
      {"none", {}, {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
      {"kind", Query([](auto& q) { q.kind = RunKind::kBackup; }), {10, 9, 7, 5, 2, 1}},
      {"system", Query([](auto& q) { q.system = "a"; }), {10, 9, 8, 5, 4, 1}},
      {"client", Query([](auto& q) { q.client = "c2"; }), {7}},
      {"repository", Query([](auto& q) { q.repository = "r2"; }), {7, 6, 5}},
      {"outcome", Query([](auto& q) { q.outcomes = {Outcome::kOk}; }), {10, 9, 8, 7, 6, 3, 1}},
      {"since", Query([](auto& q) { q.since_ns = 500; }), {10, 9, 8, 7, 6, 5}},
      {"until", Query([](auto& q) { q.until_ns = 500; }), {4, 3, 2, 1}},
      {"since+until",
       Query([](auto& q) {
         q.since_ns = 300;
         q.until_ns = 700;
       }),
       {6, 5, 4, 3}},
      {"limit", Query([](auto& q) { q.limit = 3; }), {10, 9, 8}},
      {"limit 0", Query([](auto& q) { q.limit = 0; }), {}},
      {"all together",
       Query([](auto& q) {
         q.kind = RunKind::kBackup;
         q.system = "a";
         q.client = "c1";
         q.repository = "r1";
         q.outcomes = {Outcome::kOk};
         q.since_ns = 100;
         q.until_ns = 901;
         q.limit = 2;
       }),
       {10, 9}},
      {"no match", Query([](auto& q) { q.system = "zzz"; }), {}},
  };
}

class RunQueryTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    catalog_ = OpenCatalog();
    ASSERT_NE(catalog_, nullptr);
    for (const Row& row : kRows) {
      catalog::Run run;
      run.kind = row.kind;
      run.system = row.system;
      run.client = row.client;
      run.repository = row.repository;
      run.started_ns = row.started_ns;
      run.finished_ns = row.started_ns + 50;
      run.outcome = row.outcome;
      Drill drill;
      drill.adapter = "command";
      auto id =
          row.kind == RunKind::kDrill ? catalog_->AddDrill(run, drill) : catalog_->AddRun(run);
      ASSERT_THAT(id, IsOk());
    }
  }
  std::unique_ptr<Catalog> catalog_;
};

std::vector<int64_t> IdsOf(const std::vector<catalog::Run>& runs) {
  std::vector<int64_t> ids;
  for (const catalog::Run& run : runs) ids.push_back(run.id);
  return ids;
}

TEST_F(RunQueryTest, EveryFilter) {
  for (const FilterCase& c : FilterCases()) {
    auto runs = catalog_->Runs(c.query);
    ASSERT_THAT(runs, IsOk()) << c.name << ": " << runs.error().message();
    EXPECT_EQ(IdsOf(*runs), c.ids) << c.name;
  }
}

TEST_F(RunQueryTest, LastRunIsTheNewestMatch) {
  auto last = catalog_->LastRun(Query([](auto& q) {
    q.system = "a";
    q.kind = RunKind::kBackup;
    q.until_ns = 900;
  }));
  ASSERT_THAT(last, IsOk());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->id, 5);
  auto none = catalog_->LastRun(Query([](auto& q) { q.system = "zzz"; }));
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
  auto count = catalog_->CountRuns();
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(*count, 10);
}

TEST_F(RunQueryTest, DrillsIgnoreTheKindAndApplyTheOtherFilters) {
  auto drills = catalog_->Drills(Query([](auto& q) {
    q.kind = RunKind::kBackup;
    q.system = "a";
  }));
  ASSERT_THAT(drills, IsOk());
  ASSERT_EQ(drills->size(), 1u);
  EXPECT_EQ((*drills)[0].run.id, 4);
  EXPECT_EQ((*drills)[0].drill.adapter, "command");
  auto none = catalog_->Drills(Query([](auto& q) { q.outcomes = {Outcome::kOk}; }));
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

// The questions `status` asks once per system must be answered from an index, newest first,
// without sorting: that is what keeps them fast over a million runs.
TEST_F(RunQueryTest, QueriesUseAnIndexAndNoSort) {
  struct PlanCase {
    RunQuery query;
    internal::RunSource source;
    const char* index;
  };
  const PlanCase cases[] = {
      {Query([](auto& q) {
         q.system = "a";
         q.kind = RunKind::kBackup;
         q.limit = 1;
       }),
       internal::RunSource::kRuns, "runs_by_system"},
      {Query([](auto& q) { q.system = "a"; }), internal::RunSource::kDrills, "runs_by_system"},
      {Query([](auto& q) {
         q.repository = "r1";
         q.kind = RunKind::kCheck;
         q.limit = 1;
       }),
       internal::RunSource::kRuns, "runs_by_repository"},
      {Query([](auto& q) {
         q.client = "c1";
         q.kind = RunKind::kBackup;
         q.since_ns = 100;
       }),
       internal::RunSource::kRuns, "runs_by_client"},
      {Query([](auto& q) {
         q.kind = RunKind::kDrill;
         q.since_ns = 100;
       }),
       internal::RunSource::kRuns, "runs_by_kind"},
  };
  for (const PlanCase& c : cases) {
    internal::RunSelect select = internal::BuildRunSelect(c.query, c.source);
    // EXPLAIN QUERY PLAN needs no parameter values.
    std::string plan;
    for (const std::string& row : Sql("EXPLAIN QUERY PLAN " + select.sql)) plan += row + "\n";
    EXPECT_THAT(plan, HasSubstr(std::string("USING INDEX ") + c.index)) << select.sql << "\n"
                                                                        << plan;
    EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << select.sql << "\n" << plan;
  }
}

TEST(RunKindTest, NamesRoundTripAndUnknownNamesFail) {
  for (RunKind kind :
       {RunKind::kBackup, RunKind::kForget, RunKind::kPrune, RunKind::kCheck, RunKind::kDrill}) {
    auto parsed = ParseRunKind(RunKindName(kind));
    ASSERT_THAT(parsed, IsOk()) << RunKindName(kind);
    EXPECT_EQ(*parsed, kind);
  }
  for (Outcome outcome : {Outcome::kOk, Outcome::kWarning, Outcome::kFailed, Outcome::kError}) {
    auto parsed = ParseOutcome(OutcomeName(outcome));
    ASSERT_THAT(parsed, IsOk()) << OutcomeName(outcome);
    EXPECT_EQ(*parsed, outcome);
  }
  EXPECT_STREQ(RunKindName(RunKind::kDrill), "drill");
  EXPECT_STREQ(OutcomeName(Outcome::kWarning), "warning");
  EXPECT_FALSE(ParseRunKind("Backup").has_value());
  EXPECT_FALSE(ParseOutcome("").has_value());
  EXPECT_THAT(ParseOutcome("passed"), ErrorIs(ErrorCode::kInvalidArgument));
}

}  // namespace
}  // namespace stormproof::catalog
