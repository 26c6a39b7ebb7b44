#include "continuity/runner/immutability.h"

#include <cmath>

#include "core/time.h"

namespace stormproof::runner {

std::optional<backend::Retention> PlanRetention(const plan::RepositorySpec& spec) {
  if (!spec.object_lock) return std::nullopt;
  backend::Retention retention;
  retention.mode = spec.object_lock->mode == plan::ObjectLockMode::kCompliance
                       ? backend::Retention::Mode::kCompliance
                       : backend::Retention::Mode::kGovernance;
  retention.days = spec.object_lock->days;
  return retention;
}

s3::ImmutabilityOptions ProofInputs(const repository::Repository& repo,
                                    const plan::RepositorySpec* spec,
                                    std::optional<Cadence> check_every) {
  s3::ImmutabilityOptions inputs;
  inputs.retention = repo.retention().value();
  if (spec != nullptr) inputs.expected = PlanRetention(*spec);
  if (check_every) {  // whole days, months and years rounded up
    inputs.valid_for_ns = static_cast<int64_t>(std::ceil(check_every->ApproxDays())) * kNsPerDay;
  }
  if (const std::optional<Error>& reason = repo.read_only_reason()) {
    inputs.untrusted_config = reason->message();
  }
  return inputs;
}

void SetVerdict(const s3::ImmutabilityReport& report, catalog::ImmutabilityProof* proof) {
  proof->started_ns = report.started_ns;
  proof->finished_ns = report.finished_ns;
  proof->retention_mode = backend::RetentionModeWord(report.retention.mode);
  proof->retention_days = report.retention.days;
  proof->allowed = report.Allowed();
  proof->objects_checked = static_cast<uint64_t>(report.sample.total());
  proof->earliest_retain_until_ns = report.earliest_retain_until_ns;
  proof->outcome = report.proven() ? catalog::Outcome::kOk : catalog::Outcome::kFailed;
  if (!report.proven() && proof->allowed.empty()) {
    proof->allowed = {"the sample found no repository config to check"};
  }
}

void SetNoObjectLock(int64_t now_ns, catalog::ImmutabilityProof* proof) {
  proof->outcome = catalog::Outcome::kFailed;
  proof->allowed = {kNoObjectLock};
  proof->finished_ns = now_ns;
}

void SetCouldNotRun(const Error& error, int64_t now_ns, catalog::ImmutabilityProof* proof) {
  proof->outcome = catalog::Outcome::kError;
  proof->error = error.message();
  proof->finished_ns = now_ns;
}

}  // namespace stormproof::runner
