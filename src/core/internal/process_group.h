// Ending a child's whole process group (used by RunProcess): the child and any background
// processes it started, which RunProcess cannot reap itself. Thread-safe.
#ifndef STORMPROOF_CORE_INTERNAL_PROCESS_GROUP_H_
#define STORMPROOF_CORE_INTERNAL_PROCESS_GROUP_H_

#include <sys/types.h>

#include <chrono>
#include <optional>

namespace stormproof {

// True while a process of group `pgid` runs. Zombies do not count: they hold no resources, and
// in a container whose init does not reap them they would otherwise count forever.
bool ProcessGroupIsAlive(pid_t pgid);

// Ends what is left of group `pgid`: SIGTERM (unless `kill_at` says it was already sent), then
// SIGKILL when the group is still alive at `kill_at` (now + `grace` when not given). Blocks at
// most until then.
void EndProcessGroup(pid_t pgid, std::optional<std::chrono::steady_clock::time_point> kill_at,
                     std::chrono::milliseconds grace);

}  // namespace stormproof

#endif  // STORMPROOF_CORE_INTERNAL_PROCESS_GROUP_H_
