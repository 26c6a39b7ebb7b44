// The "1" and the "0" of 3-2-1-1-0 judged from evidence, one repository at a time: is the
// repository immutable (proven by `stormproof check --immutability`, or, for offline media,
// attested by a person), and has it been verified free of errors (a check that read its data,
// or a restore drill from it)? The plan's `immutable: true` and `offline: true` are claims; only
// the catalog's records make them count. `plan audit` turns the verdicts into findings
// (audit_evidence.cc) and `stormproof status` shows them per repository (src/continuity/readiness).
//
// Whose proof (docs/cli.md, "status"): an immutability proof counts only when it was made with
// the access key id of the credentials the backup hosts hold for the repository (the plan's
// credentials_file) and at the repository's location now: a proof made with the MSP's
// maintenance credentials, or of a bucket the plan has since moved away from, proves nothing
// about what the backup hosts can destroy. Such a proof is named, with why it does not count.
//
// Cadences (docs/cli.md, "status"): an immutability proof or attestation counts for the plan's
// check cadence, `run.check_every` (default 1w) — the plan has no cadence per repository — so a
// proof dated D counts through D + check_every; a proof also only before the day of the earliest
// retain-until date it sampled (ProofRetentionEnds): from then on what it found retained may be
// deletable. A check that read all the data (read_data_percent
// 100) counts for run.check_every too — a check of a subset (`run`'s default 5%) never does; a drill from the repository for its system's tier drill_every (90 days
// when unset), as status judges a copy's verification.
//
// Pure functions of their arguments; thread-safe.
#ifndef STORMPROOF_CONTINUITY_ANALYSIS_EVIDENCE_RULES_H_
#define STORMPROOF_CONTINUITY_ANALYSIS_EVIDENCE_RULES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "continuity/catalog/catalog.h"
#include "continuity/plan/plan.h"
#include "core/date.h"
#include "core/duration.h"

namespace stormproof::analysis {

// Whose immutability proof counts for one repository: one made with the access key id the
// backup hosts hold for it, at its location now. Readiness works it out from the plan
// (readiness::ProofOwnerOf). Holds no secret.
struct ProofOwner {
  // The access key id of the plan's credentials_file for the repository (else of the
  // credentials this machine's environment gives, as `run` here would use); "" when unknown.
  std::string access_key_id = {};
  std::string source = {};   // where it came from: "profile 'default' of /etc/stormproof/x.aws"
  std::string unknown = {};  // why access_key_id is unknown, one line; "" when known
  // The access key id of the repository's maintenance_credentials_file, when it can be read
  // here: a proof made with it never counts (those credentials may delete, whatever the
  // environment that stands in for a missing credentials_file says); "" when none or unread.
  std::string maintenance_key_id = {};
  // The repository's location as proofs record it (s3::Location::ToString()); "" when the plan's
  // location is not on S3 object storage.
  std::string location = {};
};

// Why `proof` does not count for a repository whose proofs `owner` says count, in words for the
// MSP after "proof of DATE not counted: " ("made with other credentials (AKIA...) — not the
// backup hosts' (AKIB..., profile 'default' of F)", "made at s3:https://h/old, not at the
// repository's location now (s3:https://h/new)"); "" when it counts.
std::string WhyProofDoesNotCount(const catalog::ImmutabilityProof& proof, const ProofOwner& owner);

// What the catalog holds about one repository, as of a moment (readiness gathers it).
struct RepositoryEvidence {
  ProofOwner owner = {};  // whose proofs count
  // The newest proof with a verdict (passed or failed) that counts (WhyProofDoesNotCount "").
  std::optional<catalog::ImmutabilityProof> proof;
  // The newest proof with a verdict, when it does not count (made with other credentials, or of
  // another location): never counted, but named in the verdict's text so that it is not
  // silently ignored.
  std::optional<catalog::ImmutabilityProof> uncounted_proof = {};
  std::optional<catalog::Attestation> attestation;  // newest
  // Newest check that read all the data (check --read-data, read_data_percent 100) and did
  // its job; only such a check proves zero errors.
  std::optional<catalog::Run> last_read_check;
  // Newest check that read part of the data (e.g. the 5% of `run`) and did its job: named in
  // the verdict's text, never counted.
  std::optional<catalog::Run> last_partial_check;
  double partial_check_percent = 0;  // its read_data_percent; 0 when not recorded
  std::optional<catalog::Run> last_good_drill;      // newest drill from it that did its job
  // Newest check or drill of it that failed or erred (interrupted ones excluded).
  std::optional<catalog::Run> last_failure;
  // Newest prune of it that did its job that this catalog recorded itself (as `run` records
  // it; never one imported from hosts' evidence, which any backup host could forge): on an
  // object-locked repository the newest retention upkeep, which extends the Object Lock
  // retention of the files in use.
  std::optional<catalog::Run> last_prune = {};
  // Newest prune of it that did its job imported from hosts' evidence, when newer than
  // last_prune: named in retention-upkeep-lapsing, never counted.
  std::optional<catalog::Run> last_reported_prune = {};
};

// Immutability of one repository. Only kProven and kAttested count as "the 1".
enum class ImmutabilityState {
  kNotClaimed,        // the plan calls it neither immutable nor offline, and nothing was proven
  kProven,            // the newest proof passed within the cadence
  kProofStale,        // the newest proof passed, longer ago than the cadence
  kProofFailed,       // the newest proof failed: something was allowed
  kNeverProven,       // claimed immutable; provable (a stormproof repository on s3:), no proof
  kAttested,          // offline; attested by a person within the cadence (not proven)
  kAttestationStale,  // offline; the newest attestation is older than the cadence
  kNeverAttested,     // offline; stormproof cannot prove it and nobody attested it
  kCannotProve,       // claimed immutable, but a local directory or a restic/borg repository
};
// "not claimed", "proven", "proof stale", "proof failed", "never proven", "attested",
// "attestation stale", "never attested", "cannot be proven".
const char* ImmutabilityStateName(ImmutabilityState state);

struct ImmutabilityVerdict {
  ImmutabilityState state = ImmutabilityState::kNotClaimed;
  bool counts = false;              // kProven or kAttested
  std::optional<int64_t> when_ns;   // the proof's finish or the attestation's moment
  std::optional<int64_t> age_days;  // whole days from that date to today
  Cadence cadence;                  // run.check_every
  // kProofStale within the cadence: the day the retention the proof sampled ended
  // (ProofRetentionEnds), from which it no longer counts; none otherwise.
  std::optional<Date> lapsed_on = {};
  // For people, after "immutable: ": "proven 2026-12-05 (2 days ago)", "claimed, never proven",
  // "proof FAILED on 2026-12-05: deleting a pack's version was allowed", "last proven 36 days
  // ago on 2026-11-01 (cadence 1w)", "proven 2026-12-05, never since; lapsed on 2026-12-09 (the
  // earliest retention it sampled ended)", "attested by Mia Chen (mia) on 2026-12-01 (6 days ago):
  // tape set 12 in the vault", "cannot be proven (local directory)".
  std::string text;
  // `text` as a client reads it: an attestation names the MSP instead of the person and leaves
  // out the note ("attested by Acme IT on 2026-12-01 (6 days ago)"); a failed proof says only
  // "proof FAILED on 2026-12-05" (what was allowed names the MSP's endpoint, bucket and keys);
  // otherwise `text`.
  std::string client_text;
};

// True when stormproof can prove `repository` immutable: a stormproof repository on s3:.
bool CanProveImmutability(const plan::RepositorySpec& repository);
// Why it cannot: "local directory", "restic repository", "borg repository", "not on S3 object
// storage"; "" when CanProveImmutability().
std::string WhyImmutabilityCannotBeProven(const plan::RepositorySpec& repository);

// Who reported `run` when it was imported from hosts' evidence (catalog::Run::imported_from):
// "web1's evidence", the host name escaped (whoever wrote the evidence file chose it); "a host's
// evidence" when it names no host, or for a `client` reader (the host may be another client's).
// "" for a run this catalog recorded itself.
std::string ReporterOf(const catalog::Run& run, bool client = false);

// The day from which a proof that passed no longer counts whatever the cadence: that of its
// earliest sampled retain-until date (catalog::ImmutabilityProof::earliest_retain_until_ns,
// in UTC); none when the proof recorded none (proofs from before catalog schema version 6).
std::optional<Date> ProofRetentionEnds(const catalog::ImmutabilityProof& proof);

ImmutabilityVerdict JudgeImmutability(const plan::Plan& plan,
                                      const plan::RepositorySpec& repository,
                                      const RepositoryEvidence& evidence, Date today);

// "Zero errors" of one repository. Only kProven counts as "the 0".
enum class ZeroErrorsState {
  kNeverProven,  // no check that read all data, no drill from it
  kProven,       // a check that read all data or a drill passed within its cadence, none failed since
  kStale,        // the newest pass is older than its cadence
  kFailed,       // a check or drill failed (or erred) after the newest pass
};
const char* ZeroErrorsStateName(ZeroErrorsState state);  // "never proven", "proven", ...

struct ZeroErrorsVerdict {
  ZeroErrorsState state = ZeroErrorsState::kNeverProven;
  bool counts = false;              // kProven
  std::optional<int64_t> when_ns;   // start of the newest pass (kFailed: of the failure)
  std::optional<int64_t> age_days;  // whole days from that date to today
  std::string by;                   // "check" or "drill"; "" when none
  // Who reported the pass (kFailed: the failure) when it was imported from hosts' evidence, not
  // run by this catalog's own stormproof: "web1's evidence" ("a host's evidence" when it names no
  // host); "" for an own run, and for kNeverProven.
  std::string reported_by = {};
  Cadence cadence;                  // the cadence of `by`
  // For people, after "zero errors: ": "proven 2026-12-05 by a check that read all data (2
  // days ago)", "never proven (no check that read all data, no drill)", "last proven 36 days
  // ago on 2026-11-01 by a drill (cadence 90d)", "check FAILED on 2026-12-05: <error>" (", reported
  // by web1's evidence" before the error when imported); a newer
  // check of a subset, when nothing current counts: "5% of the data read on 2026-12-05 (a full
  // check --read-data or a drill proves zero errors)" (after "; since then " when stale).
  std::string text;
  // `text` as a client reads it: a failure without its error ("check FAILED on 2026-12-05"),
  // since the error of a check of a shared repository may name another client's files;
  // otherwise `text`.
  std::string client_text;
};

ZeroErrorsVerdict JudgeZeroErrors(const plan::Plan& plan, const RepositoryEvidence& evidence,
                                  Date today);

// "today", "1 day ago", "N days ago".
std::string DaysAgo(int64_t days);

}  // namespace stormproof::analysis

#endif  // STORMPROOF_CONTINUITY_ANALYSIS_EVIDENCE_RULES_H_
