// Evidence rules, the "1" and the "0" of 3-2-1-1-0 per repository (evidence_rules.h):
// immutability-never-proven, immutability-proof-failed, immutability-proof-stale,
// immutability-cannot-be-proven, offline-never-attested, offline-attestation-stale, and, with
// the catalog's evidence only, zero-errors-never-proven, zero-errors-stale, zero-errors-failed
// and retention-upkeep-lapsing.
//
// Each finding names the systems whose data the repository holds (those backing up into it,
// and for a copy repository those whose backups are copied into it) and their clients, so a
// client sees only the repositories of its own systems.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "continuity/analysis/evidence_rules.h"
#include "continuity/analysis/internal/audit_context.h"
#include "core/time.h"
#include "engine/backend/backend.h"

namespace stormproof::analysis::internal {
namespace {

// One repository with the systems that back up into it, and the finding factory.
struct RepositorySubject {
  const plan::RepositorySpec& repository;
  std::vector<std::string> systems;
  std::vector<std::string> clients;

  std::string label() const { return "Repository " + Quoted(repository.id); }
  // "it holds the backups of 'a' and 'b'" (of a copy repository: "it holds the copies of the
  // backups of 'a' and 'b'"), or "no system backs up into it yet" when it holds none.
  std::string users() const {
    if (systems.empty()) return "no system backs up into it yet";
    std::vector<std::string> quoted;
    for (const std::string& id : systems) quoted.push_back(Quoted(id));
    return std::string(repository.copy_from ? "it holds the copies of the backups of "
                                            : "it holds the backups of ") +
           NameList(quoted);
  }

  void Add(Severity severity, const char* rule, std::string title, std::string detail,
           std::string recommendation, std::vector<Finding>* out) const {
    Finding f;
    f.severity = severity;
    f.area = Area::kBackups;
    f.rule = rule;
    f.title = std::move(title);
    f.detail = std::move(detail);
    f.recommendation = std::move(recommendation);
    f.systems = systems;
    f.clients = clients;
    f.mark = repository.mark;
    out->push_back(std::move(f));
  }
};

// The systems whose data the repository holds: those backing up into it and, for a copy
// repository (copy_from), those whose backups are copied into it (plan::SystemRepositories).
RepositorySubject SubjectOf(const plan::Plan& plan, const plan::RepositorySpec& repository) {
  RepositorySubject subject{repository, {}, {}};
  for (const plan::System& system : plan.systems) {
    for (const plan::RepositorySpec* held : plan::SystemRepositories(plan, system)) {
      if (held->id != repository.id) continue;
      subject.systems.push_back(system.id);
      AddClientOf(system, &subject.clients);
      break;
    }
  }
  return subject;
}

constexpr const char* kProveIt =
    "Run `stormproof check --immutability` against it with the backup hosts' credentials (and "
    "let `run` repeat it every run.check_every).";

std::string NotCounted(const RepositorySubject& s) {
  return " Until then it does not count as the immutable copy of 3-2-1-1-0; " + s.users() + ".";
}

// A proof on record that does not count: failed (high) or older than the cadence.
void ProofFinding(const RepositorySubject& s, const ImmutabilityVerdict& v,
                  const catalog::ImmutabilityProof& proof, std::vector<Finding>* out) {
  const std::string id = Quoted(s.repository.id);
  if (v.state == ImmutabilityState::kProofFailed) {
    std::string credentials = proof.credentials.empty() ? "it ran with" : proof.credentials;
    s.Add(Severity::kHigh, "immutability-proof-failed", s.label() + ": immutability " + v.text,
          "With the credentials " + credentials + ", an attacker holding them could destroy " + id +
              ": ransomware that takes a backup host takes this copy too; " + s.users() + ".",
          "Remove the delete and retention permissions from the backup hosts' credentials "
          "(docs/object-storage.md) or enable Object Lock, then prove it again.",
          out);
    return;
  }
  if (v.lapsed_on) {
    s.Add(Severity::kMedium, "immutability-proof-stale",
          s.label() + ": immutability proof of " + UtcDateOf(proof.finished_ns).ToString() +
              " lapsed on " + v.lapsed_on->ToString() + ", never proven since",
          "The proof found the objects it sampled retained until " + v.lapsed_on->ToString() +
              " at the earliest: from then on they may be deletable, so it no longer counts, "
              "within run.check_every or not." +
              NotCounted(s),
          kProveIt, out);
    return;
  }
  const std::string cadence = v.cadence.ToString();
  s.Add(Severity::kMedium, "immutability-proof-stale",
        s.label() + ": immutability last proven " + DaysAgo(*v.age_days) + " (cadence " + cadence +
            ")",
        "Credentials and bucket policies change; a proof older than run.check_every (" + cadence +
            ") no longer counts." + NotCounted(s),
        kProveIt, out);
}

// A claim without the evidence that would make it count.
void ClaimFinding(const RepositorySubject& s, const ImmutabilityVerdict& v,
                  std::vector<Finding>* out) {
  const std::string id = Quoted(s.repository.id);
  switch (v.state) {
    case ImmutabilityState::kNeverProven:
      s.Add(Severity::kMedium, "immutability-never-proven",
            s.label() + " is claimed immutable, never proven",
            "The plan says immutable: true, but no immutability proof of " + id +
                " is recorded: whether the backup hosts' credentials can delete or overwrite "
                "it is unknown." +
                NotCounted(s),
            kProveIt, out);
      return;
    case ImmutabilityState::kCannotProve:
      s.Add(Severity::kMedium, "immutability-cannot-be-proven",
            s.label() + " is claimed immutable, but stormproof cannot prove it (" +
                WhyImmutabilityCannotBeProven(s.repository) + ")",
            "stormproof proves immutability only of its own repositories on S3 object storage "
            "with Object Lock; " +
                id +
                " stays a claim and does not count as the immutable "
                "copy of 3-2-1-1-0; " +
                s.users() + ".",
            "Copy it to an object-locked S3 repository (copy_from), or keep an offline copy and "
            "attest it (offline: true, `stormproof attest`).",
            out);
      return;
    case ImmutabilityState::kNeverAttested:
      s.Add(Severity::kMedium, "offline-never-attested",
            s.label() + " is offline, cannot be proven by stormproof and was never attested",
            "Nobody has recorded seeing the offline media of " + id + " in place." + NotCounted(s),
            "Each time the media are checked, record it: `stormproof attest --repository " +
                s.repository.id + " --by PERSON --note 'what you saw'`.",
            out);
      return;
    case ImmutabilityState::kAttestationStale:
      s.Add(Severity::kMedium, "offline-attestation-stale",
            s.label() + ": last attested " + DaysAgo(*v.age_days) + " (cadence " +
                v.cadence.ToString() + ")",
            "An attestation counts for run.check_every (" + v.cadence.ToString() + ")." +
                NotCounted(s),
            "Check the offline media and record it again with `stormproof attest`.", out);
      return;
    default:
      return;  // not claimed, or counts
  }
}

void ImmutabilityFinding(const RepositorySubject& s, const ImmutabilityVerdict& v,
                         const RepositoryEvidence& e, std::vector<Finding>* out) {
  bool proof_on_record =
      v.state == ImmutabilityState::kProofFailed || v.state == ImmutabilityState::kProofStale;
  if (proof_on_record) {
    ProofFinding(s, v, *e.proof, out);
  } else {
    ClaimFinding(s, v, out);
  }
}

// ", only reported by web1's evidence, not run by this stormproof" for a pass imported from
// hosts' evidence; "" for one this catalog recorded.
std::string ReportedPass(const ZeroErrorsVerdict& v) {
  if (v.reported_by.empty()) return "";
  return ", only reported by " + v.reported_by + ", not run by this stormproof";
}

void ZeroErrorsFinding(const RepositorySubject& s, const ZeroErrorsVerdict& v,
                       std::vector<Finding>* out) {
  const std::string id = Quoted(s.repository.id);
  const std::string verify =
      "Let `run` read all of it (run.check_read_data: 100%, every run.check_every) or drill a "
      "system from it.";
  switch (v.state) {
    case ZeroErrorsState::kNeverProven:
      s.Add(Severity::kMedium, "zero-errors-never-proven", s.label() + ": zero errors never proven",
            "No check that read all its data and no restore drill of " + id +
                " is recorded: damage in it would be found only when a restore needs it; " +
                s.users() + ".",
            verify, out);
      return;
    case ZeroErrorsState::kStale:
      s.Add(Severity::kMedium, "zero-errors-stale",
            s.label() + ": zero errors last proven " + DaysAgo(*v.age_days) + " (cadence " +
                v.cadence.ToString() + ")",
            "The newest verification of " + id + " was a " + v.by + " on " +
                UtcDateOf(*v.when_ns).ToString() + ReportedPass(v) + "; " + s.users() + ".",
            verify, out);
      return;
    case ZeroErrorsState::kFailed:
      s.Add(Severity::kHigh, "zero-errors-failed", s.label() + ": " + v.text,
            "The newest verification of " + id + " failed: a restore from it may fail; " +
                s.users() + ".",
            "Run `stormproof check --read-data` on it, repair what it reports, and drill again.",
            out);
      return;
    case ZeroErrorsState::kProven:
      return;
  }
}

// The days without an upkeep after which retention-upkeep-lapsing fires on a repository locked
// for `days` (N) days: N - E - 1, E the spare days every write adds (backend::
// RetentionSpareDays), one day of warning before the N - E days upkeep must keep; at least 1.
int64_t UpkeepWarningDays(int days) {
  const int spare = backend::RetentionSpareDays({.days = days});
  return std::max<int64_t>(days - spare - 1, 1);
}

// How often the retention upkeep must run on a repository locked for `days` (N) days: every
// N - E days (E: backend::RetentionSpareDays), "at least every 15 days"; "every day" when that is
// a day or less (N = 1 or 2: N - E is 0 or 1, and `run`'s upkeep is daily).
std::string UpkeepCadenceWords(int days) {
  const int every = days - backend::RetentionSpareDays({.days = days});
  return every <= 1 ? "every day" : "at least every " + std::to_string(every) + " days";
}

// "The newest one on record, of 2026-12-06, is only reported by host-a's evidence, which any
// backup host could forge: it is not counted. " when hosts' evidence reports a newer prune.
std::string ReportedUpkeep(const RepositoryEvidence& e) {
  if (!e.last_reported_prune) return "";
  const catalog::Run& reported = *e.last_reported_prune;
  return "The newest one on record, of " + UtcDateOf(reported.started_ns).ToString() +
         ", is only reported by " + ReporterOf(reported) +
         ", which any backup host could forge: it is not counted. ";
}

// An object-locked repository (plan object_lock, N days) whose newest prune recorded by this
// catalog itself (never one imported from hosts' evidence: any backup host could forge it) is
// UpkeepWarningDays old or older, or that this catalog never pruned: files are locked for
// N + E days when written, and only a prune (the retention upkeep) extends the ones still in
// use.
void UpkeepFinding(const RepositorySubject& s, const RepositoryEvidence& e, Date today,
                   std::vector<Finding>* out) {
  const int days = s.repository.object_lock->days;
  const int spare = backend::RetentionSpareDays({.days = days});
  std::optional<int64_t> age;
  if (e.last_prune) {
    age = today.days_since_epoch() - UtcDateOf(e.last_prune->started_ns).days_since_epoch();
    if (*age < UpkeepWarningDays(days)) return;
  }
  const std::string id = Quoted(s.repository.id);
  std::string when = e.last_prune ? "last done " + UtcDateOf(e.last_prune->started_ns).ToString()
                     : e.last_reported_prune ? "only reported by hosts' evidence"
                                             : "never done";
  std::string recorded =
      e.last_prune ? "the newest one recorded here is " + std::to_string(*age) +
                         (*age == 1 ? " day" : " days") + " old, while it is due " +
                         UpkeepCadenceWords(days)
                   : std::string("none is recorded here");
  s.Add(Severity::kHigh, "retention-upkeep-lapsing",
        s.label() + ": retention upkeep " + when +
            ": Object Lock retention of kept snapshots can lapse",
        "Every file of " + id + " is locked for " + std::to_string(days) + " + " +
            std::to_string(spare) + " days when written; only run's retention upkeep (or a "
            "prune) with its maintenance credentials extends the files the kept snapshots still "
            "use, and " + recorded + ". " + ReportedUpkeep(e) +
            "Once the retention ends, anyone holding delete permission can destroy those "
            "snapshots; " + s.users() + ".",
        "Let `stormproof run` run on the machine that can read the repository's "
        "maintenance_credentials_file: it extends the retention every day, whoever backs up.",
        out);
}

}  // namespace

void AuditRepositoryEvidence(const AuditContext& context, const RepositoryEvidenceMap* evidence,
                             std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  const RepositoryEvidence none;
  for (const plan::RepositorySpec& repository : plan.repositories) {
    const RepositoryEvidence* e = &none;
    if (evidence != nullptr) {
      auto found = evidence->find(repository.id);
      if (found != evidence->end()) e = &found->second;
    }
    RepositorySubject subject = SubjectOf(plan, repository);
    ImmutabilityFinding(subject, JudgeImmutability(plan, repository, *e, context.today()), *e, out);
    if (evidence != nullptr && !subject.systems.empty()) {
      ZeroErrorsFinding(subject, JudgeZeroErrors(plan, *e, context.today()), out);
    }
    if (evidence != nullptr && !subject.systems.empty() && repository.object_lock) {
      UpkeepFinding(subject, *e, context.today(), out);
    }
  }
}

}  // namespace stormproof::analysis::internal
