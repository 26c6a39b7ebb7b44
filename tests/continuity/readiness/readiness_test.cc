// Tests of src/continuity/readiness: the assessments as tables with a fixed clock, the projection along a
// dependency chain, the score and its decay, aggregation, and ComputeStatus / the histories over
// a real catalog file.
#include "continuity/readiness/readiness.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "continuity/readiness/internal/assess.h"
#include "tests/matchers.h"

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

plan::RepositorySpec Repo(const std::string& id, const std::string& site, plan::Medium medium,
                          bool immutable) {
  plan::RepositorySpec repo;
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

// R12-7: a restore point dated after the run that proves it (a host's clock a year ahead, a
// forged record) proves no more than a point at that run: the drill's start, the backup's end.
TEST(RpoTest, APointDatedAfterItsRunCountsAsOfTheRun) {
  Evidence evidence;
  evidence.last_good_backup = Backup(kNow - 10 * kHour);
  evidence.last_good_backup->snapshot_time_ns = kNow + 365 * 24 * kHour;
  evidence.last_good_backup->finished_ns = kNow - 9 * kHour;
  RpoStatus rpo = internal::AssessRpo(Duration::Hours(4), 50, evidence, kNow);
  EXPECT_EQ(rpo.age, Duration::Hours(9));
  EXPECT_EQ(rpo.state, RpoState::kBreached);
  catalog::DrillRecord drill = Drill(kNow - 6 * kHour, 60, catalog::Outcome::kOk);
  drill.run.snapshot_time_ns = kNow + 365 * 24 * kHour;
  drill.run.snapshot_id = "future";
  evidence.drills = {drill};
  rpo = internal::AssessRpo(Duration::Hours(4), 50, evidence, kNow);
  EXPECT_EQ(rpo.snapshot_id, "future");
  EXPECT_EQ(rpo.age, Duration::Hours(6)) << "no newer than the drill's start";
  EXPECT_EQ(rpo.state, RpoState::kBreached);
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
  EXPECT_EQ(confidence.verified, 5);
  EXPECT_EQ(internal::AssessConfidence({}, Duration::Hours(2)).p50, std::nullopt);
}

// With fewer than 20 verified drills the nearest-rank p95 is the slowest drill: it says so.
TEST(RtoConfidenceTest, P95OfFewDrillsIsLabelledWorstOfLastN) {
  std::vector<catalog::DrillRecord> drills;
  for (int64_t minutes : {30, 40, 50, 200}) drills.push_back(Drill(kNow, minutes * 60));
  RtoConfidence few = internal::AssessConfidence(drills, Duration::Hours(2));
  EXPECT_TRUE(few.p95_is_worst());
  EXPECT_EQ(few.P95Label(), "worst of last 4");
  EXPECT_EQ(few.p95, Duration::Minutes(200));
  for (int i = 0; i < 16; ++i) drills.push_back(Drill(kNow, 60));
  RtoConfidence many = internal::AssessConfidence(drills, Duration::Hours(2));
  EXPECT_EQ(many.verified, 20);
  EXPECT_FALSE(many.p95_is_worst());
  EXPECT_EQ(many.P95Label(), "p95");
  EXPECT_EQ(many.p95, Duration::Minutes(50));  // the 19th of 20, not the slowest
}

// p50 and every other median of readiness use one definition: the mean of the two middle values
// for an even count (a nearest-rank p50 would say 60).
TEST(RtoConfidenceTest, P50IsTheOneMedian) {
  RtoConfidence two =
      internal::AssessConfidence({Drill(kNow, 60), Drill(kNow, 120)}, Duration::Hours(2));
  EXPECT_EQ(two.p50, Duration::Seconds(90));
  EXPECT_DOUBLE_EQ(internal::Median({60, 120}), 90);
  EXPECT_DOUBLE_EQ(internal::Median({5, 1, 3}), 3);
}

// One rule for a past drill, in status and in the report: the RTO recorded with the drill, else
// the plan's. Here the plan's RTO is now 2h, but the drill was run against 1h and took 90m.
TEST(RtoConfidenceTest, DrillIsJudgedAgainstTheRtoRecordedWithIt) {
  catalog::DrillRecord drill = Drill(kNow, 90 * 60);
  drill.drill.target_rto_s = 3600;
  RtoConfidence judged = internal::AssessConfidence({drill}, Duration::Hours(2));
  EXPECT_EQ(judged.within_target, 0);
  EXPECT_EQ(JudgedRtoSeconds(drill.drill, Duration::Hours(2)), 3600);
  drill.drill.target_rto_s.reset();  // recorded before targets were: the plan's RTO
  EXPECT_EQ(JudgedRtoSeconds(drill.drill, Duration::Hours(2)), 7200);
  EXPECT_EQ(internal::AssessConfidence({drill}, Duration::Hours(2)).within_target, 1);
  EXPECT_EQ(JudgedRtoSeconds(drill.drill, std::nullopt), std::nullopt);
}

// A restore faster than the millisecond clock still measured a throughput (a lower bound).
TEST(RtoProjectionTest, ZeroMillisecondRestoreIsNotDropped) {
  catalog::DrillRecord fast = Drill(kNow - kDay, 1, catalog::Outcome::kOk, 0);
  fast.run.bytes = 5'000'000;
  fast.drill.steps = {Step("restore", 0), Step("verify data", 0)};
  EXPECT_EQ(internal::DrillThroughput(fast), 5e9);
  Evidence evidence;
  evidence.last_good_backup = Backup(kNow - kHour);
  evidence.drills = {fast};
  plan::System system;
  system.restore_estimate = Duration::Minutes(10);
  RtoProjection own = internal::MeasureOwnRestore(evidence, system, Duration::Hours(2));
  EXPECT_EQ(own.data_restore_basis, ProjectionBasis::kMeasured);
  EXPECT_DOUBLE_EQ(own.throughput_bytes_per_s.value_or(0), 5e9);
  catalog::DrillRecord empty = fast;
  empty.run.bytes = 0;  // nothing restored: nothing measured
  EXPECT_EQ(internal::DrillThroughput(empty), std::nullopt);
}

TEST(RtoProjectionTest, FarExtrapolationIsSaid) {
  RtoProjection rto;
  EXPECT_EQ(ExtrapolationCaveat(rto), "");
  rto.extrapolation_factor = 40'000.7;
  rto.evidence_bytes = 50 * 1024 * 1024;
  EXPECT_EQ(ExtrapolationCaveat(rto),
            "RTO projection extrapolated 40000× from a drill of 50.0 MiB");
  rto.extrapolation_factor = 9.5;  // close enough to the evidence
  EXPECT_EQ(ExtrapolationCaveat(rto), "");
}

// The system's own restore time and the chain: tests/continuity/readiness/projection_test.cc.

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

// --- 3-2-1-1-0: per copy, from evidence (tests/continuity/readiness/copies_test.cc) -------------------

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

// --- ComputeStatus and the histories over a real catalog ------------------------------------

// The access key id of the backup hosts' credentials for "cloud" (BackupCredentials()).
constexpr const char* kCloudKeyId = "AKIACLOUDBACKUPHOST1";

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
  plan.repositories[1].location = "s3:https://s3.example.com/cloud";
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
    ASSERT_THAT(opened, IsOk());
    catalog_ = std::move(opened).value();
  }
  void TearDown() override {
    catalog_.reset();
    fs::remove_all(dir_);
  }
  // "cloud"'s credentials_file: the backup hosts' credentials, whose proofs count.
  std::string BackupCredentials() {
    const fs::path file = dir_ / "cloud-backup.aws";
    std::ofstream(file) << "[default]\naws_access_key_id = " << kCloudKeyId
                        << "\naws_secret_access_key = the-backup-secret\n";
    return file.string();
  }
  void Add(catalog::Run run, const std::string& system) {
    run.system = system;
    ASSERT_THAT(catalog_->AddRun(run), IsOk());
  }
  void AddDrill(catalog::DrillRecord record, const std::string& system) {
    record.run.system = system;
    ASSERT_THAT(catalog_->AddDrill(record.run, record.drill), IsOk());
  }
  // The evidence the status tests share (see StatusFromRecordedRuns).
  void RecordEvidence() {
    catalog::Run db_backup = Backup(kNow - kHour);
    db_backup.bytes = 360'000'000'000;  // 3600 s at 100 MB/s
    db_backup.repository = "local";
    Add(db_backup, "db");
    db_backup = Backup(kNow - 2 * kHour);
    db_backup.bytes = 360'000'000'000;
    db_backup.repository = "cloud";
    Add(db_backup, "db");
    Add(Backup(kNow + kHour), "db");  // after "now": ignored
    catalog::DrillRecord drill = Drill(kNow - 2 * kDay, 4000, catalog::Outcome::kOk, 100e6);
    drill.run.repository = "local";  // verifies that copy
    drill.run.snapshot_time_ns = kNow - 3 * kDay;
    drill.drill.steps = {Step("restore", 3'600'000), Step("verify data", 40'000),
                         Step("verify application", 20'000)};
    AddDrill(drill, "db");
    catalog::Run check = Backup(kNow - kDay);
    check.kind = catalog::RunKind::kCheck;
    check.repository = "cloud";
    check.details = R"({"read_data_percent":100})";  // verifies that copy (read it all)
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
  ASSERT_THAT(status, IsOk());
  ASSERT_EQ(status->clients.size(), 2u);
  const ClientStatus& c1 = status->clients[0];
  EXPECT_EQ(c1.id, "c1");
  EXPECT_EQ(status->clients[1].id, "");
  ASSERT_EQ(c1.systems.size(), 2u);
  const SystemStatus& db = c1.systems[0];
  EXPECT_EQ(db.rpo.state, RpoState::kOk);
  EXPECT_EQ(db.rpo.age, Duration::Hours(1));
  // db's drills timed no checklist and the plan gives no restore.estimate: its hands-on time is
  // unknown, so 1h of data restore + 1m of verification is a lower bound, never "feasible".
  EXPECT_EQ(db.rto.basis, ProjectionBasis::kNone);
  EXPECT_EQ(db.rto.data_restore, Duration::Seconds(3600));
  EXPECT_EQ(db.rto.projected, Duration::Seconds(3600 + 60));
  EXPECT_FALSE(db.rto.complete);
  EXPECT_EQ(db.rto.state, RtoState::kUnknown);
  ASSERT_FALSE(db.rto.unknowns.empty());
  EXPECT_EQ(db.rto.unknowns[0], "hands-on time unknown: never timed, no estimate");
  EXPECT_EQ(db.confidence.within_target, 1);
  EXPECT_EQ(db.drill.state, DrillState::kOk);
  // Both copies hold a current backup and were verified; "immutable" is the plan's claim only.
  EXPECT_EQ(db.rule.Marks(), "✓✓✓~✓");
  EXPECT_EQ(db.rule.reasons,
            std::vector<std::string>{"immutable: copy cloud claimed, never proven"});
  EXPECT_FALSE(db.breached);

  const SystemStatus& app = c1.systems[1];
  EXPECT_EQ(app.rpo.state, RpoState::kBreached);     // the newer backup failed
  EXPECT_EQ(app.rto.basis, ProjectionBasis::kNone);  // never drilled: data restore unknown
  EXPECT_EQ(app.rto.hands_on_basis, ProjectionBasis::kEstimate);
  EXPECT_EQ(app.rto.projected, Duration::Seconds(3660 + 1800));  // at least
  EXPECT_EQ(app.rto.state, RtoState::kUnknown);
  EXPECT_EQ(app.rto.waits_for, std::vector<std::string>{"db"});
  EXPECT_EQ(app.drill.state, DrillState::kNever);
  EXPECT_TRUE(app.breached);
  EXPECT_TRUE(c1.breached);
  EXPECT_TRUE(status->breached);
  EXPECT_LT(app.score, db.score);
  EXPECT_LE(app.score, kBreachedScoreCap);
  // c1 has a breached system: its score is capped as well.
  EXPECT_EQ(c1.score, std::min(kBreachedScoreCap, (db.score + app.score + 1) / 2));

  const SystemStatus& own = status->clients[1].systems[0];
  EXPECT_EQ(own.rpo.state, RpoState::kUnknown);
  EXPECT_EQ(own.rto.basis, ProjectionBasis::kNone);
  EXPECT_EQ(status->score, std::min(kBreachedScoreCap, (*c1.score + own.score + 1) / 2));
}

catalog::ImmutabilityProof ProofOf(const std::string& repository, int64_t finished_ns,
                                   catalog::Outcome outcome) {
  catalog::ImmutabilityProof proof;
  proof.repository = repository;
  proof.location = "s3:https://s3.example.com/cloud";
  proof.started_ns = finished_ns - 30 * kSecond;
  proof.finished_ns = finished_ns;
  proof.outcome = outcome;
  proof.credentials = "credentials_file cloud-backup.aws";
  proof.access_key_id = kCloudKeyId;
  if (outcome == catalog::Outcome::kFailed) {
    proof.allowed = {"deleting a pack's version was allowed"};
  }
  return proof;
}

// "The 1" of 3-2-1-1-0 counts only once a proof passed within run.check_every (1w).
TEST_F(CatalogTest, ImmutableCountsOnlyWithAProofWithinTheCheckCadence) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  plan.repositories[1].credentials_file = BackupCredentials();
  ASSERT_THAT(
      catalog_->AddImmutabilityProof(ProofOf("cloud", kNow - 2 * kDay, catalog::Outcome::kOk)),
      IsOk());
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  const SystemStatus& db = status->clients[0].systems[0];
  EXPECT_EQ(db.rule.Marks(), "✓✓✓✓✓");
  EXPECT_TRUE(db.rule.reasons.empty()) << db.rule.reasons[0];
  ASSERT_EQ(db.rule.copy_status.size(), 2u);
  EXPECT_TRUE(db.rule.copy_status[1].immutable_proven);
  EXPECT_EQ(db.rule.copy_status[1].immutability_text, "proven 2026-11-24 (2 days ago)");
  // Per repository, for the client whose systems use them: "local" and "cloud".
  const ClientStatus& c1 = status->clients[0];
  ASSERT_EQ(c1.repositories.size(), 2u);
  EXPECT_EQ(c1.repositories[1].id, "cloud");
  EXPECT_EQ(c1.repositories[1].immutability.state, analysis::ImmutabilityState::kProven);
  EXPECT_EQ(c1.repositories[1].zero_errors.state, analysis::ZeroErrorsState::kProven);
  EXPECT_EQ(c1.repositories[0].immutability.text, "not claimed");
  // The MSP's own system backs up nowhere: it has no repository to show.
  EXPECT_TRUE(status->clients[1].repositories.empty());
  // A week later the proof is 9 days old, older than the cadence: claimed again, with its age.
  StatusOptions week_later = At(kNow + 7 * kDay);
  week_later.today = kToday.AddDays(7);
  auto later = ComputeStatus(plan, *catalog_, week_later);
  ASSERT_THAT(later, IsOk());
  const CopyStatus& cloud = later->clients[0].systems[0].rule.copy_status[1];
  EXPECT_FALSE(cloud.immutable_proven);
  EXPECT_EQ(cloud.immutability_text, "last proven 9 days ago on 2026-11-24 (cadence 1w)");
}

// A proof counts only before the day of the earliest retain-until date it sampled (stored in the
// catalog with it), within the cadence or not: from that day, status reads it as lapsed.
TEST_F(CatalogTest, AProofStopsCountingOnTheDayItsEarliestSampledRetentionEnds) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  plan.repositories[1].credentials_file = BackupCredentials();
  catalog::ImmutabilityProof proof = ProofOf("cloud", kNow - 2 * kDay, catalog::Outcome::kOk);
  proof.earliest_retain_until_ns = kNow + 2 * kDay;
  ASSERT_THAT(catalog_->AddImmutabilityProof(proof), IsOk());
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  EXPECT_TRUE(status->clients[0].systems[0].rule.copy_status[1].immutable_proven);
  // Two days later (within the 1w cadence) its sampled retention ends: no longer proven.
  StatusOptions later_options = At(kNow + 2 * kDay);
  later_options.today = kToday.AddDays(2);
  auto later = ComputeStatus(plan, *catalog_, later_options);
  ASSERT_THAT(later, IsOk());
  const CopyStatus& cloud = later->clients[0].systems[0].rule.copy_status[1];
  EXPECT_FALSE(cloud.immutable_proven);
  EXPECT_EQ(cloud.immutability_text,
            "proven 2026-11-24, never since; lapsed on 2026-11-28 (the earliest retention it "
            "sampled ended)");
  EXPECT_EQ(later->clients[0].repositories[1].immutability.state,
            analysis::ImmutabilityState::kProofStale);
}

// An offline copy counts as "the 1" while attested, and is attested, never proven. A client reads
// that the MSP attested it, not which of its people did, nor the note.
TEST_F(CatalogTest, AnAttestedOfflineCopyMeetsTheRuleWithoutBeingProven) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  plan.repositories[1].immutable = false;
  plan.repositories[1].offline = true;
  plan.repositories[1].location = "/media/rotated-disk";
  ASSERT_THAT(
      catalog_->AddAttestation({0, "cloud", "ann", kNow - kDay, "disk 3 in the safe", "", ""}),
      IsOk());
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  const Rule32110& rule = status->clients[0].systems[0].rule;
  EXPECT_EQ(rule.Marks(), "✓✓✓✓✓");
  EXPECT_TRUE(rule.immutable_attested);
  EXPECT_FALSE(rule.immutable_proven);
  EXPECT_EQ(rule.copy_status[1].immutability, analysis::ImmutabilityState::kAttested);
  EXPECT_EQ(rule.copy_status[1].immutability_text, "attested by Acme IT on 2026-11-25 (1 day ago)");
  EXPECT_EQ(status->clients[0].repositories[1].immutability.text,
            "attested by Acme IT on 2026-11-25 (1 day ago)");
}

// A failed proof names what was allowed, in the 3-2-1-1-0 reasons and as a high finding.
TEST_F(CatalogTest, AFailedImmutabilityProofIsAReasonAndAHighFinding) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  plan.repositories[1].credentials_file = BackupCredentials();
  ASSERT_THAT(
      catalog_->AddImmutabilityProof(ProofOf("cloud", kNow - 3 * kDay, catalog::Outcome::kOk)),
      IsOk());
  ASSERT_THAT(
      catalog_->AddImmutabilityProof(ProofOf("cloud", kNow - kDay, catalog::Outcome::kFailed)),
      IsOk());
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  const SystemStatus& db = status->clients[0].systems[0];
  EXPECT_EQ(db.rule.Marks(), "✓✓✓~✓");
  EXPECT_EQ(db.rule.reasons,
            std::vector<std::string>{"immutable: copy cloud proof FAILED on 2026-11-25: deleting "
                                     "a pack's version was allowed"});
  bool found = false;
  for (const analysis::Finding& f : status->findings) {
    if (f.rule != "immutability-proof-failed") continue;
    found = true;
    EXPECT_EQ(f.severity, analysis::Severity::kHigh);
    EXPECT_EQ(f.systems, std::vector<std::string>{"db"});
  }
  EXPECT_TRUE(found);
  EXPECT_GE(db.findings.high, 1);
}

// Whose proof it is: a proof made with other credentials than the backup hosts' (the access key
// id of "cloud"'s credentials_file), one of another location, one whose key was never recorded,
// and any proof when the backup hosts' credentials cannot be read here, never count; each says
// why, to the MSP only. The newest proof that counts is found past them.
TEST_F(CatalogTest, OnlyAProofWithTheBackupHostsKeyAtTheLocationNowCounts) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  plan.repositories[1].credentials_file = BackupCredentials();
  catalog::ImmutabilityProof owner = ProofOf("cloud", kNow - kDay, catalog::Outcome::kOk);
  owner.access_key_id = "AKIAOWNERMAINTENANCE";
  ASSERT_THAT(catalog_->AddImmutabilityProof(owner), IsOk());
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  const RepositoryStatus& cloud = status->clients[0].repositories[1];
  EXPECT_EQ(cloud.immutability.state, analysis::ImmutabilityState::kNeverProven);
  EXPECT_FALSE(cloud.immutability.counts);
  EXPECT_EQ(cloud.immutability.text,
            "claimed, never proven with the backup hosts' credentials: proof of 2026-11-25 not "
            "counted: made with other credentials (AKIAOWNERMAINTENANCE) — not the backup hosts' "
            "(AKIACLOUDBACKUPHOST1, profile 'default' of " +
                plan.repositories[1].credentials_file + ")");
  EXPECT_EQ(status->clients[0].systems[0].rule.Marks(), "✓✓✓~✓");

  // The client's own view: the claim only, no keys.
  StatusOptions for_client = At(kNow);
  for_client.client = "c1";
  auto client = ComputeStatus(plan, *catalog_, for_client);
  ASSERT_THAT(client, IsOk());
  EXPECT_EQ(client->clients[0].repositories[1].immutability.text, "claimed, never proven");

  // An older proof by the backup hosts counts; the newer one is named.
  ASSERT_THAT(
      catalog_->AddImmutabilityProof(ProofOf("cloud", kNow - 3 * kDay, catalog::Outcome::kOk)),
      IsOk());
  status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->clients[0].repositories[1].immutability.state,
            analysis::ImmutabilityState::kProven);
  EXPECT_THAT(status->clients[0].repositories[1].immutability.text,
              ::testing::StartsWith("proven 2026-11-23 (3 days ago); newer proof of 2026-11-25 "
                                    "not counted: made with other credentials"));

  // The plan moved the repository to another bucket: no proof of the old one counts.
  plan.repositories[1].location = "s3:https://s3.example.com/cloud-2";
  status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->clients[0].repositories[1].immutability.text,
            "claimed, never proven with the backup hosts' credentials: proof of 2026-11-25 not "
            "counted: made at s3:https://s3.example.com/cloud, not at the repository's location "
            "now (s3:https://s3.example.com/cloud-2)");

  // The backup hosts' credentials cannot be read here: whose proof it is cannot be told.
  plan.repositories[1].location = "s3:https://s3.example.com/cloud";
  plan.repositories[1].credentials_file = (dir_ / "missing.aws").string();
  status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  EXPECT_FALSE(status->clients[0].repositories[1].immutability.counts);
  EXPECT_THAT(status->clients[0].repositories[1].immutability.text,
              ::testing::HasSubstr("made with access key AKIAOWNERMAINTENANCE, but which key the "
                                   "backup hosts hold cannot be told here ("));
}

// A proof recorded before the catalog kept access key ids counts for nobody: prove again.
TEST_F(CatalogTest, AProofWithoutARecordedAccessKeyDoesNotCount) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  plan.repositories[1].credentials_file = BackupCredentials();
  catalog::ImmutabilityProof old = ProofOf("cloud", kNow - kDay, catalog::Outcome::kOk);
  old.access_key_id = "";
  ASSERT_THAT(catalog_->AddImmutabilityProof(old), IsOk());
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  const RepositoryStatus& cloud = status->clients[0].repositories[1];
  EXPECT_FALSE(cloud.immutability.counts);
  EXPECT_EQ(cloud.immutability.text,
            "claimed, never proven with the backup hosts' credentials: proof of 2026-11-25 not "
            "counted: the access key it ran with was not recorded (a proof from before stormproof "
            "recorded it); prove again");
}

// "The 0" of a repository fails on a drill that could not get the data back, not on a drill
// that only missed its RTO.
TEST_F(CatalogTest, RepositoryZeroErrorsFailsOnlyOnADataFailure) {
  RecordEvidence();  // "local" was drilled 2 days ago and passed
  plan::Plan plan = StatusPlan();
  catalog::DrillRecord slow = Drill(kNow - kDay, std::nullopt, catalog::Outcome::kFailed);
  slow.run.repository = "local";
  slow.drill.steps = {Step("restore", 9'000'000), Step("verify data", 1'000)};
  AddDrill(slow, "db");
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->clients[0].repositories[0].id, "local");
  EXPECT_EQ(status->clients[0].repositories[0].zero_errors.state,
            analysis::ZeroErrorsState::kProven);
  catalog::DrillRecord damaged = Drill(kNow - kHour, std::nullopt, catalog::Outcome::kFailed);
  damaged.run.repository = "local";
  damaged.run.error = "verify data: 3 files differ";
  damaged.drill.steps = {Step("restore", 1'000),
                         {"verify data", 10, catalog::Outcome::kFailed, "3 files differ"}};
  AddDrill(damaged, "db");
  status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  const analysis::ZeroErrorsVerdict& local = status->clients[0].repositories[0].zero_errors;
  EXPECT_EQ(local.state, analysis::ZeroErrorsState::kFailed);
  EXPECT_EQ(local.text, "drill FAILED on 2026-11-25: verify data: 3 files differ");
}

// A breached objective dominates: whatever the other components, the system scores at most 49,
// and so do its client and the MSP.
TEST_F(CatalogTest, BreachCapsTheScoreOfTheSystemItsClientAndTheMsp) {
  RecordEvidence();
  catalog::DrillRecord failed = Drill(kNow - kHour, std::nullopt, catalog::Outcome::kFailed);
  AddDrill(failed, "db");  // the newest drill of db failed: a breach until a drill passes
  plan::Plan plan = StatusPlan();
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  const SystemStatus& db = status->clients[0].systems[0];
  ASSERT_TRUE(db.breached);
  EXPECT_GT(db.parts.Total(), kBreachedScoreCap);  // fresh backups, verified copies, audit
  EXPECT_EQ(db.score, kBreachedScoreCap);
  EXPECT_TRUE(db.capped);
  EXPECT_LE(*status->clients[0].score, kBreachedScoreCap);
  EXPECT_TRUE(status->breached);
  EXPECT_LE(status->score, kBreachedScoreCap);
  EXPECT_EQ(internal::CappedScore(82, false), 82);
  EXPECT_EQ(internal::CappedScore(30, true), 30);
}

// A drill stopped by SIGTERM proves nothing either way: no breach, no failed verification of the
// copy it was restoring, and the older passed drill still stands.
TEST_F(CatalogTest, AnInterruptedDrillIsNoBreachAndNoVerdict) {
  RecordEvidence();
  plan::Plan plan = StatusPlan();
  auto before = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(before, IsOk());
  catalog::DrillRecord stopped = Drill(kNow - kHour, std::nullopt, catalog::Outcome::kError);
  stopped.run.repository = "local";
  stopped.run.error = "interrupted by SIGTERM";
  AddDrill(stopped, "db");
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  const SystemStatus& db = status->clients[0].systems[0];
  const SystemStatus& db_before = before->clients[0].systems[0];
  EXPECT_FALSE(db.breached);
  EXPECT_EQ(db.drill.last_outcome, catalog::Outcome::kOk);
  EXPECT_EQ(db.drill.last_ns, db_before.drill.last_ns);
  EXPECT_EQ(db.rule.Marks(), db_before.rule.Marks());
  EXPECT_EQ(db.score, db_before.score);
  // The same drill stopped with another error is a failure of that copy and a breach.
  stopped.run.started_ns = kNow - kHour / 2;
  stopped.run.finished_ns = kNow - kHour / 4;
  stopped.run.error = "restic: repository not found";
  AddDrill(stopped, "db");
  status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  EXPECT_TRUE(status->clients[0].systems[0].breached);
}

// --as-of a moment while a backup was still running: that backup is no restore point yet.
TEST_F(CatalogTest, BackupStillRunningAtTheMomentIsNoRestorePoint) {
  catalog::Run done = Backup(kNow - 3 * kHour);
  done.repository = "local";
  Add(done, "db");
  catalog::Run running = Backup(kNow - 10 * 60 * kSecond);
  running.repository = "local";
  running.finished_ns = kNow + 10 * 60 * kSecond;
  Add(running, "db");
  plan::Plan plan = StatusPlan();
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  const SystemStatus& db = status->clients[0].systems[0];
  EXPECT_EQ(db.rpo.age, Duration::Hours(3));
  EXPECT_EQ(db.rpo.state, RpoState::kAtRisk);
  EXPECT_EQ(db.rule.copy_status[0].age, Duration::Hours(3));
  auto later = ComputeStatus(plan, *catalog_, At(kNow + 20 * 60 * kSecond));
  ASSERT_THAT(later, IsOk());
  EXPECT_EQ(later->clients[0].systems[0].rpo.age, Duration::Minutes(30));
}

// The report's RPO compliance counts a snapshot proven by a drill, as status does.
TEST_F(CatalogTest, RpoHistoryCountsSnapshotsProvenByDrills) {
  plan::Plan plan = StatusPlan();
  const int64_t since = kNow;
  Add(Backup(since - 2 * kHour), "db");
  catalog::DrillRecord drill = Drill(since + 2 * kHour, 600);  // finishes at since + 3h
  drill.run.snapshot_time_ns = since + 90 * 60 * kSecond;
  AddDrill(drill, "db");
  auto history = ComputeRpoHistory(plan, *catalog_, "db", since, since + 10 * kHour);
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(history->backups, 0);
  EXPECT_EQ(history->drill_proofs, 1);
  ASSERT_EQ(history->points.size(), 4u);
  EXPECT_EQ(history->points[2].time_ns, since + 3 * kHour);
  EXPECT_EQ(history->points[2].age, Duration::Minutes(90));
  // Within 4h: since..since+2h, then since+3h..since+5h30m: 4.5h of 10h.
  EXPECT_NEAR(history->share_within, 0.45, 1e-9);
  auto status = ComputeStatus(plan, *catalog_, At(since + 10 * kHour));
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->clients[0].systems[0].rpo.restore_point_ns, since + 90 * 60 * kSecond);
}

// A system first backed up halfway through the period is measured from that backup, not
// charged with the time before it.
TEST_F(CatalogTest, RpoComplianceIsMeasuredFromTheFirstBackup) {
  plan::Plan plan = StatusPlan();
  const int64_t since = kNow;
  Add(Backup(since + 5 * kHour), "own");  // RPO 1 day: within it ever since
  auto history = ComputeRpoHistory(plan, *catalog_, "own", since, since + 10 * kHour);
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(history->measured_since_ns, since + 5 * kHour + 60 * kSecond);
  EXPECT_DOUBLE_EQ(history->share_within, 1.0);
  auto never = ComputeRpoHistory(plan, *catalog_, "db", since, since + 10 * kHour);
  ASSERT_THAT(never, IsOk());
  EXPECT_EQ(never->measured_since_ns, std::nullopt);
  EXPECT_DOUBLE_EQ(never->share_within, 0.0);
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
  ASSERT_THAT(one, IsOk());
  ASSERT_EQ(one->clients.size(), 1u);
  EXPECT_EQ(one->clients[0].systems.size(), 2u);
  options.client = "acme";  // the MSP's own systems
  auto own = ComputeStatus(plan, *catalog_, options);
  ASSERT_THAT(own, IsOk());
  ASSERT_EQ(own->clients.size(), 1u);
  EXPECT_EQ(own->clients[0].systems[0].id, "own");
  options.client = "nobody";
  auto unknown = ComputeStatus(plan, *catalog_, options);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown, ErrorIs(ErrorCode::kNotFound));
}

TEST(NoCatalogTest, NothingProvenAndNothingCreated) {
  plan::Plan plan = StatusPlan();
  fs::path missing = fs::temp_directory_path() / "stormproof-readiness-missing" / "x.db";
  auto catalog = OpenExistingCatalog(missing.string());
  ASSERT_THAT(catalog, IsOk());
  EXPECT_EQ(catalog->get(), nullptr);
  EXPECT_FALSE(fs::exists(missing.parent_path()));
  auto status = ComputeStatus(plan, nullptr, At(kNow));
  ASSERT_THAT(status, IsOk());
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
  ASSERT_THAT(history, IsOk());
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
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].achieved_rto, Duration::Seconds(9000));
  EXPECT_FALSE((*history)[0].within_target);
  EXPECT_TRUE((*history)[1].within_target);
  EXPECT_EQ((*history)[1].target_rto, Duration::Hours(2));
}

// The report judges a past drill by the same rule as status: the RTO recorded with it.
TEST_F(CatalogTest, DrillHistoryJudgesByTheRecordedRto) {
  plan::Plan plan = StatusPlan();  // db's RTO today: 2h
  catalog::DrillRecord drill = Drill(kNow - kDay, 5400);
  drill.drill.target_rto_s = 3600;
  AddDrill(drill, "db");
  auto history = ComputeDrillHistory(plan, *catalog_, "db", kNow - 7 * kDay, kNow);
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].target_rto, Duration::Hours(1));
  EXPECT_FALSE((*history)[0].within_target);
  auto status = ComputeStatus(plan, *catalog_, At(kNow));
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->clients[0].systems[0].confidence.within_target, 0);
}

}  // namespace
}  // namespace stormproof::readiness
