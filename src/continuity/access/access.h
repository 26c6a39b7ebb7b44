// access: how stormproof reaches the backup repositories a plan names. Given the plan, a system
// and where passwords and the staged root come from (AccessOptions), it finds a repository on
// this host or in object storage (RepositoryLocation, RepositoryStorage), its password
// (RepositoryPassword), and builds the adapter that
// lists and restores the system's restore points: stormproof's own repositories through the
// engine, restic and borg repositories by driving those programs, or the system's own restore
// command (MakeRepositoryAdapter, MakeAdapter; the adapters are in adapter.h and adapters.h).
//
// The adapters live here, not in drill, because they are how every plan repository is reached:
// drills restore through them, and `stormproof run` lists restore points through them to judge
// RPO without any drill. Dependencies point one way: drill and runner use access; access uses
// plan and the engine (repository, restorer) and knows nothing of drills, the catalog or runs.
//
// The functions here are pure or build fresh objects and are thread-safe; an adapter is used by
// one caller at a time (adapter.h).
#ifndef STORMPROOF_CONTINUITY_ACCESS_ACCESS_H_
#define STORMPROOF_CONTINUITY_ACCESS_ACCESS_H_

#include <chrono>
#include <memory>
#include <string>

#include "continuity/access/adapter.h"
#include "continuity/plan/plan.h"
#include "core/result.h"
#include "engine/storage/storage.h"

namespace stormproof::access {

// Where access gets what it cannot find in the plan.
struct AccessOptions {
  std::string password_file;  // for repositories without their own password_file
  std::string password;       // STORMPROOF_PASSWORD, when no file is given anywhere
  // Every absolute path in the plan (backup paths, local repository locations) is taken
  // relative to this directory (a staging copy of the world, or the demo); "" = the real root.
  // Never applied to an s3: location.
  std::string root;
  // How object storage is reached: the command line's --cacert, --insecure-tls, --cache-dir and
  // --no-cache, --s3-bucket-lookup. Each repository adds its own credentials_file and region, and
  // its bucket_lookup overrides --s3-bucket-lookup (RepositoryStorage).
  storage::StorageOptions storage = {};
};

// The password of a plan repository: the first line of its password_file, else of
// access.password_file, else access.password. Errors: kNotFound (unreadable file),
// kInvalidArgument (empty file, or no password anywhere: names the repository).
Result<std::string> RepositoryPassword(const plan::RepositorySpec& repository,
                                       const AccessOptions& access);

// Where a plan repository is, as storage::OpenBackendAt and restic take it: a local path under
// access.root (plan::HostPath; "local:PATH" is the path PATH), or an s3: location exactly as
// written (never a path: no root, nothing made relative). Errors (kInvalidArgument, naming the
// repository): "repository X: <why storage refuses the location>" for a scheme this build cannot
// use (sftp:, b2:, ...) or a malformed s3: location; "repository X: tape is not supported by
// this build"; "repository X: borg cannot use object storage (s3:...)" for a borg repository.
Result<std::string> RepositoryLocation(const plan::RepositorySpec& repository,
                                       const AccessOptions& access);

// How storage reaches `repository`: access.storage with the repository's credentials_file and
// region (the plan's; "" = from the environment) and its bucket_lookup, when the plan gives one
// (else access.storage.addressing, the command line's).
storage::StorageOptions RepositoryStorage(const plan::RepositorySpec& repository,
                                          const AccessOptions& access);

// How long one run of restic or borg may take when drilling `system` (docs/cli.md, drill):
// listing restore points kToolListTimeout (10 minutes); restoring one, or listing its files to
// check the restored copy, twice the system's RTO and at least kToolListTimeout (a restore that
// takes longer has failed the drill whatever happens next; kToolRestoreTimeout without an RTO).
struct ToolTimeouts {
  std::chrono::milliseconds list, restore;
};
ToolTimeouts ToolTimeoutsFor(const plan::Plan& plan, const plan::System& system);

// Makes the adapter that reaches `system`'s backups in `repository` (one of its backup
// repositories of `plan`): stormproof, restic or borg by the repository's kind, with the
// password from RepositoryPassword's sources and ToolTimeoutsFor's timeouts. Errors: those of
// RepositoryLocation; kInvalidArgument "repository X: no password ..." (restic, borg); those of
// RepositoryPassword (stormproof). Nothing is opened yet: the adapter reaches the repository on
// first use.
Result<std::unique_ptr<Adapter>> MakeRepositoryAdapter(const plan::Plan& plan,
                                                       const plan::RepositorySpec& repository,
                                                       const plan::System& system,
                                                       const AccessOptions& access);

// Makes the adapter that restores `system`: the command adapter when the system has a restore
// command, else the first of its backup repositories stormproof can read (stormproof, restic or
// borg kind at a location RepositoryLocation accepts; other schemes and tape are skipped). Errors:
// kNotFound "system X has no restore command and no repository a drill can read". `repository_id`
// (may be null) receives the plan repository chosen ("" for the command adapter).
Result<std::unique_ptr<Adapter>> MakeAdapter(const plan::Plan& plan, const plan::System& system,
                                             const AccessOptions& access,
                                             std::string* repository_id = nullptr);

}  // namespace stormproof::access

#endif  // STORMPROOF_CONTINUITY_ACCESS_ACCESS_H_
