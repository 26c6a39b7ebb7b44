// Running prune for the prune command and forget --prune: progress while it works, then the
// report (text lines, or a JSON object for the caller's summary).
#ifndef STORMPROOF_APPS_STORMPROOF_PRUNE_OUTPUT_H_
#define STORMPROOF_APPS_STORMPROOF_PRUNE_OUTPUT_H_

#include <nlohmann/json.hpp>
#include <optional>

#include "apps/stormproof/context.h"
#include "engine/pruner/pruner.h"
#include "engine/repository/repository.h"

namespace stormproof::cli {

// Runs prune (waiting for locks as --retry-lock says). Without --json prints what was (or would
// be) freed; returns the report as JSON.
// On failure prints the error, sets context->exit_code and returns nullopt.
std::optional<nlohmann::json> PruneAndReport(Context* context, repository::Repository& repo,
                                             pruner::PruneOptions options);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_PRUNE_OUTPUT_H_
