// The adapter for stormproof's own repositories: lists the system's snapshots, restores with the
// restorer (without --verify, so restore and data check are timed apart) and checks the restored
// tree blob by blob against the snapshot (restorer::VerifyRestoredTree).
#ifndef STORMPROOF_CONTINUITY_ACCESS_INTERNAL_ENGINE_ADAPTER_H_
#define STORMPROOF_CONTINUITY_ACCESS_INTERNAL_ENGINE_ADAPTER_H_

#include <memory>
#include <string>
#include <vector>

#include "continuity/access/adapter.h"
#include "engine/storage/storage.h"

namespace stormproof::access {

struct EngineRepository {
  std::string location;  // a directory on this host, or s3:... (storage::OpenBackendAt)
  std::string password;  // already resolved
  std::string system_id;
  // The system's backup paths as they are on this host (plan::HostPath), for snapshots made
  // without a system tag.
  std::vector<std::string> host_paths;
  storage::StorageOptions storage = {};  // how storage reaches `location`
};

// Snapshots belong to the system when tagged system=<id>, else when they hold one of its
// host paths. A snapshot tagged root=<dir> (backed up from a staged copy of the world) is
// restored from <dir> down, so the target holds the plan's paths.
std::unique_ptr<Adapter> NewEngineAdapter(EngineRepository repository);

}  // namespace stormproof::access

#endif  // STORMPROOF_CONTINUITY_ACCESS_INTERNAL_ENGINE_ADAPTER_H_
