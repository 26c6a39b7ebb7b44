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
// The warning (stderr) when Object Lock upkeep found `versions` versions of files in use with no
// retention at all (Backend::RetentionUpkeep::unretained; `first`: the first's key).
std::string UnretainedWarning(uint64_t versions, const std::string& first);
// Prints "object lock: retention of C file(s) in use read, E extended" (`dry_run`: "would be
// extended"), then "; K known retained from the record of earlier upkeep" when `known`, and a
// line "object lock: NOTE" when `record_note` says why that record was not used: what the
// Object Lock upkeep did, for prune and forget alike. Nothing when it read and knew nothing.
void PrintRetentionUpkeep(uint64_t checked, uint64_t extended, uint64_t known,
                          const std::string& record_note, bool dry_run);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_PRUNE_OUTPUT_H_
