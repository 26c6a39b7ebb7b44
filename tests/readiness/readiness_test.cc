// Tests of src/readiness: the assessments as tables with a fixed clock, the projection along a
// dependency chain, the score and its decay, aggregation, and ComputeStatus / the histories over
// a real catalog file.
#include "readiness/readiness.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "readiness/assess.h"

namespace stormproof::readiness {
namespace {

namespace fs = std::filesystem;
using internal::Evidence;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
// 2026-11-26T00:00:00Z, the tests' "now".
const Date kToday = Date::FromCivil(2026, 11, 26);
const int64_t kNow = kToday.days_since_epoch() * kDay;

catalog::Run Backup(int64_t snapshot_ns, catalog::Outcome outcome = catalog::Outcome::kOk) {
  catalog::Run run;
  run.kind = catalog::RunKind::kBackup;
  run.started_ns = snapshot_ns;
  run.finished_ns = snapshot_ns + 60 * kSecond;
  run.snapshot_time_ns = snapshot_ns;
  run.snapshot_id = "snap" + std::to_string(snapshot_ns / kSecond);
  run.outcome = outcome;
  run.bytes = 1'000'000'000;
  return run;
}

catalog::DrillRecord Drill(int64_t started_ns, std::optional<int64_t> achieved_rto_s,
                           catalog::Outcome outcome = catalog::Outcome::kOk,
                           double throughput = 0) {
  catalog::DrillRecord record;
  record.run.kind = catalog::RunKind::kDrill;
  record.run.started_ns = started_ns;
  record.run.finished_ns = started_ns + kHour;
  record.run.outcome = outcome;
  if (achieved_rto_s) record.drill.achieved_rto_ms = *achieved_rto_s * 1000;
  record.drill.throughput_bytes_per_s = throughput;
  return record;
}

catalog::DrillStep Step(const std::string& name, int64_t ms) {
  catalog::DrillStep step;
  step.name = name;
  step.duration_ms = ms;
  return step;
}

plan::Repository Repo(const std::string& id, const std::string& site, plan::Medium medium,
                      bool immutable) {
  plan::Repository repo;
  repo.id = id;
  repo.site = plan::Ref{site, {}};
  repo.medium = medium;
  repo.immutable = immutable;
  return repo;
}

plan::Tier MakeTier(const std::string& id, int rank, Duration rto, Duration rpo) {
  plan::Tier tier;
  tier.id = id;
  tier.name = id;
  tier.rank = rank;
  tier.rto = rto;
  tier.rpo = rpo;
  return tier;
}

// --- RPO compliance ---------------------------------------------------------------------------

struct RpoCase {
  const char* name;
  std::optional<int64_t> backup_age_h;  // newest good backup, hours before now
  std::optional<Duration> rpo;
  RpoState expected;
};

TEST(RpoTest, StateFromAgeAgainstRpoAndInterval) {
  const RpoCase cases[] = {
      {"never backed up", std::nullopt, Duration::Hours(4), RpoState::kUnknown},
      {"fresh", 1, Duration::Hours(4), RpoState::kOk},
      {"at the interval", 2, Duration::Hours(4), RpoState::kOk},
      {"past the interval", 3, Duration::Hours(4), RpoState::kAtRisk},
      {"exactly the rpo", 4, Duration::Hours(4), RpoState::kAtRisk},
      {"past the rpo", 5, Duration::Hours(4), RpoState::kBreached},
      {"no rpo", 1, std::nullopt, RpoState::kUnknown},
  };
  for (const RpoCase& c : cases) {
    Evidence evidence;
    if (c.backup_age_h) evidence.last_good_backup = Backup(kNow - *c.backup_age_h * kHour);
    RpoStatus rpo = internal::AssessRpo(c.rpo, 50, evidence, kNow);
    EXPECT_EQ(rpo.state, c.expected) << c.name;
    if (c.backup_age_h) {
      EXPECT_EQ(rpo.age, Duration::Hours(*c.backup_age_h)) << c.name;
    }
  }
}

TEST(RpoTest, MarginSetsTheInterval) {
  Evidence evidence;
  evidence.last_good_backup = Backup(kNow - 3 * kHour);
  EXPECT_EQ(internal::AssessRpo(Duration::Hours(4), 20, evidence, kNow).state, RpoState::kOk);
  EXPECT_EQ(internal::AssessRpo(Duration::Hours(4), 20, evidence, kNow).interval,
            Duration::Seconds(4 * 3600 * 80 / 100));
}

TEST(RpoTest, PassedDrillOfNewerSnapshotCountsAndFailedDoesNot) {
  Evidence evidence;
  evidence.last_good_backup = Backup(kNow - 10 * kHour);
  catalog::DrillRecord failed = Drill(kNow - kHour, 60, catalog::Outcome::kFailed);
  failed.run.snapshot_time_ns = kNow - 2 * kHour;
  evidence.drills = {failed};
  EXPECT_EQ(internal::AssessRpo(Duration::Hours(4), 50, evidence, kNow).state, RpoState::kBreached);
  catalog::DrillRecord passed = failed;
  passed.run.outcome = catalog::Outcome::kWarning;
  passed.run.snapshot_id = "restored";
  evidence.drills = {passed};
  RpoStatus rpo = internal::AssessRpo(Duration::Hours(4), 50, evidence, kNow);
  EXPECT_EQ(rpo.state, RpoState::kOk);
  EXPECT_EQ(rpo.snapshot_id, "restored");
}

// --- drill recency ----------------------------------------------------------------------------

TEST(DrillRecencyTest, NeverOkDueSoonOverdue) {
  const Cadence monthly{30, Cadence::Unit::kDay};
  const struct {
    std::optional<int> days_ago;
    DrillState expected;
  } cases[] = {{std::nullopt, DrillState::kNever},
               {10, DrillState::kOk},
               {25, DrillState::kDueSoon},
               {30, DrillState::kDueSoon},
               {31, DrillState::kOverdue}};
  for (const auto& c : cases) {
    Evidence evidence;
    if (c.days_ago) evidence.drills = {Drill(kNow - *c.days_ago * kDay + kHour, 60)};
    DrillRecency recency = internal::AssessDrillRecency(monthly, evidence, kNow, kToday);
    EXPECT_EQ(recency.state, c.expected) << c.days_ago.value_or(-1);
  }
}

// --- RTO confidence and projection ------------------------------------------------------------

TEST(RtoConfidenceTest, ShareWithinAndNearestRankPercentiles) {
  std::vector<catalog::DrillRecord> drills;
  for (int64_t minutes : {60, 120, 180, 30, 90}) drills.push_back(Drill(kNow, minutes * 60));
  drills.push_back(Drill(kNow, std::nullopt, catalog::Outcome::kFailed));  // never verified
  RtoConfidence confidence = internal::AssessConfidence(drills, Duration::Hours(2));
  EXPECT_EQ(confidence.drills, 6);
  EXPECT_EQ(confidence.within_target, 4);
  EXPECT_DOUBLE_EQ(confidence.share_within, 4.0 / 6.0);
  EXPECT_EQ(confidence.p50, Duration::Minutes(90));
  EXPECT_EQ(confidence.p95, Duration::Minutes(180));
  EXPECT_EQ(internal::AssessConfidence({}, Duration::Hours(2)).p50, std::nullopt);
}

TEST(RtoProjectionTest, OwnTimeIsDataOverMedianThroughputPlusMedianVerification) {
  Evidence evidence;
  evidence.last_good_backup = Backup(kNow - kHour);
  evidence.last_good_backup->bytes = 100'000'000'000;  // 100 GB
  for (double mbps : {100.0, 50.0, 200.0}) {
    catalog::DrillRecord drill = Drill(kNow - kDay, 600, catalog::Outcome::kOk, mbps * 1e6);
    drill.drill.steps = {Step("restore", 1000), Step("verify data", 60'000),
                         Step("verify application", 0)};
    evidence.drills.push_back(drill);
  }
  RtoProjection own = internal::MeasureOwnRestore(evidence, Duration::Hours(2), Duration::Hours(9));
  EXPECT_EQ(own.basis, ProjectionBasis::kMeasured);
  EXPECT_DOUBLE_EQ(*own.throughput_bytes_per_s, 100e6);
  EXPECT_EQ(own.verify_time, Duration::Minutes(1));
  EXPECT_EQ(own.own, Duration::Seconds(1000 + 60));

  RtoProjection estimated =
      internal::MeasureOwnRestore(Evidence{}, std::nullopt, Duration::Hours(9));
  EXPECT_EQ(estimated.basis, ProjectionBasis::kEstimate);
  EXPECT_EQ(estimated.own, Duration::Hours(9));
  EXPECT_EQ(internal::MeasureOwnRestore(Evidence{}, std::nullopt, std::nullopt).own, std::nullopt);
}

plan::System MakeSystem(const std::string& id, const std::string& tier,
                        std::vector<std::string> deps = {}, const std::string& client = "") {
  plan::System system;
  system.id = id;
  system.name = id;
  system.tier = plan::Ref{tier, {}};
  if (!client.empty()) system.client = plan::Ref{client, {}};
  for (const std::string& dep : deps) system.depends_on.push_back({dep, {}});
  return system;
}

TEST(RtoProjectionTest, ChainAddsTheSlowestDependency) {
  plan::Plan plan;
  plan.systems = {MakeSystem("dns", "t"),     MakeSystem("db", "t", {"dns"}),
                  MakeSystem("storage", "t"), MakeSystem("app", "t", {"db", "storage"}),
                  MakeSystem("budget", "t"),  MakeSystem("web", "t", {"budget"})};
  plan.BuildIndex();
  plan::DependencyGraph graph(plan);
  std::vector<RtoProjection> rto(plan.systems.size());
  auto own = [&](size_t i, int64_t minutes) { rto[i].own = Duration::Minutes(minutes); };
  own(0, 10), own(1, 60), own(2, 30), own(3, 45);
  rto[3].target = Duration::Hours(2);
  rto[4].target = Duration::Hours(3);  // nothing to project from: counts with its RTO budget
  own(5, 5);
  std::vector<bool> needed(plan.systems.size(), true);
  internal::ProjectAlongDependencies(plan, graph, needed, &rto);
  EXPECT_EQ(rto[1].projected, Duration::Minutes(70));
  EXPECT_EQ(rto[3].projected, Duration::Minutes(115));
  EXPECT_EQ(rto[3].waits_for, std::vector<std::string>{"db"});
  EXPECT_EQ(rto[3].state, RtoState::kFeasible);
  EXPECT_EQ(rto[4].state, RtoState::kUnknown);
  EXPECT_EQ(rto[4].projected, std::nullopt);
  EXPECT_EQ(rto[5].projected, Duration::Minutes(185));

  rto[3].own = Duration::Minutes(60);  // 70 + 60 > 2h
  internal::ProjectAlongDependencies(plan, graph, needed, &rto);
  EXPECT_EQ(rto[3].state, RtoState::kInfeasible);
}

// --- 3-2-1-1-0 --------------------------------------------------------------------------------

TEST(Rule32110Test, CountsCopiesMediaOffsiteImmutableAndErrors) {
  plan::Repository local = Repo("local", "hq", plan::Medium::kDisk, false);
  plan::Repository cloud = Repo("cloud", "aws", plan::Medium::kObject, true);
  const struct {
    const char* name;
    std::vector<const plan::Repository*> repos;
    std::optional<catalog::Outcome> last_check;
    const char* marks;
    int passed;
  } cases[] = {
      {"no backup", {}, std::nullopt, "✗✗✗✗?", 0},
      {"one local", {&local}, catalog::Outcome::kOk, "✗✗✗✗✓", 1},
      {"local and cloud", {&local, &cloud}, catalog::Outcome::kOk, "✓✓✓✓✓", 5},
      {"check failed", {&local, &cloud}, catalog::Outcome::kFailed, "✓✓✓✓✗", 4},
  };
  for (const auto& c : cases) {
    analysis::BackupShape shape;
    shape.own_sites = {"hq"};
    for (const plan::Repository* repo : c.repos) {
      shape.repositories.push_back(repo);
      shape.media.insert(repo->medium);
      if (repo->site->id != "hq") shape.offsite = true;
      if (repo->immutable) shape.immutable = true;
    }
    Evidence evidence;
    if (c.last_check) {
      evidence.last_check = Backup(kNow - kDay, *c.last_check);
      evidence.last_check->kind = catalog::RunKind::kCheck;
    }
    Rule32110 rule = internal::AssessRule32110(shape, evidence);
    EXPECT_EQ(rule.Marks(), c.marks) << c.name;
    EXPECT_EQ(rule.Passed(), c.passed) << c.name;
  }
}

TEST(Rule32110Test, NewerDrillDecidesZeroErrors) {
  Evidence evidence;
  evidence.last_check = Backup(kNow - 2 * kDay);
  evidence.drills = {Drill(kNow - kDay, std::nullopt, catalog::Outcome::kError)};
  EXPECT_EQ(internal::AssessRule32110({}, evidence).zero_errors, false);
}

// --- score ------------------------------------------------------------------------------------

// A system with the same evidence, looked at `days_later`.
SystemStatus Assessed(int64_t days_later) {
  int64_t now = kNow + days_later * kDay;
  Evidence evidence;
  evidence.last_good_backup = Backup(kNow - kHour);
  evidence.drills = {Drill(kNow - 5 * kDay, 3600, catalog::Outcome::kOk, 50e6)};
  SystemStatus status;
  status.rpo = internal::AssessRpo(Duration::Days(30), 50, evidence, now);
  status.drill = internal::AssessDrillRecency(Cadence{30, Cadence::Unit::kDay}, evidence, now,
                                              kToday.AddDays(days_later));
  status.confidence = internal::AssessConfidence(evidence.drills, Duration::Hours(2));
  status.rto.state = RtoState::kFeasible;
  status.rto.basis = ProjectionBasis::kMeasured;
  status.parts = internal::ScoreOf(status);
  status.score = status.parts.Total();
  return status;
}

TEST(ScoreTest, FallsAsTheSameEvidenceAges) {
  SystemStatus previous = Assessed(0);
  // 25 × (1 − 0.5 × 1h/30d) + 20 × (1 − 0.5 × 5/30) + 15 × 1 × the same + 15 + 0 + 10 = 82.07
  EXPECT_EQ(previous.score, 82);
  for (int64_t days : {1, 5, 20, 29, 40, 60, 120}) {
    SystemStatus later = Assessed(days);
    EXPECT_LT(later.parts.drill_recency, previous.parts.drill_recency) << days;
    EXPECT_LT(later.parts.drill_results, previous.parts.drill_results) << days;
    EXPECT_LE(later.parts.rpo, previous.parts.rpo) << days;
    EXPECT_LT(later.score, previous.score) << days;
    previous = later;
  }
}

TEST(ScoreTest, DrillRecencyFactorTable) {
  const Cadence every{10, Cadence::Unit::kDay};
  EXPECT_DOUBLE_EQ(internal::DrillRecencyFactor(Duration(), every), 1.0);
  EXPECT_DOUBLE_EQ(internal::DrillRecencyFactor(Duration::Days(5), every), 0.75);
  EXPECT_DOUBLE_EQ(internal::DrillRecencyFactor(Duration::Days(10), every), 0.5);
  EXPECT_DOUBLE_EQ(internal::DrillRecencyFactor(Duration::Days(20), every), 0.25);
  EXPECT_DOUBLE_EQ(internal::DrillRecencyFactor(std::nullopt, every), 0.0);
  EXPECT_DOUBLE_EQ(internal::DrillRecencyFactor(Duration::Days(45), std::nullopt), 0.75);
}

TEST(ScoreTest, WeightsAndTotal) {
  ScoreParts all{1, 1, 1, 1, 1, 1};
  EXPECT_EQ(all.Total(), 100);
  EXPECT_EQ(ScoreParts{}.Total(), 0);
  ScoreParts some;
  some.rpo = 0.5;
  some.rule_32110 = 0.6;
  some.audit = 1;
  EXPECT_EQ(some.Total(), 32);  // 12.5 + 9 + 10 = 31.5, rounded half away from zero
}

TEST(ScoreTest, AuditFindingsLowerTheScore) {
  SystemStatus status = Assessed(0);
  status.findings.high = 2;
  EXPECT_DOUBLE_EQ(internal::ScoreOf(status).audit, 0.5);
  status.findings.critical = 3;
  EXPECT_DOUBLE_EQ(internal::ScoreOf(status).audit, 0.0);
}

TEST(AggregationTest, ClientScoreIsCriticalityWeighted) {
  std::vector<SystemStatus> systems(3);
  systems[0].tier_rank = 1, systems[0].score = 90;
  systems[1].tier_rank = 3, systems[1].score = 30;
  systems[2].tier_rank = 2, systems[2].score = 60;
  EXPECT_EQ(internal::WeightedScore(systems), 70);  // (3 × 90 + 30 + 2 × 60) / 6
  EXPECT_EQ(internal::WeightedScore({}), std::nullopt);
}

TEST(ShortDurationTest, TwoLargestUnits) {
  EXPECT_EQ(ShortDuration(Duration()), "0s");
  EXPECT_EQ(ShortDuration(Duration::Seconds(40)), "40s");
  EXPECT_EQ(ShortDuration(Duration::Minutes(35) + Duration::Seconds(5)), "35m5s");
  EXPECT_EQ(ShortDuration(Duration::Hours(9) + Duration::Minutes(12) + Duration::Seconds(3)),
            "9h12m");
  EXPECT_EQ(ShortDuration(Duration::Days(3) + Duration::Minutes(4)), "3d");
  EXPECT_EQ(ShortDuration(Duration::Days(3) + Duration::Hours(4)), "3d4h");
}

// --- ComputeStatus and the histories over a real catalog ------------------------------------

plan::Plan StatusPlan() {
  plan::Plan plan;
  plan.msp.id = "acme";
  plan.msp.name = "Acme IT";
  plan.tiers = {MakeTier("t1", 1, Duration::Hours(2), Duration::Hours(4)),
                MakeTier("t3", 3, Duration::Days(1), Duration::Days(1))};
  plan.tiers[0].drill_every = Cadence{30, Cadence::Unit::kDay};
  plan.clients.emplace_back();
  plan.clients[0].id = "c1";
  plan.clients[0].name = "Client One";
  plan.repositories = {Repo("local", "hq", plan::Medium::kDisk, false),
                       Repo("cloud", "aws", plan::Medium::kObject, true)};
  plan::System db = MakeSystem("db", "t1", {}, "c1");
  db.sites = {{"hq", {}}};
  db.backup.repositories = {{"local", {}}, {"cloud", {}}};
  plan::System app = MakeSystem("app", "t1", {"db"}, "c1");
  app.restore_estimate = Duration::Minutes(30);
  plan.systems = {db, app, MakeSystem("own", "t3")};
  plan.BuildIndex();
  return plan;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-readiness-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto opened = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_TRUE(opened.has_value()) << opened.error().message();
    catalog_ = std::move(opened).value();
  }
  void TearDown() override {
    catalog_.reset();
    fs::remove_all(dir_);
  }
  void Add(catalog::Run run, const std::string& system) {
    run.system = system;
    ASSERT_TRUE(catalog_->AddRun(run).has_value());
  }
  void AddDrill(catalog::DrillRecord record, const std::string& system) {
    record.run.system = system;
    ASSERT_TRUE(catalog_->AddDrill(record.run, record.drill).has_value());
  }
  // The evidence the status tests share (see StatusFromRecordedRuns).
  void RecordEvidence() {
    catalog::Run db_backup = Backup(kNow - kHour);
    db_backup.bytes = 360'000'000'000;  // 3600 s at 100 MB/s
    Add(db_backup, "db");
    Add(Backup(kNow + kHour), "db");  // after "now": ignored
    catalog::DrillRecord drill = Drill(kNow - 2 * kDay, 4000, catalog::Outcome::kOk, 100e6);
    drill.run.snapshot_time_ns = kNow - 3 * kDay;
    drill.drill.steps = {Step("restore", 3'600'000), Step("verify data", 40'000),
                         Step("verify application", 20'000)};
    AddDrill(drill, "db");
    catalog::Run check = Backup(kNow - kDay);
    check.kind = catalog::RunKind::kCheck;
    check.repository = "cloud";
    Add(check, "");
    Add(Backup(kNow - 5 * kHour), "app");
    Add(Backup(kNow - 2 * kHour, catalog::Outcome::kFailed), "app");
  }
  fs::path dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

StatusOptions At(int64_t now_ns) {
  StatusOptions options;
  options.now_ns = now_ns;
  options.today = kToday;
  return options;
}

TEST_F(CatalogTest, StatusFromRecordedRuns) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_TRUE(status.has_value()) << status.error().message();
  ASSERT_EQ(status->clients.size(), 2u);
  const ClientStatus& c1 = status->clients[0];
  EXPECT_EQ(c1.id, "c1");
  EXPECT_EQ(status->clients[1].id, "");
  ASSERT_EQ(c1.systems.size(), 2u);
  const SystemStatus& db = c1.systems[0];
  EXPECT_EQ(db.rpo.state, RpoState::kOk);
  EXPECT_EQ(db.rpo.age, Duration::Hours(1));
  EXPECT_EQ(db.rto.basis, ProjectionBasis::kMeasured);
  EXPECT_EQ(db.rto.projected, Duration::Seconds(3600 + 60));
  EXPECT_EQ(db.rto.state, RtoState::kFeasible);
  EXPECT_EQ(db.confidence.within_target, 1);
  EXPECT_EQ(db.drill.state, DrillState::kOk);
  EXPECT_EQ(db.rule.Marks(), "✓✓✓✓✓");
  EXPECT_FALSE(db.breached);

  const SystemStatus& app = c1.systems[1];
  EXPECT_EQ(app.rpo.state, RpoState::kBreached);  // the newer backup failed
  EXPECT_EQ(app.rto.basis, ProjectionBasis::kEstimate);
  EXPECT_EQ(app.rto.projected, Duration::Seconds(3660 + 1800));
  EXPECT_EQ(app.rto.waits_for, std::vector<std::string>{"db"});
  EXPECT_EQ(app.drill.state, DrillState::kNever);
  EXPECT_TRUE(app.breached);
  EXPECT_TRUE(c1.breached);
  EXPECT_TRUE(status->breached);
  EXPECT_LT(app.score, db.score);
  EXPECT_EQ(c1.score, (db.score + app.score + 1) / 2);

  const SystemStatus& own = status->clients[1].systems[0];
  EXPECT_EQ(own.rpo.state, RpoState::kUnknown);
  EXPECT_EQ(own.rto.basis, ProjectionBasis::kNone);
  EXPECT_EQ(status->score, (*c1.score + own.score + 1) / 2);
}

TEST_F(CatalogTest, ScoreFallsWhenTheSameCatalogIsReadLater) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  auto now = ComputeStatus(plan, *catalog_, At(kNow));
  StatusOptions later_options = At(kNow + 20 * kDay);
  later_options.today = kToday.AddDays(20);
  auto later = ComputeStatus(plan, *catalog_, later_options);
  ASSERT_TRUE(now.has_value() && later.has_value());
  EXPECT_LT(later->clients[0].systems[0].score, now->clients[0].systems[0].score);
  EXPECT_LT(later->score, now->score);
}

TEST_F(CatalogTest, ClientFilter) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  StatusOptions options = At(kNow);
  options.client = "c1";
  auto one = ComputeStatus(plan, *catalog_, options);
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->clients.size(), 1u);
  EXPECT_EQ(one->clients[0].systems.size(), 2u);
  options.client = "acme";  // the MSP's own systems
  auto own = ComputeStatus(plan, *catalog_, options);
  ASSERT_TRUE(own.has_value());
  ASSERT_EQ(own->clients.size(), 1u);
  EXPECT_EQ(own->clients[0].systems[0].id, "own");
  options.client = "nobody";
  auto unknown = ComputeStatus(plan, *catalog_, options);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST(NoCatalogTest, NothingProvenAndNothingCreated) {
  plan::Plan plan = StatusPlan();
  fs::path missing = fs::temp_directory_path() / "stormproof-readiness-missing" / "x.db";
  auto catalog = OpenExistingCatalog(missing.string());
  ASSERT_TRUE(catalog.has_value());
  EXPECT_EQ(catalog->get(), nullptr);
  EXPECT_FALSE(fs::exists(missing.parent_path()));
  auto status = ComputeStatus(plan, nullptr, At(kNow));
  ASSERT_TRUE(status.has_value());
  EXPECT_FALSE(status->has_catalog);
  for (const ClientStatus& client : status->clients) {
    for (const SystemStatus& system : client.systems) {
      // db has backup repositories and no restore point: everything would be lost, a breach.
      // The others are not backed up by the plan: unknown.
      EXPECT_EQ(system.rpo.state, system.id == "db" ? RpoState::kBreached : RpoState::kUnknown)
          << system.id;
      EXPECT_EQ(system.drill.state, DrillState::kNever) << system.id;
      EXPECT_EQ(system.rule.zero_errors, std::nullopt) << system.id;
    }
  }
  const SystemStatus* db = nullptr;
  for (const ClientStatus& client : status->clients) {
    for (const SystemStatus& system : client.systems) {
      if (system.id == "db") db = &system;
    }
  }
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(db->breached);
  ASSERT_FALSE(db->problems.empty());
  EXPECT_EQ(db->problems[0], "RPO 4h breached: no restore point was ever recorded");
  EXPECT_TRUE(status->breached);
}

TEST_F(CatalogTest, RpoHistoryIsASawtooth) {
  plan::Plan plan = StatusPlan();
  const int64_t since = kNow;
  Add(Backup(since - 2 * kHour), "db");
  Add(Backup(since + kHour), "db");
  Add(Backup(since + 3 * kHour, catalog::Outcome::kFailed), "db");
  Add(Backup(since + 5 * kHour), "db");
  auto history = ComputeRpoHistory(plan, *catalog_, "db", since, since + 10 * kHour);
  ASSERT_TRUE(history.has_value()) << history.error().message();
  EXPECT_EQ(history->backups, 2);
  const int64_t minute = 60;
  std::vector<std::pair<int64_t, int64_t>> expected = {
      {since, 2 * 3600},
      {since + kHour + minute * kSecond, 3 * 3600 + minute},
      {since + kHour + minute * kSecond, minute},
      {since + 5 * kHour + minute * kSecond, 4 * 3600 + minute},
      {since + 5 * kHour + minute * kSecond, minute},
      {since + 10 * kHour, 5 * 3600}};
  ASSERT_EQ(history->points.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(history->points[i].time_ns, expected[i].first) << i;
    EXPECT_EQ(history->points[i].age, Duration::Seconds(expected[i].second)) << i;
  }
  // Within 4h except 1 minute after each of the two 4h-old moments: 8h59m... of 10h.
  EXPECT_NEAR(history->share_within, (61.0 + 239 + 239) / 600, 1e-9);
  EXPECT_FALSE(ComputeRpoHistory(plan, *catalog_, "nope", since, since + 1).has_value());
}

TEST_F(CatalogTest, DrillHistoryOldestFirst) {
  plan::Plan plan = StatusPlan();
  AddDrill(Drill(kNow - 2 * kDay, 9000, catalog::Outcome::kFailed), "db");
  AddDrill(Drill(kNow - kDay, 3000), "db");
  auto history = ComputeDrillHistory(plan, *catalog_, "db", kNow - 7 * kDay, kNow);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].achieved_rto, Duration::Seconds(9000));
  EXPECT_FALSE((*history)[0].within_target);
  EXPECT_TRUE((*history)[1].within_target);
  EXPECT_EQ((*history)[1].target_rto, Duration::Hours(2));
}

}  // namespace
}  // namespace stormproof::readiness
