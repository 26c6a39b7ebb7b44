// The "1" and the "0" of 3-2-1-1-0 from evidence (evidence_rules.cc) and the audit findings they
// give (audit_evidence.cc): a claim is never proof; a proof counts for run.check_every; a failed
// proof is high severity and says what was allowed; local, restic and borg repositories say they
// cannot be proven; offline media count only while attested; zero errors only while a check that
// read data, or a drill, passed within its cadence.
#include "continuity/analysis/evidence_rules.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/analysis/client_view.h"
#include "continuity/plan/loader.h"
#include "core/time.h"
#include "tests/continuity/analysis/audit_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::analysis {
namespace {

using testing::AddHarcourtCaseFiles;
using testing::CleanPlan;
using testing::kToday;  // 2026-11-26; run.check_every is the default, 1w

constexpr int64_t kDayNs = 86'400'000'000'000;

// Noon UTC `days` days before kToday.
int64_t DaysAgoNs(int days) { return (kToday.days_since_epoch() - days) * kDayNs + kDayNs / 2; }

catalog::ImmutabilityProof Proof(int days_ago, catalog::Outcome outcome,
                                 std::vector<std::string> allowed = {}) {
  catalog::ImmutabilityProof proof;
  proof.repository = "vault";
  proof.started_ns = DaysAgoNs(days_ago) - 60'000'000'000;
  proof.finished_ns = DaysAgoNs(days_ago);
  proof.outcome = outcome;
  proof.credentials = "credentials_file /etc/stormproof/vault.aws";
  proof.allowed = std::move(allowed);
  return proof;
}

catalog::Run RunOf(catalog::RunKind kind, int days_ago, catalog::Outcome outcome,
                   const std::string& system = "") {
  catalog::Run run;
  run.kind = kind;
  run.system = system;
  run.started_ns = DaysAgoNs(days_ago);
  run.finished_ns = run.started_ns + 1'000'000'000;
  run.outcome = outcome;
  return run;
}

const plan::RepositorySpec& Repository(const plan::Plan& plan, const std::string& id) {
  const plan::RepositorySpec* repository = plan.FindRepository(id);
  EXPECT_NE(repository, nullptr) << id;
  return *repository;
}

ImmutabilityVerdict Judge(const plan::Plan& plan, const std::string& id,
                          const RepositoryEvidence& evidence) {
  return JudgeImmutability(plan, Repository(plan, id), evidence, kToday);
}

TEST(ImmutabilityTest, ClaimedNeverProven) {
  plan::Plan plan = CleanPlan();
  ImmutabilityVerdict v = Judge(plan, "vault", {});
  EXPECT_EQ(v.state, ImmutabilityState::kNeverProven);
  EXPECT_FALSE(v.counts);
  EXPECT_EQ(v.text, "claimed, never proven");
}

TEST(ImmutabilityTest, PassedWithinTheCadenceCounts) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.proof = Proof(2, catalog::Outcome::kOk);
  ImmutabilityVerdict v = Judge(plan, "vault", e);
  EXPECT_EQ(v.state, ImmutabilityState::kProven);
  EXPECT_TRUE(v.counts);
  EXPECT_EQ(v.age_days, 2);
  EXPECT_EQ(v.text, "proven 2026-11-24 (2 days ago)");
  e.proof = Proof(7, catalog::Outcome::kOk);  // the last day of a 1w cadence still counts
  EXPECT_TRUE(Judge(plan, "vault", e).counts);
}

TEST(ImmutabilityTest, PassedLongerAgoThanTheCadenceIsStale) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.proof = Proof(8, catalog::Outcome::kOk);
  ImmutabilityVerdict v = Judge(plan, "vault", e);
  EXPECT_EQ(v.state, ImmutabilityState::kProofStale);
  EXPECT_FALSE(v.counts);
  EXPECT_EQ(v.text, "last proven 8 days ago on 2026-11-18 (cadence 1w)");
}

// A proof counts only before the day of the earliest retain-until date it sampled: from then on
// what it found retained may be deletable, within the cadence or not; the audit says so.
TEST(ImmutabilityTest, AProofLapsesOnTheDayTheEarliestRetentionItSampledEnds) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.proof = Proof(2, catalog::Outcome::kOk);
  e.proof->earliest_retain_until_ns = DaysAgoNs(-1);  // tomorrow noon
  EXPECT_TRUE(Judge(plan, "vault", e).counts);
  e.proof->earliest_retain_until_ns = DaysAgoNs(0) - kDayNs / 4;  // this morning
  ImmutabilityVerdict v = Judge(plan, "vault", e);
  EXPECT_EQ(v.state, ImmutabilityState::kProofStale);
  EXPECT_FALSE(v.counts);
  EXPECT_EQ(v.lapsed_on, kToday);
  EXPECT_EQ(v.text,
            "proven 2026-11-24, never since; lapsed on 2026-11-26 (the earliest retention it "
            "sampled ended)");
  e.proof->earliest_retain_until_ns = DaysAgoNs(0) + kDayNs / 4;  // tonight: today no longer
  EXPECT_FALSE(Judge(plan, "vault", e).counts);

  RepositoryEvidenceMap evidence;
  evidence["vault"] = e;
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  const Finding* lapsed = nullptr;
  for (const Finding& f : findings) {
    if (f.rule == "immutability-proof-stale") lapsed = &f;
  }
  ASSERT_NE(lapsed, nullptr);
  EXPECT_EQ(lapsed->title,
            "Repository 'vault': immutability proof of 2026-11-24 lapsed on 2026-11-26, never "
            "proven since");
  EXPECT_THAT(lapsed->detail, HasSubstr("retained until 2026-11-26 at the earliest"));
}

TEST(ImmutabilityTest, FailedSaysWhatWasAllowed) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.proof = Proof(1, catalog::Outcome::kFailed,
                  {"deleting a pack's version was allowed", "overwriting the canary was allowed"});
  ImmutabilityVerdict v = Judge(plan, "vault", e);
  EXPECT_EQ(v.state, ImmutabilityState::kProofFailed);
  EXPECT_FALSE(v.counts);
  EXPECT_EQ(v.text,
            "proof FAILED on 2026-11-25: deleting a pack's version was allowed; overwriting the "
            "canary was allowed");
}

// Whose proof it is (WhyProofDoesNotCount): the backup hosts' access key id at the location
// now, table-driven; the first reason that applies is given.
TEST(ImmutabilityTest, AProofCountsOnlyWithTheBackupHostsKeyAtTheLocationNow) {
  ProofOwner owner;
  owner.access_key_id = "AKIABACKUP";
  owner.source = "profile 'default' of /etc/stormproof/vault.aws";
  owner.location = "s3:https://s3.example.com/vault";
  struct Case {
    std::string key, location;
    ProofOwner owner;
    std::string why;
  };
  ProofOwner unknown = owner;
  unknown.access_key_id = "";
  unknown.unknown = "/etc/stormproof/vault.aws: cannot be read";
  ProofOwner not_s3 = owner;
  not_s3.location = "";
  // No credentials_file: the environment stood in, and on the MSP machine it gave the owner's
  // key, which is also the maintenance file's.
  ProofOwner from_environment = owner;
  from_environment.access_key_id = "AKIAOWNER";
  from_environment.maintenance_key_id = "AKIAOWNER";
  const std::string here = owner.location;
  for (const Case& c : {
           Case{"AKIABACKUP", here, owner, ""},
           Case{"AKIAOWNER", here, owner,
                "made with other credentials (AKIAOWNER) — not the backup hosts' (AKIABACKUP, "
                "profile 'default' of /etc/stormproof/vault.aws)"},
           Case{"AKIABACKUP", "s3:https://s3.example.com/old", owner,
                "made at s3:https://s3.example.com/old, not at the repository's location now "
                "(s3:https://s3.example.com/vault)"},
           Case{"", here, owner,
                "the access key it ran with was not recorded (a proof from before stormproof "
                "recorded it); prove again"},
           Case{"AKIABACKUP", here, unknown,
                "made with access key AKIABACKUP, but which key the backup hosts hold cannot be "
                "told here (/etc/stormproof/vault.aws: cannot be read)"},
           Case{"AKIABACKUP", here, not_s3, "the repository is no longer on S3 object storage"},
           Case{"AKIAOWNER", here, from_environment,
                "made with the maintenance credentials (AKIAOWNER), which may delete — prove "
                "with the backup hosts' credentials"},
       }) {
    catalog::ImmutabilityProof proof = Proof(1, catalog::Outcome::kOk);
    proof.access_key_id = c.key;
    proof.location = c.location;
    EXPECT_EQ(WhyProofDoesNotCount(proof, c.owner), c.why) << c.key << " " << c.location;
  }
}

// A proof that does not count is named with why, for the MSP; a client reads the claim only.
TEST(ImmutabilityTest, AnUncountedProofIsNamedNeverCounted) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.owner.access_key_id = "AKIABACKUP";
  e.owner.location = "s3:https://s3.example.com/vault";
  e.uncounted_proof = Proof(1, catalog::Outcome::kOk);
  e.uncounted_proof->access_key_id = "AKIAOWNER";
  e.uncounted_proof->location = e.owner.location;
  ImmutabilityVerdict v = Judge(plan, "vault", e);
  EXPECT_EQ(v.state, ImmutabilityState::kNeverProven);
  EXPECT_FALSE(v.counts);
  EXPECT_EQ(v.text,
            "claimed, never proven with the backup hosts' credentials: proof of 2026-11-25 not "
            "counted: made with other credentials (AKIAOWNER) — not the backup hosts' "
            "(AKIABACKUP)");
  EXPECT_EQ(v.client_text, "claimed, never proven");

  // Beside an older proof that counts.
  e.proof = Proof(3, catalog::Outcome::kOk);
  v = Judge(plan, "vault", e);
  EXPECT_EQ(v.state, ImmutabilityState::kProven);
  EXPECT_TRUE(v.counts);
  EXPECT_EQ(v.text,
            "proven 2026-11-23 (3 days ago); newer proof of 2026-11-25 not counted: made with "
            "other credentials (AKIAOWNER) — not the backup hosts' (AKIABACKUP)");
  EXPECT_EQ(v.client_text, "proven 2026-11-23 (3 days ago)");

  // A failed proof made with other credentials is no finding against the backup hosts'.
  e.proof.reset();
  e.uncounted_proof->outcome = catalog::Outcome::kFailed;
  e.uncounted_proof->allowed = {"deleting a pack's version was allowed"};
  v = Judge(plan, "vault", e);
  EXPECT_EQ(v.state, ImmutabilityState::kNeverProven);
  EXPECT_THAT(v.text, Not(HasSubstr("FAILED")));
}

TEST(ImmutabilityTest, LocalResticAndBorgCannotBeProven) {
  plan::Plan plan = CleanPlan();
  plan.repositories[0].immutable = true;  // colo-repo, /srv/repo
  plan.repositories[2].immutable = true;  // cloud-plain on s3:, but written by restic
  plan.repositories[2].kind = plan::RepositoryKind::kRestic;
  EXPECT_EQ(Judge(plan, "colo-repo", {}).text, "cannot be proven (local directory)");
  ImmutabilityVerdict restic = Judge(plan, "cloud-plain", {});
  EXPECT_EQ(restic.state, ImmutabilityState::kCannotProve);
  EXPECT_EQ(restic.text, "cannot be proven (restic repository)");
  plan.repositories[2].kind = plan::RepositoryKind::kBorg;
  EXPECT_EQ(Judge(plan, "cloud-plain", {}).text, "cannot be proven (borg repository)");
  EXPECT_FALSE(CanProveImmutability(Repository(plan, "colo-repo")));
  EXPECT_TRUE(CanProveImmutability(Repository(plan, "vault")));
}

TEST(ImmutabilityTest, OfflineAttestedCountsAsAttestedNeverAsProven) {
  plan::Plan plan = CleanPlan();
  EXPECT_EQ(Judge(plan, "tape", {}).state, ImmutabilityState::kNeverAttested);
  RepositoryEvidence e;
  e.attestation = catalog::Attestation{
      0, "tape", "dan", DaysAgoNs(3), "tape set 12 in the vault, write-protect tab set", "", ""};
  ImmutabilityVerdict v = Judge(plan, "tape", e);
  EXPECT_EQ(v.state, ImmutabilityState::kAttested);
  EXPECT_TRUE(v.counts);
  EXPECT_EQ(v.text,
            "attested by Dan Dale (dan) on 2026-11-23 (3 days ago): tape set 12 in the vault, "
            "write-protect tab set");
  EXPECT_EQ(v.text.find("proven"), std::string::npos);
  EXPECT_EQ(v.client_text, "attested by Acme IT on 2026-11-23 (3 days ago)");
}

TEST(ImmutabilityTest, AttestationExpiresWithTheCadence) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.attestation = catalog::Attestation{0, "tape", "dan", DaysAgoNs(10), "tapes seen", "", ""};
  ImmutabilityVerdict v = Judge(plan, "tape", e);
  EXPECT_EQ(v.state, ImmutabilityState::kAttestationStale);
  EXPECT_FALSE(v.counts);
  EXPECT_EQ(v.text, "attested by Dan Dale (dan) on 2026-11-16, 10 days ago, expired (cadence 1w)");
}

TEST(ImmutabilityTest, NotClaimedAndUnprovenIsNoClaim) {
  plan::Plan plan = CleanPlan();
  ImmutabilityVerdict v = Judge(plan, "cloud-plain", {});
  EXPECT_EQ(v.state, ImmutabilityState::kNotClaimed);
  EXPECT_FALSE(v.counts);
}

TEST(ZeroErrorsTest, NeverProvenWithoutACheckThatReadDataOrADrill) {
  plan::Plan plan = CleanPlan();
  ZeroErrorsVerdict v = JudgeZeroErrors(plan, {}, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kNeverProven);
  EXPECT_FALSE(v.counts);
  EXPECT_EQ(v.text, "never proven (no check that read all data, no drill)");
}

TEST(ZeroErrorsTest, ACheckCountsForTheCheckCadence) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 2, catalog::Outcome::kOk);
  ZeroErrorsVerdict v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kProven);
  EXPECT_TRUE(v.counts);
  EXPECT_EQ(v.text, "proven 2026-11-24 by a check that read all data (2 days ago)");
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 9, catalog::Outcome::kOk);
  v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kStale);
  EXPECT_EQ(v.text, "last proven 9 days ago on 2026-11-17 by a check that read all data (cadence 1w)");
}

// A pass imported from a host's evidence counts as before, but says who reported it (to a
// client without the host's name: it may be another client's host).
TEST(ZeroErrorsTest, APassFromHostsEvidenceSaysWhoReportedIt) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 2, catalog::Outcome::kOk);
  e.last_read_check->host = "web1";
  e.last_read_check->imported_from = "vault";
  ZeroErrorsVerdict v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kProven);
  EXPECT_TRUE(v.counts);
  EXPECT_EQ(v.text,
            "proven 2026-11-24 by a check that read all data, reported by web1's evidence (2 days "
            "ago)");
  EXPECT_EQ(v.client_text,
            "proven 2026-11-24 by a check that read all data, reported by a host's evidence (2 "
            "days ago)");
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 9, catalog::Outcome::kOk);
  e.last_read_check->host = "web1";
  e.last_read_check->imported_from = "vault";
  v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kStale);
  EXPECT_EQ(v.text,
            "last proven 9 days ago on 2026-11-17 by a check that read all data, reported by "
            "web1's evidence (cadence 1w)");
}

// So does a failure imported from a host's evidence: the failure is named with its reporter
// (before the error), to a client without the host's name.
TEST(ZeroErrorsTest, AFailureFromHostsEvidenceSaysWhoReportedIt) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 3, catalog::Outcome::kOk);
  e.last_failure = RunOf(catalog::RunKind::kCheck, 1, catalog::Outcome::kFailed);
  e.last_failure->error = "pack 3f2a: checksum mismatch";
  e.last_failure->host = "web1";
  e.last_failure->imported_from = "vault";
  ZeroErrorsVerdict v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kFailed);
  EXPECT_EQ(v.reported_by, "web1's evidence");
  EXPECT_EQ(v.text,
            "check FAILED on 2026-11-25, reported by web1's evidence: pack 3f2a: checksum "
            "mismatch");
  EXPECT_EQ(v.client_text, "check FAILED on 2026-11-25, reported by a host's evidence");
}

TEST(ZeroErrorsTest, ADrillCountsForItsSystemsDrillCadence) {
  plan::Plan plan = CleanPlan();  // db's tier-1 sets no drill_every: 90 days
  RepositoryEvidence e;
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 30, catalog::Outcome::kOk);
  e.last_good_drill = RunOf(catalog::RunKind::kDrill, 40, catalog::Outcome::kOk, "db");
  ZeroErrorsVerdict v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kProven);
  EXPECT_EQ(v.by, "drill");
  e.last_good_drill = RunOf(catalog::RunKind::kDrill, 91, catalog::Outcome::kOk, "db");
  v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kStale);
  EXPECT_EQ(v.by, "check");  // the newer of two stale passes
}

TEST(ZeroErrorsTest, AFailureAfterThePassFails) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 3, catalog::Outcome::kOk);
  e.last_failure = RunOf(catalog::RunKind::kCheck, 1, catalog::Outcome::kFailed);
  e.last_failure->error = "pack 3f2a: checksum mismatch";
  ZeroErrorsVerdict v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kFailed);
  EXPECT_FALSE(v.counts);
  EXPECT_EQ(v.text, "check FAILED on 2026-11-25: pack 3f2a: checksum mismatch");
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 0, catalog::Outcome::kOk);  // repaired
  EXPECT_EQ(JudgeZeroErrors(plan, e, kToday).state, ZeroErrorsState::kProven);
}

// A check that read part of the data (`run`'s default 5%) never counts: it is named, with what
// would prove zero errors, when nothing current counts and it is newer than the verdict.
TEST(ZeroErrorsTest, APartialCheckIsNamedButNeverCounts) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.last_partial_check = RunOf(catalog::RunKind::kCheck, 1, catalog::Outcome::kOk);
  e.partial_check_percent = 5;
  ZeroErrorsVerdict v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kNeverProven);
  EXPECT_FALSE(v.counts);
  EXPECT_EQ(v.text,
            "5% of the data read on 2026-11-25 (a full check --read-data or a drill proves zero "
            "errors)");
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 20, catalog::Outcome::kOk);
  v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kStale);
  EXPECT_EQ(v.text,
            "last proven 20 days ago on 2026-11-06 by a check that read all data (cadence 1w); "
            "since then 5% of the data read on 2026-11-25 (a full check --read-data or a drill "
            "proves zero errors)");
  e.last_read_check = RunOf(catalog::RunKind::kCheck, 2, catalog::Outcome::kOk);
  v = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(v.state, ZeroErrorsState::kProven);
  EXPECT_EQ(v.text, "proven 2026-11-24 by a check that read all data (2 days ago)");
}

// A client reads that a check or a proof failed and when, never the error (it may name another
// client's files in a shared repository) nor what was allowed (the MSP's endpoint, bucket, keys).
TEST(ClientTextTest, FailuresWithoutTheirDetails) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidence e;
  e.last_failure = RunOf(catalog::RunKind::kCheck, 1, catalog::Outcome::kFailed);
  e.last_failure->error = "snapshot 05d0: /srv/other-client/hr/dismissals.xlsx: blob missing";
  ZeroErrorsVerdict zero = JudgeZeroErrors(plan, e, kToday);
  EXPECT_EQ(zero.client_text, "check FAILED on 2026-11-25");
  EXPECT_NE(zero.text.find("other-client"), std::string::npos);
  e.proof = Proof(1, catalog::Outcome::kFailed,
                  {"deleting s3:https://rgw.acme.example/acme-vault/data/3f/3f2a's version was "
                   "allowed"});
  ImmutabilityVerdict proof = JudgeImmutability(plan, Repository(plan, "vault"), e, kToday);
  EXPECT_EQ(proof.client_text, "proof FAILED on 2026-11-25");
  EXPECT_NE(proof.text.find("acme-vault"), std::string::npos);
}

// --- the findings --------------------------------------------------------------------------

const Finding* Find(const std::vector<Finding>& findings, const std::string& rule) {
  for (const Finding& f : findings) {
    if (f.rule == rule) return &f;
  }
  return nullptr;
}

// Evidence that proves everything of the clean plan today: the vault proven, the tape attested,
// every repository checked.
RepositoryEvidenceMap AllProven(const plan::Plan& plan) {
  RepositoryEvidenceMap evidence;
  for (const plan::RepositorySpec& repository : plan.repositories) {
    evidence[repository.id].last_read_check =
        RunOf(catalog::RunKind::kCheck, 1, catalog::Outcome::kOk);
  }
  evidence["vault"].proof = Proof(1, catalog::Outcome::kOk);
  evidence["tape"].attestation =
      catalog::Attestation{0, "tape", "dan", DaysAgoNs(1), "tapes in the safe", "", ""};
  return evidence;
}

TEST(EvidenceFindingsTest, WithoutEvidenceOnlyTheClaimsAreFindings) {
  plan::Plan plan = CleanPlan();
  std::vector<Finding> findings = Audit(plan, {kToday, nullptr});
  ASSERT_EQ(findings.size(), 2u);
  const Finding* vault = Find(findings, "immutability-never-proven");
  ASSERT_NE(vault, nullptr);
  EXPECT_EQ(vault->severity, Severity::kMedium);
  EXPECT_EQ(vault->title, "Repository 'vault' is claimed immutable, never proven");
  EXPECT_EQ(vault->systems, (std::vector<std::string>{"db", "app", "files"}));
  EXPECT_EQ(vault->clients, std::vector<std::string>{"dental"});
  const Finding* tape = Find(findings, "offline-never-attested");
  ASSERT_NE(tape, nullptr);
  EXPECT_NE(tape->recommendation.find("stormproof attest --repository tape"), std::string::npos);
}

TEST(EvidenceFindingsTest, EverythingProvenHasNoFindings) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidenceMap evidence = AllProven(plan);
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  for (const Finding& f : findings) ADD_FAILURE() << f.rule << ": " << f.title;
}

TEST(EvidenceFindingsTest, AFailedProofIsHighAndNamesWhatWasAllowed) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidenceMap evidence = AllProven(plan);
  evidence["vault"].proof =
      Proof(1, catalog::Outcome::kFailed, {"deleting a pack's version was allowed"});
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  const Finding* f = Find(findings, "immutability-proof-failed");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(f->title,
            "Repository 'vault': immutability proof FAILED on 2026-11-25: deleting a pack's "
            "version was allowed");
  EXPECT_NE(f->detail.find("credentials_file /etc/stormproof/vault.aws"), std::string::npos);
}

TEST(EvidenceFindingsTest, StaleProofAndStaleAttestationSayTheirAge) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidenceMap evidence = AllProven(plan);
  evidence["vault"].proof = Proof(12, catalog::Outcome::kOk);
  evidence["tape"].attestation->attested_ns = DaysAgoNs(20);
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  const Finding* proof = Find(findings, "immutability-proof-stale");
  ASSERT_NE(proof, nullptr);
  EXPECT_EQ(proof->severity, Severity::kMedium);
  EXPECT_EQ(proof->title, "Repository 'vault': immutability last proven 12 days ago (cadence 1w)");
  const Finding* tape = Find(findings, "offline-attestation-stale");
  ASSERT_NE(tape, nullptr);
  EXPECT_EQ(tape->title, "Repository 'tape': last attested 20 days ago (cadence 1w)");
}

TEST(EvidenceFindingsTest, ALocalRepositoryClaimedImmutableCannotBeProven) {
  plan::Plan plan = CleanPlan();
  plan.repositories[0].immutable = true;  // colo-repo, /srv/repo
  RepositoryEvidenceMap evidence = AllProven(plan);
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  const Finding* f = Find(findings, "immutability-cannot-be-proven");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->title,
            "Repository 'colo-repo' is claimed immutable, but stormproof cannot prove it (local "
            "directory)");
}

TEST(EvidenceFindingsTest, ZeroErrorsFindingsComeOnlyWithEvidence) {
  plan::Plan plan = CleanPlan();
  RepositoryEvidenceMap evidence = AllProven(plan);
  evidence["colo-repo"].last_read_check.reset();
  evidence["vault"].last_read_check = RunOf(catalog::RunKind::kCheck, 20, catalog::Outcome::kOk);
  evidence["cloud-plain"].last_failure =
      RunOf(catalog::RunKind::kDrill, 0, catalog::Outcome::kFailed, "app");
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  // office-nas holds no system's backups: nothing to verify, no finding.
  for (const Finding& f : findings) EXPECT_EQ(f.title.find("office-nas"), std::string::npos);
  const Finding* never = Find(findings, "zero-errors-never-proven");
  ASSERT_NE(never, nullptr);
  EXPECT_EQ(never->title, "Repository 'colo-repo': zero errors never proven");
  EXPECT_EQ(never->severity, Severity::kMedium);
  const Finding* stale = Find(findings, "zero-errors-stale");
  ASSERT_NE(stale, nullptr);
  EXPECT_EQ(stale->title, "Repository 'vault': zero errors last proven 20 days ago (cadence 1w)");
  const Finding* failed = Find(findings, "zero-errors-failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->severity, Severity::kHigh);
  EXPECT_EQ(failed->title, "Repository 'cloud-plain': drill FAILED on 2026-11-26");
  // Without a catalog nobody claims zero errors: no such finding.
  EXPECT_EQ(Find(Audit(plan, {kToday, nullptr}), "zero-errors-never-proven"), nullptr);
}

// A repository shared by two clients: each reads the finding as its effect on its own systems,
// naming neither the other client nor its systems.
TEST(EvidenceFindingsTest, AClientReadsASharedRepositoryFindingAsItsOwn) {
  plan::Plan plan = CleanPlan();
  AddHarcourtCaseFiles(&plan, "vault");
  plan.BuildIndex();
  std::vector<Finding> findings = Audit(plan, {kToday, nullptr});
  const Finding* shared = Find(findings, "immutability-never-proven");
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared->clients, (std::vector<std::string>{"dental", "harcourt"}));
  std::optional<Finding> dental = FindingForClient(plan, *shared, "dental");
  ASSERT_TRUE(dental.has_value());
  EXPECT_EQ(dental->systems, (std::vector<std::string>{"db", "app", "files"}));
  EXPECT_NE(dental->title.find("backed up to a copy claimed immutable, never proven"),
            std::string::npos)
      << dental->title;
  for (const std::string& text : {dental->title, dental->detail, dental->recommendation}) {
    EXPECT_EQ(text.find("arcourt"), std::string::npos) << text;
    EXPECT_EQ(text.find("hv-case"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace stormproof::analysis
