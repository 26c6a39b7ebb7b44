// Opening the backup repository the way every engine command does: the repository from --repo
// or STORMPROOF_REPOSITORY, the password from --password-file, STORMPROOF_PASSWORD_FILE,
// STORMPROOF_PASSWORD or (on a terminal) a prompt — never from a command-line argument.
#ifndef STORMPROOF_APPS_STORMPROOF_REPO_ACCESS_H_
#define STORMPROOF_APPS_STORMPROOF_REPO_ACCESS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/stormproof/context.h"
#include "core/secret.h"
#include "continuity/access/access.h"
#include "engine/storage/storage.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/repository.h"

namespace stormproof::cli {

// Reads the password. `confirm`: on a terminal prompt, ask twice (for init and key add). A
// password file readable by group or others is read with a warning (core/secret.h); the password
// is wiped when the result is destroyed.
Result<SecretString> ReadPassword(const Context& context, bool confirm);

// The password on the first line of `path`, read for `flag` (which the errors name). Errors:
// kNotFound when it cannot be read, kInvalidArgument when the line is empty.
Result<SecretString> FirstLineOf(const std::string& path, const char* flag = "--password-file");

// Reads a new password (key add, key passwd): the first line of `file` when given, else a
// terminal prompt asked twice; never a command-line argument. Errors: kInvalidArgument when there
// is no file and no terminal, or the two entries differ; kNotFound for an unreadable file.
Result<SecretString> ReadNewPassword(const std::string& file);

// How --repo is reached when it names object storage: --cacert, --insecure-tls, --cache-dir,
// --no-cache, --s3-bucket-lookup; credentials from the environment (s3::ResolveCredentials).
storage::StorageOptions StorageOptionsOf(const Context& context);

// Opens the repository through storage::OpenBackendAt; on failure prints one line, sets
// *failure and returns null. Exit codes (exit_codes.h): 2 without --repo, for a location this
// build refuses (sftp:, b2:, a malformed s3:) or missing S3 credentials; 10 when nothing exists
// at --repo (no directory, no bucket, nothing under the s3: prefix); 14 when the storage denies
// access; 1 when it holds no stormproof repository (or a restic/borg one) or the storage cannot
// be reached; 12 for a wrong password, 13 for a damaged config.
// The config is read once (probed, then handed to Open). `index`: kUnderFirstLock for a command
// that takes a lock at once (backup): the index is then read once, under that lock, and the
// command calls WarnDamagedIndexFiles after taking it.
std::unique_ptr<repository::Repository> OpenRepositoryOrReport(
    const Context& context, Outcome* failure,
    repository::Repository::IndexLoad index = repository::Repository::IndexLoad::kAtOpen);
// As above, with the password from `read_password` instead of ReadPassword (copy's source
// repository, whose password comes from --from-password-file); an error opening it with that
// password (a wrong one: exit 12) is prefixed with `what` ("--from-repo LOCATION").
// `credentials`: where an s3: location's credentials come from (copy's --from-credentials-file
// and --from-profile); empty (the default): the environment, as for --repo.
using PasswordReader = std::function<Result<SecretString>()>;
std::unique_ptr<repository::Repository> OpenRepositoryOrReport(
    const Context& context, Outcome* failure, repository::Repository::IndexLoad index,
    const PasswordReader& read_password, const std::string& what,
    const s3::CredentialSources& credentials = {});
// Prints "warning: index file N is damaged: why; run 'stormproof check'" to stderr for each
// index file the last load could not read.
void WarnDamagedIndexFiles(const repository::Repository& repo);

// Every readable snapshot, oldest first; prints one line to stderr per damaged snapshot file
// ("warning: snapshot file X is damaged: reason; run 'stormproof check'") and goes on.
// Errors only when the snapshots cannot be listed.
Result<std::vector<repository::Snapshot>> LoadSnapshotsOrWarn(const repository::Repository& repo);

// `paths` made absolute and normal, without a trailing '/', as backups record them (and as
// --canary and scan's --canary compare them).
std::vector<std::string> AbsolutePaths(const std::vector<std::string>& paths);

// The repository's marks (holds, releases, later verdicts: engine/repository/marks.h); a mark
// that cannot be read is skipped with one warning line on stderr ("warning: mark X is damaged:
// reason; run 'stormproof check'"). Errors only when they cannot be listed.
Result<repository::MarkSet> LoadMarksOrWarn(const repository::Repository& repo);

// Locks the repository, waiting up to --retry-lock for a conflicting lock to go (saying so on
// stderr once). Errors: kInvalidArgument for a malformed --retry-lock; kLocked.
Result<std::unique_ptr<repository::Lock>> LockRepository(const Context& context,
                                                         repository::Repository& repo,
                                                         repository::Repository::LockKind kind);
// Takes the exclusive lock for prune or repair (repository::Maintenance::Begin), waiting as
// LockRepository does. Errors: as LockRepository's.
Result<std::unique_ptr<repository::Maintenance>> BeginMaintenance(const Context& context,
                                                                  repository::Repository& repo);
// --retry-lock as a duration (0 when not given).
Result<std::chrono::milliseconds> LockWait(const Context& context);
// Says on stderr, once, that the command waits for `conflict` to go.
repository::Repository::LockWaitFn LockWaitNotice(const Context& context);

// Finds a snapshot by id prefix, "latest" (the newest one matching `tags`, `paths` and `host`,
// "" any) or "latest-clean" (FindCleanPoint). Errors: kNotFound (none, or no match),
// kInvalidArgument (an ambiguous prefix).
Result<repository::Snapshot> FindSnapshot(const repository::Repository& repo,
                                          const std::string& spec,
                                          const std::vector<std::string>& tags,
                                          const std::vector<std::string>& paths,
                                          const std::string& host = "");

// The newest clean restore point (detect::NewestClean) of the snapshots matching `tags` and
// `paths`, with why it was chosen in plain words ("newest clean snapshot; 2 newer flagged, the
// first 9a8b7c6d infected (...)"). The matching snapshots must be of one host and one set of
// paths (one group: its verdicts are judged against each other); else kInvalidArgument naming
// the groups. Snapshots dated more than retention::kFutureTolerance after `now_ns` are left out
// (the reason says how many), and every flag accepted as a false alarm is named with who
// accepted it. kNotFound when no snapshot matches, none was ever judged, or none is clean before
// the first flagged one.
struct CleanPointChoice {
  repository::Snapshot snapshot;
  std::string reason;
};
Result<CleanPointChoice> FindCleanPoint(const repository::Repository& repo,
                                        const std::vector<std::string>& tags,
                                        const std::vector<std::string>& paths,
                                        const std::string& host, int64_t now_ns);

// Parses "K=V" tags; a bare word is a tag with an empty value.
std::map<std::string, std::string> ParseTags(const std::vector<std::string>& tags);

// True when the snapshot has every tag and includes every path.
bool SnapshotMatches(const repository::Snapshot& snapshot, const std::vector<std::string>& tags,
                     const std::vector<std::string>& paths);

// How `run` and `drill` reach the plan's repositories: the global --password-file (or
// STORMPROOF_PASSWORD) for repositories without their own password_file, --root (made
// absolute) as the staged root of every plan path ("" = the real root; never applied to s3:
// locations), and StorageOptionsOf(context) for object storage.
access::AccessOptions PlanAccess(const Context& context, const std::string& root);

// Prints an engine error (control characters escaped) and returns its outcome: the exit code
// ExitCodeFor(error, subject) gives. An interruption (kInterrupted, whose message says what was
// left) exits 130 for SIGINT and 143 for SIGTERM.
Outcome ReportEngineError(const Error& error, ErrorSubject subject = ErrorSubject::kAny);

// Prints "stormproof: interrupted by SIGTERM; <left>" and returns Outcome::Interrupted() (130 or
// 143). REQUIRES: Interrupted().
Outcome ReportInterruption(const std::string& left);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_REPO_ACCESS_H_
