// Tests of src/continuity/readiness/projection.cc: a system's projected RTO is data restore + hands-on time
// + verification along its dependency chain, each part with its basis; the capacity that follows
// from the whole projection; how far a drill's throughput is extrapolated.
#include <gtest/gtest.h>

#include "continuity/readiness/internal/assess.h"
#include "continuity/readiness/readiness.h"
#include "tests/matchers.h"

namespace stormproof::readiness {
namespace {

using internal::Evidence;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kNow = 20'783LL * 86400 * kSecond;  // 2026-11-26T00:00:00Z

catalog::DrillStep Step(const std::string& name, int64_t ms,
                        catalog::Outcome outcome = catalog::Outcome::kOk) {
  catalog::DrillStep step;
  step.name = name;
  step.duration_ms = ms;
  step.outcome = outcome;
  return step;
}

// A drill that restored `bytes` in `restore_ms` and verified in `verify_ms`, then `extra` steps.
catalog::DrillRecord Drill(uint64_t bytes, int64_t restore_ms, int64_t verify_ms = 0,
                           std::vector<catalog::DrillStep> extra = {}) {
  catalog::DrillRecord record;
  record.run.kind = catalog::RunKind::kDrill;
  record.run.started_ns = kNow - 86400 * kSecond;
  record.run.bytes = bytes;
  record.drill.throughput_bytes_per_s = static_cast<double>(bytes) * 1000.0 / restore_ms;
  record.drill.steps = {Step("restore", restore_ms), Step("verify data", verify_ms)};
  for (catalog::DrillStep& step : extra) record.drill.steps.push_back(std::move(step));
  return record;
}

// Evidence of a system whose newest backup holds `bytes`.
Evidence WithData(uint64_t bytes, std::vector<catalog::DrillRecord> drills = {}) {
  Evidence evidence;
  evidence.last_good_backup.emplace();
  evidence.last_good_backup->bytes = bytes;
  evidence.drills = std::move(drills);
  return evidence;
}

plan::System WithChecklist(size_t steps, std::optional<Duration> estimate = std::nullopt) {
  plan::System system;
  system.id = "dc";
  for (size_t i = 0; i < steps; ++i) {
    plan::ChecklistStep step;
    step.text = "step " + std::to_string(i);
    system.checklist.push_back(step);
  }
  system.restore_estimate = estimate;
  return system;
}

TEST(ChecklistStepTest, NumberOfAChecklistStep) {
  const struct {
    const char* name;
    std::optional<size_t> number;
  } cases[] = {{"checklist 1: Restore the VM", 1}, {"checklist 12: x", 12},
               {"checklist 0: x", std::nullopt},   {"checklist 3 x", std::nullopt},
               {"checklist : x", std::nullopt},    {"checklist 3", std::nullopt},
               {"Checklist 3: x", std::nullopt},   {"restore", std::nullopt},
               {"verify data", std::nullopt}};
  for (const auto& c : cases) EXPECT_EQ(internal::ChecklistStepNumber(c.name), c.number) << c.name;
}

TEST(HandsOnTest, MeasuredOnlyByDrillsThatTimedEveryStepDone) {
  using catalog::Outcome;
  const struct {
    const char* name;
    std::vector<catalog::DrillStep> steps;
    std::optional<int64_t> ms;
  } cases[] = {
      {"both steps done", {Step("checklist 1: a", 1000), Step("checklist 2: b", 2500)}, 3500},
      {"in any order", {Step("checklist 2: b", 2500), Step("checklist 1: a", 1000)}, 3500},
      {"step 2 missing", {Step("checklist 1: a", 1000)}, std::nullopt},
      {"step 2 skipped",
       {Step("checklist 1: a", 1000), Step("checklist 2: b", 0, Outcome::kWarning)},
       std::nullopt},
      {"step 1 failed",
       {Step("checklist 1: a", 1000, Outcome::kFailed), Step("checklist 2: b", 5)},
       std::nullopt},
      {"a step beyond today's checklist is ignored",
       {Step("checklist 1: a", 1000), Step("checklist 2: b", 2500), Step("checklist 3: c", 9)},
       3500},
      {"no checklist steps", {Step("restore", 1000)}, std::nullopt},
      {"a step confirmed by a script without a duration is not timed",
       {Step("checklist 1: a", 1000), Step("checklist 2: b", 0)},
       std::nullopt},
      {"a negative time is no measurement",
       {Step("checklist 1: a", -5000), Step("checklist 2: b", 2500)},
       std::nullopt},
  };
  for (const auto& c : cases) {
    catalog::Drill drill;
    drill.steps = c.steps;
    if (std::string(c.name).find("script") != std::string::npos) {
      drill.steps[1].note = std::string(catalog::kNotTimedNote);
    }
    EXPECT_EQ(MeasuredHandsOnMs(drill, 2), c.ms) << c.name;
  }
  catalog::Drill any;
  EXPECT_EQ(MeasuredHandsOnMs(any, 0), std::nullopt);  // no checklist: nothing to time
}

// The domain controller: its data copies in a second, its RTO is a day, and the plan's
// hands-on estimate is 4h. The projection is data + hands-on + verify, never the 1 s alone.
TEST(ProjectionTest, NeverFromDataRestoreAlone) {
  Evidence evidence = WithData(50'000'000, {Drill(50'000'000, 1000, 2000)});
  RtoProjection rto = internal::MeasureOwnRestore(evidence, WithChecklist(3, Duration::Hours(4)),
                                                  Duration::Days(1));
  EXPECT_EQ(rto.data_restore, Duration::Seconds(1));
  EXPECT_EQ(rto.data_restore_basis, ProjectionBasis::kMeasured);
  EXPECT_EQ(rto.hands_on, Duration::Hours(4));
  EXPECT_EQ(rto.hands_on_basis, ProjectionBasis::kEstimate);
  EXPECT_EQ(rto.verify_time, Duration::Seconds(2));
  EXPECT_EQ(rto.own, Duration::Hours(4) + Duration::Seconds(3));
  EXPECT_EQ(rto.basis, ProjectionBasis::kEstimate);
  EXPECT_EQ(ProjectionPartsText(rto),
            "data restore 1s (measured) + hands-on 4h (estimate, never timed) + verify 2s "
            "(measured)");

  // Without an estimate nor a timed checklist, the hands-on time is unknown: so is the RTO.
  plan::Plan plan;
  plan.systems = {WithChecklist(3)};
  plan.BuildIndex();
  std::vector<RtoProjection> chain = {
      internal::MeasureOwnRestore(evidence, plan.systems[0], Duration::Days(1))};
  internal::ProjectAlongDependencies(plan, plan::DependencyGraph(plan), {true}, &chain);
  EXPECT_EQ(chain[0].state, RtoState::kUnknown);
  EXPECT_EQ(chain[0].basis, ProjectionBasis::kNone);
  EXPECT_FALSE(chain[0].complete);
  EXPECT_EQ(chain[0].projected, Duration::Seconds(3));  // a lower bound
  EXPECT_EQ(chain[0].unknowns,
            std::vector<std::string>{"hands-on time unknown: never timed, no estimate"});
  EXPECT_EQ(ProjectionPartsText(chain[0]),
            "data restore 1s (measured) + hands-on unknown (never timed, no estimate) + verify 2s "
            "(measured)");
  EXPECT_FALSE(chain[0].data_budget.has_value());
  EXPECT_EQ(chain[0].no_capacity_reason, "hands-on time unknown: never timed, no estimate");
}

TEST(ProjectionTest, OwnTimeIsMedianDataRestorePlusMedianHandsOnPlusMedianVerification) {
  // 100 GB at the median of 50, 100 and 200 MB/s: 1000 s. Hands-on: the median of the two drills
  // that timed both checklist steps, 20m and 30m (the third skipped one): 25m. Verify: 1m.
  auto timed = [](int64_t first_min, int64_t second_min) {
    return std::vector<catalog::DrillStep>{Step("checklist 1: a", first_min * 60'000),
                                           Step("checklist 2: b", second_min * 60'000)};
  };
  Evidence evidence =
      WithData(100'000'000'000, {Drill(50'000'000, 1000, 60'000, timed(5, 15)),
                                 Drill(100'000'000, 1000, 60'000, timed(10, 20)),
                                 Drill(200'000'000, 1000, 60'000,
                                       {Step("checklist 1: a", 60'000),
                                        Step("checklist 2: b", 0, catalog::Outcome::kWarning)})});
  RtoProjection rto = internal::MeasureOwnRestore(evidence, WithChecklist(2, Duration::Hours(9)),
                                                  Duration::Hours(2));
  EXPECT_DOUBLE_EQ(*rto.throughput_bytes_per_s, 100e6);
  EXPECT_EQ(rto.data_restore, Duration::Seconds(1000));
  EXPECT_EQ(rto.hands_on, Duration::Minutes(25));
  EXPECT_EQ(rto.hands_on_basis, ProjectionBasis::kMeasured);
  EXPECT_EQ(rto.hands_on_drills, 2);
  EXPECT_EQ(rto.verify_time, Duration::Minutes(1));
  EXPECT_EQ(rto.verify_basis, ProjectionBasis::kMeasured);
  EXPECT_EQ(rto.own, Duration::Seconds(1000 + 25 * 60 + 60));
  EXPECT_EQ(rto.basis, ProjectionBasis::kMeasured);
  EXPECT_TRUE(rto.unknowns.empty());
  EXPECT_EQ(ProjectionPartsText(rto),
            "data restore 16m40s (measured) + hands-on 25m (measured, median of 2 drills) + "
            "verify 1m (measured)");
}

TEST(ProjectionTest, NeverDrilledHasOnlyItsEstimate) {
  RtoProjection rto = internal::MeasureOwnRestore(
      Evidence{}, WithChecklist(1, Duration::Minutes(30)), std::nullopt);
  EXPECT_EQ(rto.own, Duration::Minutes(30));
  EXPECT_EQ(rto.basis, ProjectionBasis::kNone);
  EXPECT_EQ(rto.unknowns, std::vector<std::string>{
                              "data restore never measured (no drill with a restore throughput)"});
  EXPECT_EQ(internal::MeasureOwnRestore(Evidence{}, WithChecklist(1), std::nullopt).own,
            std::nullopt);
}

plan::System Named(const std::string& id, std::vector<std::string> deps = {}) {
  plan::System system;
  system.id = id;
  for (const std::string& dep : deps) system.depends_on.push_back({dep, {}});
  return system;
}

// A complete own projection: data restore, hands-on and verify in minutes.
RtoProjection Own(int64_t data_min, int64_t hands_on_min, int64_t verify_min = 0,
                  std::optional<Duration> rto = std::nullopt) {
  RtoProjection p;
  p.target = rto;
  p.data_restore = Duration::Minutes(data_min);
  p.hands_on = Duration::Minutes(hands_on_min);
  p.verify_time = Duration::Minutes(verify_min);
  p.throughput_bytes_per_s = 100e6;
  p.data_restore_basis = p.hands_on_basis = p.verify_basis = ProjectionBasis::kMeasured;
  p.own = Duration::Minutes(data_min + hands_on_min + verify_min);
  return p;
}

TEST(ProjectionTest, ChainWaitsForTheSlowestDependencyAndKnowsWhatItDoesNotKnow) {
  //   dns 10m; db after dns: 10m + 60m; storage 30m; app after db and storage: 70m + 45m = 115m,
  //   within 2h; vault has no hands-on time (data 5m only): web after vault is a lower bound,
  //   5m + 20m, "unknown" within its 1h RTO but infeasible past its 20m one.
  plan::Plan plan;
  plan.systems = {Named("dns"),     Named("db", {"dns"}),
                  Named("storage"), Named("app", {"db", "storage"}),
                  Named("vault"),   Named("web", {"vault"})};
  plan.BuildIndex();
  plan::DependencyGraph graph(plan);
  std::vector<RtoProjection> rto = {Own(5, 5),  Own(50, 10),
                                    Own(30, 0), Own(30, 10, 5, Duration::Hours(2)),
                                    Own(5, 0),  Own(10, 10, 0, Duration::Hours(1))};
  rto[4].hands_on.reset();
  std::vector<bool> needed(plan.systems.size(), true);
  internal::ProjectAlongDependencies(plan, graph, needed, &rto);
  EXPECT_EQ(rto[1].dependency_wait, Duration::Minutes(10));
  EXPECT_EQ(rto[1].projected, Duration::Minutes(70));
  EXPECT_EQ(rto[3].dependency_wait, Duration::Minutes(70));
  EXPECT_EQ(rto[3].projected, Duration::Minutes(115));
  EXPECT_EQ(rto[3].waits_for, std::vector<std::string>{"db"});
  EXPECT_TRUE(rto[3].complete);
  EXPECT_EQ(rto[3].state, RtoState::kFeasible);
  EXPECT_EQ(rto[5].projected, Duration::Minutes(25));
  EXPECT_FALSE(rto[5].complete);
  EXPECT_EQ(rto[5].state, RtoState::kUnknown);
  EXPECT_EQ(rto[5].unknowns,
            std::vector<std::string>{"waits for vault, whose restore time is unknown"});
  EXPECT_EQ(ProjectionPartsText(rto[5]),
            "data restore 10m (measured) + hands-on 10m (measured) + verify 0s (measured), after "
            "5m waiting for vault");

  rto[5].target = Duration::Minutes(20);  // even the lower bound is too late
  rto[3].own = Duration::Minutes(60);     // 70 + 60 > 2h
  internal::ProjectAlongDependencies(plan, graph, needed, &rto);
  EXPECT_EQ(rto[5].state, RtoState::kInfeasible);
  EXPECT_EQ(rto[3].state, RtoState::kInfeasible);
}

TEST(ProjectionTest, CapacityFollowsFromTheWholeProjection) {
  // RTO 8h − 1h waiting for db − 2h hands-on − 10m verify = 4h50m for the data restore: at
  // 100 MB/s, 17400 s × 100 MB = 1.74 TB. The data restore alone would have allowed 7h50m.
  plan::Plan plan;
  plan.systems = {Named("db"), Named("app", {"db"})};
  plan.BuildIndex();
  std::vector<RtoProjection> rto = {Own(30, 30), Own(20, 120, 10, Duration::Hours(8))};
  internal::ProjectAlongDependencies(plan, plan::DependencyGraph(plan), {true, true}, &rto);
  EXPECT_EQ(rto[1].data_budget, Duration::Minutes(4 * 60 + 50));
  EXPECT_DOUBLE_EQ(rto[1].max_data_bytes.value_or(0), 17400 * 100e6);
  EXPECT_EQ(rto[1].no_capacity_reason, "");
  EXPECT_EQ(rto[0].no_capacity_reason, "no RTO");

  // Nothing left for the data: the capacity is zero bytes, not negative.
  rto[1].hands_on = Duration::Hours(8);
  internal::ProjectAlongDependencies(plan, plan::DependencyGraph(plan), {true, true}, &rto);
  EXPECT_LT(rto[1].data_budget->seconds(), 0);
  EXPECT_DOUBLE_EQ(rto[1].max_data_bytes.value_or(-1), 0);

  // Hands-on time unknown: no capacity figure, and why.
  rto[1].hands_on.reset();
  internal::ProjectAlongDependencies(plan, plan::DependencyGraph(plan), {true, true}, &rto);
  EXPECT_FALSE(rto[1].data_budget.has_value());
  EXPECT_FALSE(rto[1].max_data_bytes.has_value());
  EXPECT_EQ(rto[1].no_capacity_reason, "hands-on time unknown: never timed, no estimate");
}

// The drill report's budget: RTO − wait − hands-on − verification, hands-on from this drill when
// it timed every step, else the projection's, else restore.estimate; no budget with a part unknown.
TEST(DataRestoreBudgetTest, FromTheWholeRecovery) {
  catalog::Drill untimed;
  catalog::Drill timed;
  timed.steps = {Step("checklist 1: a", 300'000)};
  plan::System alone = WithChecklist(1, Duration::Minutes(10));
  DataRestoreBudget b = DrillDataRestoreBudget(untimed, alone, nullptr, 7'200'000, 200'000);
  EXPECT_EQ(b.hands_on_ms, 600'000);
  EXPECT_EQ(b.hands_on_basis, "estimate, never timed");
  EXPECT_EQ(b.budget_ms, 7'200'000 - 600'000 - 200'000);
  b = DrillDataRestoreBudget(timed, alone, nullptr, 7'200'000, 200'000);
  EXPECT_EQ(b.hands_on_basis, "measured by this drill");
  EXPECT_EQ(b.budget_ms, 7'200'000 - 300'000 - 200'000);

  RtoProjection projection;
  projection.hands_on = Duration::Minutes(25);
  projection.hands_on_basis = ProjectionBasis::kMeasured;
  projection.hands_on_drills = 3;
  projection.dependency_wait = Duration::Hours(1);
  projection.dependency_wait_complete = true;
  plan::System waits = alone;
  waits.depends_on.push_back({"db", {}});
  b = DrillDataRestoreBudget(untimed, waits, &projection, 7'200'000, 0);
  EXPECT_EQ(b.hands_on_basis, "measured, median of 3 drills");
  EXPECT_EQ(b.dependency_wait_ms, 3'600'000);
  EXPECT_EQ(b.budget_ms, 7'200'000 - 3'600'000 - 1'500'000);

  projection.dependency_wait_complete = false;
  b = DrillDataRestoreBudget(untimed, waits, &projection, 7'200'000, 0);
  EXPECT_FALSE(b.budget_ms.has_value());
  EXPECT_THAT(b.reason, HasSubstr("the wait for the systems it depends on is unknown"));
  b = DrillDataRestoreBudget(untimed, WithChecklist(1), nullptr, 7'200'000, 0);
  EXPECT_FALSE(b.budget_ms.has_value());
  EXPECT_EQ(b.reason, "hands-on time unknown: never timed, no estimate");
}

TEST(ProjectionTest, RecordsHowFarTheThroughputIsExtrapolated) {
  // 2 TB of data, the largest drill restored 50 MB in 2 s: 40000×.
  Evidence evidence =
      WithData(2'000'000'000'000, {Drill(20'000'000, 1000), Drill(50'000'000, 2000)});
  RtoProjection rto = internal::MeasureOwnRestore(evidence, WithChecklist(0), Duration::Days(1));
  EXPECT_DOUBLE_EQ(rto.extrapolation_factor.value_or(0), 40'000);
  EXPECT_EQ(rto.evidence_bytes, 50'000'000u);
  EXPECT_EQ(rto.evidence_duration_ms, 2000);
  EXPECT_FALSE(internal::MeasureOwnRestore(WithData(1), WithChecklist(0), std::nullopt)
                   .extrapolation_factor.has_value());
}

}  // namespace
}  // namespace stormproof::readiness
