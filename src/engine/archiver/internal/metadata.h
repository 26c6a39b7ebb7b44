// What the archiver records about an entry besides its content: the lstat fields, owner names,
// symlink target and extended attributes.
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_METADATA_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_METADATA_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "engine/repository/tree.h"

namespace stormproof::archiver::internal {

// Caches uid -> user name and gid -> group name lookups (NSS can be slow). Not thread-safe.
class OwnerNames {
 public:
  const std::string& User(uid_t uid);  // "" when the uid has no name
  const std::string& Group(gid_t gid);

 private:
  std::unordered_map<uid_t, std::string> users_;
  std::unordered_map<gid_t, std::string> groups_;
};

// The node for an entry named `name` with lstat result `st`: type, mode bits (07777), owner,
// times in ns, inode, device, links, rdev for devices, and size for regular files (0 otherwise).
// Nothing that needs another system call except the name lookups.
repository::Node NodeFromStat(std::string name, const struct stat& st, OwnerNames& names);

// The target of the symlink at `path`, any bytes. Errors: kIo naming the failing call.
Result<std::string> ReadLinkTarget(const std::string& path);

// The extended attributes of `path` itself (not following a symlink), sorted by name. A file
// system without xattr support, or an attribute that vanishes meanwhile, gives fewer or none.
Result<std::vector<repository::Xattr>> ReadXattrs(const std::string& path);

// errno as an Error: "what: strerror" (the caller adds the path).
Error ErrnoError(const std::string& what, int error_number);

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_METADATA_H_
