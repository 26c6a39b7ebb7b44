// Internal to hosts/: reaching a plan repository's files for evidence.
#ifndef STORMPROOF_CONTINUITY_HOSTS_INTERNAL_OPEN_H_
#define STORMPROOF_CONTINUITY_HOSTS_INTERNAL_OPEN_H_

#include <memory>

#include "continuity/access/access.h"
#include "continuity/plan/plan.h"
#include "core/result.h"
#include "engine/backend/backend.h"
#include "engine/repository/repository.h"

namespace stormproof::hosts::internal {

// The files of plan repository `spec`, without its key (a listing needs none). Errors name the
// repository: not reachable from this host (RepositoryHostPath), absent.
Result<std::unique_ptr<backend::Backend>> OpenFiles(const plan::RepositorySpec& spec,
                                                    const access::AccessOptions& access);

// `files` opened as the repository `spec` with its password. Errors name the repository.
Result<std::unique_ptr<repository::Repository>> OpenRepository(
    const plan::RepositorySpec& spec, const access::AccessOptions& access,
    std::unique_ptr<backend::Backend> files);

}  // namespace stormproof::hosts::internal

#endif  // STORMPROOF_CONTINUITY_HOSTS_INTERNAL_OPEN_H_
