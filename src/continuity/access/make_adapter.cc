// Choosing and building the adapter for a system, and the repository access every adapter and
// `stormproof run` share: passwords and host paths.
#include <algorithm>

#include "continuity/access/access.h"
#include "continuity/access/internal/adapters.h"
#include "continuity/access/internal/engine_adapter.h"
#include "core/secret.h"

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

PasswordSource PasswordSourceOf(const plan::RepositorySpec& repository,
                                const AccessOptions& access) {
  if (!repository.password_file.empty()) return {repository.password_file, ""};
  if (!access.password_file.empty()) return {access.password_file, ""};
  return {"", access.password};
}

// "s3:https://...", "sftp:user@host:/x", "rest:http://..." — anything with a scheme before ':'
// that is not a Windows drive letter.
bool IsUrl(const std::string& location) {
  size_t colon = location.find(':');
  if (colon == std::string::npos || colon < 2) return false;
  return location.find('/') > colon;
}

std::vector<std::string> HostPaths(const plan::System& system, const AccessOptions& access) {
  std::vector<std::string> out;
  for (const std::string& p : system.backup.paths) out.push_back(plan::HostPath(access.root, p));
  return out;
}

// The adapter for `repository`, found on this host at `path` (its RepositoryHostPath).
Result<std::unique_ptr<Adapter>> AdapterFor(const plan::RepositorySpec& repository,
                                            const plan::System& system, const AccessOptions& access,
                                            const std::string& path, ToolTimeouts timeouts) {
  const std::string what = "repository '" + repository.id + "'";
  if (repository.kind == plan::RepositoryKind::kStormproof) {
    STORMPROOF_ASSIGN_OR_RETURN(std::string password, RepositoryPassword(repository, access));
    return NewEngineAdapter({path, password, system.id, HostPaths(system, access)});
  }
  ExternalRepository external;
  external.location = path;
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

Result<std::string> RepositoryHostPath(const plan::RepositorySpec& repository,
                                       const AccessOptions& access) {
  if (repository.medium == plan::Medium::kTape || IsUrl(repository.location)) {
    return Error::InvalidArgument("repository '" + repository.id + "': " + repository.location +
                                  " is not a local path (object storage and tape are not "
                                  "supported by this build)");
  }
  return plan::HostPath(access.root, repository.location);
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
  STORMPROOF_ASSIGN_OR_RETURN(std::string path, RepositoryHostPath(repository, access));
  return AdapterFor(repository, system, access, path, ToolTimeoutsFor(plan, system));
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
    Result<std::string> local = RepositoryHostPath(*repository, access);
    if (!local) {
      skipped += (skipped.empty() ? "" : "; ") + local.error().message();
      continue;
    }
    if (repository_id != nullptr) *repository_id = repository->id;
    return AdapterFor(*repository, system, access, *local, ToolTimeoutsFor(plan, system));
  }
  return Error::NotFound("system '" + system.id +
                         "' has no restore command and no repository a drill can read" +
                         (skipped.empty() ? std::string() : " (" + skipped + ")"));
}

}  // namespace stormproof::access
