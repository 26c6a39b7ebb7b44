// Choosing and building the adapter for a system, and the repository access every adapter and
// `stormproof run` share: passwords, locations and how storage reaches them.
#include <algorithm>
#include <utility>

#include "continuity/access/access.h"
#include "continuity/access/internal/adapters.h"
#include "continuity/access/internal/engine_adapter.h"
#include "core/secret.h"
#include "engine/s3/s3.h"

namespace stormproof::access {
namespace {

Result<std::string> FirstLine(const std::string& path, const std::string& what) {
  Result<SecretString> line = ReadPasswordFile(path);
  if (!line) return Error::NotFound(what + ": password file " + path + " cannot be read");
  if (line->empty()) return Error::InvalidArgument(what + ": password file " + path + " is empty");
  return std::string(line->view());
}

// Where a repository's password comes from, in order of precedence: its own password_file, else
// access.password_file, else access.password. `file` and `password` are both "" when nowhere.
struct PasswordSource {
  std::string file;      // read its first line
  std::string password;  // used when file is ""
};

s3::Addressing AddressingOf(plan::BucketLookup lookup) {
  switch (lookup) {
    case plan::BucketLookup::kDns:
      return s3::Addressing::kVirtualHost;
    case plan::BucketLookup::kPath:
      return s3::Addressing::kPath;
    case plan::BucketLookup::kAuto:
      break;
  }
  return s3::Addressing::kAuto;
}

PasswordSource PasswordSourceOf(const plan::RepositorySpec& repository,
                                const AccessOptions& access) {
  if (!repository.password_file.empty()) return {repository.password_file, ""};
  if (!access.password_file.empty()) return {access.password_file, ""};
  return {"", access.password};
}

// What restic needs besides -r to reach an s3: repository: the credentials and region in the
// variables restic reads (resolved from the plan's credentials_file or stormproof's environment,
// so only these reach restic), --cacert / --insecure-tls, and -o s3.bucket-lookup unless auto.
Status AddResticStorage(const plan::RepositorySpec& repository, const AccessOptions& access,
                        ExternalRepository* external) {
  const storage::StorageOptions storage = RepositoryStorage(repository, access);
  Result<s3::ResolvedCredentials> resolved = s3::ResolveCredentials(storage.credentials);
  if (!resolved) {
    return Error::InvalidArgument("repository '" + repository.id + "': " + repository.location +
                                  ": " + resolved.error().message());
  }
  const s3::Credentials& keys = resolved->credentials;
  external->env = {{"AWS_ACCESS_KEY_ID", keys.access_key_id},
                   {"AWS_SECRET_ACCESS_KEY", std::string(keys.secret_access_key.view())},
                   {"AWS_DEFAULT_REGION", resolved->region}};
  if (!keys.session_token.empty()) {
    external->env.push_back({"AWS_SESSION_TOKEN", std::string(keys.session_token.view())});
  }
  if (!storage.ca_file.empty()) external->flags = {"--cacert", storage.ca_file};
  if (storage.insecure_tls) external->flags.push_back("--insecure-tls");
  if (storage.addressing != s3::Addressing::kAuto) {
    external->flags.push_back("-o");
    external->flags.push_back(std::string("s3.bucket-lookup=") +
                              s3::BucketLookupWord(storage.addressing));
  }
  return Ok();
}

std::vector<std::string> HostPaths(const plan::System& system, const AccessOptions& access) {
  std::vector<std::string> out;
  for (const std::string& p : system.backup.paths) out.push_back(plan::HostPath(access.root, p));
  return out;
}

// The adapter for `repository`, found at `location` (its RepositoryLocation).
Result<std::unique_ptr<Adapter>> AdapterFor(const plan::RepositorySpec& repository,
                                            const plan::System& system, const AccessOptions& access,
                                            const std::string& location, ToolTimeouts timeouts) {
  const std::string what = "repository '" + repository.id + "'";
  if (repository.kind == plan::RepositoryKind::kStormproof) {
    STORMPROOF_ASSIGN_OR_RETURN(std::string password, RepositoryPassword(repository, access));
    // An adapter proves (drills restore through it, copies and checks read through it): it reads
    // the repository itself into a fresh cache of its own, never an earlier local copy, so a file
    // damaged or lost in the bucket is met by the drill as a restore on a new machine would.
    storage::StorageOptions storage = RepositoryStorage(repository, access);
    storage.fresh_cache = true;
    return NewEngineAdapter({location, password, system.id, HostPaths(system, access),
                             std::move(storage)});
  }
  ExternalRepository external;
  external.location = location;
  if (storage::IsRemote(location)) STORMPROOF_TRY(AddResticStorage(repository, access, &external));
  PasswordSource source = PasswordSourceOf(repository, access);
  external.password_file = source.file;
  external.password = source.password;
  if (external.password_file.empty() && external.password.empty()) {
    return Error::InvalidArgument(what +
                                  ": no password (set its password_file in the plan, or "
                                  "use --password-file / STORMPROOF_PASSWORD)");
  }
  external.paths = HostPaths(system, access);
  external.system_id = system.id;
  external.list_timeout = timeouts.list;
  external.restore_timeout = timeouts.restore;
  if (repository.kind == plan::RepositoryKind::kRestic) return NewResticAdapter(external);
  return NewBorgAdapter(external);
}

}  // namespace

Result<std::string> RepositoryPassword(const plan::RepositorySpec& repository,
                                       const AccessOptions& access) {
  const std::string what = "repository '" + repository.id + "'";
  PasswordSource source = PasswordSourceOf(repository, access);
  if (!source.file.empty()) return FirstLine(source.file, what);
  if (!source.password.empty()) return source.password;
  return Error::InvalidArgument(what +
                                ": no password (set its password_file in the plan, or use "
                                "--password-file, STORMPROOF_PASSWORD_FILE or "
                                "STORMPROOF_PASSWORD)");
}

Result<std::string> RepositoryLocation(const plan::RepositorySpec& repository,
                                       const AccessOptions& access) {
  const std::string what = "repository '" + repository.id + "'";
  if (repository.medium == plan::Medium::kTape) {
    return Error::InvalidArgument(what + ": tape is not supported by this build");
  }
  Result<storage::Location> location = storage::ParseLocation(repository.location);
  if (!location) return location.error().WithContext(what);
  if (location->kind == storage::LocationKind::kLocal) {
    // Absolute ("/..."), so storage reads it back as this path whatever ':' it holds.
    return plan::HostPath(access.root, location->path);
  }
  if (repository.kind == plan::RepositoryKind::kBorg) {
    return Error::InvalidArgument(what + ": borg cannot use object storage (" +
                                  repository.location + "); use a local path or ssh:// with borg");
  }
  return repository.location;
}

storage::StorageOptions RepositoryStorage(const plan::RepositorySpec& repository,
                                          const AccessOptions& access) {
  storage::StorageOptions options = access.storage;
  options.credentials.credentials_file = repository.credentials_file;
  options.credentials.region = repository.region;
  if (repository.bucket_lookup) options.addressing = AddressingOf(*repository.bucket_lookup);
  return options;
}

ToolTimeouts ToolTimeoutsFor(const plan::Plan& plan, const plan::System& system) {
  ToolTimeouts timeouts{kToolListTimeout, kToolRestoreTimeout};
  std::optional<Duration> rto = plan::ObjectivesOf(plan, system).rto;
  if (rto) {
    timeouts.restore = std::max(
        timeouts.list, std::chrono::milliseconds(std::chrono::seconds(2 * rto->seconds())));
  }
  return timeouts;
}

Result<std::unique_ptr<Adapter>> MakeRepositoryAdapter(const plan::Plan& plan,
                                                       const plan::RepositorySpec& repository,
                                                       const plan::System& system,
                                                       const AccessOptions& access) {
  STORMPROOF_ASSIGN_OR_RETURN(std::string location, RepositoryLocation(repository, access));
  return AdapterFor(repository, system, access, location, ToolTimeoutsFor(plan, system));
}

Result<std::unique_ptr<Adapter>> MakeAdapter(const plan::Plan& plan, const plan::System& system,
                                             const AccessOptions& access,
                                             std::string* repository_id) {
  if (repository_id != nullptr) repository_id->clear();
  if (!system.restore_command.empty()) {
    return NewCommandAdapter({system.restore_command,
                              std::chrono::seconds(system.restore_timeout.seconds()), system.id});
  }
  std::string skipped;
  for (const plan::Ref& ref : system.backup.repositories) {
    const plan::RepositorySpec* repository = plan.FindRepository(ref.id);
    if (repository == nullptr) continue;
    Result<std::string> location = RepositoryLocation(*repository, access);
    if (!location) {
      skipped += (skipped.empty() ? "" : "; ") + location.error().message();
      continue;
    }
    if (repository_id != nullptr) *repository_id = repository->id;
    return AdapterFor(*repository, system, access, *location, ToolTimeoutsFor(plan, system));
  }
  return Error::NotFound("system '" + system.id +
                         "' has no restore command and no repository a drill can read" +
                         (skipped.empty() ? std::string() : " (" + skipped + ")"));
}

}  // namespace stormproof::access
