#include "engine/restorer/internal/policy.h"

#include <sys/stat.h>
#include <unistd.h>

namespace stormproof::restorer {

using repository::NodeType;

RestorePolicy PolicyFor(const RestoreOptions& options) {
  RestorePolicy policy;
  policy.as_root = options.as_root.value_or(::geteuid() == 0);
  policy.untrusted = options.untrusted;
  return policy;
}

uint32_t RestoredPermissions(NodeType type, uint32_t mode, const RestorePolicy& policy) {
  uint32_t permissions = mode & 07777;
  if (policy.as_root && !policy.untrusted) return permissions;
  uint32_t cleared = type == NodeType::kDir ? S_ISUID : S_ISUID | S_ISGID;
  return permissions & ~cleared;
}

bool MakesEntry(NodeType type, const RestorePolicy& policy) {
  switch (type) {
    case NodeType::kFifo:
    case NodeType::kSocket:
    case NodeType::kCharDevice:
    case NodeType::kBlockDevice:
      return !policy.untrusted;
    default:
      return true;
  }
}

bool SetsXattr(std::string_view name, const RestorePolicy& policy) {
  if (!policy.untrusted) return true;
  return !name.starts_with("security.") && !name.starts_with("trusted.");
}

}  // namespace stormproof::restorer
