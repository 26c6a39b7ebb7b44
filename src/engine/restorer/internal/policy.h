// What a restore may recreate of what a snapshot asks for. A repository's contents are not
// always the operator's own (a client's repository restored on a technician's machine, a drill
// of a system the MSP does not control), and a snapshot can ask for things that grant powers:
//
//   - setuid/setgid bits on a file: whoever runs it gets the file owner's (or group's) rights.
//     Kept only when running as root (so the owner is restored too) for a trusted repository.
//     A non-root user restoring would otherwise plant programs that run as that user for anyone
//     who can reach the target. A directory keeps its setgid bit: it only passes the directory's
//     group on to new entries and grants nothing.
//   - device nodes, fifos and sockets: a device node gives raw access to a disk or memory to
//     whoever may open it. Not made for an untrusted repository (counted, not an error).
//   - extended attributes in the security.* namespace (security.capability: file capabilities;
//     SELinux and SMACK labels) and trusted.*: not set for an untrusted repository (counted).
//
// Pure functions of a resolved RestorePolicy; thread-safe.
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_POLICY_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_POLICY_H_

#include <cstdint>
#include <string_view>

#include "engine/repository/tree.h"
#include "engine/restorer/restorer.h"

namespace stormproof::restorer {

struct RestorePolicy {
  bool as_root = false;    // owners are restored; setuid/setgid kept unless untrusted
  bool untrusted = false;  // RestoreOptions::untrusted
};

// The policy for `options`; an unset as_root is decided by geteuid() == 0.
RestorePolicy PolicyFor(const RestoreOptions& options);

// The permission bits to set on an entry of `type` whose snapshot mode is `mode`: mode & 07777,
// less setuid and setgid unless running as root for a trusted repository (a directory keeps
// setgid; see above).
uint32_t RestoredPermissions(repository::NodeType type, uint32_t mode, const RestorePolicy& policy);

// Whether an entry of `type` is made at all: false for device nodes, fifos and sockets when
// untrusted.
bool MakesEntry(repository::NodeType type, const RestorePolicy& policy);

// Whether the extended attribute `name` is set: false for security.* and trusted.* when untrusted.
bool SetsXattr(std::string_view name, const RestorePolicy& policy);

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_POLICY_H_
