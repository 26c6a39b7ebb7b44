// stormproof check --immutability: the proof that the repository at --repo cannot be destroyed
// with the credentials this command runs with (the backup host's): engine/s3/immutability.h
// does the proving; this prints the report, records it in the plan's catalog when a plan is
// found, and maps it to an exit code (docs/cli.md, check).
#ifndef STORMPROOF_APPS_STORMPROOF_CHECK_IMMUTABILITY_H_
#define STORMPROOF_APPS_STORMPROOF_CHECK_IMMUTABILITY_H_

#include "apps/stormproof/context.h"

namespace stormproof::cli {

// Exit 0 when proven; 3 when not (something allowed, a retention too short, no Object Lock
// recorded); when the proof could not run, one line and its exit code: 1 for a local directory
// or an unreachable server, 14 for a permission the proof needs, and those of opening the
// repository (2, 10, 12, 13).
Outcome RunImmutabilityCheck(Context* context);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_CHECK_IMMUTABILITY_H_
