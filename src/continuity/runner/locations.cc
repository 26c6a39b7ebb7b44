#include "continuity/runner/locations.h"

#include <algorithm>

#include "continuity/access/access.h"

namespace stormproof::runner {

RepositorySupport RepositorySupportOf(const plan::RepositorySpec& repository) {
  if (repository.medium == plan::Medium::kTape) {
    return {RepositoryUse::kUnsupported, "skipped: tape is not supported by this build"};
  }
  // A missing location is a plan error, which stops every action on the repository by itself
  // (plan_errors.h): not a location this build cannot use.
  Result<std::string> location = access::RepositoryLocation(repository, {});
  if (!location && !repository.location.empty()) {
    return {RepositoryUse::kUnsupported, "skipped: " + location.error().message()};
  }
  if (repository.kind == plan::RepositoryKind::kStormproof) return {RepositoryUse::kWrite, ""};
  return {RepositoryUse::kRead, ""};
}

bool BacksUpInto(const plan::System& system, const std::string& repository) {
  const std::vector<plan::Ref>& refs = system.backup.repositories;
  return std::any_of(refs.begin(), refs.end(),
                     [&](const plan::Ref& ref) { return ref.id == repository; });
}

}  // namespace stormproof::runner
