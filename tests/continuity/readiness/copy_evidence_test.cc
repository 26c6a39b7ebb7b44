// A copy the plan declares (repositories[].copy_from) counts in 3-2-1-1-0 only from evidence: a
// copy run that recorded a snapshot of the system there (src/continuity/readiness/evidence.cc),
// never because the plan says it is a copy.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "continuity/readiness/readiness.h"
#include "tests/matchers.h"

namespace stormproof::readiness {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
const Date kToday = Date::FromCivil(2026, 11, 26);
const int64_t kNow = kToday.days_since_epoch() * kDay;

// "app" at site hq, backed up to "local" (hq); "offsite" (cloud) is a copy of "local" that the
// system does not list. RPO 1 day.
plan::Plan CopyPlan() {
  plan::Plan plan;
  plan.msp.id = "acme";
  plan::Tier tier;
  tier.id = "t2";
  tier.rank = 2;
  tier.rpo = Duration::Days(1);
  tier.rto = Duration::Days(1);
  plan.tiers = {tier};
  plan::RepositorySpec local, offsite;
  local.id = "local";
  local.location = "/srv/local";
  local.site = plan::Ref{"hq", {}};
  offsite.id = "offsite";
  offsite.location = "/srv/offsite";
  offsite.site = plan::Ref{"cloud", {}};
  offsite.copy_from = plan::Ref{"local", {}};
  plan.repositories = {local, offsite};
  plan::System app;
  app.id = "app";
  app.tier = plan::Ref{"t2", {}};
  app.sites = {{"hq", {}}};
  app.backup.paths = {"/srv/app"};
  app.backup.repositories = {{"local", {}}};
  plan.systems = {app};
  plan.BuildIndex();
  return plan;
}

catalog::Run MakeRun(catalog::RunKind kind, const std::string& repository, int64_t snapshot_ns,
                     catalog::Outcome outcome = catalog::Outcome::kOk) {
  catalog::Run run;
  run.kind = kind;
  run.system = "app";
  run.repository = repository;
  run.started_ns = kNow - kHour;
  run.finished_ns = run.started_ns + 60 * kSecond;
  run.snapshot_time_ns = snapshot_ns;
  run.snapshot_id = "snap";
  run.outcome = outcome;
  return run;
}

class CopyEvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-copy-evidence-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto opened = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_THAT(opened, IsOk());
    catalog_ = std::move(opened).value();
    ASSERT_THAT(catalog_->AddRun(MakeRun(catalog::RunKind::kBackup, "local", kNow - 2 * kHour)),
                IsOk());
  }
  void TearDown() override {
    catalog_.reset();
    fs::remove_all(dir_);
  }
  const Rule32110& Rule() {
    StatusOptions options;
    options.now_ns = kNow;
    options.today = kToday;
    auto computed = ComputeStatus(plan_, *catalog_, options);
    EXPECT_THAT(computed, IsOk());
    status_ = std::move(computed).value();
    return status_.clients.at(0).systems.at(0).rule;
  }

  fs::path dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  plan::Plan plan_ = CopyPlan();
  MspStatus status_;
};

TEST_F(CopyEvidenceTest, DeclaredButNeverCopiedIsListedButNotCounted) {
  const Rule32110& rule = Rule();
  EXPECT_EQ(rule.planned_copies, 3);  // production, local, and the declared copy
  EXPECT_EQ(rule.copies, 2);
  EXPECT_FALSE(rule.offsite);
  ASSERT_EQ(rule.copy_status.size(), 2u);
  EXPECT_EQ(rule.copy_status[1].repository, "offsite");
  EXPECT_FALSE(rule.copy_status[1].counted);
  EXPECT_THAT(rule.reasons,
              ::testing::Contains("copy offsite: never proven: no copy from local recorded"));
}

TEST_F(CopyEvidenceTest, AFailedCopyDoesNotCountEither) {
  ASSERT_THAT(
      catalog_->AddRun(MakeRun(catalog::RunKind::kCopy, "offsite", 0, catalog::Outcome::kError)),
      IsOk());
  EXPECT_EQ(Rule().copies, 2);
}

TEST_F(CopyEvidenceTest, ACopyRunRecordingTheSystemsSnapshotCounts) {
  ASSERT_THAT(catalog_->AddRun(MakeRun(catalog::RunKind::kCopy, "offsite", kNow - 2 * kHour)),
              IsOk());
  const Rule32110& rule = Rule();
  EXPECT_EQ(rule.copies, 3);
  EXPECT_TRUE(rule.offsite);
  ASSERT_EQ(rule.copy_status.size(), 2u);
  EXPECT_TRUE(rule.copy_status[1].counted);
  ASSERT_TRUE(rule.copy_status[1].restore_point_ns.has_value());
  EXPECT_EQ(*rule.copy_status[1].restore_point_ns, kNow - 2 * kHour);
}

// A copy's restore point is its source snapshot's time: a copy made now of a snapshot older
// than the RPO does not count.
TEST_F(CopyEvidenceTest, ACopyOfAnOldSnapshotIsAsOldAsItsSnapshot) {
  ASSERT_THAT(catalog_->AddRun(MakeRun(catalog::RunKind::kCopy, "offsite", kNow - 2 * kDay)),
              IsOk());
  const Rule32110& rule = Rule();
  EXPECT_EQ(rule.copies, 2);
  EXPECT_THAT(rule.reasons, ::testing::Contains(HasSubstr("copy offsite: newest backup 2d old")));
}

// Status reads the newest prune of an object-locked copy from the catalog: none (or one older
// than N - E days) is the high finding retention-upkeep-lapsing; a recent one keeps it quiet.
TEST_F(CopyEvidenceTest, AnObjectLockedCopyWithoutRecordedUpkeepIsAFinding) {
  plan_.repositories[1].object_lock = plan::RepositorySpec::ObjectLock{{}, 30};
  plan_.BuildIndex();
  auto lapsing = [&] {
    Rule();
    return std::count_if(status_.findings.begin(), status_.findings.end(),
                         [](const analysis::Finding& f) {
                           return f.rule == "retention-upkeep-lapsing" &&
                                  f.title.find("never done") != std::string::npos;
                         });
  };
  EXPECT_EQ(lapsing(), 1);
  catalog::Run prune = MakeRun(catalog::RunKind::kPrune, "offsite", 0);
  prune.system = "";
  ASSERT_THAT(catalog_->AddRun(prune), IsOk());
  EXPECT_EQ(lapsing(), 0);
}

// A prune imported from a host's evidence (which any backup host could forge) does not count:
// status still reports the upkeep lapsing, and says the upkeep is only reported by hosts.
TEST_F(CopyEvidenceTest, UpkeepImportedFromHostsEvidenceIsNoUpkeep) {
  plan_.repositories[1].object_lock = plan::RepositorySpec::ObjectLock{{}, 30};
  plan_.BuildIndex();
  catalog::ImportedRecord reported;
  reported.run = MakeRun(catalog::RunKind::kPrune, "offsite", 0);
  reported.run.system = "";
  reported.run.host = "app-host";
  reported.run.record_id = "forged-prune";
  ASSERT_THAT(catalog_->ImportRecords("offsite", "file", {reported}, kNow), IsOk());
  Rule();
  auto found = std::find_if(status_.findings.begin(), status_.findings.end(),
                            [](const analysis::Finding& f) {
                              return f.rule == "retention-upkeep-lapsing";
                            });
  ASSERT_NE(found, status_.findings.end());
  EXPECT_THAT(found->title, HasSubstr("retention upkeep only reported by hosts' evidence"));
  EXPECT_THAT(found->detail, HasSubstr("only reported by app-host's evidence"));
}


// Two records with one record id in hosts' evidence (one of them forged): status keeps both and
// names the conflict among the system's problems, with the evidence files for the MSP only.
TEST_F(CopyEvidenceTest, ARecordIdToldTwoWaysIsAProblemOfItsSystem) {
  catalog::ImportedRecord genuine;
  genuine.run = MakeRun(catalog::RunKind::kBackup, "local", kNow - 3 * kHour,
                        catalog::Outcome::kError);
  genuine.run.host = "app-host";
  genuine.run.record_id = "r1";
  catalog::ImportedRecord forged = genuine;
  forged.run.outcome = catalog::Outcome::kOk;
  ASSERT_THAT(catalog_->ImportRecords("local", "e1", {forged}, kNow), IsOk());
  ASSERT_THAT(catalog_->ImportRecords("local", "e2", {genuine}, kNow), IsOk());
  Rule();
  EXPECT_THAT(status_.clients.at(0).systems.at(0).problems,
              ::testing::Contains("record r1 is told 2 ways by hosts' evidence (evidence file e1 "
                                  "of repository local, evidence file e2 of repository local): "
                                  "a host holding a repository key may have forged it"));
}

}  // namespace
}  // namespace stormproof::readiness
