// The "1" and the "0" of 3-2-1-1-0 from a repository's evidence (evidence_rules.h).
#include "continuity/analysis/evidence_rules.h"

#include <fmt/format.h>

#include "core/text.h"
#include "core/time.h"

namespace stormproof::analysis {
namespace {

// Drills count for their system's tier drill_every, this many days when unset.
constexpr int kDefaultDrillEveryDays = 90;

// True when something dated `ns` still counts today with `cadence`.
bool Within(int64_t ns, const Cadence& cadence, Date today) {
  return today <= UtcDateOf(ns).Add(cadence);
}

int64_t AgeDays(int64_t ns, Date today) {
  int64_t days = UtcDateOf(ns).DaysUntil(today);
  return days < 0 ? 0 : days;
}

std::string Dated(int64_t ns) { return UtcDateOf(ns).ToString(); }

std::string PersonLabel(const plan::Plan& plan, const std::string& id) {
  const plan::Person* person = plan.FindPerson(id);
  if (person == nullptr || person->name.empty()) return id;
  return person->name + " (" + id + ")";
}

void JudgeProof(const catalog::ImmutabilityProof& proof, Date today, ImmutabilityVerdict* v) {
  v->when_ns = proof.finished_ns;
  v->age_days = AgeDays(proof.finished_ns, today);
  if (proof.outcome != catalog::Outcome::kOk) {
    v->state = ImmutabilityState::kProofFailed;
    v->text = "proof FAILED on " + Dated(proof.finished_ns);
    // What was allowed names the MSP's endpoint, bucket and keys: never shown to a client.
    v->client_text = v->text;
    if (!proof.allowed.empty()) v->text += ": " + Join(proof.allowed, "; ");
    return;
  }
  const std::optional<Date> ends = ProofRetentionEnds(proof);
  if (Within(proof.finished_ns, v->cadence, today) && ends && today >= *ends) {
    v->state = ImmutabilityState::kProofStale;
    v->lapsed_on = ends;
    v->text = fmt::format("proven {}, never since; lapsed on {} (the earliest retention it "
                          "sampled ended)",
                          Dated(proof.finished_ns), ends->ToString());
    return;
  }
  if (Within(proof.finished_ns, v->cadence, today)) {
    v->state = ImmutabilityState::kProven;
    v->counts = true;
    v->text = fmt::format("proven {} ({})", Dated(proof.finished_ns), DaysAgo(*v->age_days));
    return;
  }
  v->state = ImmutabilityState::kProofStale;
  v->text = fmt::format("last proven {} on {} (cadence {})", DaysAgo(*v->age_days),
                        Dated(proof.finished_ns), v->cadence.ToString());
}

void JudgeAttestation(const plan::Plan& plan, const std::optional<catalog::Attestation>& a,
                      Date today, ImmutabilityVerdict* v) {
  if (!a) {
    v->state = ImmutabilityState::kNeverAttested;
    v->text = "offline, cannot be proven by stormproof; never attested (stormproof attest)";
    return;
  }
  v->when_ns = a->attested_ns;
  v->age_days = AgeDays(a->attested_ns, today);
  const std::string on = " on " + Dated(a->attested_ns);
  const std::string who = "attested by " + PersonLabel(plan, a->person) + on;
  const std::string msp = "attested by " + (plan.msp.name.empty() ? "the MSP" : plan.msp.name) + on;
  if (Within(a->attested_ns, v->cadence, today)) {
    v->state = ImmutabilityState::kAttested;
    v->counts = true;
    v->text = fmt::format("{} ({}): {}", who, DaysAgo(*v->age_days), a->note);
    v->client_text = fmt::format("{} ({})", msp, DaysAgo(*v->age_days));
    return;
  }
  v->state = ImmutabilityState::kAttestationStale;
  const std::string age =
      fmt::format(", {}, expired (cadence {})", DaysAgo(*v->age_days), v->cadence.ToString());
  v->text = who + age;
  v->client_text = msp + age;
}

// The newest of a check that read data and a drill, with the cadence it counts for.
struct Pass {
  const catalog::Run* run = nullptr;
  const char* by = "";
  Cadence cadence;
};

Cadence DrillCadence(const plan::Plan& plan, const catalog::Run& drill) {
  Cadence every{kDefaultDrillEveryDays, Cadence::Unit::kDay};
  const plan::System* system = plan.FindSystem(drill.system);
  const plan::Tier* tier = system && system->tier ? plan.FindTier(system->tier->id) : nullptr;
  if (tier != nullptr && tier->drill_every) every = *tier->drill_every;
  return every;
}

// The pass that counts longest: a current one if any (check or drill), else the newest.
Pass BestPass(const plan::Plan& plan, const RepositoryEvidence& e, Date today) {
  Pass check{e.last_read_check ? &*e.last_read_check : nullptr, "check", plan.run.check_every};
  Pass drill{e.last_good_drill ? &*e.last_good_drill : nullptr, "drill",
             e.last_good_drill ? DrillCadence(plan, *e.last_good_drill) : Cadence{}};
  auto current = [&](const Pass& p) {
    return p.run != nullptr && Within(p.run->started_ns, p.cadence, today);
  };
  if (current(check) && (!current(drill) || check.run->started_ns >= drill.run->started_ns)) {
    return check;
  }
  if (current(drill)) return drill;
  if (check.run == nullptr) return drill;
  if (drill.run == nullptr) return check;
  return check.run->started_ns >= drill.run->started_ns ? check : drill;
}

// "by a check that read all data", "by a drill"; for an imported run followed by
// ", reported by " and ReporterOf.
std::string PassWords(const Pass& pass, bool client = false) {
  std::string words =
      std::string(pass.by) == "check" ? "by a check that read all data" : "by a drill";
  if (pass.run->imported_from.empty()) return words;
  return words + ", reported by " + ReporterOf(*pass.run, client);
}

}  // namespace

const char* ImmutabilityStateName(ImmutabilityState state) {
  switch (state) {
    case ImmutabilityState::kNotClaimed:
      return "not claimed";
    case ImmutabilityState::kProven:
      return "proven";
    case ImmutabilityState::kProofStale:
      return "proof stale";
    case ImmutabilityState::kProofFailed:
      return "proof failed";
    case ImmutabilityState::kNeverProven:
      return "never proven";
    case ImmutabilityState::kAttested:
      return "attested";
    case ImmutabilityState::kAttestationStale:
      return "attestation stale";
    case ImmutabilityState::kNeverAttested:
      return "never attested";
    case ImmutabilityState::kCannotProve:
      return "cannot be proven";
  }
  return "not claimed";
}

const char* ZeroErrorsStateName(ZeroErrorsState state) {
  switch (state) {
    case ZeroErrorsState::kProven:
      return "proven";
    case ZeroErrorsState::kStale:
      return "stale";
    case ZeroErrorsState::kFailed:
      return "failed";
    case ZeroErrorsState::kNeverProven:
      break;
  }
  return "never proven";
}

std::string DaysAgo(int64_t days) {
  if (days <= 0) return "today";
  return days == 1 ? "1 day ago" : std::to_string(days) + " days ago";
}

std::string ReporterOf(const catalog::Run& run, bool client) {
  if (run.imported_from.empty()) return "";
  std::string host = client || run.host.empty() ? "a host" : EscapeName(run.host);
  return host + "'s evidence";
}

bool CanProveImmutability(const plan::RepositorySpec& repository) {
  return repository.kind == plan::RepositoryKind::kStormproof &&
         repository.location.rfind("s3:", 0) == 0;
}

std::string WhyImmutabilityCannotBeProven(const plan::RepositorySpec& repository) {
  if (CanProveImmutability(repository)) return "";
  if (repository.kind == plan::RepositoryKind::kRestic) return "restic repository";
  if (repository.kind == plan::RepositoryKind::kBorg) return "borg repository";
  if (repository.location.find(':') == std::string::npos ||
      repository.location.rfind("local:", 0) == 0) {
    return "local directory";
  }
  return "not on S3 object storage";
}

std::optional<Date> ProofRetentionEnds(const catalog::ImmutabilityProof& proof) {
  if (proof.earliest_retain_until_ns == 0) return std::nullopt;
  return UtcDateOf(proof.earliest_retain_until_ns);
}

std::string WhyProofDoesNotCount(const catalog::ImmutabilityProof& proof, const ProofOwner& owner) {
  if (proof.access_key_id.empty()) {
    return "the access key it ran with was not recorded (a proof from before stormproof recorded "
           "it); prove again";
  }
  if (owner.location.empty()) return "the repository is no longer on S3 object storage";
  if (!owner.maintenance_key_id.empty() && proof.access_key_id == owner.maintenance_key_id) {
    return "made with the maintenance credentials (" + proof.access_key_id +
           "), which may delete — prove with the backup hosts' credentials";
  }
  if (proof.location != owner.location) {
    return "made at " + proof.location + ", not at the repository's location now (" +
           owner.location + ")";
  }
  if (!owner.unknown.empty()) {
    return "made with access key " + proof.access_key_id +
           ", but which key the backup hosts hold cannot be told here (" + owner.unknown + ")";
  }
  if (proof.access_key_id != owner.access_key_id) {
    return "made with other credentials (" + proof.access_key_id + ") — not the backup hosts' (" +
           owner.access_key_id + (owner.source.empty() ? "" : ", " + owner.source) + ")";
  }
  return "";
}

namespace {

// "proof of 2026-12-05 not counted: made with other credentials (...)".
std::string NotCountedWords(const RepositoryEvidence& evidence) {
  const catalog::ImmutabilityProof& proof = *evidence.uncounted_proof;
  return "proof of " + Dated(proof.finished_ns) +
         " not counted: " + WhyProofDoesNotCount(proof, evidence.owner);
}

// A repository without a proof that counts: claimed or not, with the newest proof that does not
// count named (for the MSP; a client reads only the claim).
void JudgeWithoutProof(const plan::RepositorySpec& repository, const RepositoryEvidence& evidence,
                       ImmutabilityVerdict* v) {
  const bool uncounted = evidence.uncounted_proof.has_value();
  if (!repository.immutable) {
    v->client_text = "not claimed";
    v->text = uncounted ? "not claimed; " + NotCountedWords(evidence) : v->client_text;
  } else if (CanProveImmutability(repository)) {
    v->state = ImmutabilityState::kNeverProven;
    v->client_text = "claimed, never proven";
    v->text = uncounted ? "claimed, never proven with the backup hosts' credentials: " +
                              NotCountedWords(evidence)
                        : v->client_text;
  } else {
    v->state = ImmutabilityState::kCannotProve;
    v->text = "cannot be proven (" + WhyImmutabilityCannotBeProven(repository) + ")";
  }
}

}  // namespace

ImmutabilityVerdict JudgeImmutability(const plan::Plan& plan,
                                      const plan::RepositorySpec& repository,
                                      const RepositoryEvidence& evidence, Date today) {
  ImmutabilityVerdict verdict;
  verdict.cadence = plan.run.check_every;
  if (evidence.proof) {
    JudgeProof(*evidence.proof, today, &verdict);
    if (evidence.uncounted_proof) {
      if (verdict.client_text.empty()) verdict.client_text = verdict.text;
      verdict.text += "; newer " + NotCountedWords(evidence);
    }
  } else if (repository.offline) {
    JudgeAttestation(plan, evidence.attestation, today, &verdict);
  } else {
    JudgeWithoutProof(repository, evidence, &verdict);
  }
  if (verdict.client_text.empty()) verdict.client_text = verdict.text;
  return verdict;
}

namespace {

ZeroErrorsVerdict JudgeFromPasses(const plan::Plan& plan, const RepositoryEvidence& evidence,
                                  Date today) {
  ZeroErrorsVerdict verdict;
  verdict.cadence = plan.run.check_every;
  Pass pass = BestPass(plan, evidence, today);
  const catalog::Run* failure = evidence.last_failure ? &*evidence.last_failure : nullptr;
  if (failure != nullptr && (pass.run == nullptr || failure->started_ns > pass.run->started_ns)) {
    verdict.state = ZeroErrorsState::kFailed;
    verdict.when_ns = failure->started_ns;
    verdict.age_days = AgeDays(failure->started_ns, today);
    verdict.by = catalog::RunKindName(failure->kind);
    verdict.reported_by = ReporterOf(*failure);
    verdict.text = verdict.by + " FAILED on " + Dated(failure->started_ns);
    // The error may name files of another client sharing the repository: never shown to one.
    verdict.client_text = verdict.text;
    if (!verdict.reported_by.empty()) {
      verdict.text += ", reported by " + verdict.reported_by;
      verdict.client_text += ", reported by " + ReporterOf(*failure, /*client=*/true);
    }
    if (!failure->error.empty()) verdict.text += ": " + failure->error;
    return verdict;
  }
  if (pass.run == nullptr) {
    verdict.text = "never proven (no check that read all data, no drill)";
    return verdict;
  }
  verdict.when_ns = pass.run->started_ns;
  verdict.age_days = AgeDays(pass.run->started_ns, today);
  verdict.by = pass.by;
  verdict.reported_by = ReporterOf(*pass.run);
  verdict.cadence = pass.cadence;
  if (Within(pass.run->started_ns, pass.cadence, today)) {
    verdict.state = ZeroErrorsState::kProven;
    verdict.counts = true;
    for (bool client : {false, true}) {
      (client ? verdict.client_text : verdict.text) =
          fmt::format("proven {} {} ({})", Dated(pass.run->started_ns), PassWords(pass, client),
                      DaysAgo(*verdict.age_days));
    }
    return verdict;
  }
  verdict.state = ZeroErrorsState::kStale;
  for (bool client : {false, true}) {
    (client ? verdict.client_text : verdict.text) = fmt::format(
        "last proven {} on {} {} (cadence {})", DaysAgo(*verdict.age_days),
        Dated(pass.run->started_ns), PassWords(pass, client), pass.cadence.ToString());
  }
  return verdict;
}

// "5% of the data read on 2026-12-05 (...)": a check that read part of the data proves nothing
// about the rest, so it never counts; it is named when it is newer than what the verdict is from.
std::string PartialCheckWords(const RepositoryEvidence& evidence) {
  const catalog::Run& check = *evidence.last_partial_check;
  std::string share = evidence.partial_check_percent > 0
                          ? fmt::format("{:g}% of the data", evidence.partial_check_percent)
                          : std::string("part of the data");
  return share + " read on " + Dated(check.started_ns) +
         " (a full check --read-data or a drill proves zero errors)";
}

}  // namespace

ZeroErrorsVerdict JudgeZeroErrors(const plan::Plan& plan, const RepositoryEvidence& evidence,
                                  Date today) {
  ZeroErrorsVerdict verdict = JudgeFromPasses(plan, evidence, today);
  if (evidence.last_partial_check && !verdict.counts &&
      verdict.state != ZeroErrorsState::kFailed &&
      (!verdict.when_ns || evidence.last_partial_check->started_ns > *verdict.when_ns)) {
    const std::string partial = PartialCheckWords(evidence);
    verdict.text = verdict.state == ZeroErrorsState::kNeverProven
                       ? partial
                       : verdict.text + "; since then " + partial;
    verdict.client_text = verdict.state == ZeroErrorsState::kNeverProven
                              ? partial
                              : verdict.client_text + "; since then " + partial;
  }
  if (verdict.client_text.empty()) verdict.client_text = verdict.text;
  return verdict;
}

}  // namespace stormproof::analysis
