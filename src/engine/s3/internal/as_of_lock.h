// The lock file `repair --as-of` holds while it applies (as_of.h, RollBack::HoldLock): written,
// then refreshed from a background thread. Internal to the s3 library.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_AS_OF_LOCK_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_AS_OF_LOCK_H_

#include <memory>
#include <string>

#include "core/result.h"
#include "engine/s3/as_of.h"
#include "engine/s3/internal/client.h"

namespace stormproof::s3::internal {

// Writes locks/<64 random hex digits> under `root` (the repository's prefix and '/', or "")
// holding one plain-text line, which every stormproof reads as an unreadable lock (it waits or
// refuses until the file is removed or 30 minutes old), and returns it held and refreshed as
// `timing` says. REQUIRES: `client` outlives the lock. Errors: the PUT's.
Result<std::unique_ptr<RollBackLock>> WriteRollBackLock(Client& client, const std::string& root,
                                                        RollBackLockTiming timing);

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_AS_OF_LOCK_H_
