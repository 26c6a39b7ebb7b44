// The adapters that drill backups made by other tools: restic and borg repositories (driving the
// real restic 0.14+ and borg 1.2 programs) and a plan's own restore command.
//
// The restic and borg adapters run only read-only commands (snapshots/ls/restore, list/extract),
// never put a password on a command line, and give the tool a private cache and configuration
// directory that is removed with the adapter, so a drill neither reads nor changes the user's
// ~/.cache or ~/.config (borg keyfile keys are still read from the user's key directory). The
// tool's environment is the subprocess allow-list (core/subprocess.h: PATH, HOME, LANG, LC_*,
// TZ, TMPDIR, USER, LOGNAME) plus the variables listed at each adapter, among them the one
// secret it needs; no other setting or secret of stormproof's environment reaches it. Every run
// of the tool is bounded by a timeout (ExternalRepository).
// Restore reports progress once, when the restore is done (neither restic 0.14's restore nor
// borg 1.2's extract prints machine-readable progress). Like every Adapter, they are used by one
// drill at a time (not thread-safe).
#ifndef STORMPROOF_CONTINUITY_ACCESS_INTERNAL_ADAPTERS_H_
#define STORMPROOF_CONTINUITY_ACCESS_INTERNAL_ADAPTERS_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "continuity/access/adapter.h"

namespace stormproof::access {

// How long one run of restic or borg may take by default: listing restore points, and restoring
// one or listing its files (MakeAdapter derives the latter from the system's RTO instead).
inline constexpr std::chrono::milliseconds kToolListTimeout = std::chrono::minutes(10);
inline constexpr std::chrono::milliseconds kToolRestoreTimeout = std::chrono::hours(24);

// A restic or borg repository that holds a system's backups.
struct ExternalRepository {
  std::string location;       // what the tool accepts: a path, s3:https://..., ssh://...
  std::string password_file;  // preferred; the file's first line is the password
  std::string password;       // used when password_file is ""
  // The system's backup paths as the tool recorded them (host paths). restic: snapshots whose
  // paths overlap one of these are the system's (all snapshots when empty).
  std::vector<std::string> paths;
  // restic: snapshots tagged with it are the system's, when there are any; borg: archives whose
  // names start with it, when there are any (else all archives).
  std::string system_id;
  std::string program;  // the tool to run; "" = "restic" / "borg" from $PATH
  // restic, for an s3: location only: the credentials and region (AWS_ACCESS_KEY_ID,
  // AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_DEFAULT_REGION) added to its environment, and
  // the flags given before the command (--cacert FILE, --insecure-tls, -o s3.bucket-lookup=dns
  // or =path). Empty otherwise.
  std::vector<std::pair<std::string, std::string>> env = {};
  std::vector<std::string> flags = {};
  // When a run of the tool has taken this long, it and everything it started are stopped
  // (SIGTERM, SIGKILL after core's kTerminateGrace) and the call fails with kIo "<tool> <command>
  // <location>: timed out after <timeout>". `list_timeout` bounds List; `restore_timeout`
  // Restore and CheckData.
  std::chrono::milliseconds list_timeout = kToolListTimeout;
  std::chrono::milliseconds restore_timeout = kToolRestoreTimeout;
};

// restic. List: `restic snapshots --json`; Restore: `restic restore ID --target T --include
// PATH...`, only the system's backup paths (`paths`; the whole snapshot when there are none), so
// a snapshot holding several systems restores just this one's (restic puts the absolute paths
// under T); CheckData: the system's part of `restic ls --json ID` compared with T (type, size),
// and a backup path the snapshot holds nothing of is a problem ("PATH: not in the snapshot").
// restic's environment: the allow-list, RESTIC_CACHE_DIR (private) and RESTIC_PASSWORD_FILE (the
// password file) or else RESTIC_PASSWORD (the password), and for an s3: repository the AWS_*
// variables of ExternalRepository::env; the repository is given with -r, unchanged (restic
// reads s3: locations itself).
// Errors: kNotFound (no repository at the location, or restic is not installed),
// kInvalidArgument (wrong or no password), kLocked (locked by another process), kIo.
std::unique_ptr<Adapter> NewResticAdapter(const ExternalRepository& repository);

// borg. List: `borg list --json`; Restore: `borg extract REPO::NAME pp:PATH...` in T, only the
// system's backup paths (`paths`; the whole archive when there are none), so an archive holding
// several systems restores just this one's (borg 1.x stores paths without the leading '/', so
// they land at T/<path>; a relative local location is made absolute first); CheckData: `borg
// list --json-lines REPO::NAME pp:PATH...` compared with T (type, size, borg's own "healthy"
// flag), and a backup path the archive holds nothing of is a problem ("PATH: not in the
// archive"). RestorePoint::paths and hostname stay empty (borg 1.2's list does not give them).
// Archive times: borg 1.2 prints local time without an offset; it is read in this process's
// local time zone (TZ), which must be the zone borg ran in. Errors as for restic.
// borg's environment: the allow-list, BORG_PASSPHRASE (the password, or the password file's first
// line), private BORG_BASE_DIR/CONFIG_DIR/CACHE_DIR/SECURITY_DIR, BORG_KEYS_DIR (the user's key
// directory, when it exists) and fixed answers to borg's questions
// (BORG_RELOCATED_REPO_ACCESS_IS_OK=yes, BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=no,
// BORG_DISPLAY_PASSPHRASE=no, BORG_CHECK_/DELETE_I_KNOW_WHAT_I_AM_DOING=NO).
std::unique_ptr<Adapter> NewBorgAdapter(const ExternalRepository& repository);

// A system restored by its own command from the plan.
struct CommandRestore {
  std::string restore_command;      // run with /bin/sh -c
  std::chrono::seconds timeout{0};  // 0 = no limit
  std::string system_id;            // STORMPROOF_SYSTEM
};

// The command adapter. List gives one restore point {id "command", time 0}. Restore runs the
// command in stormproof's working directory with the subprocess allow-list (core/subprocess.h)
// plus STORMPROOF_RESTORE_PATH=<target>, STORMPROOF_SYSTEM=<system id> and
// STORMPROOF_RESTORE_POINT_FILE=<a file outside target>, nothing else of stormproof's
// environment (never a repository password); a time the command writes to that file (RFC 3339
// or Unix seconds) becomes
// RestoreStats::point_time_ns. A non-zero exit or the timeout is an error naming the status and
// the last line of the command's stderr. CheckData has nothing to compare against: it only
// proves files were restored (files_checked = regular files under target; a problem when none).
std::unique_ptr<Adapter> NewCommandAdapter(const CommandRestore& restore);

}  // namespace stormproof::access

#endif  // STORMPROOF_CONTINUITY_ACCESS_INTERNAL_ADAPTERS_H_
