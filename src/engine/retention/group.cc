// Grouping snapshots by host and paths before a policy is applied.
#include <algorithm>
#include <map>

#include "engine/retention/retention.h"

namespace stormproof::retention {
GroupKey GroupKeyOf(const repository::Snapshot& snapshot) {
  GroupKey key{snapshot.hostname, snapshot.paths};
  std::sort(key.paths.begin(), key.paths.end());
  key.paths.erase(std::unique(key.paths.begin(), key.paths.end()), key.paths.end());
  return key;
}

std::string GroupKey::ToString() const {
  std::string list;
  for (const std::string& path : paths) list += (list.empty() ? "" : ", ") + path;
  return "host " + hostname + ", paths [" + list + "]";
}

Result<std::vector<GroupDecision>> ApplyPolicyPerGroup(std::vector<repository::Snapshot> snapshots,
                                                       const Policy& policy, int64_t now_ns,
                                                       const Held& held) {
  if (policy.Empty()) return Error::InvalidArgument(kEmptyPolicyMessage);
  std::map<GroupKey, std::vector<repository::Snapshot>> groups;
  for (repository::Snapshot& snapshot : snapshots) {
    groups[GroupKeyOf(snapshot)].push_back(std::move(snapshot));
  }
  std::vector<GroupDecision> out;
  for (auto& [key, members] : groups) {
    STORMPROOF_ASSIGN_OR_RETURN(Decision decision, ApplyPolicy(std::move(members), policy, now_ns, held));
    out.push_back({key, std::move(decision)});
  }
  return out;
}

}  // namespace stormproof::retention
