// run's prune and retention-only upkeep (repository_jobs.cc) of a repository under Object Lock,
// in memory and keeping retention on a clock the test moves (tests/engine/repository/
// retaining_store.h): the upkeep runs first, before any lock and before the config is judged,
// with at least the plan's object_lock days; what refuses after it says that it ran.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "continuity/runner/internal/jobs.h"
#include "continuity/runner/run.h"
#include "core/time.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"
#include "tests/continuity/runner/run_fixture.h"
#include "tests/engine/repository/retaining_store.h"
#include "tests/matchers.h"

namespace stormproof::runner {
namespace {

constexpr char kPassword[] = "correct horse";  // the fixture's password file

class RepositoryJobsTest : public testing::RunFixture {
 protected:
  void SetUp() override {
    StageWorld("stormproof-upkeep", {});
    plan_.repositories[0].object_lock = plan::RepositorySpec::ObjectLock{{}, 30};
    plan_.BuildIndex();
  }

  // Creates the repository under `days` of governance retention, with one snapshot, `age_days`
  // ago by the storage's clock.
  void Create(int days, int age_days) {
    auto repo = repository::Repository::Init(store_.View(), kPassword,
                                             {.retention = backend::Retention{{}, days}});
    ASSERT_THAT(repo, IsOk());
    repository::Snapshot snapshot;
    snapshot.time_ns = 1;
    const Bytes tree = repository::EncodeTree({});  // an empty one: a snapshot prune can read
    snapshot.tree = (*repo)->BlobId(tree);
    ASSERT_THAT((*repo)->SaveBlob(repository::BlobType::kTree, snapshot.tree, tree), IsOk());
    ASSERT_THAT((*repo)->Flush(), IsOk());
    auto saved = (*repo)->SaveSnapshot(snapshot);
    ASSERT_THAT(saved, IsOk());
    snapshot_ = backend::Handle{.type = backend::FileType::kSnapshot, .name = saved->Hex()};
    store_.PassDays(age_days);
  }
  std::unique_ptr<repository::Repository> Open() {
    auto repo = repository::Repository::Open(store_.View(), kPassword);
    EXPECT_THAT(repo, IsOk());
    return repo ? std::move(repo).value() : nullptr;
  }

  // Runs run's prune of "local" (`retention_only`: the daily upkeep) on the store.
  ActionResult RunPrune(bool retention_only) {
    internal::OpenRepositories repositories(plan_, options_);
    repositories.UseForTesting("local", internal::Credentials::kMaintenance, Open());
    internal::JobContext context{plan_, *catalog_, options_, clock_, repositories};
    Action action;
    action.kind = ActionKind::kPrune;
    action.repository = "local";
    action.retention_only = retention_only;
    return retention_only ? internal::RetentionUpkeepJob(context, action)
                          : internal::PruneJob(context, action);
  }

  // Whether the config and the snapshot stay retained at least the plan's 30 days from now.
  bool RetainedThirtyDays() const {
    const int64_t needed = store_.now_ns() + 30 * kNsPerDay;
    return store_.RetainedUntilNs({backend::FileType::kConfig, ""}) >= needed &&
           store_.RetainedUntilNs(snapshot_) >= needed;
  }

  stormproof::testing::RetainingStore store_;
  backend::Handle snapshot_;
};

// The config records 8 days where the plan says 30 (replaced by someone with the key): run
// refuses to prune it, but only after the upkeep kept what is there retained the plan's 30.
TEST_F(RepositoryJobsTest, PruneKeepsRetentionUpBeforeItRefusesAWeakerConfig) {
  ASSERT_NO_FATAL_FAILURE(Create(8, 8));  // saved with 8 + 2 days: 2 left
  for (bool retention_only : {false, true}) {
    ActionResult result = RunPrune(retention_only);
    EXPECT_EQ(result.run.outcome, catalog::Outcome::kError) << retention_only;
    EXPECT_THAT(result.run.error,
                HasSubstr("weaker than the governance for 30 days the plan expects"));
    EXPECT_THAT(result.run.error, HasSubstr("; the retention upkeep ran first: "));
    EXPECT_TRUE(RetainedThirtyDays()) << "retention_only " << retention_only;
  }
}

// Someone without the key rewrote the config with 1 day: the repository opens read-only, the
// upkeep keeps the plan's 30 days (never the rewritten 1), and the run says why it stopped.
TEST_F(RepositoryJobsTest, TheUpkeepOfARewrittenConfigKeepsThePlansDays) {
  ASSERT_NO_FATAL_FAILURE(Create(30, 20));  // saved with 30 + 7 days: 17 left
  store_.RewriteConfig([](nlohmann::json& doc) { doc["object_lock"]["days"] = 1; });
  for (bool retention_only : {true, false}) {
    ActionResult result = RunPrune(retention_only);
    EXPECT_EQ(result.run.outcome, catalog::Outcome::kError) << retention_only;
    EXPECT_THAT(result.run.error, HasSubstr("; the retention upkeep ran first: "));
    EXPECT_TRUE(RetainedThirtyDays()) << "retention_only " << retention_only;
  }
}

// A lock someone holds (a hung prune, or a lock file planted to stop maintenance) does not
// stop the upkeep: the retention-only run needs no lock, and prune's refusal says it ran.
TEST_F(RepositoryJobsTest, ALockSomeoneHoldsDoesNotStopTheUpkeep) {
  ASSERT_NO_FATAL_FAILURE(Create(30, 20));
  std::unique_ptr<repository::Repository> other = Open();
  ASSERT_NE(other, nullptr);
  auto held = repository::Maintenance::Begin(*other);
  ASSERT_THAT(held, IsOk());
  ActionResult pruned = RunPrune(false);
  EXPECT_EQ(pruned.run.outcome, catalog::Outcome::kError);
  EXPECT_THAT(pruned.run.error, HasSubstr("; the retention upkeep ran first: "));
  EXPECT_TRUE(RetainedThirtyDays());

  ActionResult upkeep = RunPrune(true);
  EXPECT_EQ(upkeep.run.outcome, catalog::Outcome::kOk) << upkeep.run.error;
  EXPECT_THAT(upkeep.summary, HasSubstr("nothing removed"));
  EXPECT_TRUE(RetainedThirtyDays());
}

// Signs of an attack the upkeep finds (files hidden by someone else, files overwritten, stored
// versions without retention) make run's prune and daily upkeep a failed run, so a breach and
// run's exit 3, with the counts in its details and one line saying what to do; what is there
// is still kept retained.
TEST_F(RepositoryJobsTest, SignsOfAnAttackFailTheUpkeepAndPrune) {
  using Signs = stormproof::testing::RetainingStore::Signs;
  struct Case {
    Signs signs;
    const char* line;
    const char* field;
  };
  const Case cases[] = {
      {{.hidden_by_others = 2}, "hidden by someone else", "hidden_by_others"},
      {{.overwritten = 1}, "1 file(s) in use overwritten after they were written",
       "overwritten_files"},
      {{.unretained = 3}, "3 stored version(s) without retention", "unretained_versions"},
  };
  ASSERT_NO_FATAL_FAILURE(Create(30, 20));
  for (const Case& c : cases) {
    store_.ShowSigns(c.signs);
    for (bool retention_only : {true, false}) {
      SCOPED_TRACE(std::string(c.field) + (retention_only ? " upkeep" : " prune"));
      ActionResult result = RunPrune(retention_only);
      EXPECT_TRUE(RetainedThirtyDays());
      EXPECT_THAT(result.run.error, HasSubstr(c.line));
      EXPECT_THAT(result.run.error, HasSubstr("repair --as-of"));
      std::vector<std::string> breaches =
          Breaches(plan_, store_.now_ns(), Facts{}, Selection{}, {result});
      EXPECT_THAT(breaches, ::testing::Contains(HasSubstr("prune of local ")));
      if (!retention_only && c.signs.hidden_by_others > 0) {
        // Prune itself refuses to remove anything then (pruner.h): an error run.
        EXPECT_EQ(result.run.outcome, catalog::Outcome::kError);
        continue;
      }
      EXPECT_EQ(result.run.outcome, catalog::Outcome::kFailed);
      nlohmann::json details = nlohmann::json::parse(result.run.details, nullptr, false);
      ASSERT_TRUE(details.is_object()) << result.run.details;
      EXPECT_GT(details.value(c.field, uint64_t{0}), 0u) << result.run.details;
    }
  }
}

// A config recording more days than the plan's object_lock is no reason to refuse, and the
// upkeep keeps its days, the more.
TEST_F(RepositoryJobsTest, TheUpkeepKeepsAConfigsMoreDaysThanThePlans) {
  ASSERT_NO_FATAL_FAILURE(Create(40, 35));  // saved with 40 + 7 days: 12 left
  ActionResult result = RunPrune(true);
  EXPECT_EQ(result.run.outcome, catalog::Outcome::kOk) << result.run.error;
  EXPECT_GE(store_.RetainedUntilNs(snapshot_), store_.now_ns() + 40 * kNsPerDay);
}

// Run's prune and its retention-only upkeep record the upkeep's figures under the same keys
// (those of `prune --json`), the versions a roll-back left (unretained_restored) included.
TEST_F(RepositoryJobsTest, PruneAndTheUpkeepRecordTheUpkeepUnderTheSameKeys) {
  ASSERT_NO_FATAL_FAILURE(Create(30, 20));
  for (bool retention_only : {true, false}) {
    SCOPED_TRACE(retention_only ? "upkeep" : "prune");
    ActionResult result = RunPrune(retention_only);
    ASSERT_EQ(result.run.outcome, catalog::Outcome::kOk) << result.run.error;
    nlohmann::json details = nlohmann::json::parse(result.run.details, nullptr, false);
    ASSERT_TRUE(details.is_object()) << result.run.details;
    for (const char* key : {"retention_checked", "retention_extended", "retention_known",
                            "retention_record_note", "hidden_by_others", "hidden_by_repair",
                            "overwritten_files", "unretained_versions", "unretained_restored"}) {
      EXPECT_TRUE(details.contains(key)) << key << " in " << result.run.details;
    }
    EXPECT_GT(details.value("retention_checked", uint64_t{0}), 0u) << result.run.details;
    EXPECT_EQ(details.contains("retention_only"), retention_only);
  }
}

}  // namespace
}  // namespace stormproof::runner
