// The immutability proof `run` makes on the check cadence (decide.h): s3::ProveImmutability with
// the repository's backup credentials (credentials_file, never maintenance_credentials_file),
// recorded as a catalog::ImmutabilityProof (not as a catalog::Run).
#include <fmt/format.h>

#include "continuity/runner/immutability.h"
#include "continuity/runner/internal/jobs.h"
#include "core/text.h"
#include "engine/storage/storage.h"

namespace stormproof::runner::internal {
namespace {

// Where and with what the proof runs: the plan repository's s3: location (*location, as
// s3::Location::ToString() prints it, the spelling readiness compares) and the S3 options of its
// credentials_file (*source: where they came from).
Result<s3::Options> ProofTarget(const JobContext& context, const plan::RepositorySpec& spec,
                                std::string* location, std::string* source) {
  STORMPROOF_ASSIGN_OR_RETURN(*location, access::RepositoryLocation(spec, context.options.access));
  STORMPROOF_ASSIGN_OR_RETURN(storage::Location parsed, storage::ParseLocation(*location));
  if (parsed.kind != storage::LocationKind::kS3) {
    return Error::InvalidArgument("repository " + spec.id + " (" + *location +
                                  "): cannot be proven: a local directory has no Object Lock");
  }
  *location = parsed.s3.ToString();
  return storage::S3OptionsFor(parsed.s3, access::RepositoryStorage(spec, context.options.access),
                               source);
}

// "profile 'default' of /etc/stormproof/acme.aws (access key AKIA...)": whose proof it is.
std::string WithWhat(const catalog::ImmutabilityProof& proof) {
  std::string with = proof.credentials.empty() ? std::string("?") : proof.credentials;
  if (!proof.access_key_id.empty()) with += " (access key " + proof.access_key_id + ")";
  return with;
}

// The run as `run` shows it, from the recorded proof.
void Summarize(const catalog::ImmutabilityProof& proof, ActionResult* result) {
  catalog::Run& run = result->run;
  run.started_ns = proof.started_ns != 0 ? proof.started_ns : run.started_ns;
  run.finished_ns = proof.finished_ns;
  run.outcome = proof.outcome;
  run.files = proof.objects_checked;
  if (proof.outcome == catalog::Outcome::kFailed) {
    run.error = "NOT immutable: " + Join(proof.allowed, "; ");
  } else if (proof.outcome == catalog::Outcome::kError) {
    run.error = "cannot prove immutability: " + proof.error;
  }
  result->summary =
      proof.outcome == catalog::Outcome::kOk
          ? fmt::format("immutability proven ({} {} days; {} objects' retention read; with {})",
                        proof.retention_mode, proof.retention_days, proof.objects_checked,
                        WithWhat(proof))
          : "with " + WithWhat(proof);
}

}  // namespace

ActionResult ImmutabilityJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  const plan::RepositorySpec* spec = context.plan.FindRepository(action.repository);
  if (spec == nullptr) {
    return FailRun(context, Error::NotFound("no repository '" + action.repository + "'"),
                   std::move(result));
  }
  catalog::ImmutabilityProof proof;
  proof.repository = spec->id;
  proof.host = context.options.hostname;
  proof.record_id = result.run.record_id;
  proof.started_ns = result.run.started_ns;
  auto options = ProofTarget(context, *spec, &proof.location, &proof.credentials);
  if (options) proof.access_key_id = options->credentials.access_key_id;
  // The repository's config says which retention it promises (read with the same credentials).
  auto entry = options ? context.repositories.Get(spec->id, Credentials::kUpload)
                       : Result<OpenRepositories::Entry*>(options.error());
  if (!entry) {
    SetCouldNotRun(entry.error(), context.clock.now_ns(), &proof);
  } else if (std::optional<backend::Retention> retention = (*entry)->repo->retention();
             !retention) {
    SetNoObjectLock(context.clock.now_ns(), &proof);
  } else {
    auto report = s3::ProveImmutability(
        std::move(options).value(),
        ProofInputs(*(*entry)->repo, spec, context.plan.run.check_every));
    if (report) {
      SetVerdict(*report, &proof);
    } else {
      SetCouldNotRun(report.error(), context.clock.now_ns(), &proof);
    }
  }
  Summarize(proof, &result);
  auto recorded = context.catalog.AddImmutabilityProof(proof);
  if (!recorded) result.record_error = recorded.error().message();
  return result;
}

}  // namespace stormproof::runner::internal
