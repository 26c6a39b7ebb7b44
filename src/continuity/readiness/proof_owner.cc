// Whose immutability proof counts for a plan repository (readiness.h, ProofOwnerOf): the access
// key id the backup hosts hold for it, read from the [default] profile of the plan's
// credentials_file whatever the viewer's AWS_PROFILE; and the proofs that count
// (ImmutabilityProofsOf).
#include <optional>
#include <string>
#include <utility>

#include "continuity/readiness/readiness.h"
#include "engine/s3/s3.h"

namespace stormproof::readiness {
namespace {

// The profile of a plan's credentials file whose key a proof must be made with. The plan names
// no profile, and the AWS_PROFILE of whoever runs `status` (or `check --immutability`) must not
// change the judgement: always [default], as `run` reads it where AWS_PROFILE is not set.
constexpr const char* kPlanProfile = "default";

}  // namespace

analysis::ProofOwner ProofOwnerOf(const plan::RepositorySpec& repository) {
  analysis::ProofOwner owner;
  if (!s3::IsS3Location(repository.location)) return owner;
  Result<s3::Location> location = s3::ParseLocation(repository.location);
  if (!location) return owner;
  owner.location = location->ToString();
  if (!repository.maintenance_credentials_file.empty()) {
    Result<s3::ResolvedCredentials> maintenance = s3::ResolveCredentials(
        {repository.maintenance_credentials_file, kPlanProfile, repository.region});
    if (maintenance) owner.maintenance_key_id = maintenance->credentials.access_key_id;
  }
  // The plan's credentials_file at its [default] profile, else (no file: the plan audit's
  // immutable-without-credentials-file) the environment, as `run` resolves it.
  const std::string profile = repository.credentials_file.empty() ? "" : kPlanProfile;
  Result<s3::ResolvedCredentials> resolved =
      s3::ResolveCredentials({repository.credentials_file, profile, repository.region});
  if (!resolved) {
    owner.unknown = resolved.error().message();
    return owner;
  }
  owner.access_key_id = resolved->credentials.access_key_id;
  owner.source = resolved->source;
  return owner;
}

Status ImmutabilityProofsOf(const catalog::Catalog& catalog, const plan::RepositorySpec& spec,
                            int64_t now_ns, analysis::RepositoryEvidence* e) {
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::ImmutabilityProof> newest,
                              catalog.LatestImmutabilityProof(spec.id, now_ns));
  if (!newest) return Ok();
  e->owner = ProofOwnerOf(spec);
  if (analysis::WhyProofDoesNotCount(*newest, e->owner).empty()) {
    e->proof = std::move(newest);
    return Ok();
  }
  e->uncounted_proof = std::move(newest);
  if (e->owner.access_key_id.empty() || e->owner.location.empty()) return Ok();
  STORMPROOF_ASSIGN_OR_RETURN(e->proof,
                              catalog.LatestMatchingImmutabilityProof(
                                  {spec.id, now_ns, e->owner.access_key_id, e->owner.location}));
  return Ok();
}

}  // namespace stormproof::readiness
