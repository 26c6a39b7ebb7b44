// Which of the plan's repositories `stormproof run` writes, only reads, or skips. Where they are
// on this host and their passwords come from access.h (access::RepositoryHostPath,
// access::RepositoryPassword), shared with the adapters. Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_RUNNER_LOCATIONS_H_
#define STORMPROOF_CONTINUITY_RUNNER_LOCATIONS_H_

#include <string>

#include "continuity/plan/plan.h"

namespace stormproof::runner {

// What run does with a repository.
enum class RepositoryUse {
  kWrite,        // a stormproof repository at a local path: backed up to, forgotten, checked
  kRead,         // a restic or borg repository at a local path: listed (RPO) and drilled only
  kUnsupported,  // object storage, tape, a URL (sftp:, s3:, ...): skipped
};

struct RepositorySupport {
  RepositoryUse use = RepositoryUse::kUnsupported;
  std::string reason;  // for kUnsupported: "skipped: ... not supported by this build"
};

// How `run` treats `repository`, decided as access::RepositoryHostPath does: a location with a
// scheme
// ("sftp:...", "s3:https://...") or a tape medium is unsupported; any other location is a path.
RepositorySupport RepositorySupportOf(const plan::RepositorySpec& repository);

}  // namespace stormproof::runner

#endif  // STORMPROOF_CONTINUITY_RUNNER_LOCATIONS_H_
