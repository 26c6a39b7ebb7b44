// stormproof repair --as-of TIME: the way back after an attack on a repository in a versioned
// bucket (engine/s3/as_of.h; docs/object-storage.md, "After an attack: step by step"). Puts
// every file of the repository back as it was at TIME from the versions the bucket kept, then
// opens the repository and checks it.
#ifndef STORMPROOF_APPS_STORMPROOF_REPAIR_AS_OF_H_
#define STORMPROOF_APPS_STORMPROOF_REPAIR_AS_OF_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "apps/stormproof/context.h"
#include "core/result.h"

namespace stormproof::cli {

struct RepairAsOfFlags {
  std::string as_of;     // --as-of TIME on `repair`
  bool dry_run = false;  // --dry-run: only say what would change
  bool force = false;    // --force: roll back although a lock file looks live
};

// Adds --as-of, --dry-run and --force to `repair` (filling `flags`); returns them, so that the
// other repair subcommands can refuse them.
std::vector<CLI::Option*> AddRepairAsOfOptions(CLI::App* repair, RepairAsOfFlags* flags);

// The moment TIME names, in ns since the epoch: "2026-12-06T14:00:00Z", "2026-12-06 14:00[:SS]"
// (UTC, also with " UTC"), or RFC 3339 with an offset ("2026-12-06T15:00:00+01:00"); seconds
// may have a fraction. Errors: kInvalidArgument "--as-of: '...' is not a time: ...".
Result<int64_t> ParseRollBackTime(std::string_view text);

// Runs the roll-back for `repair --as-of`. Exit codes: 0 rolled back (or --dry-run) and the
// check passed; 2 a bad --as-of, a local repository; 3 the check after the roll-back found
// problems; 11 a live lock without --force; 1, 14 as other engine errors.
Outcome RunRepairAsOf(Context* context, const RepairAsOfFlags& flags);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_REPAIR_AS_OF_H_
