// cache: a local copy of a repository's immutable metadata, so that reading a repository on
// slow or metered storage (S3) a second time downloads almost nothing.
//
// A caching backend is a backend::Backend decorator. Every call goes to the inner backend, except
// that these immutable files are kept on local disk and read from there:
//  - snapshot and index files, whole (their name is the SHA-256 of their bytes);
//  - marks (evidence files named "mark-" + the SHA-256 of their bytes), whole;
//  - packs of tree blobs (reads and saves that carry Handle::keep_whole), whole, so that any
//    later range of them is served from disk.
// Packs of file data, other evidence, locks, key files and the config are never cached; Size,
// ModifiedNs and List always ask the inner backend, so existence and listings are the
// repository's, not the cache's.
//
// Authenticated like the repository: a cached snapshot, index file or mark is used only when the
// SHA-256 of its bytes equals the one its name says; a cached pack ends in a trailer holding the
// SHA-256 of its bytes, checked in full the first time this process reads that file. A cached
// file that fails the check, is truncated or cannot be read is deleted and fetched again from the
// inner backend: the cache heals itself and never returns bytes other than those the inner
// backend held.
// Files the inner listing no longer has (removed by forget, prune or repair) are deleted from the
// cache when that type is listed next.
//
// Several processes may share one cache folder: files are written to a temporary name and
// renamed into place, and a file another process removes is simply fetched again. A cache that
// cannot be written (read-only folder, full disk) turns itself off for writing after one
// warning; it never fails an operation the inner backend would have completed.
//
// The caching backend is thread-safe, like every Backend.
#ifndef STORMPROOF_ENGINE_CACHE_CACHE_H_
#define STORMPROOF_ENGINE_CACHE_CACHE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "engine/backend/backend.h"

namespace stormproof::cache {

struct CacheOptions {
  // This repository's cache folder (see RepositoryCacheDirectory); created, with a CACHEDIR.TAG,
  // when missing. Required.
  std::string directory;
  // Called at most once, with one line, when the cache cannot be written (the operation goes
  // on without it). Default (empty): the line goes to stderr as "stormproof: warning: ...".
  std::function<void(const std::string& line)> on_warning = {};
  // The folder is this backend's alone and is removed, with everything in it, when the backend
  // is destroyed (storage's fresh cache for what proves: check and drills).
  bool remove_when_done = false;
};

// Wraps `inner` in a caching backend. Errors: kInvalidArgument when `options.directory` is
// empty. A folder that cannot be created is not an error: the backend then works uncached
// (after the one warning).
Result<std::unique_ptr<backend::Backend>> NewCachingBackend(std::unique_ptr<backend::Backend> inner,
                                                            CacheOptions options);

// Where caches live by default: $XDG_CACHE_HOME/stormproof when XDG_CACHE_HOME is an absolute
// path, else $HOME/.cache/stormproof (the home directory from the password database when HOME
// is unset). "" when there is no home directory: then use no cache.
std::string DefaultCacheRoot();

// A new private folder (mode 700) for a fresh cache (CacheOptions::remove_when_done), named
// stormproof-fresh-cache.<pid>.XXXXXX under `parent` ("" = the temporary directory). First
// removes such folders of this user whose process has ended — a check or drill killed before
// it could remove its own — so that they never pile up; a symbolic link or another user's folder
// is left alone. "" when no folder can be made (then use no cache).
std::string NewFreshCacheFolder(const std::string& parent = "");

// The cache folder of the repository at `location` (as Backend::Location() or the user wrote
// it) under `root`: root + "/" + the first 32 hex digits of SHA-256(location). One folder per
// repository, so that listing one repository never deletes another's cached files.
std::string RepositoryCacheDirectory(const std::string& root, std::string_view location);

// Where this machine keeps its record of earlier retention upkeep for the repository whose
// cache folder is `directory` (directory + "/retention"): losing it only costs requests.
std::string MaintenanceRecordFolder(const std::string& directory);

// Where stormproof keeps state that must not be lost with a cache: $XDG_STATE_HOME/stormproof
// when XDG_STATE_HOME is an absolute path, else ~/.local/state/stormproof; "" without a home.
std::string DefaultStateRoot();

// Where this machine keeps its record of stormproof's own delete markers (S3 with Object Lock;
// docs/repository-format.md, "Retention and maintenance") for the repository whose cache folder
// is `directory`: DefaultStateRoot() + "/" + the cache folder's name (the location's hash), not
// in the cache, which anyone or a cleaner may delete; "" without a state root. The caching
// backend fills it in; `repair --as-of`, which opens no repository, records its hides there.
std::string MarkerRecordFolder(const std::string& directory);

}  // namespace stormproof::cache

#endif  // STORMPROOF_ENGINE_CACHE_CACHE_H_
