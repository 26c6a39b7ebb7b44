// Which of the plan's repositories `stormproof run` writes, only reads, or skips. Where they are
// and their passwords come from access.h (access::RepositoryLocation,
// access::RepositoryPassword), shared with the adapters. Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_RUNNER_LOCATIONS_H_
#define STORMPROOF_CONTINUITY_RUNNER_LOCATIONS_H_

#include <string>

#include "continuity/plan/plan.h"

namespace stormproof::runner {

// What run does with a repository.
enum class RepositoryUse {
  kWrite,        // a stormproof repository (local or s3:): backed up to, forgotten, checked
  kRead,         // a restic or borg repository: listed (RPO) and drilled only
  kUnsupported,  // tape, another scheme (sftp:, b2:, ...), borg on s3:: skipped
};

struct RepositorySupport {
  RepositoryUse use = RepositoryUse::kUnsupported;
  // For kUnsupported: "skipped: tape is not supported by this build", or "skipped: " and
  // access::RepositoryLocation's reason ("repository 'x': repository location 'sftp:..': this
  // build cannot use sftp: locations (...)").
  std::string reason;
};

// How `run` treats `repository`, decided as access::RepositoryLocation does: a local path or an
// s3: location is used; another scheme ("sftp:...", "b2:...") or a tape medium is unsupported.
RepositorySupport RepositorySupportOf(const plan::RepositorySpec& repository);

// Whether `system` backs up into plan repository `repository` itself (its backup.repositories
// name it), rather than reaching it only as a copy (copy_from) of one it backs up into.
bool BacksUpInto(const plan::System& system, const std::string& repository);

}  // namespace stormproof::runner

#endif  // STORMPROOF_CONTINUITY_RUNNER_LOCATIONS_H_
