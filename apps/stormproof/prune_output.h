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
// On failure prints the error and returns its outcome (11 locked, 13 corrupt, 130/143, ...).
Reported<nlohmann::json> PruneAndReport(const Context& context, repository::Repository& repo,
                                        pruner::PruneOptions options);

// The warning (stderr) when Object Lock upkeep found `files` files in use written over with other
// content after they were written (Backend::RetentionUpkeep::overwritten): what to do.
std::string OverwrittenWarning(uint64_t files);
// Prints "object lock: retention of C file(s) in use read, E extended" (`dry_run`: "would be
// extended"): what the Object Lock upkeep did, for prune and forget alike.
void PrintRetentionUpkeep(uint64_t checked, uint64_t extended, bool dry_run);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_PRUNE_OUTPUT_H_
