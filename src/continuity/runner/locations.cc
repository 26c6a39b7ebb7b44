#include "continuity/runner/locations.h"

#include "continuity/drill/drill.h"

namespace stormproof::runner {

RepositorySupport Classify(const plan::Repository& repository) {
  if (repository.medium == plan::Medium::kTape) {
    return {RepositoryUse::kUnsupported, "skipped: tape is not supported by this build"};
  }
  if (!drill::RepositoryHostPath(repository, {})) {
    return {RepositoryUse::kUnsupported,
            "skipped: " + repository.location + " is not supported by this build"};
  }
  if (repository.kind == plan::RepositoryKind::kStormproof) return {RepositoryUse::kWrite, ""};
  return {RepositoryUse::kRead, ""};
}

}  // namespace stormproof::runner
