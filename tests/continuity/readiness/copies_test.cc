// Tests of src/continuity/readiness/copies.cc: 3-2-1-1-0 from evidence per copy — a planned repository is a
// copy only when the catalog shows a current restore point in it, immutability is a claim until
// proven, "0 errors" needs a passing verification of every counted copy — and the reasons shown.
#include <gtest/gtest.h>

#include <algorithm>

#include "continuity/analysis/backup_shape.h"
#include "continuity/readiness/internal/assess.h"
#include "continuity/readiness/readiness.h"

namespace stormproof::readiness {
namespace {

using internal::CopyEvidence;
using internal::CopyRules;
using internal::Evidence;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
const Date kToday = Date::FromCivil(2026, 11, 26);
const int64_t kNow = kToday.days_since_epoch() * kDay + 12 * kHour;

catalog::Run MakeRun(catalog::RunKind kind, int64_t started_ns, catalog::Outcome outcome) {
  catalog::Run run;
  run.kind = kind;
  run.started_ns = started_ns;
  run.finished_ns = started_ns + 60 * kSecond;
  run.outcome = outcome;
  if (kind != catalog::RunKind::kCheck) run.snapshot_time_ns = started_ns;
  return run;
}

// A check that read all data (the details `run` writes) or only the structure.
catalog::Run Check(int64_t started_ns, catalog::Outcome outcome, bool read_data = true) {
  catalog::Run run = MakeRun(catalog::RunKind::kCheck, started_ns, outcome);
  run.details = read_data ? R"({"read_data_percent":100})" : R"({"read_data_percent":0})";
  run.bytes = 1000;  // structure checks read index files too: bytes alone do not decide
  return run;
}

// Two repositories of a system at site hq: "nas" on disk at hq, "b2" immutable object storage
// off-site; RPO 1 day, checks weekly, drills monthly.
class CopiesTest : public ::testing::Test {
 protected:
  CopiesTest() {
    nas_.id = "nas";
    nas_.site = plan::Ref{"hq", {}};
    b2_.id = "b2";
    b2_.site = plan::Ref{"b2-eu", {}};
    b2_.medium = plan::Medium::kObject;
    b2_.immutable = true;
    shape_.own_sites = {"hq"};
    shape_.repositories = {&nas_, &b2_};
    evidence_.copies.resize(2);
    evidence_.copies[0].repository = &nas_;
    evidence_.copies[1].repository = &b2_;
    rules_.rpo = Duration::Days(1);
    rules_.drill_every = Cadence{30, Cadence::Unit::kDay};
  }
  CopyEvidence& nas() { return evidence_.copies[0]; }
  CopyEvidence& b2() { return evidence_.copies[1]; }
  // Both copies hold a backup an hour old; nas had a data check yesterday, b2 a drill 3 days ago.
  void AllCurrentAndVerified() {
    nas().last_good_backup =
        MakeRun(catalog::RunKind::kBackup, kNow - kHour, catalog::Outcome::kOk);
    b2().last_good_backup = MakeRun(catalog::RunKind::kBackup, kNow - kHour, catalog::Outcome::kOk);
    nas().checks.last_read_check = Check(kNow - kDay, catalog::Outcome::kOk);
    b2().last_good_drill =
        MakeRun(catalog::RunKind::kDrill, kNow - 3 * kDay, catalog::Outcome::kOk);
  }
  Rule32110 Assess() const {
    return internal::AssessRule32110(shape_, evidence_, rules_, kNow, kToday);
  }
  bool HasReason(const Rule32110& rule, const std::string& line) const {
    return std::find(rule.reasons.begin(), rule.reasons.end(), line) != rule.reasons.end();
  }
  static std::string Reasons(const Rule32110& rule) {
    std::string out;
    for (const std::string& r : rule.reasons) out += r + "\n";
    return out;
  }

  plan::RepositorySpec nas_, b2_;
  analysis::BackupShape shape_;
  Evidence evidence_;
  CopyRules rules_;
};

TEST_F(CopiesTest, EveryCopyCurrentAndVerifiedButImmutabilityOnlyClaimed) {
  AllCurrentAndVerified();
  Rule32110 rule = Assess();
  EXPECT_EQ(rule.copies, 3);
  EXPECT_EQ(rule.planned_copies, 3);
  EXPECT_EQ(rule.media, 2);
  EXPECT_TRUE(rule.offsite);
  EXPECT_TRUE(rule.immutable_claimed);
  EXPECT_FALSE(rule.immutable_proven);
  EXPECT_EQ(rule.zero_errors, true);
  EXPECT_EQ(rule.Marks(), "✓✓✓~✓");
  EXPECT_EQ(rule.Passed(), 4);  // a claim is not a tick
  EXPECT_EQ(rule.reasons, std::vector<std::string>{"immutable: claimed (copy b2), never proven"});
  ASSERT_EQ(rule.copy_status.size(), 2u);
  EXPECT_EQ(rule.copy_status[0].verified_by, "check");
  EXPECT_EQ(rule.copy_status[1].verified_by, "drill");
}

// The issue's case: the object-storage repository is skipped on every run, so it never
// receives data — it is no copy, and nothing about it (off-site, immutable, medium) counts.
TEST_F(CopiesTest, CopyNeverWrittenIsNotCounted) {
  AllCurrentAndVerified();
  b2() = CopyEvidence{};
  b2().repository = &b2_;
  Rule32110 rule = Assess();
  EXPECT_EQ(rule.copies, 2);
  EXPECT_EQ(rule.media, 1);
  EXPECT_FALSE(rule.offsite);
  EXPECT_FALSE(rule.immutable_claimed);
  EXPECT_EQ(rule.Marks(), "✗✗✗✗✓");
  EXPECT_EQ(rule.Passed(), 1);
  for (const char* line :
       {"copy b2: never written", "3 copies: 2 counted (production + 1 of 2 backup repositories)",
        "2 media: every counted copy is on disk, like production",
        "off-site: copy b2 is off-site but does not count",
        "immutable: claimed only by copy b2, which does not count"}) {
    EXPECT_TRUE(HasReason(rule, line)) << line << "\nin:\n" << Reasons(rule);
  }
}

TEST_F(CopiesTest, CopyOlderThanTheRpoIsNotCounted) {
  AllCurrentAndVerified();
  b2().last_good_backup =
      MakeRun(catalog::RunKind::kBackup, kNow - 9 * kDay, catalog::Outcome::kOk);
  b2().last_good_drill.reset();
  Rule32110 rule = Assess();
  EXPECT_EQ(rule.copies, 2);
  EXPECT_FALSE(rule.copy_status[1].counted);
  EXPECT_EQ(rule.copy_status[1].age, Duration::Days(9));
  EXPECT_TRUE(HasReason(rule, "copy b2: newest backup 9d old (RPO 1d)")) << Reasons(rule);
}

TEST_F(CopiesTest, PassingDrillFromACopyProvesItsRestorePoint) {
  b2().last_good_drill =
      MakeRun(catalog::RunKind::kDrill, kNow - 2 * kHour, catalog::Outcome::kWarning);
  Rule32110 rule = Assess();
  EXPECT_TRUE(rule.copy_status[1].counted);
  EXPECT_TRUE(rule.copy_status[1].point_from_drill);
  EXPECT_EQ(rule.copy_status[1].verification, Verification::kPassed);
  EXPECT_FALSE(rule.copy_status[0].counted);
  EXPECT_TRUE(HasReason(rule, "copy nas: never written")) << Reasons(rule);
}

TEST_F(CopiesTest, NoRepositoryAtAll) {
  shape_.repositories.clear();
  evidence_.copies.clear();
  Rule32110 rule = Assess();
  EXPECT_EQ(rule.Marks(), "✗✗✗✗?");
  EXPECT_EQ(rule.zero_errors, std::nullopt);
  EXPECT_TRUE(HasReason(rule, "3 copies: only 1 planned (production + 0 backup repositories)"));
  EXPECT_TRUE(HasReason(rule, "2 media: no copy counts, only production (disk)"));
  EXPECT_TRUE(HasReason(rule, "immutable: no copy is immutable or offline"));
  EXPECT_TRUE(HasReason(rule, "0 errors: no copy counts, nothing verified"));
}

// "0 errors" is per copy: the newest check of another repository, or of a copy's structure only,
// proves nothing about a copy; a failed verification of a counted copy newer than its last pass
// breaks the rule even while the other copy passed.
TEST_F(CopiesTest, ZeroErrorsIsJudgedPerCopy) {
  AllCurrentAndVerified();
  nas().checks.last_read_check.reset();
  Rule32110 never = Assess();
  EXPECT_EQ(never.zero_errors, std::nullopt);
  EXPECT_EQ(never.Marks(), "✓✓✓~?");
  EXPECT_TRUE(HasReason(never, "0 errors: copy nas never verified")) << Reasons(never);

  EXPECT_FALSE(internal::ReadAllData(Check(kNow - kDay, catalog::Outcome::kOk, false)));
  EXPECT_TRUE(internal::ReadAllData(Check(kNow - kDay, catalog::Outcome::kOk, true)));

  nas().checks.last_read_check = Check(kNow - 10 * kDay, catalog::Outcome::kOk);
  Rule32110 stale = Assess();
  EXPECT_EQ(stale.zero_errors, std::nullopt);
  EXPECT_EQ(stale.copy_status[0].verification, Verification::kStale);
  EXPECT_TRUE(HasReason(stale,
                        "0 errors: copy nas last verified 2026-11-16 by a check, overdue (check "
                        "every 1w, drill every 30d)"))
      << Reasons(stale);
  // One imported from a host's evidence is never worded as this stormproof's own check.
  nas().checks.last_read_check->imported_from = "nas";
  nas().checks.last_read_check->host = "web1";
  Rule32110 reported = Assess();
  EXPECT_EQ(reported.copy_status[0].verified_reported_by, "web1's evidence");
  EXPECT_TRUE(HasReason(reported,
                        "0 errors: copy nas last verified 2026-11-16 by a check reported by a "
                        "host's evidence, overdue (check every 1w, drill every 30d)"))
      << Reasons(reported);

  nas().checks.last_read_check = Check(kNow - 2 * kDay, catalog::Outcome::kOk);
  nas().checks.last_failed_check = Check(kNow - kDay, catalog::Outcome::kFailed);
  Rule32110 failed = Assess();
  EXPECT_EQ(failed.zero_errors, false);
  EXPECT_EQ(failed.Marks(), "✓✓✓~✗");
  EXPECT_TRUE(HasReason(failed, "0 errors: copy nas check failed 2026-11-25")) << Reasons(failed);
  EXPECT_EQ(failed.copy_status[0].failed_reported_by, "");
  // One imported from a host's evidence says so, and who reported it (status --json).
  nas().checks.last_failed_check->imported_from = "nas";
  nas().checks.last_failed_check->host = "web1";
  Rule32110 failed_reported = Assess();
  EXPECT_TRUE(HasReason(failed_reported,
                        "0 errors: copy nas check failed 2026-11-25 reported by a host's "
                        "evidence"))
      << Reasons(failed_reported);
  EXPECT_EQ(failed_reported.copy_status[0].failed_reported_by, "web1's evidence");
  nas().checks.last_failed_check->imported_from = "";

  // A newer passing verification of that copy (here a drill from it) clears the failure.
  nas().last_good_drill = MakeRun(catalog::RunKind::kDrill, kNow - kHour, catalog::Outcome::kOk);
  EXPECT_EQ(Assess().zero_errors, true);
  // A failed drill from the other copy breaks it again.
  b2().last_failed_drill =
      MakeRun(catalog::RunKind::kDrill, kNow - 30 * 60 * kSecond, catalog::Outcome::kError);
  Rule32110 drill_failed = Assess();
  EXPECT_EQ(drill_failed.zero_errors, false);
  EXPECT_TRUE(HasReason(drill_failed, "0 errors: copy b2 drill failed 2026-11-26"))
      << Reasons(drill_failed);
}

// A restic or borg repository is written by another program: only a drill from it proves it.
// Only a check that read all the data verifies a copy: `run`'s default 5% subset, or an older
// record that read bytes without saying how much, reads part of it and proves nothing about the
// rest.
TEST(ReadDataTest, OnlyAFullReadCounts) {
  catalog::Run check = Check(kNow - kDay, catalog::Outcome::kOk);
  check.details = R"({"read_data_percent":5})";
  EXPECT_EQ(internal::ReadDataPercent(check), 5.0);
  EXPECT_FALSE(internal::ReadAllData(check));
  check.details = R"({"read_data_percent":100})";
  EXPECT_TRUE(internal::ReadAllData(check));
  check.details = "{}";  // older record: read 1000 bytes, share unknown
  EXPECT_EQ(internal::ReadDataPercent(check), 0.0);
  EXPECT_FALSE(internal::ReadAllData(check));
  check.bytes = 0;
  EXPECT_EQ(internal::ReadDataPercent(check), std::nullopt);
}

TEST_F(CopiesTest, ForeignRepositoryWithoutDrillSaysHowToProveIt) {
  b2_.kind = plan::RepositoryKind::kRestic;
  Rule32110 rule = Assess();
  EXPECT_TRUE(HasReason(rule,
                        "copy b2: no restore point recorded (written by another program: only "
                        "a drill from it proves one)"))
      << Reasons(rule);
}

TEST(ShapeTest, ImmutableAndOfflineAreClaims) {
  plan::RepositorySpec tape;
  tape.offline = true;
  EXPECT_TRUE(analysis::ClaimsImmutable(tape));
  EXPECT_FALSE(analysis::ClaimsImmutable(plan::RepositorySpec{}));
}

}  // namespace
}  // namespace stormproof::readiness
