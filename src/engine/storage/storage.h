// storage: where a repository lives, as the user writes it. Every place that creates or opens a
// repository (`stormproof init`, every engine command, `stormproof run`, drills) goes through
// CreateBackendAt / OpenBackendAt, so the same text means the same place everywhere and a
// location this build cannot serve is refused with one line instead of becoming a local
// directory named "s3:https:".
//
// Locations (restic's spelling):
//   /srv/backup/repo, ./repo, repo, D:/backup   a local directory
//   local:/srv/backup/repo                      the same, said explicitly
//   s3:https://host[:port]/bucket[/prefix]      S3-compatible object storage (engine/s3/s3.h);
//   s3:http://...                               plain HTTP, for local test endpoints only
// Anything else with a scheme (sftp:, rest:, b2:, azure:, gs:, rclone:, swift:, https://...) is
// refused. A scheme is a letter followed by letters, digits, '+', '-' or '.', then ':', before
// any '/'; a single letter is a Windows drive ("D:/backup"), not a scheme. A directory literally
// called "x:y" in the working directory is written "./x:y" (or "local:x:y").
//
// Pure functions and fresh objects: thread-safe.
#ifndef STORMPROOF_ENGINE_STORAGE_STORAGE_H_
#define STORMPROOF_ENGINE_STORAGE_STORAGE_H_

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "engine/backend/backend.h"
#include "engine/s3/s3.h"

namespace stormproof::storage {

// How to reach remote storage; a local directory needs none of it.
struct StorageOptions {
  // The plan's credentials_file and region; else the environment (s3::ResolveCredentials).
  s3::CredentialSources credentials = {};
  std::string ca_file = {};   // --cacert: PEM bundle to verify the server with; "" = system CAs
  bool insecure_tls = false;  // --insecure-tls: do not verify the server's certificate
  // --cache-dir: the root of the local cache of remote repositories, one folder per location
  // under it (CacheFolderFor); "" = cache::DefaultCacheRoot(): $XDG_CACHE_HOME/stormproof, else
  // ~/.cache/stormproof (no cache when there is no home directory).
  std::string cache_dir = {};
  bool no_cache = false;  // --no-cache: every read goes to the storage
  // A new, empty cache folder for this backend alone, removed when it is destroyed: every file
  // is read from the storage once, never from an earlier copy, while tree packs are still
  // fetched whole. For what proves (check, drills): a file damaged or lost in the bucket is met
  // as a restore on a new machine would meet it. Ignored with no_cache.
  bool fresh_cache = false;
  s3::Addressing addressing = s3::Addressing::kAuto;
  // CreateBackendAt only: a missing bucket is created with Object Lock enabled (`init
  // --object-lock`; s3::Options::create_with_object_lock). Local directories ignore it.
  bool create_with_object_lock = false;
  // Why these options cannot reach object storage, found by whoever filled them in (a
  // malformed STORMPROOF_S3_BUCKET_LOOKUP); "" = nothing. Creating or opening an s3: location
  // then fails with kInvalidArgument "<location>: <this>" before credentials are looked up or a
  // request is sent; local directories ignore it.
  std::string s3_setup_error = {};
};

enum class LocationKind { kLocal, kS3 };

// A location, parsed.
struct Location {
  LocationKind kind = LocationKind::kLocal;
  std::string path = {};  // kLocal: the directory, without "local:"
  s3::Location s3 = {};   // kS3
};

// Parses `text`. Errors (kInvalidArgument, one line naming `text`): an empty location, "local:"
// without a path, an unsupported scheme ("repository location 'b2:x': this build cannot use b2:
// locations (supported: a local path, local:PATH, s3:https://host/bucket[/prefix])"), and a
// malformed s3: location (s3::ParseLocation's reason).
Result<Location> ParseLocation(std::string_view text);

// True when `location` names object storage ("s3:..."), valid or not: never a filesystem path.
bool IsRemote(std::string_view location);

// Creates a repository's storage at `location`: a local directory that is absent or empty, or an
// S3 prefix with nothing under it (the bucket is created when missing). S3 storage is wrapped
// with the local cache unless options.no_cache. Errors: those of ParseLocation; kInvalidArgument
// "<location>: <reason>" when s3::ResolveCredentials fails (no credentials, a malformed
// credentials file: something to set up, never a missing repository); those of
// backend::CreateLocalBackend and s3::CreateBackend (kInvalidArgument "not empty", kNotFound,
// kPermissionDenied), each naming the location.
Result<std::unique_ptr<backend::Backend>> CreateBackendAt(const std::string& location,
                                                          const StorageOptions& options);

// Opens existing storage at `location` (whether a repository is there is the repository's
// question). S3 storage is wrapped with the local cache unless options.no_cache. Errors: as
// CreateBackendAt's; kNotFound only for a missing directory. S3 storage is opened without a
// request: a missing bucket is the kNotFound of the first request made through it.
Result<std::unique_ptr<backend::Backend>> OpenBackendAt(const std::string& location,
                                                        const StorageOptions& options);

// The S3 backend's options for `location` (what CreateBackendAt and OpenBackendAt open it with,
// and what the S3 operations outside a repository use: the immutability proof, `repair
// --as-of`): the credentials and region options.credentials resolve (s3::ResolveCredentials),
// its addressing, ca_file, insecure_tls and create_with_object_lock; the rest of s3::Options at
// its defaults. `source` (may be null) receives where the credentials came from ("profile
// 'default' of /etc/stormproof/acme.aws", "AWS_ACCESS_KEY_ID"; never a secret). Errors, each
// kInvalidArgument "<location>: <reason>" (set-up to fix, never a missing repository):
// options.s3_setup_error, and missing or malformed credentials. Sends no request.
Result<s3::Options> S3OptionsFor(const s3::Location& location, const StorageOptions& options,
                                 std::string* source = nullptr);

// True when nothing is stored at `location`: no directory or an empty one, no bucket, or an S3
// prefix nothing was written under (where `stormproof run --init` creates a repository). Errors:
// those of ParseLocation, of OpenBackendAt other than kNotFound, and of HoldsNothing.
Result<bool> NothingStoredAt(const std::string& location, const StorageOptions& options);

// True when `backend` stores no file at all (no config, key, lock, snapshot, index or pack): an
// empty directory, or an S3 prefix nothing was written under. Lists every type; meant for the
// moment a repository is found missing, not for every command. Errors: the backend's List.
Result<bool> HoldsNothing(const backend::Backend& backend);

// The folder under `cache_root` that caches the repository at `location`: the cache's folder
// (cache::RepositoryCacheDirectory) for the location as s3::Location::ToString() prints it, so
// every spelling of one location ("s3:https://h/b//p/", "s3:https://h/b/p") shares one folder.
std::string CacheFolderFor(const std::string& cache_root, const s3::Location& location);

}  // namespace stormproof::storage

#endif  // STORMPROOF_ENGINE_STORAGE_STORAGE_H_
