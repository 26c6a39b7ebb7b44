#include "continuity/runner/locations.h"

#include "continuity/access/access.h"

namespace stormproof::runner {

RepositorySupport RepositorySupportOf(const plan::RepositorySpec& repository) {
  if (repository.medium == plan::Medium::kTape) {
    return {RepositoryUse::kUnsupported, "skipped: tape is not supported by this build"};
  }
  if (!access::RepositoryHostPath(repository, {})) {
    return {RepositoryUse::kUnsupported,
            "skipped: " + repository.location + " is not supported by this build"};
  }
  if (repository.kind == plan::RepositoryKind::kStormproof) return {RepositoryUse::kWrite, ""};
  return {RepositoryUse::kRead, ""};
}

}  // namespace stormproof::runner
